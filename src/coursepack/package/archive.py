"""Deterministic zips, written atomically: same files in, same bytes out."""

from __future__ import annotations

import ctypes
import io
import os
import shutil
import time
import zipfile
from pathlib import Path

DEFAULT_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip can hold


def archive_time() -> tuple[int, int, int, int, int, int]:
    """Entry timestamp: SOURCE_DATE_EPOCH when set (reproducible-builds.org), else fixed."""
    try:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))
    except ValueError:
        epoch = DEFAULT_EPOCH
    t = time.gmtime(max(epoch, DEFAULT_EPOCH))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """The zip of files (package path -> bytes), built in memory: sorted entries, fixed
    times and permissions, so the same files always give the same bytes."""
    stamp = archive_time()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, files[name], compresslevel=6)
    return buffer.getvalue()


def write_zip(target: Path, files: dict[str, bytes]) -> None:
    publish(target, zip_bytes(files))


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _remove_stale(target: Path) -> None:
    """Temporary files of builds that were killed (their process is gone)."""
    for path in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            pid = int(path.name.split(".")[-3])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        except (ValueError, IndexError, PermissionError, OSError):
            continue


def publish(target: Path, data: bytes, durable: bool = True) -> None:
    """Put data at target atomically. Where the file system allows, the bytes go to a file
    with no name (O_TMPFILE) that is named only once complete, so a build killed at any
    moment leaves the previous file and nothing else; elsewhere a named temporary file is
    used, and files left by killed builds are removed by the next one. Durable: the bytes
    are on disk before the name is (packages); a cache file, which is only read if whole,
    can skip that wait."""
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


def _write(out, data: bytes, durable: bool) -> None:
    out.write(data)
    out.flush()
    os.fchmod(out.fileno(), 0o644)
    if durable:
        os.fsync(out.fileno())


def _publish_anonymous(folder: Path, temp: Path, data: bytes, durable: bool) -> bool:
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except (AttributeError, OSError):
        return False
    with open(fd, "wb") as out:
        _write(out, data, durable)
        return _link_fd(out.fileno(), temp)


def _link_fd(fd: int, path: Path) -> bool:
    """Give an O_TMPFILE file a name: linkat(2) with AT_SYMLINK_FOLLOW on /proc/self/fd
    (os.link calls link(2), which does not follow that link)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, at_symlink_follow = -100, 0x400
        return libc.linkat(at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd,
                           os.fsencode(path), at_symlink_follow) == 0
    except (OSError, AttributeError):
        return False


def write_folder(target: Path, files: dict[str, bytes]) -> None:
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
            path.write_bytes(files[name])
            path.chmod(0o644)
        for folder in sorted({p for p in fresh.rglob("*") if p.is_dir()} | {fresh}):
            folder.chmod(0o755)
        if target.exists():
            old = _temp_name(target)
            os.replace(target, old)
        os.replace(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        if old is not None and not target.exists():
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
