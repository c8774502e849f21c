"""SCORM 1.2 target: imsmanifest.xml (IMS CP 1.1.2 + ADL CP 1.2) around the rendered pages."""

from __future__ import annotations


from ..model import Course
from ..render import Page
from .manifest import (add_resources, element, manifest_head, sco_pass_mark, scos, serialize,
                       with_manifest, xml_id)

NAME = "scorm12"
LABEL = "SCORM 1.2"
STANDARD = "scorm12"
ARCHIVE = True

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SCHEMA_FILES = {
    "imscp_rootv1p1p2.xsd": IMSCP,
    "imsmd_rootv1p2p1.xsd": IMSMD,
    "adlcp_rootv1p2.xsd": ADLCP,
}

pages = scos


def _langstring(parent, tag: str, text: str, language: str) -> None:
    holder = element(parent, IMSMD, tag)
    element(holder, IMSMD, "langstring", text).set(f"{{{XML_NS}}}lang", language)


def manifest(course: Course, launch: list[Page], files: dict[str, bytes],
             shipped_controls: dict[str, bytes]) -> bytes:
    root, metadata = manifest_head(course, IMSCP, {None: IMSCP, "adlcp": ADLCP, "imsmd": IMSMD},
                                   "1.2", shipped_controls, SCHEMA_FILES)
    lom = element(metadata, IMSMD, "lom")
    general = element(lom, IMSMD, "general")
    _langstring(general, "title", course.title, course.language)
    element(general, IMSMD, "language", course.language)
    if course.description:
        _langstring(general, "description", course.description.strip(), course.language)

    org_id = xml_id("ORG", course.id)
    organizations = element(root, IMSCP, "organizations", default=org_id)
    organization = element(organizations, IMSCP, "organization", identifier=org_id)
    element(organization, IMSCP, "title", course.title)
    for sco in launch:
        item = element(organization, IMSCP, "item", identifier=xml_id("ITEM", sco.id),
                       identifierref=xml_id("RES", sco.id), isvisible="true")
        element(item, IMSCP, "title", sco.title)
        mastery = sco_pass_mark(course, sco)
        if mastery is not None:
            element(item, ADLCP, "masteryscore", str(mastery))
    add_resources(element(root, IMSCP, "resources"), IMSCP, f"{{{ADLCP}}}scormtype",
                  launch, files)
    return serialize(root)


def package_files(course: Course, launch: list[Page], files: dict[str, bytes],
                  controls_dir=None) -> dict[str, bytes]:
    return with_manifest(manifest, course, launch, files, controls_dir, STANDARD)
