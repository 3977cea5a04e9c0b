"""Write the bundle: a byte-reproducible tar.gz or a directory, streamed, all or nothing.

Reproducibility: the root manifest.konnector first, then entries sorted by path components
(parents before children; `select.archive_order`), directory
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

import collections
import contextlib
import errno
import hashlib
import os
import queue
import shutil
import stat
import struct
import subprocess
import tarfile
import tempfile
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol, cast

from kpack.bundle.secrets import FileScan, Hit, Scanner
from kpack.bundle.select import Entry, Selection, archive_order
from kpack.signals import deferred_signals

FIXED_EPOCH = 315532800  # 1980-01-01T00:00:00Z: when there is neither env nor git
TAR_FORMAT = tarfile.PAX_FORMAT
COPY_BLOCK = 1024 * 1024
FILE_MODE, EXEC_MODE, DIR_MODE = 0o644, 0o755, 0o755


class BuildError(Exception):
    """A problem of the environment (cannot write, file changed while read...): exit 2."""


# -- the timestamp ---------------------------------------------------------------------------


def resolve_mtime(connector_dir: Path, environ: dict[str, str]) -> tuple[int, str]:
    """The entries' mtime and where it comes from."""
    lookup = MtimeLookup(connector_dir, environ)
    try:
        return lookup.result()
    finally:
        lookup.close()


class MtimeLookup:
    """`resolve_mtime` in two steps: `git log` starts here and runs while the build checks
    (a path-limited log can walk a long history); `result()` waits for it. An invalid
    SOURCE_DATE_EPOCH is reported by `result()`, where the build used to look. `close()`
    stops git if the build ends before asking."""

    def __init__(self, connector_dir: Path, environ: dict[str, str]):
        value = environ.get("SOURCE_DATE_EPOCH")
        self.value = value if value is not None and value.strip() else None
        self.process: subprocess.Popen[str] | None = None
        git = shutil.which("git") if self.value is None else None
        if git is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self.process = subprocess.Popen(
                    [git, "-C", str(connector_dir), "log", "-1", "--format=%ct", "--", "."],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                )

    def result(self) -> tuple[int, str]:
        if self.value is not None:
            try:
                epoch = int(self.value.strip())
            except ValueError:
                raise BuildError(
                    f"SOURCE_DATE_EPOCH must be an integer number of seconds, not {self.value!r}"
                ) from None
            if epoch < 0:
                raise BuildError("SOURCE_DATE_EPOCH must not be negative")
            return epoch, "SOURCE_DATE_EPOCH"
        if self.process is not None:
            try:
                out, _ = self.process.communicate(timeout=30)
                if self.process.returncode == 0 and out.strip().isdigit():
                    return int(out.strip()), "last git commit"
            except (OSError, subprocess.SubprocessError):
                pass
        return FIXED_EPOCH, "fixed epoch (no SOURCE_DATE_EPOCH, no git history)"

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.communicate()  # reaps it and closes the pipe


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


class _HashingWriter:
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


class _GzipStream:
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

    def __init__(self, out: _HashingWriter, threads: int | None = None):
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


class TarSink:
    def __init__(self, raw: BinaryIO, mtime: int):
        self.mtime = mtime
        self.out = _HashingWriter(raw)
        self.gz = _GzipStream(self.out)
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
        # No marker inside: cozy-stack installs the whole folder (Pending writes it beside).
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
    items.sort(key=lambda item: archive_order(item[0]))
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


# -- all or nothing -------------------------------------------------------------------------


class Pending:
    """A temporary file or folder next to `final`, renamed onto it by `commit()`.

    A file target that exists must be a regular file (never a device, a FIFO or a link
    replaced); a folder target is checked by `check_dir_target` before the build and again
    right before the swap."""

    def __init__(self, final: Path, is_dir: bool = False):
        from kpack.fsutil import make_parents

        self.final = final
        self.is_dir = is_dir
        self.created: list[Path] = []  # parent folders we made, removed again on discard
        if not is_dir:
            _check_file_target(final)
        try:
            self.created = make_parents(final.parent)
            prefix, suffix = f".{final.name}.", ".tmp"
            if is_dir:
                self.temp = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=final.parent))
            else:
                fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=final.parent)
                os.close(fd)
                self.temp = Path(name)
        except OSError as exc:
            self._remove_created()
            raise BuildError(f"cannot write in {final.parent}: {exc.strerror or exc}") from None
        self.done = False

    def commit(self) -> None:
        # Renames and the `done` flag go together: never a swap half made.
        with deferred_signals():
            self._commit()

    def _commit(self) -> None:
        # No fsync of the folder after the rename: atomicity does not need it, and it cost
        # a journal commit (10-30 ms on a busy disk) per output; the contents are synced.
        if self.is_dir:
            os.chmod(self.temp, DIR_MODE)
            replace = os.path.lexists(self.final)
            if replace:
                _check_replaceable_dir(self.final)  # still ours (it may have changed since)
            write_marker(self.final, self.temp)  # the new folder's id: a rename keeps it
            if replace:
                # Swap: the old tree is moved aside, then removed once the new one is there.
                old = Path(tempfile.mkdtemp(
                    prefix=f".{self.final.name}.old.", dir=self.final.parent
                ))
                os.rmdir(old)
                os.rename(self.final, old)
                os.rename(self.temp, self.final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(self.temp, self.final)
        else:
            _check_file_target(self.final)
            os.chmod(self.temp, FILE_MODE)
            os.replace(self.temp, self.final)
        self.done = True

    def discard(self) -> None:
        if self.done:
            return
        if self.is_dir:
            shutil.rmtree(self.temp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temp)
        self._remove_created()
        self.done = True

    def _remove_created(self) -> None:
        from kpack.fsutil import remove_created

        remove_created(self.created)


def _check_file_target(final: Path) -> None:
    """An archive (or checksum) path may be absent or a regular file, nothing else."""
    try:
        st = os.lstat(final)
    except FileNotFoundError:
        return
    except OSError:
        return  # e.g. a parent is a file: creating the temporary file says it in one line
    if not stat.S_ISREG(st.st_mode):
        raise BuildError(
            f"{final} exists and is not a regular file (a link, a folder or a device): "
            "kpack does not replace it"
        )


# -- `--dir`: where a bundle folder may go ---------------------------------------------------

MARKER = ".kpack-bundle"  # the marker's suffix, beside the folder (inside, before)
MARKER_TEXT = (
    "kpack bundle folder marker, written by `kpack build --dir`.\n"
    "kpack replaces the folder this file names only while the folder's id is this one.\n"
)
_LEGACY_FIRST_LINE = b"kpack bundle folder, written by `kpack build --dir`."
MARKER_MAX = 4096


def marker_path(folder: Path) -> Path:
    """Where the marker of a bundle folder is: beside it (`.NAME.kpack-bundle`), never in
    it, since `cozy-stack konnectors install <slug> file://FOLDER` installs all it holds."""
    folder = Path(os.path.abspath(folder))
    return folder.with_name(f".{folder.name}{MARKER}")


def _marker_text(name: str, st: os.stat_result) -> bytes:
    import json

    return (MARKER_TEXT + f"folder: {json.dumps(name)}\nid: {st.st_dev} {st.st_ino}\n").encode()


def write_marker(folder: Path, content: Path | None = None) -> None:
    """Mark `folder` as a bundle folder kpack wrote: a file beside it naming the folder and
    its id (device, inode). `content`: the folder that will be renamed to `folder` (a
    rename keeps the id). Written through kpack.fsutil.write_file (a link is refused)."""
    from kpack.fsutil import write_file

    folder = Path(os.path.abspath(folder))
    write_file(marker_path(folder), _marker_text(folder.name, os.lstat(content or folder)))


def has_marker(folder: Path) -> bool:
    """`folder` is one kpack wrote: the marker beside it (a regular file, not a link) names
    it and its current id, so a folder someone put in its place is not taken for it. A
    folder marked inside by an older kpack (`.kpack-bundle` starting with its line) is
    kpack's too."""
    from kpack.fsutil import read_file

    folder = Path(os.path.abspath(folder))
    try:
        text = read_file(marker_path(folder), MARKER_MAX, nofollow=True)
        if text == _marker_text(folder.name, os.lstat(folder)):
            return True
    except OSError:
        pass
    try:
        head = read_file(folder / MARKER, MARKER_MAX, nofollow=True)
    except OSError:
        return False
    return head.startswith(_LEGACY_FIRST_LINE)


def _check_replaceable_dir(out: Path) -> None:
    if out.is_symlink() or not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder")
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise BuildError(f"{out}: {exc.strerror or exc}") from None
    if not empty and not has_marker(out):
        raise BuildError(
            f"{out} is a folder that is not empty and has no {marker_path(out).name} marker "
            "beside it: kpack only replaces a bundle folder it wrote (remove it, or choose "
            "another --dir)"
        )


def _within(child: str, parent: str) -> bool:
    """Real path `child` is `parent` or below it."""
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


def check_dir_target(out: Path, directory: Path | None = None, tree: Path | None = None) -> None:
    """`--dir OUT`: never the connector folder or the bundled tree, never a folder that holds
    them, never inside them (except in the connector's own dist/, which is never bundled);
    replaced only when empty or marked as a bundle kpack wrote. Real paths are compared, so
    a link or `..` cannot hide a folder."""
    real_out = os.path.realpath(out)
    dist = directory / "dist" if directory is not None else None
    real_dist = (
        os.path.realpath(dist) if dist is not None and not os.path.islink(dist) else None
    )
    folders = [
        (what, folder, os.path.realpath(folder))
        for what, folder in (("the connector folder", directory), ("the bundled tree", tree))
        if folder is not None
    ]
    for what, _folder, real in folders:
        if real_out == real:
            raise BuildError(f"--dir {out} is {what}: kpack writes the bundle elsewhere")
    for what, folder, real in folders:
        if _within(real, real_out):
            raise BuildError(
                f"--dir {out} holds {what} ({folder}): replacing it would delete it"
            )
    for what, folder, real in reversed(folders):  # the more precise first
        if _within(real_out, real) and not (
            real_dist is not None and real_out != real_dist and _within(real_out, real_dist)
        ):
            raise BuildError(
                f"--dir {out} is inside {what} ({folder}): write the bundle outside it "
                f"(or under {dist})"
            )
    if not os.path.lexists(out):
        return
    _check_replaceable_dir(out)
