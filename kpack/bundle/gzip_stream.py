"""A gzip member whose deflate stream is compressed in blocks on several threads (as pigz
does), and the writer that hashes the output as it goes.

The archive's bytes depend only on the input, GZIP_BLOCK and GZIP_LEVEL: never on the
number of threads, how they were scheduled, or how the input was cut into writes.
"""

from __future__ import annotations

import collections
import hashlib
import os
import queue
import struct
import threading
import zlib
from typing import BinaryIO


class HashingWriter:
    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


# Level 6, gzip's default: level 9 took 1.7 times as long on a 20 MiB bundle for 0.4 % less.
GZIP_LEVEL = 6
# The header `gzip.GzipFile(filename="", mtime=0, compresslevel=6)` writes: magic, deflate,
# no flags (no file name), mtime 0, no extra flags (neither level 1 nor 9), OS "unknown".
GZIP_HEADER = b"\x1f\x8b\x08\x00" + struct.pack("<L", 0) + b"\x00\xff"
# The uncompressed bytes of each deflate block. Part of the archive format: changing it
# changes the archive's bytes (not its contents). 256 KiB blocks cost 0.005 % of size on the
# 20 MiB bench tree against one deflate stream; 128 KiB cost 0.025 %.
GZIP_BLOCK = 256 * 1024
GZIP_WINDOW = 32 * 1024  # deflate's dictionary: each block is primed with the last 32 KiB
GZIP_MAX_THREADS = 4  # beyond that the main thread (reading, scanning, framing) is the floor
# Blocks queued or being compressed, per thread. The main thread reads and scans 1 MiB
# (four blocks) before it hands them over: with two blocks per thread the threads can run
# dry during that burst. 20 MiB bench tree, in-process, two CPUs shared with other work:
# median 554 -> 467 ms with four when the machine was busy, no difference (379 / 373 ms)
# when it was quieter. Costs 1 MiB of input per thread at most.
BLOCKS_PER_THREAD = 4


def compression_threads() -> int:
    """The CPUs this process may run on (its affinity, as in a container), capped."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(GZIP_MAX_THREADS, cpus))


# Already-compressed data (images, fonts, archives) costs deflate as much time as text
# (35 ms per MiB at level 6) to store it as it is anyway. Each 64 KiB segment is sampled
# (8 x 256 bytes, spread evenly); when the samples do not shrink at level 1, the segment is
# stored (deflate's level 0) instead of compressed. The decision depends on the bytes only.
STORE_SEGMENT = 64 * 1024
STORE_SAMPLES, STORE_SAMPLE = 8, 256


def incompressible(segment: bytes) -> bool:
    """Whether deflate would gain nothing on `segment`, judged on evenly spread samples."""
    step = len(segment) // STORE_SAMPLES
    if step < STORE_SAMPLE:
        return False
    samples = b"".join(
        segment[at : at + STORE_SAMPLE] for at in range(0, step * STORE_SAMPLES, step)
    )
    return len(zlib.compress(samples, 1)) >= len(samples)


def _deflate(data: bytes, dictionary: bytes, level: int, final: bool) -> bytes:
    compressor = (
        zlib.compressobj(
            level, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL,
            zlib.Z_DEFAULT_STRATEGY, dictionary,
        )
        if dictionary and level
        else zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL)
    )
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
    )


def deflate_block(data: bytes, dictionary: bytes, final: bool) -> bytes:
    """One block of the raw deflate stream; its bytes depend on these arguments only.

    A block is cut into runs of segments compressed at GZIP_LEVEL or stored (see
    `incompressible`); each run is deflated on its own, primed with the 32 KiB before it,
    and ends with a sync flush (an empty stored block: byte-aligned, the decoder carries
    on), the very last one with the final block. So runs and blocks deflated apart simply
    concatenate, as pigz does. A block of text is one run.
    """
    runs: list[list[int]] = []  # [start, end, stored]
    for start in range(0, len(data), STORE_SEGMENT):
        end = min(start + STORE_SEGMENT, len(data))
        stored = int(incompressible(data[start:end]))
        if runs and runs[-1][2] == stored:
            runs[-1][1] = end
        else:
            runs.append([start, end, stored])
    if not runs:  # the empty final block of a stream ending on a block boundary
        return _deflate(b"", dictionary, GZIP_LEVEL, final)
    parts = []
    for number, (start, end, stored) in enumerate(runs):
        primer = (dictionary + data[max(0, start - GZIP_WINDOW) : start])[-GZIP_WINDOW:]
        last = final and number == len(runs) - 1
        level = 0 if stored else GZIP_LEVEL
        parts.append(_deflate(data[start:end], primer, level, last))
    return b"".join(parts)


class _Job:
    """A block handed to a compressing thread; `done` is set once `result` or `error` is."""

    __slots__ = ("data", "dictionary", "done", "error", "final", "result")

    def __init__(self, data: bytes, dictionary: bytes, final: bool):
        self.data = data
        self.dictionary = dictionary
        self.final = final
        self.done = threading.Event()
        self.result = b""
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = deflate_block(self.data, self.dictionary, self.final)
        except BaseException as exc:  # re-raised in the main thread when its turn comes
            self.error = exc
        finally:
            self.data = self.dictionary = b""  # the input is no longer needed
            self.done.set()


class GzipStream:
    """A gzip member whose deflate stream is compressed in blocks on several threads.

    The uncompressed stream is cut every GZIP_BLOCK bytes (counted from its start, whatever
    sizes `write` is called with); each block is deflated on its own, primed with the last
    32 KiB of the block before it, and the results are written in order. The archive's bytes
    thus depend only on the input, GZIP_BLOCK and GZIP_LEVEL, never on the number of
    threads or how they were scheduled. zlib releases the GIL while it compresses, so the
    threads use the other cores while this thread reads, scans and frames the next entries.

    Writing (and hashing) the output stays on the calling thread, so its errors are raised
    by `write` or `close` directly. At most BLOCKS_PER_THREAD blocks per thread are in
    flight: memory stays bounded whatever the size of the bundle.
    """

    def __init__(self, out: HashingWriter, threads: int | None = None):
        self.out = out
        self.pending = bytearray()
        self.offset = 0  # uncompressed bytes written
        self.crc = 0
        self.dictionary = b""
        self.jobs: collections.deque[_Job] = collections.deque()  # in stream order
        self.todo: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.stopping = False
        self.out.write(GZIP_HEADER)  # before any thread starts: nothing to stop if it fails
        count = threads if threads is not None else compression_threads()
        self.in_flight = BLOCKS_PER_THREAD * count
        self.threads = [
            threading.Thread(target=self._work, name=f"kpack-gzip-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self.threads:
            thread.start()

    def tell(self) -> int:  # tarfile asks where it starts, as GzipFile answers
        return self.offset

    def write(self, data: bytes) -> int:
        size = len(data)
        self.offset += size
        if len(self.pending) + size < GZIP_BLOCK:  # the usual small write: one copy
            self.pending += data
            return size
        rest = memoryview(data)  # blocks are cut from it with one copy each
        if self.pending:  # fill the block begun by earlier writes (always < GZIP_BLOCK)
            room = GZIP_BLOCK - len(self.pending)
            self.pending += rest[:room]
            rest = rest[room:]
            if len(self.pending) < GZIP_BLOCK:
                return size
            self._submit(bytes(self.pending), final=False)
            self.pending.clear()
        while len(rest) >= GZIP_BLOCK:
            self._submit(bytes(rest[:GZIP_BLOCK]), final=False)
            rest = rest[GZIP_BLOCK:]
        self.pending += rest
        return size

    def close(self) -> None:
        """Compress what is left, write the rest and the trailer; stop the threads."""
        try:
            block = bytes(self.pending)
            self.pending.clear()
            self._submit(block, final=True)  # possibly empty: deflate's final empty block
            self._write_done(keep=0)
            self.out.write(struct.pack("<LL", self.crc, self.offset & 0xFFFFFFFF))
        finally:
            self._stop()

    def abort(self) -> None:
        """Stop the threads without finishing the stream (the output is discarded)."""
        self._stop()

    def _submit(self, block: bytes, final: bool) -> None:
        if self.stopping:
            raise RuntimeError("the gzip stream is closed")
        self.crc = zlib.crc32(block, self.crc)
        job = _Job(block, self.dictionary, final)
        self.dictionary = block[-GZIP_WINDOW:]
        self.jobs.append(job)
        self.todo.put(job)
        self._write_done(keep=self.in_flight)

    def _write_done(self, keep: int) -> None:
        """Write the finished blocks at the head; wait for them while more than `keep`."""
        while self.jobs and (len(self.jobs) > keep or self.jobs[0].done.is_set()):
            job = self.jobs.popleft()
            job.done.wait()
            if job.error is not None:
                raise job.error
            self.out.write(job.result)

    def _work(self) -> None:
        while (job := self.todo.get()) is not None:
            if self.stopping:  # aborted: what is still queued is dropped
                job.done.set()
            else:
                job.run()

    def _stop(self) -> None:
        self.stopping = True
        for _thread in self.threads:
            self.todo.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []
        self.jobs.clear()

