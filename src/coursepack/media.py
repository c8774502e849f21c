"""Video lessons in the package: the files they need and what their template shows."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from msgspec import Struct

from . import units
from .captions import captions_vtt, chapters_vtt, transcript_text, transcript_vtt
from .model import Course, Lesson, Transcript
from .ondisk import OnDisk, package_file
from .timecode import clock

MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg",
        ".ogg": "video/ogg", ".mov": "video/quicktime"}


class CueView(Struct, frozen=True):
    start: int
    end: int
    clock: str
    speaker: str
    label: str
    text: str


class VideoView(Struct, frozen=True):
    """Everything video.html needs, with package paths instead of source paths."""
    src: str
    mime: str
    poster: str
    captions: str
    chapters: str
    transcript_txt: str
    transcript_vtt: str
    cues: tuple[CueView, ...]


_HASHED = re.compile(r"-[0-9a-f]{8}(?:\.[^./]*)?$")


def asset_href(course: Course, path) -> str:
    """Package path of a course file: assets/ + its path in the course, in lower case.
    Characters that need escaping in a URL are replaced, and capitals lowered, with a short
    hash of the path added, so that no two files share a name, even on a server that does
    not tell capitals apart; a name that already ends as such a hash ('-0123abcd') gets one
    too, so a file cannot take the name another was given."""
    rel = path.relative_to(course.root).as_posix()
    safe = re.sub(r"[^a-z0-9._/-]", "_", rel.lower())
    if safe != rel or _HASHED.search(rel):
        stem, dot, ext = safe.rpartition(".")
        digest = hashlib.sha256(rel.encode()).hexdigest()[:8]
        safe = f"{stem}-{digest}.{ext}" if dot and "/" not in ext else f"{safe}-{digest}"
    return "assets/" + safe


def video_files(course: Course, lesson: Lesson
                ) -> tuple[VideoView, dict[str, bytes | OnDisk]]:
    """The view for the template and the files to add to the package."""
    video = lesson.video
    files: dict[str, bytes | OnDisk] = {}
    folder = f"media/{lesson.id}"
    src = mime = poster = ""
    if video.src is not None:
        src = asset_href(course, video.src)
        files[src] = package_file(video.src)
        mime = MIME.get(video.src.suffix.lower(), "")
    elif video.url:
        src = video.url
        mime = MIME.get("." + urlsplit(video.url).path.rsplit(".", 1)[-1].lower(), "")
    if video.poster is not None:
        poster = asset_href(course, video.poster)
        files[poster] = package_file(video.poster)
    captions = chapters = txt = vtt = ""
    cues: tuple[CueView, ...] = ()
    if video.transcript is not None:
        captions, txt, vtt = (f"{folder}/captions.vtt", f"{folder}/transcript.txt",
                              f"{folder}/transcript.vtt")
        made = units.run("transcript", lesson.path, None,
                         lambda _: _transcript_files(video.transcript, course.language),
                         extra=course.language)
        files[captions], files[txt], files[vtt], chapter_bytes, cues = made
        if chapter_bytes:
            chapters = f"{folder}/chapters.vtt"
            files[chapters] = chapter_bytes
    return VideoView(src, mime, poster, captions, chapters, txt, vtt, cues), files


def _transcript_files(t: Transcript, language: str
                      ) -> tuple[bytes, bytes, bytes, bytes, tuple[CueView, ...]]:
    """What a transcript becomes: captions, the transcript as text and as WebVTT, chapters
    (empty without), and the cues the page lists. Kept between builds with the lesson."""
    cues = tuple(CueView(c.start, c.end, clock(c.start), c.speaker, c.label,
                         " ".join(c.text.split())) for c in t.cues)
    return (captions_vtt(t, language).encode(), transcript_text(t).encode(),
            transcript_vtt(t, language).encode(), (chapters_vtt(t, language) or "").encode(),
            cues)


def media_origins(course: Course) -> list[str]:
    """Origins of external videos, which the page's Content-Security-Policy must allow."""
    origins = set()
    for lesson in course.lessons:
        if lesson.video is not None and lesson.video.url:
            parts = urlsplit(lesson.video.url)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
