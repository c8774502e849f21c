"""A content-addressed cache under the output folder (`build/.cache/`, safe to delete).

Four uses: a record per course of the inputs of its last build, so an unchanged course is
not built again; the results of the slowest stage (citations and reference lists through the
CSL processor), keyed by everything they depend on, so an edit that leaves citations alone
does not run it again; what each lesson became at every step (units.py); and the digests of
large files (file_digest), so an unchanged video is not read at every build. All but the
per-lesson results are JSON; those are pickles, trusted as the build folder itself is. Every
entry is written atomically, after the SHA-256 of its bytes, which is checked when it is read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path

from . import TARGET_NAMES, __version__

_folder: Path | None = None
_memory: dict | None = None
_digests: dict[tuple[Path, Path | None], dict[str, str]] = {}
_read: dict[str, bytes] = {}     # what the digests read, by path, for the build to use
_large: dict[str, list] | None = None    # large files' digests, with what stat said of them
MEMORY_ENTRIES = 8      # per kind, in a long-lived process's memory
KEEP_BYTES = 1 << 20    # files up to this size are read once per build, not twice,
KEEP_TOTAL = 16 << 20   # up to this much in all: the rest go into packages from disk
_kept = 0               # bytes in _read
SETTLED_NS = 2_000_000_000   # a file unchanged for this long gets its digest remembered


def use(folder: Path | None, memory: dict | None = None) -> None:
    """Where results are kept from now on: under a folder, in a dict that a long-lived
    process (the preview) holds on to, or nowhere. Course files are read afresh."""
    global _folder, _memory, _large, _kept
    _folder, _memory = folder, (memory if folder is None else None)
    _digests.clear()
    _read.clear()
    _kept = 0
    _large = None


def digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def active() -> bool:
    return _folder is not None or _memory is not None


def output_folder() -> Path | None:
    """The build's output folder (the cache lives in it), left out of course digests."""
    return None if _folder is None else _folder.parent


def _path_for(kind: str, key: str, suffix: str = ".json") -> Path | None:
    return None if _folder is None else _folder / kind / f"{key}{suffix}"


def load_bytes(kind: str, key: str, suffix: str = ".json") -> bytes | None:
    """An entry as stored, or None when there is none or it is not whole: each file starts
    with the SHA-256 of the rest, so a damaged entry (a flipped bit, a short write by
    another tool) is a miss, never a wrong package."""
    if _memory is not None:
        return _memory.get(kind, {}).get(key)
    path = _path_for(kind, key, suffix)
    try:
        data = None if path is None else path.read_bytes()
    except OSError:
        return None
    if data is None or len(data) < 32:
        return None
    body = memoryview(data)[32:]
    return bytes(body) if hashlib.sha256(body).digest() == data[:32] else None


def store_bytes(kind: str, key: str, data: bytes, suffix: str = ".json") -> None:
    if _memory is not None:
        entries = _memory.setdefault(kind, {})
        entries.pop(key, None)
        entries[key] = data
        while len(entries) > MEMORY_ENTRIES:     # the oldest go first
            del entries[next(iter(entries))]
        return
    path = _path_for(kind, key, suffix)
    if path is None:
        return
    from .package.archive import publish
    try:
        publish(path, hashlib.sha256(data).digest() + data, durable=False)
    except OSError:
        pass  # a cache that cannot be written is only slower


def load(kind: str, key: str):
    data = load_bytes(kind, key)
    try:
        return None if data is None else json.loads(data.decode("utf-8"))
    except ValueError:
        return None


def store(kind: str, key: str, value) -> None:
    store_bytes(kind, key, json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def store_latest(kind: str, owner: str, key: str, value) -> None:
    """store(kind, OWNER-KEY, value), removing the owner's earlier entries of that kind: a
    result that only the owner's next build could use (a course's citations, which change
    with every edit to them) is kept once, not once per edit."""
    store(kind, f"{owner}-{key}", value)
    path = _path_for(kind, f"{owner}-{key}")
    if path is None or _memory is not None:
        return
    for old in path.parent.glob(f"{owner}-*.json"):
        if old != path:
            try:
                old.unlink()
            except OSError:
                pass


_code: str | None = None


def code_digest() -> str:
    """Everything of coursepack itself that shapes its output: code, theme, runtime."""
    global _code
    if _code is None:
        root = Path(__file__).resolve().parent
        from .resources import default_templates_dir
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        files += sorted(p for p in default_templates_dir().rglob("*") if p.is_file())
        _code = digest(__version__, *_installed(), *(p.read_bytes() for p in files))
    return _code


def _installed() -> list[str]:
    """Names (with versions) of the installed distributions: a library upgrade that could
    change the output changes this list. One directory listing per path entry."""
    import sys
    names = []
    for entry in sys.path:
        try:
            names += sorted(n for n in os.listdir(entry or ".") if n.endswith(".dist-info"))
        except OSError:
            continue
    return names


# Folders of version-control systems: left out of a course's digest (they can be large and
# change at every commit), so a course may not use files in them (load.files).
VCS_FOLDERS = frozenset((".git", ".hg", ".svn", ".bzr"))
# Files that editors and file managers write beside the ones they show: swap, lock and backup
# files, folder settings. Left out of the digest too, so that opening a lesson in vim or its
# folder in the Finder does not make the next build redo every lesson; a course may not use
# them either.
SCRATCH_FILE = re.compile(r"\.DS_Store|Thumbs\.db|desktop\.ini|\..+\.sw[a-p]|\.#.+|#.+#|.+~")

# What a build writes into its output folder: the cache, each package (ID-TARGET.zip, and
# the web target's folder) and, while one is written, its temporary name (archive.py).
BUILD_OUTPUT = re.compile(r"\.cache|.+-(?:%s)(?:\.zip)?|\..+\.tmp" % "|".join(TARGET_NAMES))


def file_digests(folder: Path, exclude: Path | None = None, keep: bool = False
                 ) -> dict[str, str]:
    """The sha256 of every file of a course folder by relative path, hidden folders
    included, version-control folders, editors' scratch files and what builds write into
    the output folder `exclude` (BUILD_OUTPUT) aside; a course may use any other file
    there, so that counts; a symbolic link also
    by where it points (a file or folder the build reaches through it is packaged under
    its real path). Read once per process: the build's fingerprint and the per-lesson keys
    share it. With keep (a course's sources), small files' bytes are kept for
    source_bytes."""
    folder = folder.resolve()
    skip = exclude.resolve() if exclude else None
    found = _digests.get((folder, skip))
    if found is not None:
        return found
    out: dict[str, str] = {}
    prefix = os.path.join(folder, "")       # the walk's paths all start with it
    for directory, subdirs, files in os.walk(folder):
        output = directory == str(skip)
        subdirs[:] = sorted(d for d in subdirs if d not in VCS_FOLDERS
                            and not (output and BUILD_OUTPUT.fullmatch(d)))
        for name in subdirs:
            _add_link(out, os.path.join(directory, name), prefix)
        for name in sorted(files):
            if SCRATCH_FILE.fullmatch(name) or output and BUILD_OUTPUT.fullmatch(name):
                continue
            path = os.path.join(directory, name)
            _add_link(out, path, prefix)
            try:
                out[path[len(prefix):]] = file_digest(path, keep)
            except OSError:
                out[path[len(prefix):]] = "?"
    _digests[(folder, skip)] = out
    return out


def _add_link(out: dict[str, str], path: str, prefix: str) -> None:
    """Where a symbolic link points, under its name and a mark no file name has."""
    if os.path.islink(path):
        try:
            out[path[len(prefix):] + "\0link"] = os.readlink(path)
        except OSError:
            out[path[len(prefix):] + "\0link"] = "?"


def file_digest(path: str | Path, keep: bool = False) -> str:
    """The sha256 of a file. With keep, a small file's bytes are kept for source_bytes,
    while the build keeps no more than KEEP_TOTAL in all.

    A large file (a video) is not read again while it is unchanged: its digest is kept in
    the cache with the file's size, inode, modification and change times, as make and git
    judge a file by its times. A file written in the last SETTLED_NS is hashed every time:
    on a file system with coarse times, a second write within the same tick would leave
    them as they were. The change time cannot be set back, so a file rewritten with its
    old modification time restored is read again too."""
    path = os.path.abspath(path)
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        # a named pipe, a socket or a device: reading it could block or never end, and the
        # build reads none (a course that names one is told it is not a file)
        return f"not a file: {stat.S_IFMT(st.st_mode):o}"
    if st.st_size > KEEP_BYTES:
        return _large_file_digest(path, st)
    global _kept
    with open(path, "rb") as f:
        data = f.read()
    if keep and _kept + len(data) <= KEEP_TOTAL:
        _read[path] = data
        _kept += len(data)
    return hashlib.sha256(data).hexdigest()


def _large_file_digest(path: str, st: os.stat_result) -> str:
    global _large
    if _large is None:
        found = load("files", "large") if active() else None
        _large = found if isinstance(found, dict) else {}
    seen = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
    known = _large.get(path)
    if isinstance(known, list) and len(known) == 5 and known[:4] == seen:
        return str(known[4])
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(KEEP_BYTES):
            h.update(chunk)
    result = h.hexdigest()
    if active() and time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLED_NS:
        _large[path] = seen + [result]
        store("files", "large", _large)
    return result


def kept_bytes(path: Path) -> bytes | None:
    """A course file's bytes as the build's digests read and kept them, if they did."""
    data = _read.get(str(path))
    if data is None and _read:
        data = _read.get(os.path.realpath(path))   # named another way (relative, a link)
    return data


def source_bytes(path: Path) -> bytes:
    """A course file's bytes, as the build's digests read them (so the build uses what its
    fingerprint names, and reads each small file once), else from disk."""
    data = kept_bytes(path)
    return path.read_bytes() if data is None else data


def folder_digest(folder: Path, exclude: Path | None = None, keep: bool = False) -> str:
    """Every file of a folder (names, bytes and links), as file_digests has them."""
    return digest(*(x for item in file_digests(folder, exclude, keep).items() for x in item))
