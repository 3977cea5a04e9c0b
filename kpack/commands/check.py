"""`kpack check`: files (or standard input) → findings → a report and an exit status.

The Typer declaration is in `kpack.cli`; everything it decided is in one `CheckRequest`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kpack.commands.output import (
    CommandError,
    fewer_collections,
    print_error,
    use_color,
    warn,
    write_output,
)
from kpack.status import ExitStatus, findings_status

if TYPE_CHECKING:
    from kpack.check import CheckedRun
    from kpack.config import Settings, SettingsLookup
    from kpack.diagnostics import Kind
    from kpack.load.discover import FileToCheck, FolderNames


@dataclass(frozen=True)
class CheckRequest:
    paths: tuple[str, ...] = ()  # files or folders; () is the current folder; "-" is stdin
    kind: str | None = None  # --kind: every given file is of this kind
    output_format: str = "text"
    output_file: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    target: str | None = None
    strict: bool = False
    exit_zero: bool = False
    config: Path | None = None
    color: str = "auto"
    stdin_filename: str | None = None
    jobs: int = 0
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    fix_only: bool = False
    exit_non_zero_on_fix: bool = False

    @property
    def fixing(self) -> bool:
        return self.fix or self.fix_only or self.diff

    def with_cli(self, settings: Settings) -> Settings:
        """The settings of a file, with this command line's selection on top."""
        return settings.with_cli(
            self.select, self.ignore, self.target, self.extend_select, self.extend_ignore
        )


class _Checked(NamedTuple):
    run: CheckedRun
    fixed: int  # findings `--fix` repaired
    inputs: frozenset[tuple[int, int]]  # files read, that --output-file must not replace


def run(request: CheckRequest) -> ExitStatus:
    from kpack.errors import WorkerError
    from kpack.load.discover import UsageError

    with fewer_collections():
        try:
            checked = _check(request)
            if isinstance(checked, ExitStatus):  # --diff, --fix-only: their own report
                return checked
            return _report(request, checked)
        except (UsageError, WorkerError, CommandError) as exc:
            return print_error(str(exc))


def _check(request: CheckRequest) -> _Checked | ExitStatus:
    from kpack.commands.stdin import wants_stdin
    from kpack.config import Settings, SettingsLookup
    from kpack.diagnostics import Kind

    listed: FolderNames = {}  # filled by the walk, read by the settings lookup
    forced = Kind(request.kind) if request.kind else None
    paths = list(request.paths)
    reading_stdin = wants_stdin(paths, request.stdin_filename)
    request.with_cli(Settings(root=Path.cwd()))  # a bad --select fails at once
    settings_of = SettingsLookup(request.config, request.with_cli, listed)
    if reading_stdin:
        return _check_stdin(request, forced, settings_of)
    return _check_paths(request, forced, settings_of, listed)


def _check_stdin(
    request: CheckRequest, forced: Kind | None, settings_of: SettingsLookup
) -> _Checked:
    from kpack.commands.stdin import check_stdin, stdin_file
    from kpack.load.discover import UsageError

    if request.fixing:
        raise UsageError("--fix, --fix-only and --diff change files: give paths, not -")
    file = stdin_file(request.stdin_filename, forced)
    return _Checked(check_stdin(sys.stdin.buffer, file, settings_of(file)), 0, frozenset())


def _check_paths(
    request: CheckRequest, forced: Kind | None, settings_of: SettingsLookup,
    listed: FolderNames,
) -> _Checked | ExitStatus:
    from kpack.check import check_files
    from kpack.load.discover import iter_discover

    paths = list(request.paths)
    inputs: set[tuple[int, int]] = set()
    files = iter_discover(paths or ["."], forced, listed)
    if request.output_file is not None:
        files = _noting_inputs(files, request.output_file, inputs)
    # Files are checked as discovery finds them; then, for files given by name, their
    # connectors' other files, for the rules across files only.
    context: set[str] = set()
    every = _with_companions(files, paths, set(), context, listed)
    configured = ((settings_of(file), file) for file in every)
    if not request.fixing:
        return _Checked(check_files(configured, request.jobs, context), 0, frozenset(inputs))
    from kpack.commands.fix import fix_and_check, report_fixes

    done, checked = fix_and_check(
        configured, request.jobs, request.unsafe_fixes, request.diff, context,
        report=not request.fix_only,
    )
    if request.diff or request.fix_only:
        return ExitStatus(report_fixes(done, request.diff, request.exit_non_zero_on_fix))
    return _Checked(checked, done.fixed, frozenset(inputs))


def _report(request: CheckRequest, checked: _Checked) -> ExitStatus:
    from kpack.reporters import Report, get_reporter

    run = checked.run
    if not run.files:
        warn(
            "no manifest.konnector, account type or konnector-dev-config.json found in "
            + ", ".join(request.paths or ["."])
        )
    stream = sys.stdout if request.output_file is None else None
    report = Report(
        run.diagnostics, run.files, color=use_color(request.color, stream), paths=run.paths,
        fixed=checked.fixed, unsafe_fixes=request.unsafe_fixes, fix_hints=True,
    )
    write_output(get_reporter(request.output_format)(report), request.output_file,
                 checked.inputs)
    if request.output_file is not None and request.output_format == "text":
        from kpack.reporters.text import summary_line

        print(summary_line(report), file=sys.stderr)
    status = findings_status(run.diagnostics, strict=request.strict,
                             exit_zero=request.exit_zero)
    if status is ExitStatus.CLEAN and request.exit_non_zero_on_fix and checked.fixed:
        return ExitStatus.FINDINGS
    return status


def _noting_inputs(
    files: Iterator[FileToCheck], output_file: Path, inputs: set[tuple[int, int]]
) -> Iterator[FileToCheck]:
    """Pass the files on; when `--output-file` exists, note their (device, inode): the
    report must never be written over one of them (kpack.fsutil refuses it)."""
    from kpack.fsutil import file_id

    if file_id(output_file) is None:  # a new file cannot be an input: no stat per file
        yield from files
        return
    for file in files:
        found = file_id(file.path)
        if found is not None:
            inputs.add(found)
        yield file


def _with_companions(
    files: Iterator[FileToCheck], given: list[str], seen: set[str], context: set[str],
    listed: FolderNames,
) -> Iterator[FileToCheck]:
    """The discovered files, then the companions of the files given by name (their real
    paths go into `context`)."""
    from kpack.load.discover import iter_companions

    for file in files:
        seen.add(file.real)
        yield file
    for file in iter_companions(given, seen, listed):
        context.add(file.real)
        yield file
