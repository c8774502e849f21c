"""Per-lesson results kept between builds, so that an edit redoes only the lessons it touches.

What a stage makes of one lesson (its model, its checks, its HTML, its quiz, its captions,
its section of the page; likewise the reference files and the citation style) depends on
the lesson's own file, on the course around it and on coursepack itself. The key of each
result holds all of them: the lesson file's bytes, course.yaml's bytes, the bytes of every
other file of the course that is not a lesson (images, transcripts, media), the
lesson-to-id map where a stage links lessons, and the code digest. So an edited lesson
redoes itself only, while a changed image or transcript redoes every lesson (correct, and
rare).

A result is kept with the diagnostics its stage reported, which are replayed when it is
reused. Results are pickled when made (later changes to the object do not leak in) and kept
in one file per course under OUT/.cache/lessons/ (or, in the preview, in its memory); like
the rest of the build folder, the cache is trusted: delete it rather than share it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, TypeVar

from . import cache
from .diagnostics import Report

T = TypeVar("T")

_memo: "Memo | None" = None


class Memo:
    def __init__(self, folder: Path):
        self.folder = folder.resolve()
        self.name = cache.digest(str(self.folder))
        self.saved: dict[str, bytes] = {}
        blob = cache.load_bytes("lessons", self.name, ".pickle")
        if blob is not None:
            try:
                self.saved = pickle.loads(blob)
            except Exception:  # noqa: BLE001 - a damaged or old cache is only slower
                self.saved = {}
            if not isinstance(self.saved, dict):
                self.saved = {}
        self.kept: dict[str, bytes] = {}
        self.digests = cache.file_digests(self.folder, cache.output_folder(), keep=True)
        self.base = ""
        self.lesson_keys: dict[Path, str] = {}
        self.whole = False          # every stage ran (a course packaged): keep only what it used

    def set_context(self, course_yaml: bytes, lessons: list[Path]) -> None:
        """The course around every lesson: course.yaml and the files that are no lesson."""
        names = {str(p.relative_to(self.folder)) for p in lessons if p.is_relative_to(self.folder)}
        others = sorted((n, d) for n, d in self.digests.items() if n not in names)
        # The working folder too: diagnostics name files relative to it.
        self.base = cache.digest(cache.code_digest(), os.getcwd(), course_yaml,
                                 *(x for o in others for x in o))
        self.lesson_keys = {}

    def key(self, path: Path) -> str:
        found = self.lesson_keys.get(path)
        if found is None:
            try:
                own = self.digests.get(str(path.relative_to(self.folder))) or _read_digest(path)
            except ValueError:
                own = _read_digest(path)
            found = self.lesson_keys[path] = cache.digest(self.base, str(path), own)
        return found

    def lookup(self, stage: str, path: Path, extra: str) -> tuple[str, tuple | None]:
        """The key of a stage's result for one lesson, and the kept (value, diagnostics)."""
        key = cache.digest(stage, self.key(path), extra)
        blob = self.saved.get(key)
        if blob is not None:
            try:
                value, diagnostics = pickle.loads(blob)
                if not isinstance(diagnostics, list):
                    raise TypeError("not a kept result")
            except Exception:  # noqa: BLE001 - as if it were not there
                return key, None
            self.kept[key] = blob
            return key, (value, diagnostics)
        return key, None

    def keep(self, key: str, value, diagnostics: list) -> None:
        self.kept[key] = pickle.dumps((value, diagnostics), protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Keep the results this process used: only those, after a course was packaged (so
        results no longer used go), else added to what was kept (`validate`, or a build
        stopped by errors, runs only some stages: the others' results stay for the next
        build)."""
        out = cache.output_folder()
        kept = self.kept if self.whole else {**self.saved, **self.kept}
        if kept == self.saved or (out is not None and not out.is_dir()):
            return      # a failed first build leaves no output folder behind, cache or not
        cache.store_bytes("lessons", self.name,
                          pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), ".pickle")


def _read_digest(path: Path) -> str:
    try:
        return hashlib.sha256(cache.source_bytes(path)).hexdigest()
    except OSError:
        return "?"


@contextmanager
def kept(folder: Path):
    """Within: per-lesson results of this course are reused and kept (with a cache only)."""
    global _memo
    _memo = Memo(folder) if cache.active() else None
    try:
        yield
        if _memo is not None:
            _memo.save()
    finally:
        _memo = None


def packaged() -> None:
    """The course was packaged: every stage ran, so the results it did not use may go."""
    if _memo is not None:
        _memo.whole = True


def remembering() -> bool:
    """Whether results are kept between builds (a cache, and the course's context set)."""
    return _memo is not None and bool(_memo.base)


def set_context(course_yaml: bytes, lessons: list[Path]) -> None:
    if _memo is not None:
        _memo.set_context(course_yaml, lessons)


def run(stage: str, path: Path, report: Report | None, compute: Callable[[Report], T],
        extra: str = "") -> T:
    """compute(report) for one lesson's stage, or its kept result (and diagnostics).
    With no report, the stage reports nothing (what it would say was said by a check)."""
    return run_each(stage, [(path, compute)], report, extra)[0]


def run_each(stage: str, work: list[tuple[Path, Callable[[Report], T]]], report: Report | None,
             extra: str | list[str] = "", minimum: int = 0,
             meanwhile: Callable[[], object] | None = None, ready: bool = False) -> list[T]:
    """run() for many lessons at once: what is not kept is computed in turn, or shared with a
    second process when there are at least `minimum` lessons to compute (parallel.share,
    which calls meanwhile() while that process works; with ready, it is forked before the
    first lesson).
    `extra` goes into every result's key; a list gives one per lesson."""
    from . import parallel
    report = Report() if report is None else report
    memo = _memo if _memo is not None and _memo.base else None
    found: list = [(None, None)] * len(work)
    if memo is not None:
        extras = [extra] * len(work) if isinstance(extra, str) else extra
        found = [memo.lookup(stage, path, more) for (path, _), more in zip(work, extras)]
    todo = [n for n, (_, kept) in enumerate(found) if kept is None]

    def compute(n: int) -> tuple:
        own = Report()
        return work[n][1](own), own.items

    made = dict(zip(todo, parallel.share(compute, todo, minimum=minimum, meanwhile=meanwhile,
                                         ready=ready)))
    values = []
    for n, (key, kept) in enumerate(found):
        value, diagnostics = kept if kept is not None else made[n]
        report.extend(diagnostics)
        if kept is None and memo is not None:
            memo.keep(key, value, diagnostics)
        values.append(value)
    return values


def links(course) -> str:
    """What a lesson's links resolve against: every lesson's file, id and module, and each
    listed file that gave no lesson, by whether it is there (a link to one that is there
    is reported by the lesson itself; to one that is not, as missing)."""
    loaded = {lesson.path for lesson in course.lessons}
    return cache.digest(*(f"{lesson.path}\0{lesson.id}\0{module.id}"
                          for module in course.modules for lesson in module.lessons),
                        *(f"{path}\0{path.exists()}" for path in sorted(
                            path for path in course.lesson_files if path not in loaded)))
