"""SCORM 1.2 target: imsmanifest.xml (IMS CP 1.1.2 + ADL CP 1.2) around the rendered pages."""

from __future__ import annotations

from lxml import etree

from ..model import Course
from ..render import Page
from .manifest import control_files, schema_locations, single_sco, xml_id

NAME = "scorm12"
LABEL = "SCORM 1.2"
STANDARD = "scorm12"

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SCHEMA_FILES = {
    "imscp_rootv1p1p2.xsd": IMSCP,
    "imsmd_rootv1p2p1.xsd": IMSMD,
    "adlcp_rootv1p2.xsd": ADLCP,
}


def pages(course: Course) -> list[Page]:
    return single_sco(course)


def _el(parent, ns: str, tag: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v})
    if text is not None:
        node.text = text
    return node


def _langstring(parent, tag: str, text: str, language: str) -> None:
    holder = _el(parent, IMSMD, tag)
    _el(holder, IMSMD, "langstring", text).set(f"{{{XML_NS}}}lang", language)


def manifest(course: Course, scos: list[Page], files: dict[str, bytes],
             shipped_controls: dict[str, bytes]) -> bytes:
    root = etree.Element(f"{{{IMSCP}}}manifest", nsmap={None: IMSCP, "adlcp": ADLCP,
                                                        "imsmd": IMSMD, "xsi": XSI})
    root.set("identifier", xml_id("MANIFEST", course.id))
    root.set("version", course.version)
    locations = schema_locations(shipped_controls, SCHEMA_FILES)
    if locations:
        root.set(f"{{{XSI}}}schemaLocation", locations)

    metadata = _el(root, IMSCP, "metadata")
    _el(metadata, IMSCP, "schema", "ADL SCORM")
    _el(metadata, IMSCP, "schemaversion", "1.2")
    lom = _el(metadata, IMSMD, "lom")
    general = _el(lom, IMSMD, "general")
    _langstring(general, "title", course.title, course.language)
    _el(general, IMSMD, "language", course.language)
    if course.description:
        _langstring(general, "description", course.description.strip(), course.language)

    org_id = xml_id("ORG", course.id)
    organizations = _el(root, IMSCP, "organizations", default=org_id)
    organization = _el(organizations, IMSCP, "organization", identifier=org_id)
    _el(organization, IMSCP, "title", course.title)
    resources = _el(root, IMSCP, "resources")
    for sco in scos:
        item = _el(organization, IMSCP, "item", identifier=xml_id("ITEM", sco.id),
                   identifierref=xml_id("RES", sco.id), isvisible="true")
        _el(item, IMSCP, "title", sco.title)
        resource = _el(resources, IMSCP, "resource", identifier=xml_id("RES", sco.id),
                       type="webcontent", href=sco.href)
        resource.set(f"{{{ADLCP}}}scormtype", "sco")
        _el(resource, IMSCP, "file", href=sco.href)
        for name in sorted(files):
            if name != sco.href:
                _el(resource, IMSCP, "file", href=name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def package_files(course: Course, scos: list[Page], files: dict[str, bytes],
                  controls_dir=None) -> dict[str, bytes]:
    """All entries of the zip: rendered files, control documents and the manifest."""
    shipped = control_files(controls_dir or course.control_files)
    out = dict(files)
    out.update(shipped)
    out["imsmanifest.xml"] = manifest(course, scos, files, shipped)
    return out
