"""Read a file to fix, and write it back by the rules of `kpack.fsutil.write_file`.

- A file that is a symbolic link is neither read for fixing nor written: writing through
  it would change a file elsewhere (a checkout may plant `account-types.json ->
  ~/.bashrc`), replacing it would surprise whoever made it. kpack names the real path.
- A file with several hard links is refused: replacing it would split the links (the
  other names would keep the old text).
- Otherwise the new bytes go to a temporary file in the same folder, with the file's mode,
  owner and group, renamed over it (atomic), and only if the file still holds the bytes
  the fixes started from (an editor may have saved it meanwhile).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpack.fix.apply import FileFix
    from kpack.load.discover import FileToCheck


def refusal(file: FileToCheck) -> str | None:
    """Why `--fix` will not write this file (None: it may)."""
    try:
        st = os.lstat(file.path)
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(st.st_mode):
        return (
            "is a symbolic link: kpack does not write through links (fix the real "
            f"file: {os.path.realpath(file.path)})"
        )
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if st.st_nlink > 1:
        return (
            f"has {st.st_nlink} hard links: replacing it would split them (the other names "
            "would keep the old text)"
        )
    return None


def read_file(file: FileToCheck) -> bytes | None:
    """The file's bytes, as the loader would read them (kpack.fsutil's one reader); None
    for what it would refuse (not a regular file, such as a FIFO that would block; over
    its size limit) and for a link (O_NOFOLLOW: the file fixed is the file named)."""
    from kpack.diagnostics import Kind
    from kpack.fsutil import read_file as read_bytes
    from kpack.load.source import MANIFEST_MAX_BYTES, READ_MAX_BYTES

    limit = MANIFEST_MAX_BYTES if file.kind is Kind.MANIFEST else READ_MAX_BYTES
    try:
        return read_bytes(file.path, limit, nofollow=True)
    except OSError:
        return None


def write_fixed(result: FileFix) -> str | None:
    """Write a fixed file atomically, keeping its mode, owner and group; a message instead
    when it may not be written or changed meanwhile."""
    from kpack.fsutil import write_file

    file = result.file
    problem = refusal(file)
    if problem is not None:
        return f"cannot write {file.display}: {problem}"
    if read_file(file) != result.original:
        return f"{file.display} changed while kpack was fixing it: left alone"
    try:
        st = os.lstat(file.path)
        write_file(
            Path(file.path), result.fixed, mode=stat.S_IMODE(st.st_mode),
            owner=(st.st_uid, st.st_gid),
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EPERM and "owner" not in reason:
            reason += " (kpack keeps a fixed file's owner and group)"
        return f"cannot write {file.display}: {reason}"
    return None
