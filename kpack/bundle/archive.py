"""Write the bundle: a byte-reproducible tar.gz or a directory, streamed, all or nothing.

This module reads the selected files and feeds them to a sink; the mechanisms live beside
it: `tar_stream` (the headers), `gzip_stream` (the parallel gzip member), `pending` (all
or nothing, `--dir` targets), `mtime`, and `verify` (the read-back).

Reproducibility: the root manifest.konnector first, then entries sorted by path components
(parents before children; `archive_order`), directory
entries included, integer mtime from `SOURCE_DATE_EPOCH` (default: the connector's last git
commit, else 1980-01-01), uid/gid 0 with empty user and group names, modes 0644 or 0755,
and a gzip header with no file name and mtime 0. The tar format is PAX (POSIX.1-2001),
named explicitly: it is the standard one (GNU's is an extension), it stores long and
non-ASCII names in extended headers instead of truncating them, and entries whose fields
fit the plain ustar header get no extended header at all, so the bytes only depend on the
names, sizes, modes and contents. Go's archive/tar (the registry and cozy-stack) reads it.

Streaming: each file is read once. A file up to 1 MiB is read whole and handed over as
bytes (its secret scan batched with other small files); a larger one goes through a tap,
in 1 MiB blocks, that feeds the scan and the progress bar while the sink copies it. The
output is hashed as it is written. Memory stays constant whatever the size of the bundle.

All or nothing: the output is written to a temporary file (or folder) next to the target
and renamed into place only when complete; an error or Ctrl-C removes it.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

from kpack.bundle.common import DIR_MODE, EXEC_MODE, FILE_MODE, BuildError
from kpack.bundle.gzip_stream import GzipStream, HashingWriter
from kpack.bundle.mtime import FIXED_EPOCH, MtimeLookup, resolve_mtime
from kpack.bundle.pending import MARKER, Pending, check_dir_target, write_marker
from kpack.bundle.secrets import FileScan, Hit, Scanner
from kpack.bundle.select import ROOT_MANIFEST, Entry, Selection
from kpack.bundle.tar_stream import TarWriter

# What run.py and the tests import from here (some of it from the modules split off).
__all__ = [
    "DIR_MODE", "EXEC_MODE", "FILE_MODE", "FIXED_EPOCH", "MARKER", "BuildError", "DirSink",
    "HashingWriter", "MtimeLookup", "NullSink", "Packed", "Pending", "TarSink",
    "archive_order", "check_dir_target", "open_selected", "pack", "read_whole",
    "resolve_mtime", "write_marker",
]
COPY_BLOCK = 1024 * 1024  # large files are streamed in blocks of this size
WHOLE_FILE = COPY_BLOCK  # files up to this size are read whole, in one read
# Small files are scanned for secrets together: one pass of each probe over this many bytes
# of them, and each file on its own only when a probe is there (see `_scan_batch`).
SCAN_BATCH = 1024 * 1024
SCAN_ALONE = 8  # a batch of so few files that fires is scanned file by file

# -- reading ------------------------------------------------------------------------------------


class _Tap:
    """A large file being streamed: what the sink reads also goes to the scan."""

    def __init__(self, handle: BinaryIO, scan: FileScan, progress: Callable[[int], None]):
        self.handle = handle
        self.scan = scan
        self.progress = progress
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(COPY_BLOCK if size is None or size < 0 else size)
        self.count += len(data)
        self.scan.feed(data)
        self.progress(len(data))
        return data


# -- sinks ----------------------------------------------------------------------------------

# What a sink gets of a file: its bytes when it was read whole, or a tap to read it from.
Content = bytes | _Tap


class Sink(Protocol):
    def add_dir(self, arcname: str) -> None: ...
    def add_file(self, entry: Entry, mode: int, content: Content) -> None: ...


class TarSink:
    """The tar stream (kpack.bundle.tar_stream) into the parallel gzip member, hashed."""

    def __init__(self, raw: BinaryIO, mtime: int):
        self.mtime = mtime
        self.out = HashingWriter(raw)
        self.gz = GzipStream(self.out)
        self.tar = TarWriter(self.gz, mtime)

    def add_dir(self, arcname: str) -> None:
        self.tar.add_dir(arcname, DIR_MODE)

    def add_file(self, entry: Entry, mode: int, content: Content) -> None:
        if isinstance(content, bytes):
            self.tar.add_bytes(entry.arcname, mode, content)
            return
        self.tar.start_file(entry.arcname, mode, entry.size)
        left = entry.size
        while left:
            data = content.read(min(COPY_BLOCK, left))
            if not data:
                raise BuildError(f"{entry.arcname} shrank while being bundled: try again")
            self.tar.write_data(data)
            left -= len(data)
        self.tar.end_file()

    def close(self) -> tuple[str, int]:
        self.tar.close()
        self.gz.close()
        self.out.flush()
        return self.out.sha256.hexdigest(), self.out.size

    def abort(self) -> None:
        """After a failure: stop compressing (the partial archive is discarded)."""
        self.gz.abort()


class DirSink:
    def __init__(self, root: Path, mtime: int):
        self.root = root
        self.mtime = mtime
        self.dirs: list[Path] = [root]

    def add_dir(self, arcname: str) -> None:
        path = self.root / arcname
        path.mkdir(mode=DIR_MODE)
        self.dirs.append(path)

    def add_file(self, entry: Entry, mode: int, content: Content) -> None:
        path = self.root / entry.arcname
        with open(path, "xb") as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                shutil.copyfileobj(content, out, COPY_BLOCK)
        os.chmod(path, mode)
        os.utime(path, (self.mtime, self.mtime))

    def close(self) -> None:
        # No marker inside: cozy-stack installs the whole folder (Pending writes it beside).
        for path in reversed(self.dirs):  # children first: writing into a folder touches it
            os.chmod(path, DIR_MODE)
            os.utime(path, (self.mtime, self.mtime))


class NullSink:
    """`--list`: read everything for the scan, write nothing."""

    def add_dir(self, arcname: str) -> None:
        pass

    def add_file(self, entry: Entry, mode: int, content: Content) -> None:
        if not isinstance(content, bytes):
            while content.read(COPY_BLOCK):
                pass


class Packed(NamedTuple):
    hits: dict[str, list[Hit]]  # bundle path -> secret hits in it


def archive_order(selection: Selection) -> list[tuple[str, Entry | None]]:
    """The root `manifest.konnector` first (cozy-stack's FetchManifest and the registry
    read the first one they meet), then folders (None) and files sorted by path
    components: parents before children.

    As a key, the path with its slashes made NUL (lower than any character of a name, and
    never in one) orders exactly as the list of its components, for a fifth of the cost."""
    items: list[tuple[str, Entry | None]] = [(d, None) for d in selection.dirs]
    items.extend((e.arcname, e) for e in selection.files)
    items.sort(key=lambda item: (item[0] != ROOT_MANIFEST, item[0].replace("/", "\0")))
    return items


def pack(
    selection: Selection, sink: Sink, scanner: Scanner,
    progress: Callable[[int], None] = lambda _n: None,
) -> Packed:
    """Feed every directory and file, in archive order, to `sink`; scan what is read.

    A file of at most WHOLE_FILE bytes is read whole (one `read`) and handed over as bytes;
    its scan waits in a batch of small files. A larger one is streamed through a tap."""
    hits: dict[str, list[Hit]] = {}
    batch: list[tuple[str, bytes]] = []
    batched = 0
    for arcname, entry in archive_order(selection):
        if entry is None:
            sink.add_dir(arcname)
            continue
        mode = EXEC_MODE if entry.executable else FILE_MODE
        if entry.size <= WHOLE_FILE:
            data = read_whole(entry)
            progress(len(data))
            sink.add_file(entry, mode, data)
            batch.append((arcname, data))
            batched += len(data)
            if batched >= SCAN_BATCH:
                _scan_batch(scanner, batch, hits)
                batch, batched = [], 0
            continue
        _scan_batch(scanner, batch, hits)  # first: hits stay in archive order
        batch, batched = [], 0
        found = _stream(entry, mode, sink, scanner, progress)
        if found:
            hits[arcname] = found
    _scan_batch(scanner, batch, hits)
    return Packed(hits)


def _stream(
    entry: Entry, mode: int, sink: Sink, scanner: Scanner, progress: Callable[[int], None]
) -> list[Hit]:
    """A large file, read and scanned in blocks as the sink takes it."""
    scan = scanner.scan_file()
    handle = os.fdopen(open_selected(entry), "rb")
    with handle:
        tap = _Tap(handle, scan, progress)
        sink.add_file(entry, mode, tap)
        if tap.count != entry.size or handle.read(1):
            raise BuildError(f"{entry.arcname} changed while being bundled: try again")
    return scan.finish()


def _scan_batch(
    scanner: Scanner, batch: list[tuple[str, bytes]], hits: dict[str, list[Hit]]
) -> None:
    """The secret hits of small files read whole, into `hits` in their order.

    `Scanner.could_find` over the files' bytes joined says when none of them can hold a
    hit (the usual case: one pass of each probe for many files); otherwise the batch is
    split in halves, down to files scanned on their own exactly as a streamed one."""
    if not batch:
        return
    if len(batch) > 1 and not scanner.could_find(b"".join(data for _name, data in batch)):
        return
    if len(batch) > SCAN_ALONE:
        half = len(batch) // 2
        _scan_batch(scanner, batch[:half], hits)
        _scan_batch(scanner, batch[half:], hits)
        return
    for arcname, data in batch:
        scan = scanner.scan_file()
        if data:  # as streamed: an empty file is never fed
            scan.feed(data)
        found = scan.finish()
        if found:
            hits[arcname] = found


_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
)


def open_selected(entry: Entry) -> int:
    """Open exactly the file that was selected: never through a link (O_NOFOLLOW: a file
    swapped for a link since is refused), and the same device and inode as when selected
    (a file swapped for another one, or a folder above it swapped for a link, is refused).
    O_NONBLOCK: a FIFO swapped in does not hang the build; it is left on, since it changes
    nothing for a regular file (the only kind read past this check)."""
    arcname = entry.arcname
    try:
        fd = os.open(entry.path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BuildError(
                f"{arcname} was replaced by a symbolic link after it was selected: try again"
            ) from None
        raise BuildError(f"{arcname}: cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (
            entry.ino and (st.st_dev, st.st_ino) != (entry.dev, entry.ino)
        ):
            raise BuildError(
                f"{arcname} was replaced by another file after it was selected: try again"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_whole(entry: Entry) -> bytes:
    """The bytes of a small selected file, in one `read` of one byte more than its size
    (a file that grew since it was selected is refused, as one that shrank)."""
    fd = open_selected(entry)
    try:
        data = os.read(fd, entry.size + 1)
        while 0 < len(data) < entry.size:  # a short read (a signal...): read on
            more = os.read(fd, entry.size + 1 - len(data))
            if not more:
                break
            data += more
    except OSError as exc:
        raise BuildError(f"{entry.arcname}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) < entry.size:
        raise BuildError(f"{entry.arcname} shrank while being bundled: try again")
    if len(data) > entry.size:
        raise BuildError(f"{entry.arcname} changed while being bundled: try again")
    return data
