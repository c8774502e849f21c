"""One diagnostic type for the whole program, and the ways of printing a list of them.

These records are named tuples, not msgspec Structs like the model's: an unchanged course's
rebuild needs nothing else, and so does not import msgspec (a tenth of its time)."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


class Source(NamedTuple):
    """Where something came from: a file and a 1-based line and column (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def at(self, line: int, column: int = 1) -> "Source":
        return Source(self.file, line, column)

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


class Diagnostic(NamedTuple):
    """Ordered by place, then severity, code and text."""
    file: str
    line: int
    column: int
    severity: str
    code: str
    message: str
    hint: str = ""

    @classmethod
    def make(cls, severity: str, code: str, message: str, where: Source, hint: str = "") -> "Diagnostic":
        return cls(where.file, where.line, where.column, severity, code, message, hint)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
        return str(Source(self.file, self.line, self.column))

    def as_dict(self) -> dict:
        return self._asdict()


class Report:
    """Diagnostics collected across every file of every course, kept sorted and unique."""

    __slots__ = ("items",)

    def __init__(self, items: list[Diagnostic] | None = None):
        self.items: list[Diagnostic] = [] if items is None else items

    def add(self, severity: str, code: str, message: str, where: Source, hint: str = "") -> None:
        self.items.append(Diagnostic.make(severity, code, message, where, hint))

    def error(self, code: str, message: str, where: Source, hint: str = "") -> None:
        self.add(ERROR, code, message, where, hint)

    def warning(self, code: str, message: str, where: Source, hint: str = "") -> None:
        self.add(WARNING, code, message, where, hint)

    def extend(self, other: "Report | list[Diagnostic]") -> None:
        self.items.extend(other.items if isinstance(other, Report) else other)

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items), key=lambda d: (d.file, d.line, d.column, d.code, d.message))

    @property
    def errors(self) -> int:
        return sum(1 for d in set(self.items) if d.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for d in set(self.items) if d.severity == WARNING)

    def fails(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def shorten(text: object, limit: int = 60) -> str:
    """Source text quoted in a message: on one line, at most `limit` characters."""
    text = " ".join(str(text)[:limit * 4].split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def display_path(path: str | os.PathLike) -> str:
    """A path relative to the working directory when it lies below it, else as given."""
    try:
        real, here = os.path.realpath(path), _real_cwd(os.getcwd())
    except (ValueError, OSError):
        return str(Path(path))
    if real == here:
        return "."
    if real.startswith(here.rstrip(os.sep) + os.sep):
        return real[len(here.rstrip(os.sep)) + 1:]
    return str(Path(path))


@lru_cache(maxsize=4)
def _real_cwd(cwd: str) -> str:
    return os.path.realpath(cwd)


def human_size(n: float) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024:
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def plural(n: int, word: str, words: str = "") -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def summary_line(report: Report, courses: int) -> str:
    return (f"{plural(report.errors, 'error')}, {plural(report.warnings, 'warning')} "
            f"in {plural(courses, 'course')}")


def _source_line(path: str, line: int, cache: dict[str, list[str]]) -> str | None:
    if path not in cache:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
            cache[path] = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else None


def format_text(report: Report, courses: int, color: bool = False) -> str:
    """Human format: location, severity and code, the source line with a caret, the hint."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    cache: dict[str, list[str]] = {}
    out: list[str] = []
    for d in report.sorted():
        sev = paint(d.severity, "1;31" if d.is_error else "1;33")
        out.append(f"{paint(d.location(), '1')}: {sev}[{d.code}]: {_printable(d.message)}")
        text = _source_line(d.file, d.line, cache) if d.line else None
        if text is not None and len(text) <= 400:
            if d.line == 1:
                text = text.removeprefix("\ufeff")
            text = _printable(text.replace("\t", " "))
            gutter = f"{d.line:>5} | "
            out.append(gutter + text)
            caret_at = _cells(text[:max(d.column, 1) - 1])
            out.append(" " * (len(gutter) - 2) + "| " + " " * caret_at + paint("^", "1;32"))
        if d.hint:
            hint = _printable(d.hint).replace("\n", "\n" + " " * 8)
            out.append(f"  {paint('hint', '1;36')}: {hint}")
    out.append(summary_line(report, courses))
    return "\n".join(out)


def _printable(text: str) -> str:
    """Text for a terminal: control characters (a NUL, an escape) shown as their symbols
    (U+2400...), one character each, so nothing in a source can steer the terminal."""
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if m.group() < " " else "\u2421",
                        text)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _cells(text: str) -> int:
    """How many terminal cells text takes: wide (East Asian, emoji) characters two, marks
    that combine with the one before none."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


JSON_FORMAT_VERSION = 1


def format_json(report: Report, courses: list[str]) -> str:
    """The stable machine shape documented in docs/diagnostics.md."""
    doc = {
        "version": JSON_FORMAT_VERSION,
        "courses": courses,
        "summary": {"errors": report.errors, "warnings": report.warnings},
        "diagnostics": [d.as_dict() for d in report.sorted()],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(report: Report, courses: int) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    out = []
    for d in report.sorted():
        kind = "error" if d.is_error else "warning"
        props = [f"file={_gh_escape(d.file, True)}"]
        if d.line:
            props += [f"line={d.line}", f"col={max(d.column, 1)}"]
        props.append(f"title={_gh_escape(d.code, True)}")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"::{kind} {','.join(props)}::{_gh_escape(_printable(message))}")
    out.append(summary_line(report, courses))
    return "\n".join(out)
