"""The bad-input corpus (tests/corpus, see its README.md): every broken or hostile source
gives `coursepack validate` exit code 1 and an error with the file and a line, never a
traceback, a hang or unbounded memory.

Each case is put in the place its reader reads (the folder names the reader) in a small
course that is otherwise valid. tests/corpus/expected.txt names, for each case, one error it
must give. Inputs too large to commit are made by GENERATED below."""

from __future__ import annotations

import json
import resource
import signal
import traceback
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import MINIMAL, write_course
from coursepack.cli import main
from coursepack.diagnostics import Diagnostic, Report, format_github, format_text

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = CORPUS / "expected.txt"
CATEGORIES = ("course-yaml", "front-matter", "markdown", "transcript", "references", "quiz",
              "gift")

SECONDS = 10                  # a case that takes longer has hung
BASE_MEMORY = 64 << 20        # bytes any case may add to the process's peak ...
MEMORY_PER_BYTE = 40          # ... plus this many per byte of input (a list of words
                              # costs about 20)
MESSAGE_LIMIT = 600           # characters of message and hint: never the whole input
COMMITTED_LIMIT = 16_000      # bytes of a committed case; larger ones go in GENERATED


# ---- generated cases: too large (or too repetitive) to commit ----------------------------------

MB = 1 << 20
COURSE = MINIMAL["course.yaml"].replace("\n        ", "\n").lstrip()
FRONT = "---\ntitle: A lesson\n---\n\n"
BAD_LINK = "\n\n[x](javascript:void)\n"


def _cues(form: str, hours: int = 10, every: int = 3) -> str:
    """A transcript of `hours` hours, a cue every `every` seconds; the last cue starts a
    second before the one above it."""
    def stamp(s: float) -> str:
        ms = round(s * 1000)
        text = (f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}"
                f".{ms % 1000:03d}")
        return text.replace(".", ",") if form == "srt" else text
    lines = ["WEBVTT", ""] if form == "vtt" else []
    count = hours * 3600 // every
    for n in range(count):
        start = n * every if n < count - 1 else (n - 1) * every - 1
        if form == "txt":
            lines.append(f"[{stamp(start)[:8]}] Words spoken in part {n}, at a steady pace.")
            continue
        lines += [str(n + 1)] if form == "srt" else []
        lines += [f"{stamp(start)} --> {stamp(start + every - 0.5)}",
                  f"Words spoken in part {n}, at a steady pace.", ""]
    return "\n".join(lines) + "\n"


GENERATED = {
    # YAML nesting and anchors
    "course-yaml/deep-flow.yaml": lambda: "id: tiny\ndescription: " + "[" * 50_000 + "\n",
    "course-yaml/deep-flow-closed.yaml":
        lambda: "id: tiny\ndescription: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "course-yaml/deep-block.yaml":
        lambda: COURSE + "description:\n" + "".join("  " * i + "a:\n" for i in range(1, 160)),
    "front-matter/deep-nesting.md":
        lambda: "---\ntitle: A lesson\nsummary: " + "{a: " * 20_000 + "\n---\n\nText.\n",
    "references/deep-nesting.json": lambda: "[" * 100_000 + "]" * 100_000,
    "references/deep-nesting.yaml": lambda: "- " + "[" * 30_000 + "\n",
    "quiz/deep-nesting.yaml": lambda: ("title: A quiz\nquestions:\n  - id: q1\n"
                                       "    type: true-false\n    prompt: Sure?\n"
                                       "    answer: true\nintro: " + "[" * 30_000 + "\n"),
    # lines of 1 and 10 MB, and a file over the size limit
    "course-yaml/10mb-line.yaml":
        lambda: COURSE.replace('"1.0"', "1.0") + "description: " + "word " * (2 * MB) + "\n",
    "course-yaml/1mb-id.yaml": lambda: COURSE.replace("id: tiny", "id: " + "a" * MB, 1),
    "course-yaml/too-large.yaml": lambda: COURSE + "#" * (21 * MB) + "\n",
    "front-matter/1mb-title.md": lambda: "---\ntitle: " + "Long " * (MB // 5) + "\n---\n\nText.\n",
    "markdown/10mb-line.md": lambda: FRONT + "word " * (2 * MB) + BAD_LINK,
    "markdown/1mb-link.md": lambda: FRONT + "[x](javascript:" + "a" * MB + ")\n",
    "markdown/1mb-path.md": lambda: FRONT + "[x](" + "a" * MB + ".md)\n",
    "markdown/1mb-citation-key.md": lambda: FRONT + "[@" + "a" * MB + "]\n",
    "course-yaml/1mb-lesson-path.yaml":
        lambda: COURSE.replace("lessons/two.md", "lessons/" + "a" * MB + ".md"),
    "transcript/10mb-line.vtt": lambda: ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
                                         + "word " * (2 * MB) + "\n\n00:00:03 --> 00:00:04\nTwo\n"),
    "transcript/10mb-line.txt": lambda: "[00:00] " + "word " * (2 * MB) + "\n[99:99] Two\n",
    "transcript/1mb-timing.srt": lambda: "1\n00:00:01,000 --> " + "9" * MB + "\nOne\n",
    "references/10mb-line.json":
        lambda: '[\n  {"id": "a", "title": "' + "word " * (2 * MB) + '"}\n  {"id": "b"}\n]\n',
    "references/10mb-line.bib":
        lambda: ("@book{a,\n  title = {" + "word " * (2 * MB) + "}\n}\n\n"
                 "@book{b\n  title = {B}\n}\n"),
    "references/10mb-line.ris": lambda: "TY  - BOOK\nTI  - " + "word " * (2 * MB) + "\n",
    "quiz/10mb-prompt.yaml": lambda: ("title: A quiz\nquestions:\n  - id: q1\n    type: single\n"
                                      "    prompt: " + "word " * (2 * MB) + "\n"
                                      "    options: [{text: a}, {text: b}]\n"),
    "gift/10mb-line.gift": lambda: "Pick {=a ~" + "word " * (2 * MB) + "}\n\nBad {=a ~b\n",
    # 10-hour transcripts
    "transcript/10-hour.vtt": lambda: _cues("vtt"),
    "transcript/10-hour.srt": lambda: _cues("srt"),
    "transcript/10-hour.txt": lambda: _cues("txt"),
    # pathological Markdown and GIFT
    "markdown/deep-blockquote.md": lambda: FRONT + ">" * 20_000 + " deep" + BAD_LINK,
    "markdown/deep-list.md": lambda: FRONT + "- " * 10_000 + "deep" + BAD_LINK,
    "markdown/many-brackets.md": lambda: FRONT + "[" * 20_000 + BAD_LINK,
    "markdown/emphasis-storm.md": lambda: FRONT + "*a _b " * 10_000 + BAD_LINK,
    "markdown/backtick-storm.md": lambda: FRONT + "`a ``b " * 10_000 + BAD_LINK,
    "markdown/paren-storm.md": lambda: FRONT + "[a](" + "(" * 20_000 + BAD_LINK,
    "markdown/citation-storm.md": lambda: FRONT + "[" + "@a;" * 5_000 + "]\n",
    "references/deep-braces.bib": lambda: "@book{a,\n  title = " + "{" * 20_000 + "\n}\n",
    "gift/deep-braces.gift": lambda: "Pick " + "{" * 50_000 + "\n",
    "gift/closing-braces.gift": lambda: "Pick " + "}" * 50_000 + "\n",
    "gift/many-marks.gift": lambda: "Pick {" + "~" * 2_000 + "}\n",
    "gift/colon-storm.gift": lambda: "::" + ":" * 20_000 + "\n",
}


def committed_cases() -> list[str]:
    return sorted(p.relative_to(CORPUS).as_posix() for c in CATEGORIES
                  for p in (CORPUS / c).iterdir())


@cache
def expected() -> dict[str, tuple[int, str]]:
    out = {}
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            case, number, code = line.split()
            out[case] = (int(number), code)
    return out


def all_cases() -> list[str]:
    return sorted(set(committed_cases()) | set(GENERATED))


# ---- putting a case in its reader's place -----------------------------------------------------

def _course(lessons: list[str], extra: str = "") -> str:
    listed = "".join(f"      - {name}\n" for name in lessons)
    return COURSE.split("    lessons:\n")[0] + "    lessons:\n" + listed + extra


def place(case: str, data: bytes, root: Path) -> Path:
    """Write a course around the case; return the path the case was copied to."""
    category, name = case.split("/")
    files = dict(MINIMAL)
    if category == "course-yaml":
        slot = "course.yaml"
    elif category in ("front-matter", "markdown", "quiz", "gift"):
        slot = f"lessons/{name}"
        files["course.yaml"] = _course(["lessons/one.md", slot])
    elif category == "transcript":
        slot = f"lessons/media/{name}"
        files["course.yaml"] = _course(["lessons/one.md", "lessons/video.md"])
        files["lessons/video.md"] = ("---\ntitle: A video\nvideo:\n  src: media/talk.webm\n"
                                     f"  duration: '11:00:00'\n  transcript: media/{name}\n---\n")
        files["lessons/media/talk.webm"] = ""
    else:
        slot = f"refs/{name}"
        files["course.yaml"] = _course(["lessons/one.md", "lessons/two.md"],
                                       f"references: {slot}\n")
    write_course(root, files)
    path = root / slot
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def case_bytes(case: str) -> bytes:
    if case in GENERATED:
        return GENERATED[case]().encode("utf-8")
    return (CORPUS / case).read_bytes()


class Hang(BaseException):
    """Raised by the alarm; a BaseException so no reader's `except Exception` hides it."""


@contextmanager
def time_limit(seconds: int):
    def ring(signum, frame):
        raise Hang(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def peak_memory() -> int:
    """The most memory this process has held, in bytes (Linux counts ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextmanager
def memory_limit(limit: int):
    """Fail when the block raises the process's peak memory by more than limit. Growth
    below an earlier peak goes unseen, so this catches blow-ups, not small excesses."""
    before = peak_memory()
    yield
    grown = peak_memory() - before
    assert grown <= limit, f"memory grew by {grown / MB:.0f} MB; the limit is {limit / MB:.0f} MB"


# ---- the cases ---------------------------------------------------------------------------------

def validate(root: Path, size: int) -> tuple[int, dict]:
    runner = CliRunner()
    args = ["validate", "--format", "json", str(root)]
    with time_limit(SECONDS), memory_limit(BASE_MEMORY + MEMORY_PER_BYTE * size):
        result = runner.invoke(main, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"traceback from coursepack validate:\n{trace}")
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize("case", all_cases())
def test_corpus_case_gives_located_errors(case, tmp_path):
    data = case_bytes(case)
    slot = place(case, data, tmp_path / "course")
    code, out = validate(tmp_path / "course", len(data))
    assert code == 1, out
    mine = [d for d in out["diagnostics"] if Path(d["file"]).resolve() == slot.resolve()]
    errors = {(d["line"], d["code"]) for d in mine if d["severity"] == "error"}
    assert errors, f"no error about {case}: {out['diagnostics']}"
    assert all(d["line"] >= 1 and d["column"] >= 1 for d in mine), mine
    assert all(len(d["message"]) + len(d["hint"]) <= MESSAGE_LIMIT
               for d in out["diagnostics"]), "a message quotes too much of the input"
    want = expected().get(case)
    assert want is not None, f"add '{case}' to {EXPECTED.name}; it gives: {sorted(errors)}"
    assert want in errors, f"expected {want}, found {sorted(errors)}"
    # The other output formats read the file again to show the line: they must cope too.
    report = Report([Diagnostic(**d) for d in out["diagnostics"]])
    assert format_text(report, 1) and format_github(report, 1)


def test_corpus_covers_every_reader_and_is_listed():
    cases = all_cases()
    by_category = {c: [x for x in cases if x.startswith(c + "/")] for c in CATEGORIES}
    assert all(len(found) >= 10 for found in by_category.values()), \
        {c: len(found) for c, found in by_category.items()}
    assert len(cases) >= 80
    assert sorted(expected()) == cases, "expected.txt and the corpus list different cases"
    too_big = [c for c in committed_cases() if (CORPUS / c).stat().st_size > COMMITTED_LIMIT]
    assert not too_big, f"generate these in GENERATED instead: {too_big}"
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{c}/`" in readme for c in CATEGORIES)



# Cases whose every error is known: the reader reports the problem once, where it is written,
# and nothing that follows from it.
ONLY = {
    "course-yaml/bad-date.yaml": [(4, "yaml-value")],
    "course-yaml/line-separator.yaml": [(12, "bad-value")],
    "markdown/deep-list.md": [(5, "markdown-too-deep"), (7, "unsafe-link")],
    "references/items-not-mappings.json": [(2, "reference-syntax"), (3, "reference-syntax"),
                                           (4, "reference-syntax")],
    "references/missing-comma.bib": [(2, "reference-syntax")],
    "transcript/time-99-99.txt": [(2, "bad-timestamp")],
    "transcript/negative-time.vtt": [(3, "bad-timestamp")],
    "transcript/out-of-order.txt": [(2, "cue-out-of-order")],
    "transcript/huge-minutes.txt": [(2, "cue-beyond-video")],
    "transcript/10-hour.txt": [(12000, "cue-out-of-order")],
}


@pytest.mark.parametrize("case", sorted(ONLY))
def test_corpus_case_gives_only_its_errors(case, tmp_path):
    data = case_bytes(case)
    slot = place(case, data, tmp_path / "course")
    _, out = validate(tmp_path / "course", len(data))
    errors = sorted((d["line"], d["code"]) for d in out["diagnostics"]
                    if d["severity"] == "error" and Path(d["file"]).resolve() == slot.resolve())
    assert errors == ONLY[case]
