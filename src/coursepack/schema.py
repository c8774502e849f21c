"""Declarative field tables for the YAML sources, and the checker that walks them.

The same tables drive the loader's checks and (later) the JSON Schemas for editors, so
there is one place that says which keys exist, their types and what they mean.
"""

from __future__ import annotations

import math
import re

from msgspec import Struct

from . import TARGET_NAMES
from .diagnostics import Report, shorten
from .load.yamlpos import YamlDoc

ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"


class Str(Struct, frozen=True):
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    pattern_hint: str = ""
    json_name = "string"


class Int(Struct, frozen=True):
    minimum: int | None = None
    maximum: int | None = None
    json_name = "integer"


class Num(Struct, frozen=True):
    """Any number, whole or decimal."""
    minimum: float | None = None
    maximum: float | None = None
    json_name = "number"


class Bool(Struct, frozen=True):
    json_name = "boolean"


class List(Struct, frozen=True):
    item: object
    min_items: int = 0
    max_items: int | None = None
    json_name = "array"


class Obj(Struct, frozen=True):
    fields: dict
    json_name = "object"


class OneOf(Struct, frozen=True):
    """A value that may take one of several shapes (e.g. a path or an object)."""
    options: tuple
    json_name = "value"


class Field(Struct, frozen=True):
    type: object
    doc: str
    required: bool = False
    default: object = None


def _describe(kind) -> str:
    if isinstance(kind, OneOf):
        return " or ".join(_describe(o) for o in kind.options)
    return {"string": "text", "integer": "a whole number", "number": "a number",
            "boolean": "true or false",
            "array": "a list", "object": "a mapping of keys to values"}[kind.json_name]


def _type_name(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def did_you_mean(word: str, choices) -> str:
    if len(word) > 200:
        return ""
    import difflib              # only when there is a mistake to name
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def check(doc: YamlDoc, kind, report: Report, what: str, path: tuple = ()) -> bool:
    """Check the value at path against kind; report every problem. True when it fits."""
    value = doc.data
    for step in path:
        value = value[step]
    return _check(doc, value, kind, report, what, path)


def _matches(value, kind) -> bool:
    if isinstance(kind, Str):
        return isinstance(value, str)
    if isinstance(kind, Int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(kind, Num):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(kind, Bool):
        return isinstance(value, bool)
    if isinstance(kind, List):
        return isinstance(value, list)
    if isinstance(kind, Obj):
        return isinstance(value, dict)
    return any(_matches(value, o) for o in kind.options)


# Characters XML 1.0 cannot hold at all (HTML calls them parse errors): control characters
# other than tab and line breaks, and the two non-characters U+FFFE and U+FFFF.
UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _check(doc: YamlDoc, value, kind, report: Report, what: str, path: tuple) -> bool:
    where = doc.pos(path)
    label = _label(what, path)
    if isinstance(kind, OneOf):
        for option in kind.options:
            if _matches(value, option):
                return _check(doc, value, option, report, what, path)
    if not _matches(value, kind):
        hint = ""
        wants_text = isinstance(kind, Str) or isinstance(kind, OneOf) and any(
            isinstance(option, Str) for option in kind.options)
        if wants_text and not isinstance(value, (list, dict, type(None))):
            hint = f"put the value in quotes: \"{shorten(doc.written.get(path, value))}\""
        report.error("wrong-type", f"{label} should be {_describe(kind)}, found {_type_name(value)}",
                     where, hint)
        return False
    ok = True
    if isinstance(kind, Str):
        control = UNHOLDABLE.search(value)
        if control:
            report.error("bad-value", f"{label} holds the control character "
                         f"U+{ord(control.group()):04X}, which pages and manifests cannot hold",
                         where, "remove it (in YAML it is written as an escape such as \\x01)")
            ok = False
        elif kind.choices and value not in kind.choices:
            report.error("bad-value", f"{label} is '{shorten(value)}', expected one of: "
                         f"{', '.join(kind.choices)}", where, did_you_mean(value, kind.choices))
            ok = False
        elif kind.pattern and not re.fullmatch(kind.pattern, value):
            report.error("bad-value", f"{label} '{shorten(value)}' is not valid", where,
                         kind.pattern_hint)
            ok = False
        elif kind.max_length and len(value) > kind.max_length:
            report.error("too-long", f"{label} is {len(value)} characters long, "
                         f"the limit is {kind.max_length}", where)
            ok = False
        elif not value.strip():
            report.error("empty-value", f"{label} is empty", where)
            ok = False
    elif isinstance(kind, (Int, Num)):
        if kind.minimum is not None and value < kind.minimum or \
                kind.maximum is not None and value > kind.maximum:
            report.error("out-of-range", f"{label} is {shorten(value, 20)}, expected "
                         + _bounds(kind), where)
            ok = False
        elif not _finite(value):
            report.error("out-of-range", f"{label} is {shorten(value, 20)}, which is not a "
                         "usable number", where, "write an ordinary number such as 1 or 2.5")
            ok = False
    elif isinstance(kind, List):
        if len(value) < kind.min_items:
            report.error("empty-list", f"{label} needs at least {kind.min_items} "
                         f"entr{'y' if kind.min_items == 1 else 'ies'}", where)
            ok = False
        elif kind.max_items is not None and len(value) > kind.max_items:
            report.error("bad-value", f"{label} has {len(value)} entries; it takes "
                         f"{kind.max_items}", doc.pos(path + (kind.max_items,)),
                         "remove the extra entries")
            ok = False
        for i, item in enumerate(value):
            ok = _check(doc, item, kind.item, report, what, path + (i,)) and ok
    elif isinstance(kind, Obj):
        for key in value:
            if key not in kind.fields:
                report.error("unknown-key",
                             f"unknown key '{shorten(key)}' in {_label(what, path)}",
                             doc.key_pos(path + (key,)),
                             did_you_mean(key, kind.fields) or
                             f"allowed keys: {', '.join(kind.fields)}")
                ok = False
        for name, spec in kind.fields.items():
            if name in value:
                if value[name] is None and not spec.required:
                    continue
                ok = _check(doc, value[name], spec.type, report, what, path + (name,)) and ok
            elif spec.required:
                report.error("missing-key", f"{_label(what, path)} needs the key '{name}'",
                             where, f"add '{name}:' ({spec.doc})")
                ok = False
    return ok


def _bounds(kind: Int | Num) -> str:
    if kind.maximum is None:
        return f"{kind.minimum} or more"
    if kind.minimum is None:
        return f"{kind.maximum} or less"
    return f"{kind.minimum} to {kind.maximum}"


def _finite(value: int | float) -> bool:
    """A number the quiz runtime can use: not infinite or NaN (YAML's .inf and .nan), and
    not too large to be a decimal number (YAML reads 400 digits as a whole number)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _label(what: str, path: tuple) -> str:
    if not path:
        return what
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return f"'{text}'"


def to_json_schema(kind) -> dict:
    """JSON Schema (draft 2020-12) for a field table, for editors."""
    if isinstance(kind, OneOf):
        return {"anyOf": [to_json_schema(o) for o in kind.options]}
    out: dict = {"type": kind.json_name}
    if isinstance(kind, Str):
        if kind.choices:
            out["enum"] = list(kind.choices)
        if kind.pattern:
            out["pattern"] = kind.pattern
        if kind.max_length:
            out["maxLength"] = kind.max_length
        out["minLength"] = 1
    elif isinstance(kind, (Int, Num)):
        if kind.minimum is not None:
            out["minimum"] = kind.minimum
        if kind.maximum is not None:
            out["maximum"] = kind.maximum
    elif isinstance(kind, List):
        out["items"] = to_json_schema(kind.item)
        if kind.min_items:
            out["minItems"] = kind.min_items
        if kind.max_items is not None:
            out["maxItems"] = kind.max_items
    elif isinstance(kind, Obj):
        out["additionalProperties"] = False
        out["properties"] = {}
        for name, spec in kind.fields.items():
            prop = to_json_schema(spec.type)
            prop["description"] = spec.doc
            if spec.default is not None:
                prop["default"] = spec.default
            out["properties"][name] = prop
        required = [n for n, s in kind.fields.items() if s.required]
        if required:
            out["required"] = required
    return out


# ---- the tables ------------------------------------------------------------------------

ID = Str(pattern=ID_PATTERN, max_length=64,
         pattern_hint="use lowercase letters, digits and hyphens, starting and ending "
                      "with a letter or digit (e.g. 'intro-to-care')")

AUTHOR = Obj({
    "name": Field(Str(), "the author's name", required=True),
    "email": Field(Str(), "contact address"),
    "role": Field(Str(), "e.g. 'Subject expert'"),
})

COMPLETION = Obj({
    "rule": Field(Str(choices=("all-lessons", "percent-lessons")),
                  "when the course counts as completed", default="all-lessons"),
    "percent": Field(Int(1, 100), "for 'percent-lessons': share of lessons to visit",
                     default=100),
    "assessment": Field(ID, "id of the quiz whose score the LMS gets and whose pass mark "
                            "decides passed or failed"),
})

LESSON_REF = OneOf((
    Str(),
    Obj({"file": Field(Str(), "path of the lesson file, relative to course.yaml",
                       required=True)}),
))

MODULE = Obj({
    "id": Field(ID, "stable identifier of the module", required=True),
    "title": Field(Str(max_length=200), "module title shown in the contents", required=True),
    "description": Field(Str(), "one or two sentences about the module"),
    "lessons": Field(List(LESSON_REF, min_items=1), "lesson files, in order", required=True),
})

COURSE = Obj({
    "id": Field(ID, "stable identifier; names the package and the SCORM manifest",
                required=True),
    "title": Field(Str(max_length=200), "course title", required=True),
    "language": Field(Str(pattern=LANGUAGE_PATTERN,
                          pattern_hint="use a BCP 47 language tag such as 'en' or 'en-GB'"),
                      "BCP 47 language tag of the content", required=True),
    "version": Field(Str(max_length=20), "version of the course, e.g. \"1.2.0\"",
                     required=True),
    "description": Field(Str(), "what the course is about"),
    "authors": Field(List(AUTHOR), "who wrote the course"),
    "completion": Field(COMPLETION, "completion rule reported to the LMS"),
    "control_files": Field(Str(), "folder of SCORM schema files to ship at the package root"),
    "targets": Field(List(Str(choices=TARGET_NAMES), min_items=1),
                     "packages `coursepack build` makes when no --target is given",
                     default=["scorm12"]),
    "allow_raw_html": Field(Bool(), "pass raw HTML in lessons through unfiltered (you vouch "
                                    "for it); by default only an allow-list is kept",
                            default=False),
    "sco": Field(Str(choices=("single", "per-module")),
                 "one SCO for the whole course, or one per module (tracked separately)",
                 default="single"),
    "references": Field(OneOf((Str(), List(Str(), min_items=1))),
                        "reference list file(s), relative to course.yaml: CSL-JSON (.json), "
                        "CSL-YAML (.yaml/.yml), BibTeX (.bib), RIS (.ris) or a plain list (.txt)"),
    "citation_style": Field(Str(), "CSL style of citations and reference lists: a style name "
                                   "(harvard, apa, ieee or any packaged CSL style) or a .csl "
                                   "file in the course", default="cite-them-right-harvard"),
    "references_page": Field(Str(choices=("cited", "all")),
                             "what the References page lists: the works cited in lessons, "
                             "or every entry of the reference files", default="cited"),
    "modules": Field(List(MODULE, min_items=1), "the course's modules, in order",
                     required=True),
})

VIDEO = Obj({
    "src": Field(Str(), "video file inside the course folder (e.g. media/talk.webm)"),
    # The host (and port) goes into the page's Content-Security-Policy: an ASCII host name or
    # an IP address only, so that nothing in it can read as a wildcard or another directive.
    "url": Field(Str(pattern=r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                             r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?"
                             r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?#]\S*)?$",
                     pattern_hint="write a full http(s):// address with a host name, such as "
                                  "https://media.example.org/talk.mp4 (an international "
                                  "name in its xn-- form)"),
                 "or an external video address; the package is then not self-contained"),
    "poster": Field(Str(), "image shown before the video plays"),
    "duration": Field(OneOf((Str(), Int(1, 100 * 3600))),
                      "length of the video: seconds, or a time like 1:32 or 1:02:05"),
    "transcript": Field(Str(), "transcript file: WebVTT (.vtt), SubRip (.srt) or "
                               "timestamped plain text (.txt)"),
})

# ---- quizzes ------------------------------------------------------------------------------

QUESTION_TYPES = ("single", "multiple", "true-false", "fill-in", "numeric", "matching",
                  "ordering")

OPTION = Obj({
    "text": Field(Str(), "the option as shown (Markdown)", required=True),
    "correct": Field(Bool(), "true for a right answer", default=False),
    "feedback": Field(Str(), "shown when the learner chose this option"),
})

QUESTION = Obj({
    "id": Field(ID, "stable identifier, unique in the quiz; names the LMS interaction",
                required=True),
    "type": Field(Str(choices=QUESTION_TYPES), "kind of question", required=True),
    "prompt": Field(Str(), "the question (Markdown; images allowed)", required=True),
    "weight": Field(Num(0, 1000), "how much the question counts in the score", default=1),
    "options": Field(List(OPTION), "single/multiple: the options, right ones marked "
                                   "'correct: true'"),
    "answer": Field(OneOf((Bool(), Num())), "true-false: true or false; numeric: the number"),
    "answers": Field(List(OneOf((Str(), Num())), min_items=1),
                     "fill-in: every accepted answer"),
    "case_sensitive": Field(Bool(), "fill-in: whether capitals must match", default=False),
    "tolerance": Field(Num(0), "numeric: accepted distance from the answer", default=0),
    "range": Field(List(Num(), min_items=2, max_items=2),
                   "numeric: [lowest, highest] accepted"),
    "pairs": Field(List(Obj({
        "left": Field(Str(), "the item to match", required=True),
        "right": Field(Str(), "its match", required=True),
    }), min_items=2), "matching: each item with its match"),
    "items": Field(List(Str(), min_items=2), "ordering: the items in the right order"),
    "feedback": Field(Obj({
        "correct": Field(Str(), "shown after a right answer"),
        "incorrect": Field(Str(), "shown after a wrong answer"),
    }), "feedback for right and wrong answers"),
    "explanation": Field(Str(), "shown after answering, right or wrong"),
})

QUIZ_SETTINGS = {
    "pass_mark": Field(Int(0, 100), "score (percent) needed to pass"),
    "attempts": Field(Int(0, 100), "how many attempts a learner has (0: unlimited)",
                      default=0),
    "shuffle_questions": Field(Bool(), "show the questions in a new order each attempt",
                               default=False),
    "shuffle_options": Field(Bool(), "show options in a new order each attempt",
                             default=False),
    "draw": Field(Int(1, 10000), "question pool: how many questions each attempt draws"),
    "review": Field(Bool(), "let learners see the right answers after submitting",
                    default=True),
    "questions": Field(List(QUESTION, min_items=1), "the questions", required=True),
}

QUIZ_FILE = Obj({
    "title": Field(Str(max_length=200), "quiz title (the page heading)", required=True),
    "id": Field(ID, "stable identifier; defaults to the file name without extension"),
    "summary": Field(Str(), "one sentence shown under the title"),
    "minutes": Field(Int(1, 600), "estimated time to complete, in minutes"),
    "intro": Field(Str(), "text shown above the questions (Markdown)"),
    **QUIZ_SETTINGS,
})

QUIZ = Obj(QUIZ_SETTINGS)


FRONT_MATTER = Obj({
    "title": Field(Str(max_length=200), "lesson title (the page heading)", required=True),
    "id": Field(ID, "stable identifier; defaults to the file name without extension"),
    "summary": Field(Str(), "one sentence shown under the title"),
    "minutes": Field(Int(1, 600), "estimated time to complete, in minutes"),
    "video": Field(VIDEO, "makes this a video lesson: the video, its transcript, captions"),
    "quiz": Field(QUIZ, "makes this lesson a quiz: its settings and questions"),
    "references": Field(Bool(), "false: no reference list at the end of this lesson (its "
                                "citations then link to the course's References page)",
                        default=True),
})

