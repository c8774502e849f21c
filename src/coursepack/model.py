"""The course model: plain, frozen objects built only from sources that passed validation.

No I/O here. Every object keeps the Source it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Source


@dataclass(frozen=True)
class Author:
    name: str
    email: str = ""
    role: str = ""


@dataclass(frozen=True)
class Completion:
    rule: str = "all-lessons"
    percent: int = 100

    def lessons_needed(self, total: int) -> int:
        if self.rule == "percent-lessons":
            return max(1, -(-total * self.percent // 100))
        return total


@dataclass(frozen=True)
class Asset:
    """A local file a lesson refers to, copied into the package under `href`."""
    path: Path
    href: str


@dataclass(frozen=True)
class Cue:
    """One timed piece of a transcript, in milliseconds."""
    start: int
    end: int
    text: str
    source: Source
    speaker: str = ""
    label: str = ""          # e.g. "Segment 2" where the source names its parts
    settings: str = ""       # WebVTT cue settings, kept when the cue is used as a caption


@dataclass(frozen=True)
class Transcript:
    cues: tuple[Cue, ...]
    format: str              # "vtt", "srt" or "plain"
    path: Path
    source: Source


@dataclass(frozen=True)
class Video:
    src: Path | None         # a file inside the course
    url: str                 # or an external address (the package is then not self-contained)
    poster: Path | None
    duration: int | None     # milliseconds
    transcript: Transcript | None
    source: Source


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    minutes: int | None
    markdown: str
    body_line: int
    path: Path
    source: Source
    video: Video | None = None


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    description: str
    lessons: tuple[Lesson, ...]
    source: Source


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    language: str
    version: str
    description: str
    authors: tuple[Author, ...]
    completion: Completion
    modules: tuple[Module, ...]
    root: Path
    source: Source
    control_files: Path | None = None
    lesson_files: frozenset[Path] = frozenset()   # every file listed, read or not

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)
