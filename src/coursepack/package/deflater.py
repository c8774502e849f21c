"""The deflate streams of a package's files, and deflating them on threads of their own
while the pages are still being written: zlib lets go of the interpreter while it
compresses, so the largest file (the page with every lesson) is compressed while the
template writes it, and on as many cores as the course may use.

A file's stream (raw deflate, level 6, as a zip entry holds it) is made in blocks of BLOCK
bytes of input, the way pigz makes a gzip file: each block is compressed on its own, primed
with the 32 KB before it (deflate's window), and all but the last end at a byte boundary
(a sync flush), so the blocks' outputs joined make one stream. A file of BLOCK bytes or less
is one block: exactly what a single zlib stream gives. Whether a file arrives whole or in
pieces, on one thread or several, its stream is the same bytes.
"""

from __future__ import annotations

import queue
import threading
import zlib

LEVEL = 6
BLOCK = 1 << 18         # 256 KB of input per block: several blocks for a large page
WINDOW = 1 << 15        # what a block may refer back to: the 32 KB before it


def deflate_block(block: bytes, before: bytes, last: bool) -> bytes:
    """One block's part of a file's stream; `before`: the input just before the block."""
    if before:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, zdict=before)
    else:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(block) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


class Blocks:
    """A file's input cut into blocks as it arrives: (block, before, last) for each."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self._before = b""

    def add(self, piece: bytes) -> list[tuple[bytes, bytes, bool]]:
        """The blocks completed by the next piece (the last block waits for end())."""
        self._pending += piece
        done = []
        while len(self._pending) > BLOCK:
            block = bytes(self._pending[:BLOCK])
            del self._pending[:BLOCK]
            done.append((block, self._before, False))
            self._before = block[-WINDOW:]
        return done

    def end(self) -> tuple[bytes, bytes, bool]:
        return bytes(self._pending), self._before, True


def deflate(data: bytes) -> bytes:
    """A whole file's stream."""
    blocks = Blocks()
    return b"".join(deflate_block(*job) for job in [*blocks.add(data), blocks.end()])


class Deflated(bytes):
    """A file's bytes, with their deflate stream and CRC-32 made beforehand."""
    stream: bytes
    crc: int


class _Fed:
    """A file being fed: its blocks so far, their streams (filled in by the threads)."""

    __slots__ = ("blocks", "parts", "crc", "whole")

    def __init__(self) -> None:
        self.blocks = Blocks()
        self.parts: list[bytes | None] = []
        self.crc = 0
        self.whole = False          # its last piece was fed


class Deflater:
    """Files fed whole or in pieces; their blocks deflated by `threads` threads."""

    def __init__(self, threads: int = 1) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._files: dict[str, _Fed] = {}
        self._threads = [threading.Thread(target=self._run, name="deflater", daemon=True)
                         for _ in range(max(threads, 1))]
        for thread in self._threads:
            thread.start()

    def feed(self, name: str, piece: bytes, last: bool = True) -> None:
        """The next piece of a file (a whole file by default)."""
        fed = self._files.get(name)
        if fed is None:
            fed = self._files[name] = _Fed()
        fed.crc = zlib.crc32(piece, fed.crc)
        jobs = fed.blocks.add(piece)
        if last:
            jobs.append(fed.blocks.end())
            fed.whole = True
        for job in jobs:
            fed.parts.append(None)
            self._jobs.put((fed.parts, len(fed.parts) - 1, job))

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            parts, slot, block = job
            parts[slot] = deflate_block(*block)

    def finish(self, files: dict[str, bytes]) -> None:
        """Wait for the threads; each file of `files` that was fed whole (the same bytes)
        becomes Deflated. Anything else is left for the zip writer to compress."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        for name, fed in self._files.items():
            data = files.get(name)
            if fed.whole and data is not None and zlib.crc32(data) == fed.crc:
                deflated = files[name] = Deflated(data)
                deflated.stream, deflated.crc = b"".join(fed.parts), fed.crc
