"""Reading source files safely: paths stay inside the course folder, text is UTF-8."""

from __future__ import annotations

import errno
import os
import stat
from functools import lru_cache
from pathlib import Path, PurePosixPath

from ..cache import SCRATCH_FILE, VCS_FOLDERS, source_bytes
from ..diagnostics import Report, Source, display_path, human_size, shorten

MAX_SOURCE_BYTES = 20 * 1024 * 1024
# The largest file a package may hold: `inspect` refuses a larger entry (a zip bomb, or a file
# too big for any LMS), so a build refuses to package one.
MAX_PACKAGED_BYTES = 2048 * 1024 * 1024


def resolve_inside(root: Path, ref: str, where: Source, report: Report, what: str,
                   kind: str = "file", written: str | None = None) -> Path | None:
    """Resolve a path (relative to root) written in a source file; it must name a regular
    file (or, with kind="folder", a folder) inside root. Messages quote `written`, the path
    as the author wrote it, when it differs from ref."""
    shown = shorten(written or ref)
    if "\\" in ref:
        report.error("bad-path", f"{what} '{shown}' uses backslashes", where,
                     "write paths with forward slashes: lessons/intro.md")
        return None
    pure = PurePosixPath(ref)
    if pure.is_absolute() or (len(ref) > 1 and ref[1] == ":"):
        report.error("path-outside-course", f"{what} '{shown}' is an absolute path", where,
                     "write the path relative to the course folder")
        return None
    base = _real(str(root))
    try:
        real = Path(os.path.realpath(os.path.join(base, *pure.parts), strict=False))
    except (OSError, RuntimeError, ValueError):
        report.error("bad-path", f"{what} '{shown}' cannot be resolved", where)
        return None
    if str(real) != base and not str(real).startswith(base.rstrip("/") + "/"):
        report.error("path-outside-course", f"{what} '{shown}' points outside the course folder",
                     where, "keep every file the course uses inside its folder")
        return None
    tool = next((part for part in real.relative_to(base).parts if part in VCS_FOLDERS), None)
    if tool is not None:      # left out of the course's digest: an edit there would go unseen
        report.error("path-in-vcs-folder", f"{what} '{shown}' is inside the version-control "
                     f"folder '{tool}'", where,
                     f"move it out of '{tool}': builds leave version-control folders out")
        return None
    if SCRATCH_FILE.fullmatch(pure.name):      # left out of the digest too
        report.error("path-is-scratch-file", f"{what} '{shown}' has the name of an editor's "
                     "or file manager's scratch file", where,
                     "rename it: builds leave out swap, lock and backup files (name~, "
                     ".name.swp, #name#) and .DS_Store")
        return None
    try:
        st = real.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            report.error("bad-path", f"{what} '{shown}' cannot be resolved: its symbolic "
                         "links form a loop", where, "point the link at a real file")
            return None
        decoded = f" (the file '{shorten(pure.name)}')" if written and "%" in written else ""
        hint = _nearby_hint(real)
        if decoded and hint.startswith("did you mean"):   # as it would be written in a link
            hint = hint.replace("%", "%25")
        report.error("missing-file", f"{what} '{shown}'{decoded} does not exist", where, hint)
        return None
    if kind == "folder":
        if not stat.S_ISDIR(st.st_mode):
            report.error("not-a-folder", f"{what} '{shown}' is not a folder", where)
            return None
    elif not stat.S_ISREG(st.st_mode):
        report.error("not-a-file", f"{what} '{shown}' is not a regular file", where)
        return None
    elif st.st_size > MAX_PACKAGED_BYTES:
        report.error("file-too-large", f"{what} '{shown}' is {human_size(st.st_size)}, more "
                     f"than the {MAX_PACKAGED_BYTES >> 30} GB a package may hold in one file",
                     where, "LMSs and `coursepack inspect` refuse larger files: compress it, "
                     "or host it elsewhere (a video can use 'url:')")
        return None
    return real


@lru_cache(maxsize=64)
def _real(folder: str) -> str:
    """A course folder's real path (asked for every file a course names)."""
    return os.path.realpath(folder)


def _nearby_hint(path: Path) -> str:
    folder = path.parent
    try:
        listed = folder.stat()
    except OSError:
        listed = None
    if listed is None or not stat.S_ISDIR(listed.st_mode):
        return f"the folder '{display_path(folder)}' does not exist either"
    return _closest_name(str(folder), listed.st_mtime_ns, path.name)


@lru_cache(maxsize=1024)
def _closest_name(folder: str, version: int, name: str) -> str:
    """The hint for a missing file: the folder's closest name. A course that names many
    missing files compares each with the folder's names once, and lists the folder once
    (version: its modification time, which changes as files come and go)."""
    import difflib
    close = difflib.get_close_matches(name, _names_in(folder, version), n=1)
    return f"did you mean '{close[0]}'?" if close else "check the file name"


@lru_cache(maxsize=64)
def _names_in(folder: str, version: int) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def read_text(path: Path, report: Report) -> str | None:
    """Read a UTF-8 text file (a BOM is allowed); report bad encodings with their place."""
    where = Source(display_path(path))
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            report.error("file-too-large", f"file is {size:,} bytes; the limit for a source "
                         f"file is {MAX_SOURCE_BYTES:,} bytes "
                         f"({MAX_SOURCE_BYTES // (1024 * 1024)} MB)", where.at(1, 1))
            return None
        raw = source_bytes(path)
    except OSError as exc:
        report.error("unreadable-file", f"cannot read file: {exc.strerror}", where)
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        wide = "UTF-32" if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00")) else "UTF-16"
        report.error("bad-encoding", f"file is {wide}; coursepack reads UTF-8", where.at(1, 1),
                     "save the file as UTF-8")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        report.error("bad-encoding", f"invalid UTF-8 byte 0x{raw[exc.start]:02x}",
                     where.at(line, column), "save the file as UTF-8")
        return None
    if "\x00" in text:
        before = text[:text.index("\x00")]
        report.error("binary-file", "file contains NUL bytes; is it a text file?",
                     where.at(before.count("\n") + 1, len(before) - before.rfind("\n")))
        return None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")
