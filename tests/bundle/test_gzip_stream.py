"""The gzip stream compressed in blocks on several threads (pigz-style).

Its bytes depend only on the input, the block size and the level (segments that do not
compress are stored): not on the number of threads, nor on how the input was cut into
writes. They decompress to exactly the input
(Python's gzip module, GNU gzip and tar). Errors reach the caller; no thread outlives it.
"""

from __future__ import annotations

import base64
import gzip
import io
import os
import random
import shutil
import struct
import subprocess
import tarfile
import threading
import zlib
from pathlib import Path

import pytest

from kpack.bundle import gzip_stream
from kpack.bundle.gzip_stream import (
    GZIP_BLOCK,
    GZIP_HEADER,
    STORE_SEGMENT,
    GzipStream,
    HashingWriter,
    compression_threads,
    deflate_block,
    incompressible,
)

WORDS = [b"function ", b"return ", b"konnector ", b"\n"]


def sample(size: int, seed: int) -> bytes:
    """Compressible text with some noise: matches cross the block boundaries."""
    rng = random.Random(seed)
    text = b"".join(rng.choice(WORDS) for _ in range(size // 8 + 1))[: size - size // 16]
    return text + rng.randbytes(size - len(text))


def stream_bytes(chunks: list[bytes], threads: int) -> bytes:
    out = io.BytesIO()
    stream = GzipStream(HashingWriter(out), threads=threads)
    for chunk in chunks:
        stream.write(chunk)
    stream.close()
    assert not any(thread.is_alive() for thread in stream_threads())
    return out.getvalue()


def stream_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("kpack-gzip")]


def cut(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks: list[bytes] = []
    start = 0
    while start < len(data):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(data[start : start + size])
        start += size
    return chunks


SIZES = [0, 1, 511, GZIP_BLOCK - 1, GZIP_BLOCK, GZIP_BLOCK + 1, 3 * GZIP_BLOCK + 7]


@pytest.mark.parametrize("size", SIZES)
def test_decompresses_to_the_input(size: int) -> None:
    data = sample(size, size)
    compressed = stream_bytes([data], threads=2)
    assert gzip.decompress(compressed) == data
    assert zlib.decompress(compressed, 16 + zlib.MAX_WBITS) == data


@pytest.mark.parametrize("size", SIZES)
def test_same_bytes_whatever_the_threads_and_the_writes(size: int) -> None:
    data = sample(size, size)
    one = stream_bytes([data], threads=1)
    assert stream_bytes([data], threads=3) == one
    assert stream_bytes(cut(data, [512, 16384, 7, 1024 * 1024]), threads=2) == one
    assert stream_bytes(cut(data, [GZIP_BLOCK]), threads=4) == one


def test_the_blocks_are_deflated_apart_with_the_previous_32_kib() -> None:
    """The format, spelled out: a change here changes every archive kpack builds."""
    data = sample(2 * GZIP_BLOCK + 100, 7)
    first, second, rest = (
        data[:GZIP_BLOCK],
        data[GZIP_BLOCK : 2 * GZIP_BLOCK],
        data[2 * GZIP_BLOCK :],
    )
    expected = (
        GZIP_HEADER
        + deflate_block(first, b"", final=False)
        + deflate_block(second, first[-32768:], final=False)
        + deflate_block(rest, second[-32768:], final=True)
        + struct.pack("<LL", zlib.crc32(data), len(data))
    )
    assert stream_bytes([data], threads=2) == expected


def test_an_input_ending_on_a_block_boundary_ends_with_an_empty_final_block() -> None:
    data = sample(GZIP_BLOCK, 3)
    compressed = stream_bytes([data], threads=2)
    assert compressed[-8 - 2 : -8] == b"\x03\x00"  # a final fixed-Huffman block, empty
    assert gzip.decompress(compressed) == data


def test_the_header_and_trailer() -> None:
    data = sample(GZIP_BLOCK + 5, 9)
    compressed = stream_bytes([data], threads=2)
    magic, method, flags, mtime, extra, system = struct.unpack("<2sBBLBB", compressed[:10])
    assert (magic, method, flags, mtime, extra, system) == (b"\x1f\x8b", 8, 0, 0, 0, 255)
    assert struct.unpack("<LL", compressed[-8:]) == (zlib.crc32(data), len(data))
    # What gzip.GzipFile(filename="", mtime=0, compresslevel=6) writes, the deflate stream aside.
    reference = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=reference, mtime=0) as gz:
        gz.write(data)
    assert compressed[:10] == reference.getvalue()[:10]
    assert compressed[-8:] == reference.getvalue()[-8:]


def test_the_compression_level_is_6() -> None:
    data = sample(GZIP_BLOCK // 2, 11)
    level_6 = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert deflate_block(data, b"", final=True) == level_6.compress(data) + level_6.flush()


def js(size: int) -> bytes:
    return b"".join(
        b"function f%d(a) { return a + '%d' }\n" % (n, n * n) for n in range(size // 30 + 1)
    )[:size]


def test_random_bytes_are_incompressible_text_and_base64_are_not() -> None:
    noise = random.Random(4).randbytes(STORE_SEGMENT)
    assert incompressible(noise)
    assert not incompressible(js(STORE_SEGMENT))
    assert not incompressible(base64.b64encode(noise)[:STORE_SEGMENT])
    assert not incompressible(noise[:1000])  # too short to sample: compressed
    # One sample of text among the noise is enough to compress the segment.
    text_inside = bytearray(noise)
    text_inside[STORE_SEGMENT // 2 : STORE_SEGMENT // 2 + 300] = js(300)
    assert not incompressible(bytes(text_inside))


def test_incompressible_segments_are_stored_the_rest_deflated() -> None:
    noise = random.Random(5).randbytes(2 * STORE_SEGMENT)
    text = js(2 * STORE_SEGMENT)
    data = noise + text + noise[:STORE_SEGMENT]
    block = deflate_block(data, b"", final=True)
    assert zlib.decompress(block, -zlib.MAX_WBITS) == data
    stored = zlib.compressobj(0, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert block.startswith(stored.compress(noise) + stored.flush(zlib.Z_SYNC_FLUSH))
    level_6 = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS, 8, 0, noise[-32768:])
    assert level_6.compress(text) + level_6.flush(zlib.Z_SYNC_FLUSH) in block
    assert len(block) < len(noise) * 1.5 + len(text) // 4


def test_mixed_text_and_noise_same_bytes_whatever_the_threads() -> None:
    rng = random.Random(6)
    data = b"".join(
        rng.randbytes(rng.randrange(1, 200_000)) if n % 2 else js(rng.randrange(1, 200_000))
        for n in range(12)
    )
    one = stream_bytes([data], threads=1)
    assert stream_bytes(cut(data, [10_000, 700_000]), threads=3) == one
    assert gzip.decompress(one) == data


@pytest.mark.skipif(
    shutil.which("gzip") is None or shutil.which("tar") is None, reason="needs GNU gzip and tar"
)
def test_gzip_and_tar_read_it(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for number in range(3):
            content = sample(GZIP_BLOCK + 1000 * number, number)
            info = tarfile.TarInfo(f"file-{number}.js")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    path = tmp_path / "out.tar.gz"
    path.write_bytes(stream_bytes([raw.getvalue()], threads=2))
    subprocess.run(["gzip", "-t", str(path)], check=True)
    listed = subprocess.run(
        ["tar", "-tzf", str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    assert listed == ["file-0.js", "file-1.js", "file-2.js"]
    unpacked = subprocess.run(["gzip", "-dc", str(path)], check=True, capture_output=True)
    assert unpacked.stdout == raw.getvalue()


def test_tell_counts_uncompressed_bytes() -> None:
    stream = GzipStream(HashingWriter(io.BytesIO()), threads=2)
    stream.write(b"x" * 1000)
    stream.write(b"y" * GZIP_BLOCK)
    assert stream.tell() == 1000 + GZIP_BLOCK
    stream.close()


def test_the_threads_follow_the_cpus_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert compression_threads() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    assert compression_threads() == gzip_stream.GZIP_MAX_THREADS
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert compression_threads() == 1


def test_blocks_in_flight_stay_bounded() -> None:
    """However long the stream, at most BLOCKS_PER_THREAD blocks per thread are in flight."""
    stream = GzipStream(HashingWriter(io.BytesIO()), threads=2)
    most = 0
    for _ in range(40):
        stream.write(b"z" * GZIP_BLOCK)
        most = max(most, len(stream.jobs))
    stream.close()
    assert 0 < most <= 2 * gzip_stream.BLOCKS_PER_THREAD


class FullDisk(io.BytesIO):
    def __init__(self, room: int):
        super().__init__()
        self.room = room

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


@pytest.mark.parametrize("room", [0, GZIP_BLOCK])
def test_a_write_error_is_raised_in_the_caller(room: int) -> None:
    data = random.Random(1).randbytes(GZIP_BLOCK)  # incompressible: fills the room
    with pytest.raises(OSError, match="No space left"):
        stream = GzipStream(HashingWriter(FullDisk(room)), threads=2)
        for _ in range(10):  # more than the blocks in flight
            stream.write(data)
        stream.close()
    if room:
        stream.abort()  # what the build does after an error
    assert not stream_threads()


def test_an_error_while_closing_stops_the_threads() -> None:
    stream = GzipStream(HashingWriter(FullDisk(GZIP_BLOCK)), threads=2)
    stream.write(random.Random(2).randbytes(GZIP_BLOCK // 2))
    stream.write(random.Random(3).randbytes(GZIP_BLOCK))
    with pytest.raises(OSError, match="No space left"):
        stream.close()
    assert not stream_threads()


def test_an_error_of_a_compressing_thread_is_raised_in_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(data: bytes, dictionary: bytes, final: bool) -> bytes:
        raise MemoryError("no room for the compressor")

    monkeypatch.setattr(gzip_stream, "deflate_block", broken)
    stream = GzipStream(HashingWriter(io.BytesIO()), threads=2)
    with pytest.raises(MemoryError, match="no room"):
        for _ in range(10):
            stream.write(b"w" * GZIP_BLOCK)
        stream.close()
    stream.abort()
    assert not stream_threads()


def test_abort_stops_the_threads_with_blocks_queued() -> None:
    stream = GzipStream(HashingWriter(io.BytesIO()), threads=2)
    for seed in range(3):
        stream.write(random.Random(seed).randbytes(GZIP_BLOCK))
    stream.abort()
    assert not stream_threads()
    with pytest.raises(RuntimeError, match="closed"):
        stream.write(b"x" * GZIP_BLOCK)
