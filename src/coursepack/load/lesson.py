"""Read a Markdown lesson with YAML front matter."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from .. import schema
from ..diagnostics import Report, Source, display_path
from ..model import Lesson, Video
from ..timecode import parse_duration
from .files import read_text, resolve_inside
from .quiz import quiz_from
from .transcript import read_transcript
from .yamlpos import YamlDoc, parse_yaml

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


def read_lesson(path: Path, root: Path, report: Report) -> Lesson | None:
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
    video = _read_video(doc, path, root, report) if isinstance(data.get("video"), dict) else None
    if report.errors > errors_before:
        return None
    quiz = quiz_from(doc, ("quiz",)) if isinstance(data.get("quiz"), dict) else None
    return Lesson(
        id=data.get("id") or lesson_id_from_name(path.stem),
        title=data["title"], summary=data.get("summary") or "", minutes=data.get("minutes"),
        markdown=body, body_line=body_line, path=path, source=source.at(1, 1), video=video,
        quiz=quiz, reference_list=data.get("references") is not False,
    )


def _read_video(doc: YamlDoc, lesson_path: Path, root: Path, report: Report) -> Video | None:
    """The `video:` block. Paths in it are relative to the lesson file, like Markdown's."""
    spec = doc.data["video"]
    lesson_dir = lesson_path.parent.relative_to(root.resolve()).as_posix()

    def local(key: str, what: str) -> Path | None:
        ref = spec.get(key)
        if not isinstance(ref, str):
            return None
        rel = posixpath.normpath(posixpath.join(lesson_dir, ref))
        if ref.startswith("/") or rel.startswith("../") or rel == "..":
            rel = ref  # let resolve_inside report it as written
        return resolve_inside(root, rel, doc.pos(("video", key)), report, what)

    if ("src" in spec) == ("url" in spec):
        report.error("video-source", "a video needs either 'src' (a file in the course) or "
                     "'url' (an external address), not both or neither", doc.pos(("video",)),
                     "keep one of 'src' and 'url'" if "src" in spec else
                     "add 'src: ../media/talk.webm' under 'video:'")
    if isinstance(spec.get("url"), str):
        report.warning("external-video", f"the video is loaded from {spec['url']}; the "
                       "package is not self-contained and needs the learner to be online",
                       doc.pos(("video", "url")),
                       "put the video file in the course folder and use 'src:' instead")
    duration = None
    if "duration" in spec:
        duration = parse_duration(spec["duration"])
        if duration is None:
            report.error("bad-duration", f"'{spec['duration']}' is not a valid duration",
                         doc.pos(("video", "duration")),
                         "give seconds (95) or a time such as 1:35 or 1:02:05")
    transcript_path = local("transcript", "transcript")
    transcript = read_transcript(transcript_path, report, duration) if transcript_path else None
    return Video(src=local("src", "video file"), url=spec.get("url") or "",
                 poster=local("poster", "poster image"), duration=duration,
                 transcript=transcript, source=doc.pos(("video",)))


def lesson_id_from_name(stem: str) -> str:
    """A lesson id from its file name: lowercase, other characters become hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug[:64].strip("-") or "lesson"
