"""One course's whole build as a job: skipped when nothing it reads has changed since the
last build into the same folder, otherwise checked and, when clean, packaged. Jobs for
several courses run in parallel processes; each returns its diagnostics as data."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

from . import cache
from .diagnostics import Diagnostic, Report, display_path


class Job(NamedTuple):
    folder: Path
    targets: tuple[str, ...]
    out_dir: Path
    control_files: Path | None = None
    strict: bool = False
    cached: bool = True


class Outcome(NamedTuple):
    diagnostics: list[Diagnostic]
    written: list[Path]
    reused: bool = False
    seconds: float = 0.0


def _fingerprint(job: Job) -> str:
    controls = cache.folder_digest(job.control_files) if job.control_files else ""
    sources = cache.folder_digest(job.folder, job.out_dir, keep=True)
    return cache.digest(cache.code_digest(), sources, job.targets, controls,
                        os.environ.get("SOURCE_DATE_EPOCH", ""), job.strict)


def _output_stamp(path: Path) -> list | None:
    """What tells the package the last build wrote (a zip, or the web target's folder) from
    anything put in its place since: each file's name, inode, size, and modification and
    change times, as make judges files. Not its bytes: hashing them would read the whole
    package back, a video's length, after every build. A zip is written whole under a new
    inode (archive.publish); a file changed since has new times, and a file put back with
    its old modification time has a new change time, which cannot be set."""
    def stamp(st: os.stat_result) -> list:
        return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    try:
        if not path.is_dir():
            return stamp(path.stat())
        found = []
        for directory, subdirs, files in os.walk(path):
            subdirs.sort()
            for name in sorted(files):
                full = os.path.join(directory, name)
                found.append([os.path.relpath(full, path), *stamp(os.stat(full))])
        return found
    except OSError:
        return None


def run(job: Job) -> Outcome:
    started = time.perf_counter()
    return _run(job)._replace(seconds=time.perf_counter() - started)


def _run(job: Job) -> Outcome:
    cache.use(job.out_dir / ".cache" if job.cached else None)
    record_key = cache.digest(str(job.folder.resolve()), str(job.out_dir.resolve()))
    fingerprint = _fingerprint(job) if job.cached else ""
    record = cache.load("builds", record_key)
    if record and record.get("inputs") == fingerprint and isinstance(
            record.get("outputs"), list) and all(
            _output_stamp(Path(p)) == d for p, d in record["outputs"]):
        # each file as this working folder shows it (the record holds absolute paths)
        return Outcome([Diagnostic(**{**d, "file": display_path(d["file"])})
                        for d in record["diagnostics"]],
                       [Path(p) for p, _ in record["outputs"]], reused=True)
    from . import units
    from .pipeline import build, check
    report = Report()
    written: list[Path] = []
    with units.kept(job.folder):
        checked = check(job.folder, report)
        if not report.fails(job.strict):
            written = build(checked, list(job.targets), job.out_dir, report, job.control_files)
            if written:
                units.packaged()
    if not report.fails(job.strict) and written:
        cache.store("builds", record_key, {
            "inputs": fingerprint,
            "outputs": [[str(p), _output_stamp(p)] for p in written],    # in build order
            "diagnostics": [{**d.as_dict(), "file": os.path.abspath(d.file) if d.file else ""}
                            for d in report.sorted()]})
    return Outcome(report.sorted(), written)


def run_all(jobs: list[Job], workers: int, progress=None) -> list[Outcome]:
    """Every job, in parallel processes when there are several; outcomes in job order.
    With more workers than jobs, each job shares its own work with the spare ones. A course
    with the id of an earlier one is not built (same_ids)."""
    from . import parallel
    refused = {n: Outcome(found, []) for n, found in same_ids([j.folder for j in jobs]).items()}
    todo = [job for n, job in enumerate(jobs) if n not in refused]
    with parallel.allowed(workers // max(len(todo), 1)):
        done = iter(_run_all(todo, workers, progress))
    return [refused[n] if n in refused else next(done) for n in range(len(jobs))]


def same_ids(folders: list[Path]) -> dict[int, list[Diagnostic]]:
    """The courses (by index) that have the id of an earlier one, each with its error: the
    packages are named by the id, so two such courses built together would write over each
    other's (in a parallel build, in either order)."""
    if len(folders) < 2:
        return {}
    from .diagnostics import Source, display_path
    from .load.discover import COURSE_FILE
    from .load.yamlpos import parse_yaml
    first: dict[str, Source] = {}
    found = {}
    for n, folder in enumerate(folders):
        path = folder / COURSE_FILE
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue          # the course's own build says what is wrong
        doc = parse_yaml(text, Source(display_path(path)), Report())
        data = doc.data if doc is not None else None
        course_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(course_id, str) or not course_id:
            continue          # the course's own build says what is wrong
        where = doc.pos(("id",))
        if course_id.casefold() not in first:
            first[course_id.casefold()] = where
            continue
        report = Report()
        report.error("duplicate-id", f"course id '{course_id}' is also another course's id",
                     where,
                     f"the first use is at {first[course_id.casefold()]}; give each course its "
                     "own id: it names the course's packages")
        found[n] = report.sorted()
    return found


def _run_all(jobs: list[Job], workers: int, progress) -> list[Outcome]:
    if workers <= 1 or len(jobs) <= 1:
        outcomes = []
        for n, job in enumerate(jobs, start=1):
            if progress:
                progress(n, len(jobs), job.folder)
            outcomes.append(run(job))
        return outcomes
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    from . import pipeline  # noqa: F401 - imported once here, before the workers fork
    global _pool
    workers = min(workers, len(jobs))
    # Cores are lent where the workers are forked (and so inherit the pool), as on Linux,
    # the one system where a course's work is shared at all (parallel.share).
    lending = sys.platform.startswith("linux")
    _pool = Pool(workers, len(jobs)) if lending else None
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                                 mp_context=multiprocessing.get_context(
                                     "fork" if lending else None)) as pool:
            futures = [pool.submit(_run_pooled if lending else run, job) for job in jobs]
            outcomes = []
            try:
                for n, (job, future) in enumerate(zip(jobs, futures), start=1):
                    outcomes.append(_outcome(job, future))
                    if progress:
                        progress(n, len(jobs), job.folder)
            except KeyboardInterrupt:   # Ctrl+C: the courses under way are finished, whole
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            return outcomes
    finally:
        _pool = None


def _worker_start() -> None:
    """A worker of the pool leaves Ctrl+C to the parent, which stops the pool in order
    (no half-written package, no traceback from each worker)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _outcome(job: Job, future) -> Outcome:
    """A job's outcome; a worker that died (killed, out of memory) is this course's error,
    and that of every course it left unbuilt, not the end of the whole build."""
    from concurrent.futures.process import BrokenProcessPool
    try:
        return future.result()
    except BrokenProcessPool:
        from .diagnostics import Source, display_path
        from .load.discover import COURSE_FILE
        report = Report()
        report.error("build-stopped", "the process building courses stopped before this one "
                     "was built (it was killed, or ran out of memory)",
                     Source(display_path(job.folder / COURSE_FILE)),
                     "build again; should it stop again, build this course alone with -j 1 "
                     "to see why")
        return Outcome(report.sorted(), [])


class Pool:
    """What the workers of a pool of course builds know of each other: how many jobs have
    started and finished. Once every job has started, a worker without one is idle for
    good; its core is lent to the courses still being built, whose work it can share
    (parallel.share), so that the last courses do not run alone on one core each."""

    def __init__(self, workers: int, jobs: int):
        import multiprocessing
        self.workers, self.jobs = workers, jobs
        self.counts = multiprocessing.get_context("fork").Array("i", 2)  # started, finished

    def lent(self) -> int:
        started, finished = self.counts[0], self.counts[1]
        if started < self.jobs:
            return 0            # an idle worker is about to take the next job
        running = max(started - finished, 1)
        return (self.workers - running) // running

    def count(self, slot: int) -> None:
        with self.counts.get_lock():
            self.counts[slot] += 1


_pool: Pool | None = None


def _run_pooled(job: Job) -> Outcome:
    """run(job) in a worker of the pool."""
    from . import parallel
    assert _pool is not None
    _pool.count(0)
    parallel.lend(_pool.lent)
    try:
        return run(job)
    finally:
        parallel.lend(None)
        _pool.count(1)
