"""`kpack check - --stdin-filename NAME`: check an editor's buffer, read on stdin.

As with ruff and eslint, NAME is where the buffer belongs: it gives the kind of document
(by name, as discovery does; `--kind` wins), the syntax (`.yaml`/`.yml`), the settings
(the nearest `.kpack.yaml` up from NAME's folder, `per-file-ignores` matched against NAME)
and the name findings are reported under. NAME is never read: the buffer may differ from
what is saved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from kpack.check import CheckedRun, check_run, check_source, reduced
from kpack.config import Settings
from kpack.diagnostics import Kind
from kpack.load.discover import FileToCheck, UsageError, kind_by_name
from kpack.load.source import read_stream
from kpack.options import CheckOptions

STDIN = "-"


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


def stdin_file(stdin_filename: str | None, forced: Kind | None) -> FileToCheck:
    """Where the buffer belongs, as discovery would have found it."""
    name = stdin_filename if stdin_filename is not None else STDIN
    if stdin_filename is not None and not os.path.basename(stdin_filename):
        raise UsageError(f"--stdin-filename {stdin_filename!r}: a file name is needed")
    path = Path(name)
    kind = forced or (kind_by_name(path) if stdin_filename is not None else None)
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


def check_stdin(stream: BinaryIO, file: FileToCheck, settings: Settings) -> CheckedRun:
    """Both passes of `kpack check` on one buffer, with the settings of its place."""
    options = CheckOptions(target=settings.target)
    source = read_stream(stream, file.path, file.display, file.kind)
    source.folder = file.folder
    documents, diagnostics = check_source(source, options)
    diagnostics.extend(check_run([reduced(d) for d in documents], options))
    found = settings.apply(diagnostics)
    found.sort(key=lambda d: d.sort_key)
    return CheckedRun(found, 1, (file.display,))
