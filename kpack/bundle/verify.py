"""Read a freshly written archive back, as the registry will, before it is renamed into place.

A self-check, not a user-facing rule: when it fails, kpack has a bug, and the archive is
discarded rather than published.

The archive is inflated from the disk (zlib checks the gzip trailer's CRC and length) and
each header is parsed from its bytes, independently of how it was written: checksum, ustar
magic, then name, type, size, mode, mtime and owner against the selection. A reader of its
own rather than `tarfile`'s, which spent 100 µs per entry (a third of a build of thousands
of small files). Only the shapes kpack writes are parsed (ustar headers, PAX `path`
records); anything else goes to `tarfile`, which then decides, as before.
"""

from __future__ import annotations

import contextlib
import queue
import struct
import tarfile
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from kpack.bundle.archive import archive_order
from kpack.bundle.common import DIR_MODE, EXEC_MODE, FILE_MODE, BuildError
from kpack.bundle.select import Selection

REGISTRY_MAX_BYTES = 20 * 1024 * 1024
BLOCK = 512
READ = 256 * 1024  # compressed bytes read at a time
INFLATE = 1024 * 1024  # at most this many bytes inflated at a time: memory stays bounded
AHEAD = 4  # inflated chunks waiting to be parsed
# name, mode, uid, gid, size, mtime, checksum, type, link name, magic+version, user, group
_USTAR = struct.Struct("100s8s8s8s12s12s8sc100s8s32s32s")
_ZERO = bytes(BLOCK)
Entry = tuple[str, bytes, int, int]  # name, type, size, mode


def expected_entries(selection: Selection) -> list[Entry]:
    """(name, type, size, mode) in archive order."""
    return [
        (arcname, tarfile.DIRTYPE, 0, DIR_MODE) if entry is None else (
            arcname, tarfile.REGTYPE, entry.size, EXEC_MODE if entry.executable else FILE_MODE
        )
        for arcname, entry in archive_order(selection)
    ]


class _Unusual(Exception):
    """Something kpack does not write: `tarfile` reads the archive instead."""


class _Broken(Exception):
    """The archive cannot be read back."""


def _inflate(handle: BinaryIO) -> Iterator[bytes]:
    """The uncompressed bytes of a gzip file of one member, at most INFLATE at a time."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while not inflater.eof:
        source = inflater.unconsumed_tail or handle.read(READ)
        if not source:
            raise _Broken("the compressed stream is cut short")
        try:
            yield inflater.decompress(source, INFLATE)
        except zlib.error as exc:
            raise _Broken(str(exc)) from None
    if inflater.unused_data or handle.read(1):
        raise _Broken("bytes after the end of the compressed stream")


class _Inflated:
    """The uncompressed bytes, read forward. Inflated on a thread (zlib lets go of the GIL)
    while this one parses the headers; AHEAD chunks at most wait in between."""

    def __init__(self, handle: BinaryIO):
        self.chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(AHEAD)
        self.stopping = False
        self.thread = threading.Thread(
            target=self._work, args=(handle,), name="kpack-inflate", daemon=True
        )
        self.thread.start()
        self.buffer = b""
        self.at = 0
        self.ended = False

    def _work(self, handle: BinaryIO) -> None:
        try:
            for chunk in _inflate(handle):
                if self.stopping:
                    return
                self.chunks.put(chunk)
            self.chunks.put(None)
        except BaseException as exc:  # raised again by the reading thread
            self.chunks.put(exc)

    def close(self) -> None:
        """Stop the thread (it may wait for room in the queue)."""
        self.stopping = True
        while self.thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self.chunks.get(timeout=0.01)
        self.thread.join()

    def _more(self) -> bool:
        if self.ended:
            return False
        chunk = self.chunks.get()
        if isinstance(chunk, BaseException):
            self.ended = True
            raise chunk
        if chunk is None:
            self.ended = True
            return False
        self.buffer = self.buffer[self.at :] + chunk
        self.at = 0
        return True

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes, or fewer at the end."""
        while len(self.buffer) - self.at < size and self._more():
            pass
        data = self.buffer[self.at : self.at + size]
        self.at += len(data)
        return data

    def skip(self, size: int) -> None:
        while len(self.buffer) - self.at < size:
            size -= len(self.buffer) - self.at
            self.buffer, self.at = b"", 0
            if not self._more():
                raise _Broken("the archive is cut short")
        self.at += size

    def rest_is_zeros(self) -> bool:
        """Reads to the end (the CRC and length are checked there)."""
        while True:
            if self.buffer.count(0, self.at) != len(self.buffer) - self.at:
                return False
            self.buffer, self.at = b"", 0
            if not self._more():
                return True


def _octal(field: bytes) -> int:
    """A number field as tarfile reads it: octal digits up to the first NUL, spaces around."""
    try:
        return int(field.split(b"\0", 1)[0] or b"0", 8)
    except ValueError:
        raise _Broken("a number field that is not octal") from None


def _text(field: bytes) -> bytes:
    return field.split(b"\0", 1)[0]


def _pax_path(records: bytes) -> str:
    """The `path` of a PAX extended header (the only record kpack's archives hold)."""
    path = None
    at = 0
    while at < len(records):
        space = records.find(b" ", at)
        if space < 0 or not records[at:space].isdigit():
            raise _Broken("a malformed PAX record")
        end = at + int(records[at:space])
        key, equal, value = records[space + 1 : end - 1].partition(b"=")
        if end <= space or not equal or records[end - 1 : end] != b"\n":
            raise _Broken("a malformed PAX record")
        if key != b"path":
            raise _Unusual("a PAX record other than path")
        path = value.decode("utf-8")
        at = end
    if path is None:
        raise _Unusual("a PAX header without a path")
    return path


class _Headers:
    """The entries of an archive read one by one; `next()` is None at the end."""

    def __init__(self, stream: _Inflated):
        self.stream = stream
        # The bytes of a header but its name, size and checksum -> (type, mode, mtime,
        # owner) as read from them: the entries of an archive share a few, each parsed once.
        self.fixed: dict[bytes, tuple[bytes, int, int, bytes]] = {}

    def _fixed(self, block: bytes) -> tuple[bytes, int, int, bytes]:
        key = block[100:124] + block[136:148] + block[156:]
        fixed = self.fixed.get(key)
        if fixed is None:
            _name, mode, uid, gid, _size, mtime, _sum, kind, link, magic, user, group = (
                _USTAR.unpack_from(block)
            )
            if magic != b"ustar\x0000" or _text(link) or block[345:500].strip(b"\0"):
                raise _Unusual("not a plain ustar header")
            owner = b"%d %d %s %s" % (_octal(uid), _octal(gid), _text(user), _text(group))
            fixed = self.fixed[key] = (kind, _octal(mode), _octal(mtime), owner)
        return fixed

    def next(self) -> tuple[str, bytes, int, int, int, bytes] | None:
        """(name, type, size, mode, mtime, owner) of the next entry."""
        path = None
        while True:
            block = self.stream.read(BLOCK)
            if len(block) < BLOCK:
                raise _Broken("the archive is cut short")
            if block == _ZERO:
                return None
            checksum = block[148:156]
            # The checksum counts its own field as eight spaces.
            if _octal(checksum) != 256 + sum(block) - sum(checksum):
                raise _Broken("a header checksum does not match")
            kind, mode, mtime, owner = self._fixed(block)
            size = _octal(block[124:136])
            if kind == tarfile.XHDTYPE and path is None:
                path = _pax_path(self.stream.read(size))
                self.stream.skip(-size % BLOCK)
                continue
            if path is None:
                path = _text(block[:100]).decode("ascii")
            return path, kind, size, mode, mtime, owner


def _read_entries(handle: BinaryIO, mtime: int) -> list[Entry]:
    found: list[Entry] = []
    stream = _Inflated(handle)
    try:
        headers = _Headers(stream)
        while (entry := headers.next()) is not None:
            name, kind, size, mode, when, owner = entry
            if (when, owner) != (mtime, b"0 0  "):
                raise BuildError(f"internal error: {name} is not normalised")
            found.append((name.rstrip("/"), kind, size, mode))
            stream.skip(size + -size % BLOCK)
        if not stream.rest_is_zeros():
            raise _Broken("data after the end of the archive")
    finally:
        stream.close()
    return found


def _read_with_tarfile(path: Path, mtime: int) -> list[Entry]:
    found: list[Entry] = []
    # Stream mode: one pass, constant memory; reaching the end checks the gzip CRC.
    with tarfile.open(path, "r|gz") as tar:
        for member in tar:
            if (member.mtime, member.uid, member.gid, member.uname, member.gname) != (
                mtime, 0, 0, "", ""
            ):
                raise BuildError(f"internal error: {member.name} is not normalised")
            found.append((member.name.rstrip("/"), member.type, member.size, member.mode))
    return found


def verify_archive(path: Path, selection: Selection, mtime: int) -> None:
    """Raise BuildError unless the archive holds exactly the selection, normalised."""
    try:
        try:
            with open(path, "rb") as handle:
                found = _read_entries(handle, mtime)
        except (_Unusual, UnicodeDecodeError):
            found = _read_with_tarfile(path, mtime)
    except (_Broken, tarfile.TarError, OSError, EOFError) as exc:
        raise BuildError(f"internal error: the archive cannot be read back: {exc}") from None
    if found != expected_entries(selection):
        raise BuildError("internal error: the archive does not hold what was selected")
    top = {name.split("/", 1)[0] for name, *_ in found}
    if "manifest.konnector" not in top:
        raise BuildError("internal error: manifest.konnector is not at the archive root")
