"""Deflating a package's files on a thread of their own while the pages are still being
written: zlib lets go of the interpreter while it compresses, so the largest file (the page
with every lesson) is compressed piece by piece as the template writes it, instead of after.

The stream is the one a zip entry holds (raw deflate, level 6): zlib gives the same bytes
whether a file arrives whole or in pieces, so the zip is what it would be otherwise.
"""

from __future__ import annotations

import queue
import threading
import zlib

LEVEL = 6


class Deflated(bytes):
    """A file's bytes, with their deflate stream and CRC-32 made beforehand."""
    stream: bytes
    crc: int


class Deflater:
    def __init__(self) -> None:
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._done: dict[str, tuple[bytes, int]] = {}
        self._thread = threading.Thread(target=self._run, name="deflater", daemon=True)
        self._thread.start()

    def feed(self, name: str, piece: bytes, last: bool = True) -> None:
        """The next piece of a file (a whole file by default)."""
        self._work.put((name, piece, last))

    def _run(self) -> None:
        open_files: dict[str, tuple] = {}
        while (job := self._work.get()) is not None:
            name, piece, last = job
            compressor, parts, crc = open_files.get(name) or (
                zlib.compressobj(LEVEL, zlib.DEFLATED, -15), [], 0)
            parts.append(compressor.compress(piece))
            crc = zlib.crc32(piece, crc)
            if last:
                open_files.pop(name, None)
                parts.append(compressor.flush())
                self._done[name] = (b"".join(parts), crc)
            else:
                open_files[name] = (compressor, parts, crc)

    def finish(self, files: dict[str, bytes]) -> None:
        """Wait for the thread; each file of `files` that was fed whole (the same bytes)
        becomes Deflated. Anything else is left for the zip writer to compress."""
        self._work.put(None)
        self._thread.join()
        for name, (stream, crc) in self._done.items():
            data = files.get(name)
            if data is not None and zlib.crc32(data) == crc:
                deflated = files[name] = Deflated(data)
                deflated.stream, deflated.crc = stream, crc
