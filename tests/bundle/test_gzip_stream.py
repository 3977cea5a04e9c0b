"""The gzip stream compressed on a second thread: GzipFile's bytes, errors passed back."""

from __future__ import annotations

import gzip
import io
import random

import pytest

from kpack.bundle.archive import GZIP_BLOCK, _GzipStream, _HashingWriter


def gzipfile_bytes(chunks: list[bytes]) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=out, mtime=0) as gz:
        for chunk in chunks:
            gz.write(chunk)
    return out.getvalue()


def stream_bytes(chunks: list[bytes]) -> bytes:
    out = io.BytesIO()
    stream = _GzipStream(_HashingWriter(out))
    for chunk in chunks:
        stream.write(chunk)
    stream.close()
    return out.getvalue()


@pytest.mark.parametrize("sizes", [[], [0], [1], [512, 16384, 7], [GZIP_BLOCK * 2 + 3, 1, 511]])
def test_same_bytes_as_gzipfile(sizes: list[int]) -> None:
    rng = random.Random(len(sizes))
    words = [b"function ", b"return ", b"konnector ", b"\n"]
    chunks = [
        b"".join(rng.choice(words) for _ in range(size // 8)) + rng.randbytes(size % 8)
        for size in sizes
    ]
    assert stream_bytes(chunks) == gzipfile_bytes(chunks)
    assert gzip.decompress(stream_bytes(chunks)) == b"".join(chunks)


def test_tell_counts_uncompressed_bytes() -> None:
    stream = _GzipStream(_HashingWriter(io.BytesIO()))
    stream.write(b"x" * 1000)
    assert stream.tell() == 1000
    stream.close()


class FullDisk(io.BytesIO):
    def write(self, data: bytes) -> int:  # type: ignore[override]
        raise OSError(28, "No space left on device")


def test_a_write_error_of_the_thread_is_raised_in_the_caller() -> None:
    stream = _GzipStream(_HashingWriter(FullDisk()))
    with pytest.raises(OSError, match="No space left"):
        for _ in range(GZIP_BLOCK // 1024 * 10):  # more than the queue holds
            stream.write(b"y" * 1024)
        stream.close()
    stream.abort()  # what the build does after an error
    assert not stream.thread.is_alive()


def test_abort_stops_the_thread_with_blocks_queued() -> None:
    stream = _GzipStream(_HashingWriter(io.BytesIO()))
    for _ in range(3):
        stream.write(random.Random(1).randbytes(GZIP_BLOCK))
    stream.abort()
    assert not stream.thread.is_alive()
