"""`kpack check - --stdin-filename NAME`: check an editor's buffer, read on stdin.

As with ruff and eslint, NAME is where the buffer belongs: it gives the kind of document
(by name, as discovery does; `--kind` wins), the syntax (`.yaml`/`.yml`), the settings
(the nearest `.kpack.yaml` up from NAME's folder, `per-file-ignores` matched against NAME)
and the name findings are reported under. NAME is never read: the buffer may differ from
what is saved.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from kpack.check import CheckedRun, check_run, check_source, reduced
from kpack.config import Settings
from kpack.diagnostics import Kind
from kpack.load.discover import (
    FileToCheck,
    UsageError,
    account_type_content,
    kind_by_name,
    may_be_account_type,
)
from kpack.load.source import MANIFEST_MAX_BYTES, READ_MAX_BYTES, read_stream
from kpack.options import CheckOptions

STDIN = "-"
# What is read of standard input: the size limit of every kind, plus one byte to see that
# the buffer is over it (kpack.load.source then reports it).
STDIN_MAX_BYTES = max(MANIFEST_MAX_BYTES, READ_MAX_BYTES)


def wants_stdin(paths: list[str] | None, stdin_filename: str | None) -> bool:
    """`-` as the only path, or no path with --stdin-filename (ruff's two spellings)."""
    if paths and STDIN in paths:
        if len(paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        return True
    if stdin_filename is not None:
        if paths:
            raise UsageError("--stdin-filename names standard input: give `-` or no path")
        return True
    return False


class StdinBuffer:
    """Standard input, read once when first asked for (the kind may need its content;
    a usage error found before must not wait for a terminal's end of file)."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._raw: bytes | None = None

    def read(self) -> bytes:
        if self._raw is None:
            self._raw = self._stream.read(STDIN_MAX_BYTES + 1)
        return self._raw

    def copy_rest(self, out: TextIO) -> None:
        """What is left past the size limit, copied to `out` as it comes (`--fix` prints
        the whole buffer, whatever its size: an editor replaces its text with it)."""
        import shutil

        binary = getattr(out, "buffer", None)
        if binary is not None:
            shutil.copyfileobj(self._stream, binary)
            binary.flush()


def stdin_file(
    stdin_filename: str | None, forced: Kind | None, content: Callable[[], bytes]
) -> FileToCheck:
    """Where the buffer belongs, as discovery would have found it: by `--kind`, by its
    name, or (a data file named otherwise, e.g. providers.json) by `content`."""
    name = stdin_filename if stdin_filename is not None else STDIN
    if stdin_filename is not None and not os.path.basename(stdin_filename):
        raise UsageError(f"--stdin-filename {stdin_filename!r}: a file name is needed")
    path = Path(name)
    kind = forced
    if kind is None and stdin_filename is not None:
        kind = kind_by_name(path)
        if (
            kind is None
            and may_be_account_type(path.name)  # else no need to wait for the input
            and account_type_content(path.name, content())
        ):
            kind = Kind.ACCOUNT_TYPE
    if kind is None:
        what = f"{stdin_filename}: cannot tell what kind of file this is" if stdin_filename \
            else "cannot tell what kind of document standard input holds"
        raise UsageError(
            f"{what} (name it manifest.konnector, konnector-dev-config.json or "
            "*account-type*.json with --stdin-filename, or use --kind)"
        )
    folder, base = os.path.split(os.path.abspath(name))
    real_folder = os.path.realpath(folder)
    return FileToCheck(path, name, kind, os.path.join(real_folder, base), real_folder)


def check_stdin(raw: bytes, file: FileToCheck, settings: Settings) -> CheckedRun:
    """Both passes of `kpack check` on one buffer, with the settings of its place."""
    options = CheckOptions(target=settings.target)
    source = read_stream(io.BytesIO(raw), file.path, file.display, file.kind)
    source.folder = file.folder
    documents, diagnostics = check_source(source, options)
    diagnostics.extend(check_run([reduced(d) for d in documents], options))
    found = settings.apply(diagnostics)
    found.sort(key=lambda d: d.sort_key)
    return CheckedRun(found, 1, (file.display,))


def fix_stdin(
    raw: bytes, file: FileToCheck, settings: Settings, unsafe_fixes: bool
) -> tuple[CheckedRun, bytes, int]:
    """`--fix` on the buffer: the check of the buffer as given, the fixed bytes (`raw`
    itself when nothing applies) and how many findings the fixes repaired. The passes
    are kpack.fix.apply's, the same as for a file; a buffer over the size limit (which
    is not parsed) is left as it is."""
    from kpack.fixes import applies

    first = check_stdin(raw, file, settings)
    if len(raw) > STDIN_MAX_BYTES or not any(
        applies(d.fix, unsafe_fixes) for d in first.diagnostics
    ):
        return first, raw, 0
    from kpack.fix.apply import Checker, fix_bytes

    result = fix_bytes(Checker(file, settings), raw, unsafe_fixes)
    fixed, count = result.fixed, result.fixes
    return first, fixed, count if fixed != raw else 0
