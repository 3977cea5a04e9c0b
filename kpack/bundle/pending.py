"""All or nothing: the output is written to a temporary file (or folder) next to the target
and renamed into place only when complete; an error or Ctrl-C removes it. And where a
`--dir` bundle folder may go.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from kpack.bundle.common import DIR_MODE, FILE_MODE, BuildError
from kpack.signals import deferred_signals


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
