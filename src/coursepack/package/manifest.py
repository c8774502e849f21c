"""What every manifest needs, whatever the standard: SCOs, identifiers, resources, control
files. The SCORM 1.2 and 2004 targets differ in namespaces and sequencing, not in this."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ..cache import SCRATCH_FILE, VCS_FOLDERS
from ..model import Course
from ..render import LAUNCH_PAGE, Page

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def xml_id(prefix: str, text: str) -> str:
    """A valid XML ID (an NCName) that is stable for the same text."""
    return prefix + "-" + re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def scos(course: Course) -> list[Page]:
    """The launchable pages: the whole course from index.html (the default), or with
    `sco: per-module` one page per module, each tracked by the LMS on its own."""
    if course.sco == "per-module" and len(course.modules) > 1:
        return [Page(f"{module.id}.html", f"{course.id}-{module.id}", module.title, (module.id,))
                for module in course.modules]
    return [Page(LAUNCH_PAGE, course.id, course.title, tuple(m.id for m in course.modules))]


def sco_pass_mark(course: Course, page: Page) -> int | None:
    """The pass mark the LMS should apply to this SCO: the course's assessment's, if the
    assessment is in it."""
    assessment = course.assessment
    if assessment is None:
        return None
    modules = [m for m in course.modules if m.id in page.module_ids]
    return course.pass_mark if any(assessment in m.lessons for m in modules) else None


SUBFOLDERS = {"scorm12": ("scorm12",), "scorm2004": ("scorm2004", "scorm2004-4th")}


def control_files(folder: Path | None, standard: str = "") -> dict[str, bytes]:
    """Every file of a folder of SCORM control documents (.xsd, .dtd), by package path. A
    folder holding one subfolder per standard (scorm12/, scorm2004/ or scorm2004-4th/)
    gives each package the documents of its own standard."""
    if folder is None:
        return {}
    for name in SUBFOLDERS.get(standard, ()):
        if (folder / name).is_dir():
            folder = folder / name
            break
    out = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and path.suffix.lower() in (".xsd", ".dtd") \
                and not VCS_FOLDERS.intersection(name.parts) \
                and not SCRATCH_FILE.fullmatch(path.name) \
                and _entry_name(name.as_posix()):      # (the first two as the build's digest)
            out[name.as_posix()] = path.read_bytes()
    return out


def _entry_name(name: str) -> bool:
    """Whether a file name can be a zip entry's as every unzip reads it: UTF-8 (not bytes the
    file system could not decode), no backslash, no control character. A schema file named
    otherwise could not be one the manifest's schemaLocation names either."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in name)


def schema_locations(shipped: dict[str, bytes], known: dict[str, str]) -> str:
    """xsi:schemaLocation naming only the schema files that the package really contains."""
    pairs = [f"{namespace} {name}" for name, namespace in known.items() if name in shipped]
    return " ".join(pairs)


def element(parent, ns: str, tag: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v})
    if text is not None:
        node.text = text
    return node


def add_resources(resources, cp: str, scorm_type: str, pages: list[Page],
                  files: dict[str, bytes]) -> None:
    """One SCO resource per page. A single SCO lists every file; several SCOs share the
    files they have in common through one 'asset' resource they each depend on."""
    page_hrefs = {page.href for page in pages}
    shared = [name for name in sorted(files) if name not in page_hrefs]
    for page in pages:
        resource = element(resources, cp, "resource", identifier=xml_id("RES", page.id),
                           type="webcontent", href=page.href)
        resource.set(scorm_type, "sco")
        element(resource, cp, "file", href=page.href)
        if len(pages) == 1:
            for name in shared:
                element(resource, cp, "file", href=name)
        else:
            element(resource, cp, "dependency", identifierref="RES-common-files")
    if len(pages) > 1:
        common = element(resources, cp, "resource", identifier="RES-common-files",
                         type="webcontent")
        common.set(scorm_type, "asset")
        for name in shared:
            element(common, cp, "file", href=name)


def manifest_head(course: Course, cp: str, nsmap: dict, version: str,
                  shipped_controls: dict[str, bytes], schema_files: dict[str, str]):
    """The manifest element and its metadata element, the same in both SCORM versions but
    for namespaces and the schema version."""
    root = etree.Element(f"{{{cp}}}manifest", nsmap={**nsmap, "xsi": XSI})
    root.set("identifier", xml_id("MANIFEST", course.id))
    root.set("version", course.version)
    locations = schema_locations(shipped_controls, schema_files)
    if locations:
        root.set(f"{{{XSI}}}schemaLocation", locations)
    metadata = element(root, cp, "metadata")
    element(metadata, cp, "schema", "ADL SCORM")
    element(metadata, cp, "schemaversion", version)
    return root, metadata


def serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def with_manifest(make_manifest, course: Course, launch: list[Page], files: dict[str, bytes],
                  controls_dir: Path | None, standard: str) -> dict[str, bytes]:
    """All entries of a SCORM zip: the rendered files, the control documents (from
    --control-files or the course's `control_files:`) and the manifest naming them."""
    shipped = control_files(controls_dir or course.control_files, standard)
    out = dict(files)
    out.update(shipped)
    out["imsmanifest.xml"] = make_manifest(course, launch, files, shipped)
    return out
