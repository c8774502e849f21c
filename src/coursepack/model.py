"""The course model: plain, frozen objects built only from sources that passed validation.

No I/O here. Every object keeps the Source it came from. The records are msgspec Structs,
frozen like frozen dataclasses but made in C: a dataclass compiles its methods at every start,
about a tenth of a small course's build.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from msgspec import Struct

from .diagnostics import Source


class Author(Struct, frozen=True):
    name: str
    email: str = ""
    role: str = ""


class Completion(Struct, frozen=True):
    rule: str = "all-lessons"
    percent: int = 100
    assessment: str = ""      # id of the quiz lesson that decides passed/failed
    source: Source | None = None

    def lessons_needed(self, total: int) -> int:
        if self.rule == "percent-lessons":
            return max(1, -(-total * self.percent // 100))
        return total


class Asset(Struct, frozen=True):
    """A local file a lesson refers to, copied into the package under `href`."""
    path: Path
    href: str


class Cue(Struct, frozen=True):
    """One timed piece of a transcript, in milliseconds."""
    start: int
    end: int
    text: str
    source: Source
    speaker: str = ""
    label: str = ""          # e.g. "Segment 2" where the source names its parts
    settings: str = ""       # WebVTT cue settings, kept when the cue is used as a caption


class Transcript(Struct, frozen=True):
    cues: tuple[Cue, ...]
    format: str              # "vtt", "srt" or "plain"
    path: Path
    source: Source


class Video(Struct, frozen=True):
    src: Path | None         # a file inside the course
    url: str                 # or an external address (the package is then not self-contained)
    poster: Path | None
    duration: int | None     # milliseconds
    transcript: Transcript | None
    source: Source


class Name(Struct, frozen=True):
    """A person's name in parts, or an organisation's (or any name kept whole) as `literal`."""
    family: str = ""
    given: str = ""
    literal: str = ""
    particle: str = ""       # "van", "de la": kept in front of the family name
    suffix: str = ""         # "Jr.", "III"

    @property
    def short(self) -> str:
        """The name as an in-text citation shows it: the family name, or the literal."""
        return self.literal or " ".join(p for p in (self.particle, self.family) if p)


class Reference(Struct, frozen=True):
    """One entry of a reference list, whatever format it was read from.

    Field names follow CSL (the Citation Style Language); `type` is a CSL item type such as
    book, article-journal, chapter, report, webpage or document. `raw` holds the text of a
    plain-text entry that could not be split into fields; it is then shown as written."""
    key: str
    type: str
    source: Source
    authors: tuple[Name, ...] = ()
    editors: tuple[Name, ...] = ()
    issued: tuple[int, ...] = ()         # year, month, day (as many as known)
    title: str = ""
    container: str = ""                  # journal, book, website or series title
    publisher: str = ""
    place: str = ""
    volume: str = ""
    issue: str = ""
    page: str = ""
    edition: str = ""
    url: str = ""
    doi: str = ""
    accessed: tuple[int, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()   # other CSL text fields, passed to the style
    raw: str = ""
    format: str = ""                     # csl-json, csl-yaml, bibtex, ris or text

    @property
    def year(self) -> int | None:
        return self.issued[0] if self.issued else None


class CitationStyle(Struct, frozen=True):
    """The CSL style a course's citations and reference lists are written in."""
    name: str            # as written in course.yaml (or the default)
    path: Path           # the .csl file
    title: str           # the style's own title, e.g. "APA Style 7th edition"
    numeric: bool        # citations are numbers ([1]) rather than author and date
    source: Source


QUESTION_TYPES = ("single", "multiple", "true-false", "fill-in", "numeric", "matching",
                  "ordering")


class Option(Struct, frozen=True):
    text: str                 # Markdown
    correct: bool = False
    feedback: str = ""


def written_place(written: tuple[tuple[str, Source], ...], key: str,
                  otherwise: Source) -> Source:
    """Where key is written among (key, place) pairs; otherwise when it is not."""
    return next((at for name, at in written if name == key), otherwise)


class Question(Struct, frozen=True):
    id: str
    type: str                 # one of QUESTION_TYPES
    prompt: str               # Markdown
    source: Source
    weight: float = 1.0
    options: tuple[Option, ...] = ()            # single, multiple
    answer: bool | None = None                  # true-false
    answers: tuple[str, ...] = ()               # fill-in: accepted answers
    case_sensitive: bool = False                # fill-in
    number: float | None = None                 # numeric: exact answer ...
    tolerance: float = 0.0                      # ... give or take this much
    low: float | None = None                    # numeric: or a range low..high
    high: float | None = None
    pairs: tuple[tuple[str, str], ...] = ()     # matching: (prompt, its match)
    items: tuple[str, ...] = ()                 # ordering: in the correct order
    feedback_correct: str = ""
    feedback_incorrect: str = ""
    explanation: str = ""
    written: tuple[tuple[str, Source], ...] = ()  # the keys as written in YAML, and where

    def where(self, key: str) -> Source:
        """Where a YAML question writes key; the question's own place otherwise (GIFT)."""
        return written_place(self.written, key, self.source)


class Quiz(Struct, frozen=True):
    questions: tuple[Question, ...]
    pass_mark: int | None = None                # percent
    attempts: int = 0                           # 0: unlimited
    shuffle_questions: bool = False
    shuffle_options: bool = False
    draw: int | None = None                     # pool: questions drawn per attempt
    review: bool = True                         # show answers after submitting
    written: tuple[tuple[str, Source], ...] = ()  # the settings as written, and where

    def where(self, key: str, otherwise: Source) -> Source:
        """Where the quiz sets key; otherwise, when it does not say (a default)."""
        return written_place(self.written, key, otherwise)


class Lesson(Struct, frozen=True):
    id: str
    title: str
    summary: str
    minutes: int | None
    markdown: str
    body_line: int
    path: Path
    source: Source
    video: Video | None = None
    quiz: Quiz | None = None
    reference_list: bool = True   # end with a list of the works it cites


class Module(Struct, frozen=True):
    id: str
    title: str
    description: str
    lessons: tuple[Lesson, ...]
    source: Source


class Course(Struct, frozen=True, dict=True):   # dict: room for `lessons`
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
    targets: tuple[str, ...] = ("scorm12",)
    allow_raw_html: bool = False
    sco: str = "single"
    references: tuple[Reference, ...] = ()
    references_named: bool = False              # course.yaml names reference files
    citation_style: CitationStyle | None = None
    references_page: str = "cited"              # "cited" or "all"

    @cached_property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    @property
    def assessment(self) -> Lesson | None:
        """The quiz that decides passed/failed, if the course names one."""
        for lesson in self.lessons:
            if lesson.id == self.completion.assessment and lesson.quiz is not None:
                return lesson
        return None

    @property
    def pass_mark(self) -> int | None:
        assessment = self.assessment
        return assessment.quiz.pass_mark if assessment is not None else None
