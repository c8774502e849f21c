"""What every manifest needs, whatever the standard: identifiers, file lists, control files."""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Course
from ..render import LAUNCH_PAGE, Page


def xml_id(prefix: str, text: str) -> str:
    """A valid XML ID (an NCName) that is stable for the same text."""
    return prefix + "-" + re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def single_sco(course: Course) -> list[Page]:
    """The default: the whole course is one SCO launched from index.html."""
    return [Page(LAUNCH_PAGE, course.id, course.title, tuple(m.id for m in course.modules))]


def control_files(folder: Path | None) -> dict[str, bytes]:
    """Every file of a folder of SCORM control documents (.xsd, .dtd), by package path."""
    if folder is None:
        return {}
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix.lower() in (".xsd", ".dtd"):
            out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def schema_locations(shipped: dict[str, bytes], known: dict[str, str]) -> str:
    """xsi:schemaLocation naming only the schema files that the package really contains."""
    pairs = [f"{namespace} {name}" for name, namespace in known.items() if name in shipped]
    return " ".join(pairs)
