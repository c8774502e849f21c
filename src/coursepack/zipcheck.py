"""Read the entries of a zip that nobody vouches for: unsafe names are reported and never
read, each entry and the whole zip may only expand to a limit (zip bombs), every CRC is
checked, and only the files later checks need are kept in memory. Nothing is extracted."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from typing import Callable

from msgspec import Struct, field

from .diagnostics import Report, Source, human_size
from .load.files import MAX_PACKAGED_BYTES

MB = 1 << 20
CHUNK = 1 << 20


class Limits(Struct, frozen=True):
    """How much a zip may expand to before it is refused, and what counts as a large file."""

    entry_bytes: int = MAX_PACKAGED_BYTES
    total_bytes: int = 8192 * MB
    entries: int = 100_000
    kept_bytes: int = 32 * MB      # largest manifest, page or schema read into memory
    large_file_bytes: int = 100 * MB


class Contents(Struct):
    """What is known of a zip's entries: the files with safe names, those that could not be
    read (reported), and the contents of the files kept for later checks."""

    shown: str
    report: Report
    limits: Limits
    present: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)    # unsafe names, reported, never read
    unread: set[str] = field(default_factory=set)
    kept: dict[str, bytes] = field(default_factory=dict)

    def at(self, name: str = "", line: int = 0, column: int = 0) -> Source:
        """The place of an entry (`build/x.zip!/index.html`), or of the zip itself."""
        return Source(f"{self.shown}!/{printable(name)}" if name else self.shown, line, column)


def read_zip(zf: zipfile.ZipFile, contents: Contents, keep: Callable[[str], bool]) -> bool:
    """Check every entry's name, then read the safe ones, keeping those that keep() wants.
    False when the zip was refused before all of them were read (reported)."""
    infos = zf.infolist()
    return _check_names(infos, contents) and _read_entries(zf, infos, contents, keep)


def printable(name: str) -> str:
    """name with control characters shown as '?', safe to print."""
    return re.sub(r"[\x00-\x1f\x7f]", "?", name)


def escapes(name: str) -> bool:
    """True when name climbs above the folder it is relative to ('a/../../b')."""
    depth = 0
    for part in re.split(r"[\\/]", name):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def _check_name(info: zipfile.ZipInfo, contents: Contents) -> bool:
    """Report a name that could write outside the folder it is extracted into."""
    name, at, report = info.filename, contents.at(info.filename), contents.report
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        report.error("zip-absolute-path", "entry has an absolute path", at,
                     "entries must be relative to the root of the package")
    elif escapes(name):
        report.error("zip-slip", "entry path leaves the package folder through '..'", at,
                     "an unzip tool could write this file anywhere; remove the entry")
    elif _is_symlink(info):
        report.error("zip-symlink", "entry is a symbolic link", at,
                     "LMSs do not follow links in packages; put the file itself in the zip")
    elif info.flag_bits & 0x1:
        report.error("zip-encrypted", "entry is encrypted", at,
                     "LMSs cannot open encrypted entries; zip the package without a password")
    else:
        if "\\" in name:
            report.warning("zip-backslash", "entry path uses '\\' as a separator", at,
                           "zip paths use '/'; some LMSs store this as one odd file name")
        return True
    return False


def _check_names(infos: list[zipfile.ZipInfo], contents: Contents) -> bool:
    """Check every entry's name; False when there are too many entries to read."""
    if len(infos) > contents.limits.entries:
        contents.report.error("zip-too-large", f"the zip has {len(infos)} entries, more than "
                              f"{contents.limits.entries}; its contents were not read",
                              contents.at())
        return False
    for name, count in sorted(Counter(i.filename for i in infos).items()):
        if count > 1:
            contents.report.error("zip-duplicate-entry", f"the zip holds {count} entries with "
                                  "this name", contents.at(name),
                                  "which one an LMS extracts is undefined")
    for info in infos:
        if not _check_name(info, contents):
            contents.refused.add(info.filename)
        elif not info.is_dir():
            contents.present.add(info.filename)
    declared = sum(i.file_size for i in infos)
    if declared > contents.limits.total_bytes:
        contents.report.error("zip-too-large", f"the zip expands to {human_size(declared)}, "
                              f"more than {human_size(contents.limits.total_bytes)}; its "
                              "contents were not read", contents.at(),
                              "a zip bomb, or a package too big for any LMS")
        return False
    return True


class _TooLarge(Exception):
    pass


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, keep: bool) -> tuple[int, bytes]:
    """Read one entry in chunks, counting what it expands to; never more than limit bytes."""
    size, parts = 0, []
    with zf.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            if keep:
                parts.append(chunk)
    return size, b"".join(parts)


def _read_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], contents: Contents,
                  keep_file: Callable[[str], bool]) -> bool:
    """Read every safe entry once: this checks each CRC and keeps what later checks need."""
    budget, limits = contents.limits.total_bytes, contents.limits
    for info in infos:
        if info.filename not in contents.present:
            continue
        at = contents.at(info.filename)
        keep = keep_file(info.filename) and info.file_size <= limits.kept_bytes
        limit = min(limits.entry_bytes, budget, limits.kept_bytes if keep else budget)
        try:
            if info.file_size > limit:
                raise _TooLarge
            size, data = _read(zf, info, limit, keep)
        except _TooLarge:
            contents.report.error("zip-too-large", f"entry expands to more than "
                                  f"{human_size(limit)}; refused", at,
                                  "a zip bomb, or a file too big for any LMS")
            contents.unread.add(info.filename)
            if limit == budget:
                return False
            continue
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                RuntimeError) as exc:
            contents.report.error("zip-corrupt", f"entry cannot be read: {exc}", at,
                                  "make the zip again; the file is damaged")
            contents.unread.add(info.filename)
            continue
        budget -= size
        if keep:
            contents.kept[info.filename] = data
    return True


