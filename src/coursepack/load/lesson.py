"""Read a Markdown lesson with YAML front matter."""

from __future__ import annotations

import re
from pathlib import Path

from .. import schema
from ..diagnostics import Report, Source, display_path
from ..model import Lesson
from .files import read_text
from .yamlpos import parse_yaml

_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


def split_front_matter(text: str, source: Source, report: Report) -> tuple[str, int, str] | None:
    """(front matter, line where the body starts, body); None if the fence is not closed."""
    if not text.startswith("---"):
        return "", 1, text
    first = text.split("\n", 1)[0]
    if first.rstrip() != "---":
        return "", 1, text
    rest = text[len(first) + 1:]
    end = _FENCE.search(rest)
    if end is None:
        report.error("front-matter-unclosed", "front matter starts with '---' but never ends",
                     source.at(1, 1), "close the front matter with a line holding only '---'")
        return None
    front = rest[:end.start()]
    body = rest[end.end() + 1:]
    body_line = 1 + front.count("\n") + 2
    return front, body_line, body


def read_lesson(path: Path, report: Report) -> Lesson | None:
    source = Source(display_path(path))
    errors_before = report.errors
    text = read_text(path, report)
    if text is None:
        return None
    parts = split_front_matter(text, source, report)
    if parts is None:
        return None
    front, body_line, body = parts
    if not front.strip():
        report.error("front-matter-missing", "lesson has no front matter with a title",
                     source.at(1, 1), "start the file with:\n---\ntitle: Lesson title\n---")
        return None
    doc = parse_yaml(front, source, report, line_offset=1)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        report.error("wrong-type", "front matter should be a mapping of keys to values",
                     doc.pos(()), "write 'title: Lesson title' between the '---' lines")
        return None
    schema.check(doc, schema.FRONT_MATTER, report, "front matter")
    if report.errors > errors_before:
        return None
    data = doc.data
    return Lesson(
        id=data.get("id") or _id_from_name(path.stem),
        title=data["title"], summary=data.get("summary") or "", minutes=data.get("minutes"),
        markdown=body, body_line=body_line, path=path, source=source.at(1, 1),
    )


def _id_from_name(stem: str) -> str:
    """A lesson id from its file name: lowercase, other characters become hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug[:64].strip("-") or "lesson"
