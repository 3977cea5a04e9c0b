"""The one way kpack reads a file (`read_file`) and the one way it writes one (`write_file`).

Reading (every file kpack opens: checked files, settings, `.kpackignore`, `package.json`,
env files, token files):

- Regular files only: a folder, a FIFO, a socket or a device (or a link to one, such as
  `.kpackignore -> /dev/zero`) is refused from `fstat` on the open descriptor, before a
  byte is read. Opened non-blocking, so a FIFO without a writer cannot hang the open.
- A size cap, given by the caller: a file over it is refused from `fstat`, and at most
  cap + 1 bytes are ever read (a file growing while read is refused too).
- `nofollow=True` for a path kpack found by itself inside a connector (its last component
  is opened with `O_NOFOLLOW`): a planted link there is refused, not read through.

Every refusal is a `ReadError` (an `OSError`) whose `strerror` is a one-line reason and
whose `filename` is the path, so callers print `cannot read PATH: <reason>` and exit 2.

Writing:

- A regular file (or a new path) is written atomically: a temporary file in the same
  folder, flushed and fsync'ed, then renamed onto the path (the folder is synced too).
  A reader sees the old content or the new one, never half a file; an existing file keeps
  its permission bits (and, for `--fix`, its owner and group: `owner`). Missing parent
  folders are created (as eslint does), and removed again when the write fails.
- A character device or a FIFO (`/dev/stdout`, a named pipe, a terminal) is written
  directly: never renamed over, never replaced by a regular file.
- Refused, with one line and nothing touched: a path that is one of the command's inputs
  (same device and inode, so a hard link counts), a symbolic link to anything but a
  character device or a FIFO (an attacker's `report.json -> ~/.bashrc` in a checkout must
  not make kpack write through it), a folder, a socket or a block device.

Every failure is an `OSError` whose `strerror` is a one-line reason (`WriteError` for the
refusals), so callers print `cannot write PATH: <reason>` and exit 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Collection
from pathlib import Path

FileId = tuple[int, int]  # (st_dev, st_ino)


class WriteError(OSError):
    """kpack refuses to write this path (`strerror` says why)."""

    def __init__(self, reason: str, code: int = errno.EPERM):
        super().__init__(code, reason)


class ReadError(OSError):
    """kpack refuses to read this path (`strerror` says why, `filename` is the path)."""

    def __init__(self, reason: str, path: str | os.PathLike[str], code: int = errno.EPERM):
        super().__init__(code, reason, os.fspath(path))


class NotRegularFile(ReadError):
    """A folder, a FIFO, a socket or a device: kpack reads regular files only."""


class TooLarge(ReadError):
    """Over the caller's cap. `size`: from `fstat`, or None when the file grew while read."""

    def __init__(self, path: str | os.PathLike[str], limit: int, size: int | None = None):
        reason = (
            f"over {limit:,} bytes" if size is None
            else f"{size:,} bytes, over the limit of {limit:,}"
        )
        super().__init__(reason, path, errno.EFBIG)
        self.limit = limit
        self.size = size


_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)  # Windows: no newline mangling
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def file_type(mode: int) -> str:
    """What a file that is not a regular one is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "not a regular file (a FIFO)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    return "not a regular file"


def read_file(
    path: str | os.PathLike[str], limit: int, *, nofollow: bool = False, head: bool = False
) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them (see the module's
    doc); raise `ReadError` for a refusal, `OSError` when the system cannot open or read
    it (`FileNotFoundError` for a missing file). `head`: content sniffing, the first
    `limit` bytes of a file of any size (never `TooLarge`)."""
    try:
        # One lookup of the path: os.open, then fstat on the descriptor (no buffered file
        # object either: half the cost of reading a small file).
        fd = os.open(path, _READ_FLAGS | (_NOFOLLOW if nofollow else 0))
    except OSError as exc:
        _refuse_unopenable(path, exc, nofollow)
        raise
    try:
        if head:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NotRegularFile(file_type(st.st_mode), path)
            return os.read(fd, min(limit, st.st_size + 1))
        return _read_descriptor(path, fd, limit)
    finally:
        os.close(fd)


def _refuse_unopenable(path: str | os.PathLike[str], exc: OSError, nofollow: bool) -> None:
    """Say why `os.open` failed when it is one of read_file's refusals."""
    if nofollow and exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
        raise ReadError(
            "is a symbolic link: kpack does not follow links it finds inside a connector "
            "(replace the link with the file)", path, errno.ELOOP,
        ) from None
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(st.st_mode):  # a socket (ENXIO); a folder on Windows (EACCES)
        raise NotRegularFile(file_type(st.st_mode), path) from None


def _read_descriptor(path: str | os.PathLike[str], fd: int, limit: int) -> bytes:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(file_type(st.st_mode), path)
    if st.st_size > limit:
        raise TooLarge(path, limit, st.st_size)
    # read(n) allocates n bytes first: ask for the size fstat gave (+1 to see growth), not
    # for the limit, and read on only while the file gives more.
    chunks = [os.read(fd, st.st_size + 1)]
    size = len(chunks[0])
    while chunks[-1] and size <= limit and size > st.st_size:
        chunks.append(os.read(fd, limit + 1 - size))
        size += len(chunks[-1])
    if size > limit:  # grew while we read it
        raise TooLarge(path, limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def file_id(path: str | os.PathLike[str], follow: bool = True) -> FileId | None:
    """(st_dev, st_ino) of a path, or None when it cannot be stat'ed."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def write_file(
    path: Path, data: bytes, inputs: Collection[FileId] = (), mode: int | None = None,
    owner: tuple[int, int] | None = None,
) -> None:
    """Write `data` to `path` safely (see the module's doc); raise OSError on failure.

    `mode`: the new file's permission bits (default: an existing file's, else 0o644).
    `owner`: the (uid, gid) the new file must have (`--fix` keeps the fixed file's); a
    WriteError, nothing written, when the system does not let kpack give them."""
    path = Path(path)
    if not str(path):
        raise WriteError("empty path", errno.ENOENT)
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            raise WriteError("is a symbolic link to nothing (dangling)", errno.ENOENT) from None
        if not (stat.S_ISCHR(target.st_mode) or stat.S_ISFIFO(target.st_mode)):
            raise WriteError(
                "is a symbolic link: kpack does not write through links "
                f"(give the real path: {os.path.realpath(path)})"
            )
        st = target
    if st is not None and (st.st_dev, st.st_ino) in inputs:
        raise WriteError("is one of the input files: kpack never overwrites its inputs")
    if st is None or stat.S_ISREG(st.st_mode):
        if mode is None:
            mode = stat.S_IMODE(st.st_mode) if st is not None else 0o644
        _write_atomic(path, data, mode, owner)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        _write_direct(path, data)
    elif stat.S_ISDIR(st.st_mode):
        raise WriteError("is a folder", errno.EISDIR)
    else:
        raise WriteError("is not a regular file, a character device or a FIFO")


def _write_direct(path: Path, data: bytes) -> None:
    """Into a device or a FIFO, as a shell's `>` would (opening a FIFO waits for a reader)."""
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise WriteError("changed while being opened")  # swapped for a file meanwhile
        view = memoryview(data)
        while view:
            written = os.write(fd, view)  # /dev/full: ENOSPC is raised here
            view = view[written:]
    finally:
        os.close(fd)


def make_parents(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, outermost first."""
    missing = []
    parent = folder
    while not os.path.lexists(parent):
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    created: list[Path] = []
    try:
        for item in reversed(missing):
            item.mkdir()
            created.append(item)
    except BaseException:
        remove_created(created)
        raise
    return created


def remove_created(created: list[Path]) -> None:
    """Remove folders made by `make_parents` (innermost first) while they are empty."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            break


def sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it is durable (best effort: not every system can)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(
    path: Path, data: bytes, mode: int, owner: tuple[int, int] | None = None
) -> None:
    import tempfile  # lazily: `kpack check` reads through this module and writes nothing

    directory = path.parent if str(path.parent) else Path(".")
    created = make_parents(directory)
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if owner is not None:
                _give(handle.fileno(), owner)
        os.chmod(temp, mode)  # after the owner: a chown clears the set-id bits
        os.replace(temp, path)
        temp = None
        sync_folder(directory)
    except BaseException:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        remove_created(created)
        raise


def _give(fd: int, owner: tuple[int, int]) -> None:
    st = os.fstat(fd)
    if (st.st_uid, st.st_gid) == owner or not hasattr(os, "fchown"):  # Windows: no owners
        return
    try:
        os.fchown(fd, *owner)
    except PermissionError:
        raise WriteError(
            "is owned by another user or group, which kpack cannot keep on a new file"
        ) from None


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """`write_file` without inputs to protect (kept for existing callers)."""
    write_file(path, data, mode=mode)


def atomic_write_text(path: Path, text: str, mode: int = 0o644) -> None:
    write_file(path, text.encode("utf-8"), mode=mode)
