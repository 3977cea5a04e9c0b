"""The tar stream of a bundle, byte for byte what `tarfile` writes in PAX format.

Every entry of an archive has the same mtime, uid/gid 0, empty user and group names, and
one of three (type, mode) pairs: only the name and the size vary. So the usual entry (an
ASCII name of at most 100 bytes) gets its 512-byte ustar header from a template that
`tarfile` itself wrote for this archive, with the name, the size and the checksum put in:
a few microseconds, where `TarFile.addfile` took 120 (thousands of small files made it a
third of a build). Any other entry (a long or non-ASCII name, which needs a PAX extended
header) is written by `tarfile.TarInfo.tobuf`, as before. At start the template's output
is compared with `tarfile`'s on a few entries; on a Python whose `tarfile` writes
otherwise, every header goes through `tarfile`.
"""

from __future__ import annotations

import tarfile
from typing import Final, Protocol

TAR_FORMAT: Final = tarfile.PAX_FORMAT
BLOCK = tarfile.BLOCKSIZE  # 512
RECORD = tarfile.RECORDSIZE  # 20 blocks: the archive's length is a multiple of it
NAME_LENGTH = 100
OCTAL_LIMIT = 8**11  # sizes and mtimes below it fit the 12-byte octal fields
PADDING = bytes(BLOCK)


class Output(Protocol):
    def write(self, data: bytes) -> int: ...


def tarfile_header(name: str, kind: bytes, mode: int, size: int, mtime: int) -> bytes:
    """The header `TarFile.addfile` writes for this entry (PAX format)."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(TAR_FORMAT, tarfile.ENCODING, "surrogateescape")


class _Template:
    """The fixed bytes of a header of one (type, mode) and its checksum without name and size."""

    __slots__ = ("after_size", "base", "middle", "tail")

    def __init__(self, block: bytes):
        self.middle = block[100:124]  # mode, uid, gid
        self.after_size = block[136:148]  # mtime
        self.tail = block[155:BLOCK]  # the checksum field's last byte, type, magic, names...
        # The checksum counts its own 8-byte field as spaces (8 * 32).
        self.base = 256 + sum(self.middle) + sum(self.after_size) + sum(block[156:BLOCK])


class Headers:
    """The headers of one archive's entries."""

    def __init__(self, mtime: int):
        self.mtime = mtime
        self.templates: dict[tuple[bytes, int], _Template] = {}
        self.fast = 0 <= mtime < OCTAL_LIMIT and self._agrees()

    def header(self, name: str, kind: bytes, mode: int, size: int) -> bytes:
        """`name` with a trailing slash for a folder, as tarfile stores it."""
        if not (self.fast and len(name) <= NAME_LENGTH and name.isascii() and size < OCTAL_LIMIT):
            return tarfile_header(name, kind, mode, size, self.mtime)
        template = self.templates.get((kind, mode))
        if template is None:
            block = tarfile_header("", kind, mode, 0, self.mtime)
            template = self.templates[kind, mode] = _Template(block)
        encoded = name.encode("ascii")
        size_field = b"%011o\0" % size
        checksum = template.base + sum(encoded) + sum(size_field)
        return b"".join((
            encoded, bytes(NAME_LENGTH - len(encoded)), template.middle, size_field,
            template.after_size, b"%06o\0" % checksum, template.tail,
        ))

    def _agrees(self) -> bool:
        """Whether the templates give tarfile's bytes on this Python (checked once)."""
        self.fast = True
        samples = [
            ("a", tarfile.REGTYPE, 0o644, 0), ("b" * NAME_LENGTH, tarfile.REGTYPE, 0o755, 1),
            ("c/d.js", tarfile.REGTYPE, 0o644, OCTAL_LIMIT - 1), ("e/", tarfile.DIRTYPE, 0o755, 0),
        ]
        return all(
            self.header(*sample) == tarfile_header(*sample, self.mtime) for sample in samples
        )


class TarWriter:
    """Entries written in order to `out`; `close()` ends the archive as tarfile does."""

    def __init__(self, out: Output, mtime: int):
        self.out = out
        self.headers = Headers(mtime)
        self.offset = 0

    def add_dir(self, arcname: str, mode: int) -> None:
        header = self.headers.header(arcname + "/", tarfile.DIRTYPE, mode, 0)
        self.offset += len(header)
        self.out.write(header)

    def add_bytes(self, arcname: str, mode: int, data: bytes) -> None:
        """A file read whole: header, contents and padding in one write."""
        size = len(data)
        header = self.headers.header(arcname, tarfile.REGTYPE, mode, size)
        padding = -size % BLOCK
        self.offset += len(header) + size + padding
        self.out.write(b"".join((header, data, PADDING[:padding])))

    def start_file(self, arcname: str, mode: int, size: int) -> None:
        """A file streamed: its header; then `write_data` exactly `size` bytes, then `end_file`."""
        header = self.headers.header(arcname, tarfile.REGTYPE, mode, size)
        self.offset += len(header)
        self.out.write(header)

    def write_data(self, data: bytes) -> None:
        self.offset += len(data)
        self.out.write(data)

    def end_file(self) -> None:
        padding = -self.offset % BLOCK
        self.offset += padding
        self.out.write(PADDING[:padding])

    def close(self) -> None:
        """Two zero blocks, then zeros up to a whole record (tarfile's RECORDSIZE)."""
        end = 2 * BLOCK
        end += -(self.offset + end) % RECORD
        self.offset += end
        self.out.write(bytes(end))
