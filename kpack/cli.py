"""The command line: a thin Typer shell over `kpack.check`, `kpack.provision`, `kpack.build`.

Exit codes (ruff's): 0 clean, 1 findings, 2 usage or environment error.
"""

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from kpack import __version__

app = typer.Typer(
    name="kpack",
    help="Lint, provision and package Cozy Cloud connectors (konnectors).",
    no_args_is_help=True,
    add_completion=False,
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
    if choice is ColorChoice.always:
        return True
    if choice is ColorChoice.never or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def write_output(text: str, output_file: Path | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from kpack.fsutil import atomic_write_text

    try:
        atomic_write_text(output_file, text)
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
        typer.Argument(help="Files or connector folders (default: the current folder)."),
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
) -> None:
    """Check manifests, account types and dev configs."""
    from kpack.check import check_files
    from kpack.config import Settings, SettingsLookup
    from kpack.diagnostics import Kind, Severity
    from kpack.errors import WorkerError
    from kpack.load.discover import FolderNames, UsageError, iter_discover
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
            files = iter_discover(paths or ["."], Kind(kind.value) if kind else None, listed)
            Settings(root=Path.cwd()).with_cli(*chosen)  # a bad --select fails at once
            settings_of = SettingsLookup(
                config, lambda settings: settings.with_cli(*chosen), listed
            )
            # Files are checked as discovery finds them.
            run = check_files(((settings_of(file), file) for file in files), jobs)
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
        report = Report(diagnostics, run.files, color=use_color(color, stream))
        write_output(get_reporter(output_format.value)(report), output_file)
        if output_file is not None and output_format is OutputFormat.text:
            from kpack.reporters.text import summary_line

            typer.echo(summary_line(report), err=True)
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        if not exit_zero and any(d.severity in failing for d in diagnostics):
            raise typer.Exit(EXIT_FINDINGS)


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

    for r in rules:
        typer.echo(printable(f"{r.code}  {r.name:<40} {r.severity.value:<8} {r.summary}"))


@app.command("rule")
def show_rule(code: Annotated[str, typer.Argument(help="A rule code or name, e.g. A002.")]) -> None:
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
    kind: Annotated[KindOption, typer.Argument(help="manifest, account-type or dev-config.")],
) -> None:
    """Print the JSON Schema of a document kind (usable by editors and check-jsonschema)."""
    from kpack.schemas import schema_text

    typer.echo(schema_text(kind.value), nl=False)


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
