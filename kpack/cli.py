"""The command line: a thin Typer shell over `kpack.check`, `kpack.provision`, `kpack.build`.

Exit codes (ruff's): 0 clean, 1 findings, 2 usage or environment error.
"""

import contextlib
import gc
import os
import sys
from collections.abc import Collection, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from kpack import __version__, clickcompat

clickcompat.apply()  # Typer 0.24 on click 8.4+ (argument help, one "Did you mean")

if TYPE_CHECKING:
    from kpack.load.discover import FileToCheck, FolderNames

app = typer.Typer(
    name="kpack",
    help="Lint, provision and package Cozy Cloud connectors (konnectors).",
    no_args_is_help=True,
    # --install-completion / --show-completion (bash, zsh, fish, PowerShell).
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class KindOption(str, Enum):
    manifest = "manifest"
    account_type = "account-type"
    dev_config = "dev-config"


class Target(str, Enum):
    stack = "stack"
    registry = "registry"


class ColorChoice(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def fail(message: str) -> typer.Exit:
    """Print a usage/environment error on stderr; the caller raises the result."""
    from kpack.escape import printable

    typer.echo(f"kpack: error: {printable(message)}", err=True)
    return typer.Exit(EXIT_USAGE)


def use_color(choice: ColorChoice, stream: object) -> bool:
    """--color always/never, else NO_COLOR, FORCE_COLOR and the TTY (kpack.terminal)."""
    if choice is ColorChoice.always:
        return True
    if choice is ColorChoice.never:
        return False
    from kpack.terminal import auto_color

    return auto_color(stream)


def write_output(
    text: str, output_file: Path | None, inputs: Collection[tuple[int, int]] = ()
) -> None:
    """stdout, or `--output-file` through kpack.fsutil (never one of `inputs`)."""
    if output_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from kpack.fsutil import write_file

    try:
        write_file(output_file, text.encode("utf-8"), inputs)
    except OSError as exc:
        raise fail(f"cannot write {output_file}: {exc.strerror or exc}") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kpack {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Lint, provision and package Cozy Cloud connectors (konnectors)."""


@app.command()
def check(
    paths: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10
        typer.Argument(
            help="Files or connector folders (default: the current folder); "
            "- reads standard input."
        ),
    ] = None,
    kind: Annotated[
        Optional[KindOption],  # noqa: UP045
        typer.Option("--kind", help="Treat every given file as this kind."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-o", help="Report format.")
    ] = OutputFormat.text,
    output_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output-file", help="Write the report to this file."),
    ] = None,
    select: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--select", help="Only these codes or prefixes (repeatable, or comma-separated)."
        ),
    ] = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--ignore", help="Skip these codes or prefixes (repeatable, or comma-separated)."
        ),
    ] = None,
    extend_select: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--extend-select", help="Also these codes or prefixes, on top of the selection."
        ),
    ] = None,
    extend_ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--extend-ignore", help="Also skip these codes or prefixes."),
    ] = None,
    target: Annotated[
        Optional[Target],  # noqa: UP045
        typer.Option(
            "--target",
            help="stack: what cozy-stack accepts; registry: what the apps registry also demands.",
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--config", help="Settings file (default: nearest .kpack.yaml or package.json)."
        ),
    ] = None,
    color: Annotated[
        ColorChoice, typer.Option("--color", help="Colour the text report.")
    ] = ColorChoice.auto,
    stdin_filename: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--stdin-filename",
            help="The name of the file read on standard input (editors): gives its kind, "
            "its settings, and the name findings are reported under.",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            help="Worker processes (0: one per CPU from 400 files on, else one). "
            "The report is the same for any number.",
        ),
    ] = 0,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply the safe fixes in place, then report what is left.")
    ] = False,
    unsafe_fixes: Annotated[
        bool,
        typer.Option(
            "--unsafe-fixes", help="Also offer and apply the fixes that may change meaning."
        ),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Print a unified diff of what --fix would change; write nothing "
            "(exit 1 when there is something to fix).",
        ),
    ] = False,
    fix_only: Annotated[
        bool, typer.Option("--fix-only", help="Apply fixes, but do not report what is left.")
    ] = False,
    exit_non_zero_on_fix: Annotated[
        bool,
        typer.Option("--exit-non-zero-on-fix", help="Exit 1 when --fix changed a file."),
    ] = False,
) -> None:
    """Check manifests, account types and dev configs."""
    from kpack.check import check_files
    from kpack.config import Settings, SettingsLookup
    from kpack.diagnostics import Kind, Severity
    from kpack.errors import WorkerError
    from kpack.load.discover import FileToCheck, FolderNames, UsageError, iter_discover
    from kpack.reporters import Report, get_reporter

    with fewer_collections():
        chosen = (
            _split(select),
            _split(ignore),
            target.value if target else None,
            _split(extend_select),
            _split(extend_ignore),
        )
        try:
            listed: FolderNames = {}  # filled by the walk, read by the settings lookup
            forced = Kind(kind.value) if kind else None
            from kpack.stdin import wants_stdin

            reading_stdin = wants_stdin(paths, stdin_filename)
            inputs: set[tuple[int, int]] = set()
            fixed = 0
            if not reading_stdin:
                files = iter_discover(paths or ["."], forced, listed)
                if output_file is not None:
                    files = _noting_inputs(files, output_file, inputs)
            Settings(root=Path.cwd()).with_cli(*chosen)  # a bad --select fails at once
            settings_of = SettingsLookup(
                config, lambda settings: settings.with_cli(*chosen), listed
            )
            if reading_stdin:
                if fix or fix_only or diff:
                    raise UsageError("--fix, --fix-only and --diff change files: give paths, not -")
                from kpack.stdin import check_stdin, stdin_file

                file = stdin_file(stdin_filename, forced)
                run = check_stdin(sys.stdin.buffer, file, settings_of(file))
            else:
                # Files are checked as discovery finds them; then, for files given by name,
                # their connectors' other files, for the rules across files only.
                seen: set[str] = set()
                context: set[str] = set()
                every = _with_companions(files, paths or [], seen, context, listed)
                configured: Iterator[tuple[Settings, FileToCheck]] = (
                    (settings_of(file), file) for file in every
                )
                if fix or fix_only or diff:
                    from kpack.fix.command import fix_and_check, report_fixes

                    done, run = fix_and_check(configured, jobs, unsafe_fixes, diff, context)
                    if diff or fix_only:
                        raise typer.Exit(report_fixes(done, diff, exit_non_zero_on_fix))
                    fixed = done.fixed
                else:
                    run = check_files(configured, jobs, context)
        except (UsageError, WorkerError) as exc:
            raise fail(str(exc)) from None
        if not run.files:
            from kpack.escape import printable

            typer.echo(
                "kpack: warning: no manifest.konnector, account type or "
                "konnector-dev-config.json found in " + printable(", ".join(paths or ["."])),
                err=True,
            )
        diagnostics = run.diagnostics
        stream = sys.stdout if output_file is None else None
        report = Report(
            diagnostics, run.files, color=use_color(color, stream), paths=run.paths,
            fixed=fixed, unsafe_fixes=unsafe_fixes, fix_hints=True,
        )
        write_output(get_reporter(output_format.value)(report), output_file, inputs)
        if output_file is not None and output_format is OutputFormat.text:
            from kpack.reporters.text import summary_line

            typer.echo(summary_line(report), err=True)
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        if not exit_zero and any(d.severity in failing for d in diagnostics):
            raise typer.Exit(EXIT_FINDINGS)
        if exit_non_zero_on_fix and fixed:
            raise typer.Exit(EXIT_FINDINGS)


def _noting_inputs(
    files: "Iterator[FileToCheck]", output_file: Path, inputs: set[tuple[int, int]]
) -> "Iterator[FileToCheck]":
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
    files: "Iterator[FileToCheck]", given: list[str], seen: set[str], context: set[str],
    listed: "FolderNames",
) -> "Iterator[FileToCheck]":
    """The discovered files, then the companions of the files given by name (their real
    paths go into `context`)."""
    from kpack.load.discover import iter_companions

    for file in files:
        seen.add(file.real)
        yield file
    for file in iter_companions(given, seen, listed):
        context.add(file.real)
        yield file


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the garbage collector run less often during a check.

    A check builds hundreds of thousands of small objects that live until its end
    (documents, diagnostics, what workers send back) and few reference cycles; with the
    default threshold (a collection every 700 allocations) the collector walks them over
    and over: 0.13 s of a 1.7 s run on 6,000 files, 0.3 s in a parallel run's main
    process. Restored afterwards (tests call `main` many times in one process).
    """
    previous = gc.get_threshold()
    gc.freeze()  # what exists now (the imported modules) is not garbage
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@app.command("rules")
def list_rules(
    output_format: Annotated[str, typer.Option("--format", "-o", help="text or json.")] = "text",
) -> None:
    """List every rule: code, name, default severity, summary."""
    from kpack.rules.docs import fix_label
    from kpack.rules.registry import all_rules

    rules = all_rules()
    if output_format == "json":
        import json

        typer.echo(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.value,
                        "kind": r.kind.value if r.kind else None,
                        "summary": r.summary,
                        "fix": fix_label(r),
                    }
                    for r in rules
                ],
                indent=2,
            )
        )
        return
    if output_format != "text":
        raise fail("--format must be text or json")
    from kpack.escape import printable
    from kpack.terminal import rules_table, width

    for line in rules_table(rules, width(sys.stdout)):
        typer.echo(printable(line))


def _complete_rule(incomplete: str) -> list[str]:
    """Shell completion of `kpack rule`: the codes (and names) that start with the word,
    in any case, completed after what was typed (Typer keeps only what starts with it;
    `kpack rule a002` is `kpack rule A002`)."""
    from kpack.rules.registry import all_rules

    word = incomplete.lower()
    return [
        incomplete + value[len(incomplete):]
        for r in all_rules() for value in (r.code, r.name) if value.lower().startswith(word)
    ]


@app.command("rule")
def show_rule(
    code: Annotated[
        str,
        typer.Argument(help="A rule code or name, e.g. A002.", autocompletion=_complete_rule),
    ],
) -> None:
    """Explain one rule."""
    from kpack.rules.docs import rule_markdown
    from kpack.rules.registry import get_rule

    rule = get_rule(code)
    if rule is None:
        raise fail(f"no rule {code!r} (see `kpack rules`)")
    from kpack.escape import printable_lines

    typer.echo(printable_lines(rule_markdown(rule)))


@app.command("schema")
def show_schema(
    kind: Annotated[
        Optional[KindOption],  # noqa: UP045
        typer.Argument(help="manifest, account-type or dev-config."),
    ] = None,
    path: Annotated[
        bool,
        typer.Option(
            "--path", help="Print where the installed schema is (the folder, without KIND)."
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of a document kind (usable by editors and check-jsonschema)."""
    from kpack.schemas import installed_path

    if kind is None and not path:
        raise fail("give a kind (manifest, account-type or dev-config), or --path")
    where = installed_path(kind.value if kind else None)
    if path:
        typer.echo(str(where))
        return
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {where}: {exc.strerror or exc} (reinstall kpack)") from None
    sys.stdout.write(text)


# Commands with their own modules (each imports its heavy parts only when it runs).
from kpack.bundle.command import build  # noqa: E402
from kpack.provision.command import provision  # noqa: E402

app.command("provision")(provision)
app.command("build")(build)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every outcome into an exit code."""
    try:
        # Standalone mode lets Typer print usage errors (exit 2) the usual way.
        app(args=argv, prog_name="kpack")
    except SystemExit as exc:
        code = exc.code
        if code == EXIT_INTERRUPTED:  # Typer's answer to Ctrl-C, silent until now
            typer.echo("kpack: interrupted", err=True)
        return code if isinstance(code, int) else (EXIT_CLEAN if code is None else EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("kpack: interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`kpack check | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN
    return EXIT_CLEAN


def run() -> NoReturn:
    """The `kpack` command: `main`, then a quick exit.

    Once `main` returns there is nothing left to do: reports and bundles are written
    atomically, workers are joined, temporary files removed. What the interpreter would
    still do is free every object of the run, one by one: 30-70 ms after checking
    thousands of files, 15 ms after one connector, on every commit. So flush the output and
    leave, as mypy does. Tests call `main`, which returns.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away: main treats it the same way
            pass
        except OSError as exc:  # e.g. a full disk under a redirection: the report is cut
            with contextlib.suppress(OSError):
                os.write(2, f"kpack: error: cannot write the output: {exc}\n".encode())
            code = EXIT_USAGE
    os._exit(code)
