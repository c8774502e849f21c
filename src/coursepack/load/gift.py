"""Quizzes in Moodle's GIFT format; docs/quizzes-gift.md says what is read and how.

Questions are separated by blank lines and `//` lines are comments. This reader builds the
same Quiz model as the YAML reader and reports only what is wrong with the GIFT text, or
what GIFT can say that the model cannot keep. The rules every quiz must meet (a right
option, a range that runs upwards) are checked for both formats in validate.py."""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple, NoReturn

from msgspec import Struct

from .. import lazyre
from ..diagnostics import Report, Source, display_path
from ..model import Lesson, Option, Question, Quiz
from ..schema import ID_PATTERN, did_you_mean
from .files import read_text
from .lesson import lesson_id_from_name

BLANK = "_____"  # stands for the answer in a missing-word question

# A special character is escaped when a backslash comes right before it.
_BRACE = lazyre.compile(r"(?<!\\)[{}]")
_MARK = lazyre.compile(r"(?<!\\)[=~]")
_EQUALS = lazyre.compile(r"(?<!\\)=")
_HASH = lazyre.compile(r"(?<!\\)#")
_TITLE_END = lazyre.compile(r"(?<!\\)::")
_GENERAL = lazyre.compile(r"(?<!\\)####")
_ESCAPE = lazyre.compile(r"\\([~=#{}:n])")
_NOT_SPACE = lazyre.compile(r"\S")
_FORMAT = lazyre.compile(r"\[(html|markdown|plain|moodle)\]")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = lazyre.compile(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})")
_TOLERANCE = lazyre.compile(rf"({_NUMBER})(?:\s*:\s*({_NUMBER}))?")
_WEIGHT = lazyre.compile(r"\s*%([^%\n]*)%")
_SETTING = lazyre.compile(r"\s*//\s*([A-Za-z][\w-]*)\s*:[ \t]*(.*?)\s*$")
_ID = lazyre.compile(ID_PATTERN)
_TRUE, _TRUE_FALSE = ("T", "TRUE"), ("T", "TRUE", "F", "FALSE")
_NUMBER_HINT = "write a number (3.14), with a tolerance (3.14:0.01), or a range (1..5)"
_GENERAL_HINT = "put what it says into the general feedback (####)"

# What the leading comment lines may set, with the limits the same settings have in a YAML
# quiz (schema.QUIZ_SETTINGS): name -> (kind, lowest, highest).
SETTINGS = {
    "title": (str, 1, 200),
    "pass_mark": (int, 0, 100),
    "attempts": (int, 0, 100),
    "draw": (int, 1, 10000),
    "shuffle_questions": (bool, 0, 0),
    "shuffle_options": (bool, 0, 0),
    "review": (bool, 0, 0),
}


class _Skip(Exception):
    """The question has an error that leaves nothing more to read in it."""


class _Chunk(Struct):
    """One question's lines, comment lines left out, as one text; `at` maps an offset in
    that text back to its line and column in the file."""
    text: str
    starts: list[int]
    lines: list[int]
    file: str

    def at(self, offset: int) -> Source:
        i = max(bisect_right(self.starts, offset) - 1, 0)
        return Source(self.file, self.lines[i], offset - self.starts[i] + 1)


class _Answer(NamedTuple):
    mark: str   # "=", "~", or "" for text before the first mark
    raw: str    # what follows the mark, escapes kept
    at: int     # offset of the mark in the chunk


class _Read(NamedTuple):
    mark: str
    weight: float | None    # percent; None when not written
    text: str
    feedback: str
    at: int


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("//")


def _chunks(lines: list[str], file: str) -> list[_Chunk]:
    """The questions of a file: runs of lines between blank lines."""
    chunks, kept = [], []
    for number, line in enumerate(lines + [""], 1):
        if line.strip() and not _is_comment(line):
            kept.append((number, line))
        elif not line.strip() and kept:
            starts = list(accumulate((len(text) + 1 for _, text in kept[:-1]), initial=0))
            chunks.append(_Chunk("\n".join(text for _, text in kept), starts,
                                 [n for n, _ in kept], file))
            kept = []
    return chunks


def _clean(raw: str) -> str:
    """Text as written, each line trimmed, escapes resolved."""
    text = "\n".join(line.strip() for line in raw.split("\n")).strip()
    return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], text)


def _skip_space(text: str, start: int) -> int:
    found = _NOT_SPACE.search(text, start)
    return found.start() if found else len(text)


def _missing_word(before: str, after: str) -> str:
    """The prompt of a missing-word question: the answer block becomes a blank."""
    left = " " if before[-1:].isspace() else ""
    right = " " if after[:1].isspace() else ""
    return before.rstrip() + left + BLANK + right + after.lstrip()


def _slug(title: str) -> str:
    """Lowercase, accents dropped, other characters turned into hyphens, at most 64."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", title)
                    if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:64].strip("-")


def _short(text: str, size: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size - 3] + "..."


def _title_from(stem: str) -> str:
    words = re.sub(r"[-_\s]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Quiz"


class _Reader:
    """Reads the settings and questions of one file; every problem goes into the report."""

    def __init__(self, report: Report, file: str):
        self.report, self.file = report, file
        self.chunk = _Chunk("", [0], [1], file)
        self.ids: set[str] = set()
        self.errors, self.failed = 0, False   # failed: the current question has an error

    def _where(self, at: int | Source) -> Source:
        return at if isinstance(at, Source) else self.chunk.at(at)

    def error(self, code: str, message: str, at: int | Source, hint: str = "") -> None:
        self.report.error(code, message, self._where(at), hint)
        self.errors += 1
        self.failed = True

    def warning(self, code: str, message: str, at: int | Source, hint: str = "") -> None:
        self.report.warning(code, message, self._where(at), hint)

    def stop(self, code: str, message: str, at: int, hint: str = "") -> NoReturn:
        self.error(code, message, at, hint)
        raise _Skip

    # ---- settings -------------------------------------------------------------------------

    def settings(self, lines: list[str]) -> dict:
        """Settings from the comment lines before the first question."""
        found: dict[str, object] = {}
        places: list[tuple[str, Source]] = []        # where each setting is written
        first_line: dict[str, int] = {}
        for number, line in enumerate(lines, 1):
            if line.strip() and not _is_comment(line):
                break
            written = _SETTING.match(line)
            if not written:
                continue
            name, where = written[1].lower(), Source(self.file, number, written.start(1) + 1)
            if name not in SETTINGS:   # a setting misspelt, or a comment ("// Note: ...")
                if len(written[2].split()) == 1 and (close := did_you_mean(name, SETTINGS)):
                    self.warning("gift-unknown-setting", f"'{name}' is not a quiz setting",
                                 where, close)
            elif name in first_line:
                self.error("gift-bad-setting", f"'{name}' is set twice", where,
                           f"the first is on line {first_line[name]}; keep one")
            else:
                first_line[name] = number
                value = self._setting(name, written[2], where.at(number, written.start(2) + 1))
                if value is not None:
                    found[name] = value
                    places.append((name, where))
        if places:
            found["written"] = tuple(places)
        return found

    def _setting(self, name: str, text: str, where: Source) -> object | None:
        kind, low, high = SETTINGS[name]
        if kind is bool and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind is int and re.fullmatch(r"[0-9]{1,6}", text) and low <= int(text) <= high:
            return int(text)
        if kind is str and low <= len(text) <= high:
            return text
        expected = {bool: "true or false", int: f"a whole number from {low} to {high}",
                    str: f"text of {low} to {high} characters"}[kind]
        example = {bool: "true", int: str(max(low, min(high, 80))), str: "My quiz"}[kind]
        self.error("gift-bad-setting", f"'{name}' should be {expected}, not '{_short(text)}'",
                   where, f"write it as: // {name}: {example}")
        return None

    # ---- a question ----------------------------------------------------------------------

    def question(self, chunk: _Chunk, number: int) -> Question | None:
        self.chunk, self.failed = chunk, False
        try:
            return self._question(number)
        except _Skip:
            return None

    def _question(self, number: int) -> Question | None:
        text = self.chunk.text
        begin = _skip_space(text, 0)
        if text.startswith("$CATEGORY:", begin):
            self.warning("gift-category", "question categories ($CATEGORY) are ignored", begin,
                         "the quiz shows its questions in the order of the file")
            line_end = text.find("\n", begin)
            begin = len(text) if line_end < 0 else _skip_space(text, line_end)
            if begin == len(text):
                return None
        title, start = self._title(begin)
        if marker := _FORMAT.match(text, start):
            if marker[1] == "html":
                self.warning("gift-html", "HTML in quiz text is shown as text, not as markup",
                             start, "write the question in Markdown and mark it [markdown]")
            start = _skip_space(text, marker.end())
        block = self._block(start)
        if block is None:
            self.warning("gift-description", "a description (text without answers) is left "
                         "out", begin, "give it answers in { }, or move it into a lesson")
            return None
        prompt = self._prompt(start, *block)
        fields = self._answers(*block)
        if self.failed:
            return None
        return Question(id=self._id(title, number), prompt=prompt,
                        source=self.chunk.at(begin), **fields)

    def _title(self, start: int) -> tuple[str, int]:
        text = self.chunk.text
        if not text.startswith("::", start):
            return "", start
        brace = _BRACE.search(text, start)
        end = _TITLE_END.search(text, start + 2, brace.start() if brace else len(text))
        if end is None:
            self.stop("gift-syntax", "'::' starts a question title that is not closed", start,
                      "end the title with '::', as in ::Capitals:: What is the capital...")
        return _clean(text[start + 2:end.start()]), _skip_space(text, end.end())

    def _block(self, start: int) -> tuple[int, int] | None:
        """Offsets of the answer block's braces, or None for a question without one."""
        text = self.chunk.text
        opening = _BRACE.search(text, start)
        if opening is None:
            return None
        if opening[0] == "}":
            self._stray(opening.start())
        closing = _BRACE.search(text, opening.end())
        if closing is None or closing[0] == "{":
            self.stop("gift-syntax", "'{' opens an answer block that is not closed",
                      opening.start(), "close it with '}' before the next '{' or blank line "
                      "(a blank line ends a question); write \\{ for a brace in text")
        extra = _BRACE.search(text, closing.end())
        if extra is not None and extra[0] == "}":
            self._stray(extra.start())
        if extra is not None:
            self.stop("gift-syntax", "a second answer block in one question", extra.start(),
                      "end a question with a blank line; write \\{ for a brace in text")
        return opening.start(), closing.start()

    def _stray(self, at: int) -> NoReturn:
        self.stop("gift-syntax", "'}' closes no answer block", at,
                  "write \\} for a brace in text, or open the block with '{'")

    def _prompt(self, start: int, opening: int, closing: int) -> str:
        text = self.chunk.text
        before, after = text[start:opening], text[closing + 1:]
        prompt = _clean(_missing_word(before, after) if after.strip() else before)
        if not prompt:
            self.error("gift-no-text", "the question has no text before its answers", opening,
                       "write the question before the '{'")
        return prompt

    def _id(self, title: str, number: int) -> str:
        base = _slug(title)
        base = base if _ID.match(base) else f"q{number}"
        qid, count = base, 1
        while qid in self.ids:
            count += 1
            qid = f"{base[:63 - len(str(count))].rstrip('-')}-{count}"
        self.ids.add(qid)
        return qid

    # ---- the answer block ----------------------------------------------------------------

    def _answers(self, opening: int, closing: int) -> dict:
        text, end, explanation = self.chunk.text, closing, ""
        if general := _GENERAL.search(text, opening + 1, closing):
            end, explanation = general.start(), _clean(text[general.end():closing])
        start = _skip_space(text, opening + 1)
        if start >= end:
            self.stop("gift-unsupported", "essay questions ({}) are not supported", opening,
                      "ask for an answer coursepack can check: options, words or a number")
        return {**self._kind(start, end, opening), "explanation": explanation}

    def _kind(self, start: int, end: int, opening: int) -> dict:
        text = self.chunk.text
        if text[start] == "#":
            return self._numeric(start + 1, end)
        answers = self._split(start, end, _MARK)
        marks = {answer.mark for answer in answers}
        if "~" in marks:
            return self._choice(answers)
        if "=" in marks:
            matching = "->" in text[start:end]
            return self._matching(answers, opening) if matching else self._fill_in(answers)
        parts = _HASH.split(text[start:end], maxsplit=2)
        if parts[0].strip().upper() in _TRUE_FALSE:
            # {T#shown after a wrong answer#shown after a right one}, as in Moodle
            return {"type": "true-false", "answer": parts[0].strip().upper() in _TRUE,
                    "feedback_incorrect": _clean(parts[1]) if len(parts) > 1 else "",
                    "feedback_correct": _clean(parts[2]) if len(parts) > 2 else ""}
        self.warning("gift-no-mark", f"'{_short(answers[0].raw)}' has no '=' in front; it is "
                     "read as a fill-in answer", start, "write {=answer}, or {T} or {F}")
        return self._fill_in([_Answer("=", answers[0].raw, start)])

    def _split(self, start: int, end: int, marks: re.Pattern) -> list[_Answer]:
        text = self.chunk.text
        cuts = [found.start() for found in marks.finditer(text, start, end)]
        lead = text[start:cuts[0] if cuts else end]
        answers = [_Answer("", lead, start)] if lead.strip() else []
        return answers + [_Answer(text[here], text[here + 1:after], here)
                          for here, after in zip(cuts, cuts[1:] + [end])]

    def _read(self, answers: list[_Answer]) -> list[_Read]:
        """The answers that start with a mark, with weight, text and feedback; text before
        the first mark, '~=', bad weights and empty answers are reported."""
        read = []
        for answer, after in zip(answers, answers[1:] + [None]):
            if not answer.mark:
                self.error("gift-syntax", f"'{_short(answer.raw)}' comes before the first "
                           "answer", answer.at, "start each answer with '=' (right) or '~'")
            elif answer.mark == "~" and not answer.raw and after and after.mark == "=" \
                    and after.at == answer.at + 1:
                self.error("gift-syntax", "'~=' marks an answer both wrong and right",
                           answer.at, "write '=' before a right answer, '~' before a wrong one")
            else:
                read.append(self._parts(answer))
        return read

    def _parts(self, answer: _Answer) -> _Read:
        raw, weight = answer.raw, None
        if written := _WEIGHT.match(raw):
            raw = raw[written.end():]
            if re.fullmatch(_NUMBER, written[1].strip()) and -100 <= float(written[1]) <= 100:
                weight = float(written[1])
            else:
                self.error("gift-syntax", f"'%{_short(written[1])}%' is not a weight from "
                           "-100% to 100%", answer.at, "write a weight as in ~%50%answer")
        cut = _HASH.search(raw)
        text, feedback = (raw[:cut.start()], raw[cut.end():]) if cut else (raw, "")
        if not _clean(text):
            mark = self.chunk.text[answer.at]
            self.error("gift-empty-answer", f"'{mark}' is followed by no answer", answer.at,
                       f"write the answer after '{mark}', or remove the '{mark}'")
        return _Read(answer.mark, weight, _clean(text), _clean(feedback), answer.at)

    def _partial(self, answer: _Read, what: str) -> None:
        kind = "partial credit" if (answer.weight or 0) >= 0 else "a negative mark"
        self.warning("gift-partial-credit", f"{kind} ({answer.weight:g}%) is not supported; "
                     f"this answer {what}", answer.at, "coursepack marks answers right or wrong")

    def _choice(self, answers: list[_Answer]) -> dict:
        read = self._read(answers)
        equals = any(answer.mark == "=" for answer in read)
        multiple = not equals and sum(1 for a in read if (a.weight or 0) > 0) > 1
        options = []
        for answer in read:
            right = answer.mark == "=" if equals else (answer.weight or 0) > 0
            if not multiple and answer.weight not in (None, 100 if right else 0):
                self._partial(answer, "counts as " + ("right" if right else "wrong"))
            options.append(Option(answer.text, right, answer.feedback))
        return {"type": "multiple" if multiple else "single", "options": tuple(options)}

    def _fill_in(self, answers: list[_Answer]) -> dict:
        accepted, said = [], []
        for answer in self._read(answers):
            if answer.weight is not None and answer.weight <= 0:
                self.warning("gift-dropped", f"a fill-in answer worth {answer.weight:g}% is "
                             "left out", answer.at, _GENERAL_HINT)
                continue
            if answer.weight not in (None, 100):
                self._partial(answer, "is accepted as right")
            accepted.append(answer.text)
            said += [answer] if answer.feedback else []
        if len({answer.feedback for answer in said}) > 1:
            self.warning("gift-dropped", "a fill-in question has one feedback for a right "
                         "answer; the first is kept", said[1].at, _GENERAL_HINT)
        return {"type": "fill-in", "answers": tuple(accepted),
                "feedback_correct": said[0].feedback if said else ""}

    def _matching(self, answers: list[_Answer], opening: int) -> dict:
        pairs = []
        for answer in self._read(answers):
            left, arrow, right = (part.strip() for part in answer.text.partition("->"))
            if arrow and not left:
                self.warning("gift-dropped", f"'{_short(right)}' has no item to match; extra "
                             "wrong matches are not supported, so it is left out", answer.at)
                continue
            if answer.text and not arrow:
                self.error("gift-bad-matching", f"the pair '{_short(answer.text)}' has no "
                           "'->'", answer.at, "write each pair as =item -> its match")
            elif answer.text and not right:
                self.error("gift-empty-answer", f"'{_short(left)}' has no match after '->'",
                           answer.at, "write its match after '->'")
            if answer.weight is not None or answer.feedback:
                self.warning("gift-dropped", "weights and feedback of matching pairs are not "
                             "kept", answer.at, _GENERAL_HINT)
            pairs.append((left, right))
        if len(pairs) < 2:
            self.error("gift-bad-matching", "a matching question needs at least 2 pairs; "
                       f"this one has {len(pairs)}", opening, "add pairs as =item -> its match")
        return {"type": "matching", "pairs": tuple(pairs)}

    def _numeric(self, start: int, end: int) -> dict:
        answers = self._split(start, end, _EQUALS)
        if len(answers) < 2 and not (answers and answers[0].mark):     # {#3.14:0.01}
            answers = [_Answer("=", answers[0].raw if answers else "", start - 1)]
        escaped = {answer.at for answer in answers if "\\:" in answer.raw}
        read = [(answer, value) for answer in self._read(answers)
                if (value := self._number(answer, answer.at in escaped)) is not None]
        if not read:
            raise _Skip  # each answer's problem is reported already
        best, value = max(read, key=lambda pair: 100 if pair[0].weight is None
                          else pair[0].weight)
        for answer, _ in read:
            if answer is not best and answer.weight in (None, 100):
                self.warning("gift-dropped", "a numeric question keeps one right answer; this "
                             "one is left out", answer.at, "accept several numbers with a "
                             "range (1..5) or a tolerance (3:0.5)")
            elif answer is not best:
                self._partial(answer, "is left out (the best one is kept)")
        if best.weight not in (None, 100):
            self._partial(best, "is kept as the right answer")
        key = "range" if "low" in value else "answer"     # where validate's checks point
        return {"type": "numeric", **value, "feedback_correct": best.feedback,
                "written": ((key, self.chunk.at(best.at)),)}

    def _number(self, answer: _Read, escaped_colon: bool = False) -> dict | None:
        text = answer.text
        if not text:
            return None  # reported as empty
        if escaped_colon:       # '\:' is a colon as text, not the tolerance's
            self.error("gift-bad-number", f"'{_short(text)}' is not a number", answer.at,
                       "'\\:' stands for a colon in the text; write a tolerance with a plain "
                       "':' (3.14:0.01)")
            return None
        if found := _RANGE.fullmatch(text):
            value = {"low": float(found[1]), "high": float(found[2])}
        elif found := _TOLERANCE.fullmatch(text):
            value = {"number": float(found[1]), "tolerance": float(found[2] or 0)}
        else:
            self.error("gift-bad-number", f"'{_short(text)}' is not a number", answer.at,
                       _NUMBER_HINT)
            return None
        if not all(math.isfinite(v) for v in value.values()) or value.get("tolerance", 0) < 0:
            self.error("gift-bad-number", f"'{_short(text)}' is out of range", answer.at,
                       "numbers must be finite, a tolerance 0 or more")
            return None
        return value


def read_gift_file(path: Path, report: Report) -> Lesson | None:
    """A quiz lesson from a GIFT file; None when the file has an error."""
    text = read_text(path, report)
    return None if text is None else parse_gift(text, path, report)


def parse_gift(text: str, path: Path, report: Report) -> Lesson | None:
    """A quiz lesson from the text of a GIFT file read from path."""
    file = display_path(path)
    reader = _Reader(report, file)
    lines = text.split("\n")
    settings = reader.settings(lines)
    questions: list[Question] = []
    for chunk in _chunks(lines, file):
        if question := reader.question(chunk, len(questions) + 1):
            questions.append(question)
    if not questions and not reader.errors:
        reader.error("gift-no-questions", "the file has no questions", Source(file, 1, 1),
                     "write questions as in docs/quizzes-gift.md")
    if reader.errors:
        return None
    title = settings.pop("title", None) or _title_from(path.stem)
    return Lesson(id=lesson_id_from_name(path.stem), title=title, summary="", minutes=None,
                  markdown="", body_line=1, path=path, source=Source(file, 1, 1),
                  quiz=Quiz(tuple(questions), **settings))
