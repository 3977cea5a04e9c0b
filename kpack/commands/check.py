"""`kpack check`: files (or standard input) → findings → a report and an exit status.

The Typer declaration is in `kpack.cli`; everything it decided is in one `CheckRequest`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kpack.commands.output import (
    CommandError,
    fewer_collections,
    print_error,
    use_color,
    warn,
    write_bytes,
    write_output,
)
from kpack.status import ExitStatus, findings_status

if TYPE_CHECKING:
    from kpack.check import CheckedRun
    from kpack.commands.stdin import StdinBuffer
    from kpack.config import Settings, SettingsLookup
    from kpack.diagnostics import Kind
    from kpack.load.discover import FileToCheck, FolderNames
    from kpack.reporters import Report


class CheckRequest(NamedTuple):
    # A NamedTuple, not a dataclass: `dataclasses` imports `inspect` (ast, dis, tokenize),
    # a tenth of the start of `kpack check` once Typer is not imported (kpack.launch).

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
    # --force-exclude / --no-force-exclude: settings' exclude applies to the paths given by
    # name too (pre-commit passes every staged file by name); None: as the settings say.
    force_exclude: bool | None = None
    quiet: bool = False  # the findings only: no summary, no warning
    silent: bool = False  # no report, no warning: the exit status only
    statistics: bool = False  # a count per rule instead of the findings
    show_settings: bool = False  # the settings of the first file, then exit 0
    show_files: bool = False  # the files and their kinds, then exit 0

    @property
    def fixing(self) -> bool:
        return self.fix or self.fix_only or self.diff

    @property
    def showing(self) -> bool:
        return self.show_files or self.show_settings

    def with_cli(self, settings: Settings) -> Settings:
        """The settings of a file, with this command line's selection on top."""
        return settings.with_cli(
            self.select, self.ignore, self.target, self.extend_select, self.extend_ignore
        )


class _Checked(NamedTuple):
    run: CheckedRun
    fixed: int  # findings `--fix` repaired
    inputs: frozenset[tuple[int, int]]  # files read, that --output-file must not replace
    on_stderr: bool = False  # stdout holds the fixed buffer (`--fix -`): report on stderr


def run(request: CheckRequest) -> ExitStatus:
    from kpack.errors import WorkerError
    from kpack.load.discover import UsageError

    with fewer_collections():
        try:
            _refuse_conflicts(request)
            checked = _check(request)
            if isinstance(checked, ExitStatus):  # --diff, --fix-only: their own report
                return checked
            return _report(request, checked)
        except (UsageError, WorkerError, CommandError) as exc:
            return print_error(str(exc))


def _refuse_conflicts(request: CheckRequest) -> None:
    from kpack.load.discover import UsageError

    if request.quiet and request.silent:
        raise UsageError("--quiet and --silent cannot be used together")
    if request.show_files and request.show_settings:
        raise UsageError("--show-files and --show-settings cannot be used together")


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
    if request.showing:
        from kpack.load.discover import iter_discover

        found = iter_discover(
            paths or ["."], forced, listed, settings_of.exclusion, request.force_exclude
        )
        return _show(request, found, settings_of)
    return _check_paths(request, forced, settings_of, listed)


def _show(
    request: CheckRequest, files: Iterator[FileToCheck], settings_of: SettingsLookup
) -> ExitStatus:
    """--show-files, --show-settings (kpack.commands.show)."""
    from kpack.commands.show import show_files, show_settings
    from kpack.load.discover import UsageError

    where = ", ".join(request.paths or ["."])
    if request.show_files:
        status, count = show_files(files)
        if not count and not (request.quiet or request.silent):
            warn(f"no manifest.konnector, account type or konnector-dev-config.json in {where}")
        return status
    first = next(files, None)
    if first is None:
        raise UsageError(f"--show-settings: no file to check in {where}")
    return show_settings(first, settings_of(first))


def _check_stdin(
    request: CheckRequest, forced: Kind | None, settings_of: SettingsLookup
) -> _Checked | ExitStatus:
    from kpack.commands.stdin import StdinBuffer, check_stdin, stdin_file

    buffer = StdinBuffer(sys.stdin.buffer)
    file = stdin_file(request.stdin_filename, forced, buffer.read)
    if request.showing:
        return _show(request, iter([file]), settings_of)
    if request.fixing:
        return _fix_stdin(request, buffer, file, settings_of(file))
    return _Checked(check_stdin(buffer.read(), file, settings_of(file)), 0, frozenset())


def _fix_stdin(
    request: CheckRequest, buffer: StdinBuffer, file: FileToCheck, settings: Settings
) -> _Checked | ExitStatus:
    """`--fix -` prints the whole fixed buffer on stdout, and the report of what is left
    on stderr; `--fix-only -` the buffer only; `--diff -` the diff only (ruff's three)."""
    from kpack.commands.fix import FixRun, report_fixes
    from kpack.commands.stdin import STDIN_MAX_BYTES, check_stdin, fix_stdin
    from kpack.fixes import applies

    raw = buffer.read()
    first, fixed, count = fix_stdin(raw, file, settings, request.unsafe_fixes)
    changed = fixed != raw
    hidden = 0 if request.unsafe_fixes else sum(
        applies(d.fix, True) and not applies(d.fix, False) for d in first.diagnostics
    )
    done = FixRun(count, int(changed), 0, hidden)
    quiet = request.quiet or request.silent
    if request.diff:
        if changed:
            from kpack.fix.apply import FileFix
            from kpack.fix.diff import unified_diff

            write_output(unified_diff(FileFix(file, raw, fixed, count)), None)
        return ExitStatus(report_fixes(done, True, request.exit_non_zero_on_fix, quiet))
    write_bytes(fixed)
    if len(raw) > STDIN_MAX_BYTES:  # not parsed, not fixed: the rest follows as it is
        buffer.copy_rest(sys.stdout)
    if request.fix_only:
        return ExitStatus(report_fixes(done, False, request.exit_non_zero_on_fix, quiet))
    after = check_stdin(fixed, file, settings) if changed else first
    return _Checked(after, count, frozenset(), on_stderr=True)


def _check_paths(
    request: CheckRequest, forced: Kind | None, settings_of: SettingsLookup,
    listed: FolderNames,
) -> _Checked | ExitStatus:
    from kpack.check import check_files
    from kpack.load.discover import iter_discover

    paths = list(request.paths)
    inputs: set[tuple[int, int]] = set()
    files = iter_discover(
        paths or ["."], forced, listed, settings_of.exclusion, request.force_exclude
    )
    # Files are checked as discovery finds them; then, for files given by name, their
    # connectors' other files, for the rules across files only.
    context: set[str] = set()
    every = _with_companions(files, paths, set(), context, listed, settings_of)
    if request.output_file is not None:  # the report never replaces a file the run read
        every = _noting_inputs(every, request.output_file, inputs)
    configured = ((settings_of(file), file) for file in every)
    if not request.fixing:
        checked = check_files(configured, request.jobs, context)
        return _Checked(checked, 0, _with_settings(inputs, request, settings_of))
    from kpack.commands.fix import fix_and_check, report_fixes

    done, checked = fix_and_check(
        configured, request.jobs, request.unsafe_fixes, request.diff, context,
        report=not request.fix_only,
    )
    if request.diff or request.fix_only:
        quiet = request.quiet or request.silent
        return ExitStatus(report_fixes(done, request.diff, request.exit_non_zero_on_fix, quiet))
    return _Checked(checked, done.fixed, _with_settings(inputs, request, settings_of))


def _with_settings(
    inputs: set[tuple[int, int]], request: CheckRequest, settings_of: SettingsLookup
) -> frozenset[tuple[int, int]]:
    """`inputs` and the settings files the run read (`--output-file` must replace none)."""
    from kpack.fsutil import file_id

    if request.output_file is None or file_id(request.output_file) is None:
        return frozenset(inputs)
    read = (file_id(path) for path in settings_of.files_read())
    return frozenset(inputs).union(found for found in read if found is not None)


def _report(request: CheckRequest, checked: _Checked) -> ExitStatus:
    from kpack.reporters import Report

    run = checked.run
    quiet = request.quiet or request.silent
    if not run.files and not quiet:
        warn(
            "no manifest.konnector, account type or konnector-dev-config.json found in "
            + ", ".join(request.paths or ["."])
        )
    stream = sys.stderr if checked.on_stderr else sys.stdout
    report = Report(
        run.diagnostics, run.files,
        color=use_color(request.color, stream if request.output_file is None else None),
        paths=run.paths, fixed=checked.fixed, unsafe_fixes=request.unsafe_fixes,
        fix_hints=True, summary=not request.quiet,
    )
    # --silent prints nothing; a report asked for by --output-file is still written.
    if not request.silent or request.output_file is not None:
        write_output(_rendered(request, report), request.output_file, checked.inputs, stream)
    if request.output_file is not None and request.output_format == "text" and not quiet:
        from kpack.reporters.text import summary_line

        print(summary_line(report), file=sys.stderr)
    status = findings_status(run.diagnostics, strict=request.strict,
                             exit_zero=request.exit_zero)
    if status is ExitStatus.CLEAN and request.exit_non_zero_on_fix and checked.fixed:
        return ExitStatus.FINDINGS
    return status


def _rendered(request: CheckRequest, report: Report) -> str:
    if request.statistics:
        from kpack.reporters.statistics import render

        return render(report, request.output_format)
    from kpack.reporters import get_reporter

    return get_reporter(request.output_format)(report)


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
    listed: FolderNames, settings_of: SettingsLookup,
) -> Iterator[FileToCheck]:
    """The discovered files, then the companions of the files given by name (their real
    paths go into `context`)."""
    from kpack.load.discover import iter_companions

    for file in files:
        seen.add(file.real)
        yield file
    for file in iter_companions(given, seen, listed, settings_of.exclusion):
        context.add(file.real)
        yield file
