"""One course's independent pieces of work (lessons to read, lessons to parse, reference
entries to write) shared with a forked child process, so that a single course's build uses a
second core.

The child computes the tail of the list and sends its results back pickled; the parent
computes the head meanwhile. The answer is the list a plain loop would give: each piece is
computed from what the parent held when it forked, and anything a piece reports travels
with its result. Should the child fail in any way, the parent computes the tail itself, so
a build never depends on it. Sharing is off unless a command turns it on (`build` for a
lone course, `validate`); a process with threads (the preview) never forks, nor does one
on a system other than Linux, where forking without exec is not dependable.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_processes = 1


@contextmanager
def allowed(processes: int):
    """Within: the work of one course may use up to `processes` processes (1: never fork)."""
    global _processes
    before, _processes = _processes, max(1, processes)
    try:
        yield
    finally:
        _processes = before


def available() -> int:
    """How many processes (or threads) the work of one course may keep busy."""
    return _processes


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:       # not on Linux
        return os.cpu_count() or 1


def share(compute: Callable[[T], R], items: Sequence[T], weights: Sequence[float] | None = None,
          minimum: float = 0) -> list[R]:
    """[compute(item) for item in items], with a forked child doing about half the work when
    sharing is allowed and the work (sum of weights, one per item by default) is at least
    `minimum`: below it, a fork costs more than it saves."""
    weights = list(weights) if weights is not None else [1.0] * len(items)
    if (_processes < 2 or len(items) < 3 or sum(weights) < minimum
            or not sys.platform.startswith("linux") or threading.active_count() > 1):
        return [compute(item) for item in items]
    import pickle        # here: a build that reuses its last package never needs it
    # The first piece is computed before the fork: whatever it sets up on first use
    # (imports, parsers) is then set up once, not in both processes.
    first = compute(items[0])
    total, cut, done = sum(weights[1:]), 1, 0.0
    while cut < len(items) - 1 and done + weights[cut] / 2 < total / 2:
        done += weights[cut]
        cut += 1
    head, tail = items[1:cut], items[cut:]
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()        # no collection in either process writes to the pages they share
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        os.close(read_end)
        os.close(write_end)
        return [first] + [compute(item) for item in items[1:]]
    if pid == 0:                                       # the child: never returns
        status = 1
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            data = pickle.dumps([compute(item) for item in tail], pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    reaped = False
    try:
        results = [first] + [compute(item) for item in head]
        chunks = []
        while chunk := os.read(read_end, 1 << 20):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        reaped = True
        tail_results = None
        if status == 0:
            try:
                tail_results = pickle.loads(b"".join(chunks))
            except Exception:  # noqa: BLE001 - computed here instead
                tail_results = None
        if not isinstance(tail_results, list) or len(tail_results) != len(tail):
            tail_results = [compute(item) for item in tail]
        return results + tail_results
    finally:
        gc.unfreeze()
        os.close(read_end)
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
