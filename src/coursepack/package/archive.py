"""Deterministic zips, written atomically: same files in, same bytes out."""

from __future__ import annotations

import io
import os
import shutil
import struct
import time
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Callable

from ..ondisk import OnDisk
from ..sourcedate import source_date_epoch
from .deflater import LEVEL, Blocks, Deflated, deflate, deflate_block

DEFAULT_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip can hold
LATEST_EPOCH = 4354819198  # 2107-12-31T23:59:58Z, the latest

# Files compressed by their own format (video, audio, images, fonts, archives): deflating
# them again costs seconds for a long video and saves nothing, so they are stored as they are.
COMPRESSED_TYPES = frozenset({
    ".mp4", ".m4v", ".webm", ".ogv", ".mov", ".mkv", ".mp3", ".m4a", ".aac", ".oga", ".ogg",
    ".opus", ".flac", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".woff", ".woff2",
    ".zip", ".gz", ".bz2", ".xz"})


def stored(name: str) -> bool:
    """Whether the file goes into a zip as it is, not deflated (see COMPRESSED_TYPES)."""
    dot = name.rfind(".")
    return dot > name.rfind("/") and name[dot:].lower() in COMPRESSED_TYPES


def archive_time() -> tuple[int, int, int, int, int, int]:
    """Entry timestamp: SOURCE_DATE_EPOCH when set, else fixed; held to the times a zip can
    hold (1980 to 2107). The build command refuses a malformed value before it gets here."""
    try:
        epoch = source_date_epoch()
    except ValueError:
        epoch = None
    t = time.gmtime(min(max(epoch or DEFAULT_EPOCH, DEFAULT_EPOCH), LATEST_EPOCH))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def zip_bytes(files: dict[str, bytes | OnDisk]) -> bytes:
    """The zip of files (package path -> bytes), in memory (see write_entries)."""
    out = io.BytesIO()
    write_entries(out, files)
    return out.getvalue()


def write_zip(target: Path, files: dict[str, bytes | OnDisk]) -> None:
    """The zip of files, written straight into its file (atomically, see publish): a
    package with a long video is not held in memory a second time."""
    publish(target, lambda out: write_entries(out, files))


def write_entries(out, files: dict[str, bytes | OnDisk]) -> None:
    """Write the zip of files (package path -> bytes) to a new, seekable binary file: sorted
    entries, fixed times and permissions, so the same files always give the same bytes.
    Files deflated beforehand (deflater.Deflated) go in as they are; the rest are deflated
    here, except files of an already compressed type, which are stored (see stored()). A
    large course file (ondisk.OnDisk) is copied from disk a piece at a time, and its header
    completed once its CRC is known. The layout is zipfile's own, byte for byte
    (tests/test_package.py compares them); a package too large for the classic format is
    left to zipfile, which adds the ZIP64 records."""
    if len(files) >= 0xFFFF or sum(len(data) for data in files.values()) >= 0x7FFFFFFF:
        _zipfile_write(out, files)
        return
    year, month, day, hour, minute, second = archive_time()
    dos_date = (year - 1980) << 9 | month << 5 | day
    dos_time = hour << 11 | minute << 5 | second // 2
    central = []
    offset = 0
    for name in sorted(files):
        data = files[name]
        method = zipfile.ZIP_STORED if stored(name) else zipfile.ZIP_DEFLATED
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), 0x800      # the name is UTF-8

        def header(crc: int, compressed: int, size: int) -> bytes:
            return struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, method, dos_time,
                               dos_date, crc, compressed, size, len(encoded), 0) + encoded

        if isinstance(data, OnDisk):
            out.write(header(0, 0, 0))
            crc, compressed, size = _copy_from_disk(out, data, method)
            out.seek(offset + 14)          # the CRC and both sizes, now that they are known
            out.write(struct.pack("<3L", crc, compressed, size))
            out.seek(0, io.SEEK_END)
        else:
            if method == zipfile.ZIP_STORED:
                stream, crc = data, zlib.crc32(data)
            elif isinstance(data, Deflated):
                stream, crc = data.stream, data.crc
            else:
                stream, crc = deflate(data), zlib.crc32(data)
            compressed, size = len(stream), len(data)
            out.write(header(crc, compressed, size))
            out.write(stream)
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, flags,
                                   method, dos_time, dos_date, crc, compressed, size,
                                   len(encoded), 0, 0, 0, 0, 0o100644 << 16, offset) + encoded)
        offset += 30 + len(encoded) + compressed
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          len(directory), offset, 0))


def _copy_from_disk(out, data: OnDisk, method: int) -> tuple[int, int, int]:
    """Copy a file into the zip (deflating it or not); its CRC, size in the zip and size."""
    blocks = Blocks() if method == zipfile.ZIP_DEFLATED else None
    crc = compressed = size = 0
    for piece in data.chunks():
        crc = zlib.crc32(piece, crc)
        size += len(piece)
        written = [piece] if blocks is None else [deflate_block(*b) for b in blocks.add(piece)]
        for part in written:
            out.write(part)
            compressed += len(part)
    if blocks is not None:
        tail = deflate_block(*blocks.end())
        out.write(tail)
        compressed += len(tail)
    return crc, compressed, size


def _zipfile_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    _zipfile_write(buffer, files)
    return buffer.getvalue()


def _zipfile_write(out, files: dict[str, bytes | OnDisk]) -> None:
    stamp = archive_time()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if stored(name) else zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            data = files[name]
            if isinstance(data, OnDisk):
                # what writestr does with bytes, a piece at a time
                info.file_size, info._compresslevel = len(data), LEVEL
                with zf.open(info, "w") as entry:
                    for piece in data.chunks():
                        entry.write(piece)
            else:
                zf.writestr(info, data, compresslevel=LEVEL)


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _remove_stale(target: Path) -> None:
    """Temporary files of builds that were killed (their process is gone)."""
    for path in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            pid = int(path.name.split(".")[-3])
            os.kill(pid, 0)
        except ProcessLookupError:
            _remove(path)
        except (ValueError, IndexError, PermissionError, OSError):
            continue


def _remove(path: Path) -> None:
    """Remove a file, a symbolic link (not what it points to) or a folder, if it can."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def publish(target: Path, data: bytes | Callable[[BinaryIO], object],
            durable: bool = True) -> None:
    """Put data (bytes, or what a function writes to a file) at target atomically. Where
    the file system allows, the bytes go to a file with no name (O_TMPFILE) that is named
    only once complete, so a build killed at any moment leaves the previous file and
    nothing else; elsewhere a named temporary file is used, and files left by killed builds
    are removed by the next one. Durable: the bytes are on disk before the name is
    (packages); a cache file, which is only read if whole, can skip that wait."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    temp = _temp_name(target)
    try:
        if not _publish_anonymous(target.parent, temp, data, durable):
            with open(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644), "wb") as out:
                _write(out, data, durable)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write(out, data, durable: bool) -> None:
    if callable(data):
        data(out)
    else:
        out.write(data)
    out.flush()
    os.fchmod(out.fileno(), 0o644)
    if durable:
        os.fsync(out.fileno())


def _publish_anonymous(folder: Path, temp: Path, data, durable: bool) -> bool:
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except (AttributeError, OSError):
        return False
    with open(fd, "wb") as out:
        _write(out, data, durable)
        return _link_fd(out.fileno(), folder, temp)


def _link_fd(fd: int, folder: Path, path: Path) -> bool:
    """Give an O_TMPFILE file a name: linkat(2) of /proc/self/fd/N with AT_SYMLINK_FOLLOW.
    os.link asks for that flag only when it is given a directory to start from (else it
    calls link(2), which does not follow the link); the absolute source path ignores it."""
    try:
        start = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        os.link(f"/proc/self/fd/{fd}", path, src_dir_fd=start, follow_symlinks=True)
        return True
    except OSError:
        return False
    finally:
        os.close(start)


def write_folder(target: Path, files: dict[str, bytes | OnDisk]) -> None:
    """Write files into a fresh folder beside target, then swap it into place, so the
    folder is never seen half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    fresh = _temp_name(target)
    fresh.mkdir()
    old = None
    try:
        for name in sorted(files):
            path = fresh / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = files[name]
            if isinstance(data, OnDisk):
                shutil.copyfile(data.path, path)
            else:
                path.write_bytes(data)
            path.chmod(0o644)
        for folder in sorted({p for p in fresh.rglob("*") if p.is_dir()} | {fresh}):
            folder.chmod(0o755)
        if os.path.lexists(target):       # a folder, a file, or a link (even a broken one)
            old = _temp_name(target)
            os.replace(target, old)
        os.replace(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        if old is not None and not os.path.lexists(target):
            os.replace(old, target)
        raise
    if old is not None:
        _remove(old)
