"""One course's independent pieces of work (lessons to read, lessons to parse, reference
entries to write, sections of the page) shared with a forked child process, so that a single
course's build uses a second core.

The child works from the tail of the list towards the head and sends its results back
pickled; the parent works from the head until the two meet. The answer is the list a plain
loop would give: each piece is computed from what the parent held when it forked, and
anything a piece reports travels with its result. Should the child fail in any way, the
parent computes the child's part itself, so a build never depends on it. Sharing is off
unless a command turns it on (`build` for a lone course, or for the last courses of a
parallel build; `validate`); a process with threads (the preview) never forks, nor does one
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
_child_working = False       # a child of share() is at work, or this is one: no other fork
_lent: Callable[[], int] | None = None     # processes lent now by idle workers of a pool


@contextmanager
def allowed(processes: int):
    """Within: the work of one course may use up to `processes` processes (1: never fork)."""
    global _processes
    before, _processes = _processes, max(1, processes)
    try:
        yield
    finally:
        _processes = before


def lend(lent: Callable[[], int] | None) -> None:
    """In a worker of a pool of course builds: lent() tells how many processes the pool's
    idle workers lend this course now (see buildjob.Pool)."""
    global _lent
    _lent = lent


def available() -> int:
    """How many processes (or threads) the work of one course may keep busy."""
    return _processes + (_lent() if _lent is not None else 0)


def cores() -> int:
    """The CPUs this process may use: those its affinity allows, no more than a container's
    CPU quota grants (a CI runner often sees every core of its host but may use two)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:       # not on Linux
        return os.cpu_count() or 1
    quota = cpu_quota()
    return max(1, min(count, quota)) if quota else count


def cpu_quota(root: str = "/") -> int | None:
    """CPUs granted by the tightest CFS quota (rounded up) on this process's control groups
    and their parents: cgroup v2's cpu.max ("200000 100000"), cgroup v1's cpu.cfs_quota_us
    over cpu.cfs_period_us. None when no quota is set, or it cannot be read."""
    try:
        with open(os.path.join(root, "proc/self/cgroup"), encoding="utf-8") as lines:
            memberships = [line.rstrip("\n").split(":", 2) for line in lines]
    except OSError:
        return None
    limits = []
    for fields in memberships:
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":                                  # v2: one unified hierarchy
            mounts = [os.path.join(root, "sys/fs/cgroup")]
        elif "cpu" in controllers.split(","):                  # v1: the cpu controller's
            mounts = [os.path.join(root, "sys/fs/cgroup", name)
                      for name in (controllers, "cpu", "cpu,cpuacct")]
        else:
            continue
        for mount in dict.fromkeys(mounts):
            folder = mount + path.rstrip("/")
            while len(folder) >= len(mount):            # the group, then each parent
                limit = _quota_in(folder, v2=controllers == "")
                if limit is not None:
                    limits.append(limit)
                folder = os.path.dirname(folder)
    return min(limits) if limits else None


def _quota_in(folder: str, v2: bool) -> int | None:
    try:
        if v2:
            with open(os.path.join(folder, "cpu.max"), encoding="ascii") as f:
                quota, _, period = f.read().strip().partition(" ")
        else:
            with open(os.path.join(folder, "cpu.cfs_quota_us"), encoding="ascii") as f:
                quota = f.read().strip()
            with open(os.path.join(folder, "cpu.cfs_period_us"), encoding="ascii") as f:
                period = f.read().strip()
        quota_us, period_us = int(quota), int(period)
    except (OSError, ValueError):                       # "max", -1, or not there: no quota
        return None
    if quota_us <= 0 or period_us <= 0:
        return None
    return -(-quota_us // period_us)


def share(compute: Callable[[T], R], items: Sequence[T], weights: Sequence[float] | None = None,
          minimum: float = 0, meanwhile: Callable[[], object] | None = None,
          ready: bool = False) -> list[R]:
    """[compute(item) for item in items], with a forked child doing part of the work when
    sharing is allowed and the work (sum of weights, one per item by default) is at least
    `minimum`: below it, a fork costs more than it saves. When a child was forked, this
    process first calls meanwhile(): work the caller would do next anyway, done while the
    child starts on the list.

    The pieces are not split in advance: this process takes them from the front, the child
    from the back, one at a time, until the two meet; so neither sits idle while the other
    still has pieces left, whatever slows one of them down (the work of meanwhile, a busy
    core, uneven pieces). Each side publishes how far it has got in a shared page and reads
    the other's; no lock is taken, so at worst the piece where they meet is computed twice,
    with the same result.

    With ready, the pieces need no set-up (their modules are imported), so the child is
    forked before the first piece, which may be a long one, rather than after it."""
    global _child_working
    work = sum(weights) if weights is not None else len(items)
    if (available() < 2 or _child_working or len(items) < 3 or work < minimum
            or not sys.platform.startswith("linux") or threading.active_count() > 1):
        return [compute(item) for item in items]
    import mmap
    import pickle        # here: a build that reuses its last package never needs it
    import struct
    # Unless ready, the first piece is computed before the fork: whatever it sets
    # up on first use (imports, parsers) is then set up once, not in both processes.
    first = 0 if ready else 1
    results = [compute(items[0])] if first else []
    count = len(items)
    progress = mmap.mmap(-1, 16)     # shared with the child: [next front piece, child's lowest]
    struct.pack_into("qq", progress, 0, first, count)
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
        return results + [compute(item) for item in items[first:]]
    if pid == 0:                                       # the child: never returns
        status, _child_working = 1, True               # and never forks again
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            lowest, done = count, []
            while lowest - 1 >= max(first, struct.unpack_from("q", progress, 0)[0]):
                lowest -= 1
                struct.pack_into("q", progress, 8, lowest)
                done.append(compute(items[lowest]))
            data = pickle.dumps((lowest, done[::-1]), pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    reaped, _child_working = False, True
    try:
        if meanwhile is not None:
            meanwhile()
        front = first
        while front < struct.unpack_from("q", progress, 8)[0]:
            struct.pack_into("q", progress, 0, front + 1)
            results.append(compute(items[front]))
            front += 1
        chunks = []
        while chunk := os.read(read_end, 1 << 20):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        reaped = True
        lowest, tail = count, []
        if status == 0:
            try:
                lowest, tail = pickle.loads(b"".join(chunks))
            except Exception:  # noqa: BLE001 - computed here instead
                pass
        if not (isinstance(lowest, int) and isinstance(tail, list)
                and len(tail) == count - lowest and lowest <= front):
            lowest, tail = count, []
        # pieces the child did not deliver, then what it did beyond this process's own
        return (results + [compute(items[n]) for n in range(front, lowest)]
                + tail[max(front, lowest) - lowest:])
    finally:
        _child_working = False
        gc.unfreeze()
        os.close(read_end)
        progress.close()
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
