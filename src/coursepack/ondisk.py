"""Course files go into a package straight from disk, unless the build holds them already.

A lecture video can run to gigabytes, and a course may have hundreds of photographs. A
package's files are a mapping of package path to bytes, except that a course file whose
bytes the build does not hold (the digests keep small files, up to cache.KEEP_TOTAL in all)
is named there by an OnDisk value (its path and size), and copied a piece at a time by
whatever writes the package: the zip writer, the folder writer, the preview server. A
build's peak memory therefore does not grow with the size of its media.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from .cache import kept_bytes

CHUNK = 1 << 20


class OnDisk:
    """A course file as it is on disk: read while the package is written."""

    __slots__ = ("path", "size")

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other) -> bool:
        return isinstance(other, OnDisk) and (self.path, self.size) == (other.path, other.size)

    def __hash__(self) -> int:
        return hash((self.path, self.size))

    def __repr__(self) -> str:
        return f"OnDisk({str(self.path)!r}, {self.size})"

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The file's bytes from start up to end (exclusive; the end of the file if None),
        CHUNK at a time, as they are on disk now."""
        with open(self.path, "rb") as source:
            source.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                piece = source.read(CHUNK if left is None else min(CHUNK, left))
                if not piece:
                    return
                if left is not None:
                    left -= len(piece)
                yield piece

    def read(self) -> bytes:
        return b"".join(self.chunks())


def package_file(path: Path) -> bytes | OnDisk:
    """A course file for a package: the bytes its digest read and kept (see
    cache.source_bytes), else where it is."""
    data = kept_bytes(path)
    return OnDisk(path, os.stat(path).st_size) if data is None else data
