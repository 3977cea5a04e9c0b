"""Write the bundle: a byte-reproducible tar.gz or a directory, streamed, all or nothing.

Reproducibility: entries sorted by path components (parents before children), directory
entries included, integer mtime from `SOURCE_DATE_EPOCH` (default: the connector's last git
commit, else 1980-01-01), uid/gid 0 with empty user and group names, modes 0644 or 0755,
and a gzip header with no file name and mtime 0. The tar format is PAX (POSIX.1-2001),
named explicitly: it is the standard one (GNU's is an extension), it stores long and
non-ASCII names in extended headers instead of truncating them, and entries whose fields
fit the plain ustar header get no extended header at all, so the bytes only depend on the
names, sizes, modes and contents. Go's archive/tar (the registry and cozy-stack) reads it.

Streaming: each file is read once, in blocks, through a tap that feeds the secret scan and
the progress bar while tarfile copies it; the output is hashed as it is written. Memory
stays constant whatever the size of the bundle.

All or nothing: the output is written to a temporary file (or folder) next to the target
and renamed into place only when complete; an error or Ctrl-C removes it.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol, cast

from kpack.bundle.common import DIR_MODE, EXEC_MODE, FILE_MODE, BuildError
from kpack.bundle.gzip_stream import GzipStream, HashingWriter
from kpack.bundle.mtime import FIXED_EPOCH, MtimeLookup, resolve_mtime
from kpack.bundle.pending import MARKER, Pending, check_dir_target, write_marker
from kpack.bundle.secrets import FileScan, Hit, Scanner
from kpack.bundle.select import Entry, Selection

# What run.py, verify.py and the tests import from here.
__all__ = [
    "DIR_MODE", "EXEC_MODE", "FILE_MODE", "FIXED_EPOCH", "MARKER", "BuildError", "DirSink",
    "HashingWriter", "MtimeLookup", "NullSink", "Packed", "Pending", "TarSink",
    "check_dir_target", "open_selected", "pack", "resolve_mtime", "write_marker",
]
TAR_FORMAT = tarfile.PAX_FORMAT
COPY_BLOCK = 1024 * 1024

# -- reading ------------------------------------------------------------------------------------


class _Tap:
    """A file being read: what tarfile (or the copy) reads also goes to the scan."""

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


class Sink(Protocol):
    def add_dir(self, arcname: str) -> None: ...
    def add_file(self, entry: Entry, mode: int, reader: _Tap) -> None: ...


class TarSink:
    def __init__(self, raw: BinaryIO, mtime: int):
        self.mtime = mtime
        self.out = HashingWriter(raw)
        self.gz = GzipStream(self.out)
        self.tar = tarfile.TarFile(  # closed by close(), after the last entry
            # 1 MiB reads: fewer, larger blocks for the scan and the queue than 16 KiB.
            # A writer: tarfile only calls write() and tell() in mode "w".
            fileobj=cast(BinaryIO, self.gz), mode="w", format=TAR_FORMAT,
            copybufsize=COPY_BLOCK,
        )

    def _info(self, arcname: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
        info = tarfile.TarInfo(arcname)
        info.type = kind
        info.mode = mode
        info.size = size
        info.mtime = self.mtime
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    def add_dir(self, arcname: str) -> None:
        self.tar.addfile(self._info(arcname, tarfile.DIRTYPE, DIR_MODE))

    def add_file(self, entry: Entry, mode: int, reader: _Tap) -> None:
        info = self._info(entry.arcname, tarfile.REGTYPE, mode, entry.size)
        self.tar.addfile(info, reader)  # reads exactly `size` bytes

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

    def add_file(self, entry: Entry, mode: int, reader: _Tap) -> None:
        path = self.root / entry.arcname
        with open(path, "xb") as out:
            shutil.copyfileobj(reader, out, COPY_BLOCK)
        os.chmod(path, mode)
        os.utime(path, (self.mtime, self.mtime))

    def close(self) -> None:
        write_marker(self.root)  # how a later --dir build knows it may replace this folder
        marker = self.root / MARKER
        os.chmod(marker, FILE_MODE)
        os.utime(marker, (self.mtime, self.mtime))
        for path in reversed(self.dirs):  # children first: writing into a folder touches it
            os.chmod(path, DIR_MODE)
            os.utime(path, (self.mtime, self.mtime))


class NullSink:
    """`--list`: read everything for the scan, write nothing."""

    def add_dir(self, arcname: str) -> None:
        pass

    def add_file(self, entry: Entry, mode: int, reader: _Tap) -> None:
        while reader.read(COPY_BLOCK):
            pass


class Packed(NamedTuple):
    hits: dict[str, list[Hit]]  # bundle path -> secret hits in it


def pack(
    selection: Selection, sink: Sink, scanner: Scanner,
    progress: Callable[[int], None] = lambda _n: None,
) -> Packed:
    """Feed every directory and file, in archive order, to `sink`; scan what is read."""
    items: list[tuple[list[str], str, Entry | None]] = [
        (d.split("/"), d, None) for d in selection.dirs
    ]
    items.extend((e.arcname.split("/"), e.arcname, e) for e in selection.files)
    items.sort(key=lambda item: item[0])
    hits: dict[str, list[Hit]] = {}
    for _parts, arcname, entry in items:
        if entry is None:
            sink.add_dir(arcname)
            continue
        scan = scanner.scan_file()
        handle = open_selected(entry)
        with handle:
            tap = _Tap(handle, scan, progress)
            mode = EXEC_MODE if entry.executable else FILE_MODE
            try:
                sink.add_file(entry, mode, tap)
            except tarfile.ReadError as exc:  # pragma: no cover - tarfile's own wording
                raise BuildError(f"{arcname}: {exc}") from None
            except OSError as exc:
                if "unexpected end of data" in str(exc):
                    raise BuildError(f"{arcname} shrank while being bundled: try again") from None
                raise
            if tap.count != entry.size or handle.read(1):
                raise BuildError(f"{arcname} changed while being bundled: try again")
        found = scan.finish()
        if found:
            hits[arcname] = found
    return Packed(hits)


_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
)


def open_selected(entry: Entry) -> BinaryIO:
    """Open exactly the file that was selected: never through a link (O_NOFOLLOW: a file
    swapped for a link since is refused), and the same device and inode as when selected
    (a file swapped for another one, or a folder above it swapped for a link, is refused).
    O_NONBLOCK: a FIFO swapped in does not hang the build."""
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
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    # Outside the try: when fdopen fails (Ctrl-C inside it), it has closed `fd` itself, and
    # a second close would replace the KeyboardInterrupt with EBADF.
    return os.fdopen(fd, "rb")
