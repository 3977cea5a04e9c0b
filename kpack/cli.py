"""The command line: Typer declarations, each turned into one request for `kpack.commands`.

Exit codes (`kpack.status`, ruff's): 0 clean, 1 findings, 2 usage or environment error.
"""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from kpack import __version__, clickcompat
from kpack.status import ExitStatus

clickcompat.apply()  # Typer 0.24 on click 8.4+ (argument help, one "Did you mean")

app = typer.Typer(
    name="kpack",
    help="Lint, provision and package Cozy Cloud connectors (konnectors).",
    no_args_is_help=True,
    # --install-completion / --show-completion (bash, zsh, fish, PowerShell).
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # `-h` as `--help`, as ruff has it; click hands it down to every command.
    context_settings={"help_option_names": ["-h", "--help"]},
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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kpack {__version__}")
        raise typer.Exit(ExitStatus.CLEAN)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Lint, provision and package Cozy Cloud connectors (konnectors)."""


# `kpack check`'s options, declared once here so that the command stays a list of names.
CheckPaths = Annotated[
    Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10
    typer.Argument(
        help="Files or connector folders (default: the current folder); "
        "- reads standard input."
    ),
]
CheckKind = Annotated[
    Optional[KindOption],  # noqa: UP045
    typer.Option("--kind", help="Treat every given file as this kind."),
]
CheckOutputFormat = Annotated[
    OutputFormat,
    typer.Option("--format", "--output-format", "-o", help="Report format."),
]
CheckOutputFile = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output-file", help="Write the report to this file."),
]


def _complete_selectors(incomplete: str) -> list[str]:
    """--select and co.: rule codes and names as `kpack rule` completes them, and ALL;
    in a comma-separated value, the last item."""
    from kpack.commands.rules import complete_rule

    done, comma, last = incomplete.rpartition(",")
    head = done + comma
    found = complete_rule(last)
    if "all".startswith(last.lower()):
        found.insert(0, last + ("all" if last.islower() else "ALL")[len(last):])
    return [head + item for item in found]


CheckSelect = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--select", help="Only these codes or prefixes (repeatable, or comma-separated).",
        autocompletion=_complete_selectors,
    ),
]
CheckIgnore = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--ignore", help="Skip these codes or prefixes (repeatable, or comma-separated).",
        autocompletion=_complete_selectors,
    ),
]
CheckExtendSelect = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--extend-select", help="Also these codes or prefixes, on top of the selection.",
        autocompletion=_complete_selectors,
    ),
]
CheckExtendIgnore = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--extend-ignore", help="Also skip these codes or prefixes.",
        autocompletion=_complete_selectors,
    ),
]
CheckTarget = Annotated[
    Optional[Target],  # noqa: UP045
    typer.Option(
        "--target",
        help="stack: what cozy-stack accepts; registry: what the apps registry also demands.",
    ),
]
CheckStrict = Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")]
CheckExitZero = Annotated[
    bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
]
CheckConfig = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--config", help="Settings file (default: nearest .kpack.yaml or package.json)."
    ),
]
CheckColor = Annotated[
    ColorChoice, typer.Option("--color", help="Colour the text report.")
]
CheckStdinFilename = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--stdin-filename",
        help="The name of the file read on standard input (editors): gives its kind, "
        "its settings, and the name findings are reported under.",
    ),
]
CheckJobs = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        help="Worker processes (0: one per CPU from 400 files on, else one). "
        "The report is the same for any number.",
    ),
]
CheckFix = Annotated[
    bool, typer.Option("--fix", help="Apply the safe fixes in place, then report what is left.")
]
CheckUnsafeFixes = Annotated[
    bool,
    typer.Option(
        "--unsafe-fixes", help="Also offer and apply the fixes that may change meaning."
    ),
]
CheckDiff = Annotated[
    bool,
    typer.Option(
        "--diff",
        help="Print a unified diff of what --fix would change; write nothing "
        "(exit 1 when there is something to fix).",
    ),
]
CheckFixOnly = Annotated[
    bool, typer.Option("--fix-only", help="Apply fixes, but do not report what is left.")
]
CheckExitNonZeroOnFix = Annotated[
    bool,
    typer.Option("--exit-non-zero-on-fix", help="Exit 1 when --fix changed a file."),
]
CheckForceExclude = Annotated[
    Optional[bool],  # noqa: UP045
    typer.Option(
        "--force-exclude/--no-force-exclude",
        help="Apply the settings' exclude to files given by name too (pre-commit).",
        show_default=False,
    ),
]
CheckQuiet = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print the findings, but nothing else (no summary)."),
]
CheckSilent = Annotated[
    bool,
    typer.Option(
        "--silent", "-s",
        help="Print no report and no warning (but still exit 1 upon findings).",
    ),
]
CheckStatistics = Annotated[
    bool,
    typer.Option(
        "--statistics", help="Show counts for every rule with at least one finding."
    ),
]
CheckShowSettings = Annotated[
    bool,
    typer.Option(
        "--show-settings",
        help="See the settings kpack uses for the first file given: where they come "
        "from, target, selection, severities, per-file-ignores.",
    ),
]
CheckShowFiles = Annotated[
    bool,
    typer.Option(
        "--show-files",
        help="See the files kpack would check, with the kind of each.",
    ),
]


@app.command()
def check(
    paths: CheckPaths = None,
    kind: CheckKind = None,
    output_format: CheckOutputFormat = OutputFormat.text,
    output_file: CheckOutputFile = None,
    select: CheckSelect = None,
    ignore: CheckIgnore = None,
    extend_select: CheckExtendSelect = None,
    extend_ignore: CheckExtendIgnore = None,
    target: CheckTarget = None,
    strict: CheckStrict = False,
    exit_zero: CheckExitZero = False,
    config: CheckConfig = None,
    color: CheckColor = ColorChoice.auto,
    stdin_filename: CheckStdinFilename = None,
    jobs: CheckJobs = 0,
    fix: CheckFix = False,
    unsafe_fixes: CheckUnsafeFixes = False,
    diff: CheckDiff = False,
    fix_only: CheckFixOnly = False,
    exit_non_zero_on_fix: CheckExitNonZeroOnFix = False,
    force_exclude: CheckForceExclude = None,
    quiet: CheckQuiet = False,
    silent: CheckSilent = False,
    statistics: CheckStatistics = False,
    show_settings: CheckShowSettings = False,
    show_files: CheckShowFiles = False,
) -> None:
    """Check manifests, account types and dev configs."""
    from kpack.commands.check import CheckRequest, run

    raise typer.Exit(run(CheckRequest(
        paths=tuple(paths or ()), kind=kind.value if kind else None,
        output_format=output_format.value, output_file=output_file,
        select=_split(select), ignore=_split(ignore),
        extend_select=_split(extend_select), extend_ignore=_split(extend_ignore),
        target=target.value if target else None, strict=strict, exit_zero=exit_zero,
        config=config, color=color.value, stdin_filename=stdin_filename, jobs=jobs, fix=fix,
        unsafe_fixes=unsafe_fixes, diff=diff, fix_only=fix_only,
        exit_non_zero_on_fix=exit_non_zero_on_fix, quiet=quiet, silent=silent,
        force_exclude=force_exclude,
        statistics=statistics, show_settings=show_settings, show_files=show_files,
    )))


def _split(values: list[str] | None) -> tuple[str, ...]:
    from kpack.commands.argv import split_codes

    return split_codes(values)


@app.command("rules")
def list_rules(
    output_format: Annotated[
        str, typer.Option("--format", "--output-format", "-o", help="text or json.")
    ] = "text",
) -> None:
    """List every rule: code, name, default severity, summary."""
    from kpack.commands.rules import list_rules

    raise typer.Exit(list_rules(output_format))


def _complete_rule(incomplete: str) -> list[str]:
    from kpack.commands.rules import complete_rule

    return complete_rule(incomplete)


@app.command("rule")
def show_rule(
    code: Annotated[
        str,
        typer.Argument(help="A rule code or name, e.g. A002.", autocompletion=_complete_rule),
    ],
) -> None:
    """Explain one rule."""
    from kpack.commands.rules import show_rule

    raise typer.Exit(show_rule(code))


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
    from kpack.commands.rules import show_schema

    raise typer.Exit(show_schema(kind.value if kind else None, path))


class PayloadFormat(str, Enum):
    curl = "curl"
    http = "http"
    json = "json"


@app.command("provision")
def provision(
    paths: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10
        typer.Argument(help="Account-type files or folders (default: the current folder)."),
    ] = None,
    output_format: Annotated[
        Optional[PayloadFormat],  # noqa: UP045
        typer.Option("--format", "-o", help="curl (a sh script, default), http or json."),
    ] = None,
    bulk: Annotated[
        bool,
        typer.Option("--bulk", help='With --format json: the _bulk_docs body {"docs": [...]}.'),
    ] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Upsert into CouchDB yourself instead of printing.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what --apply would change; write nothing.")
    ] = False,
    context: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--context", metavar="NAME", help="Provision NAME/<_id>: the override for a context."
        ),
    ] = None,
    env_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--env-file", metavar="FILE",
            help="dotenv file with placeholder values (the environment wins).",
        ),
    ] = None,
    env_names: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--env", metavar="NAME",
            help="Let NAME from the environment fill placeholders outside the secret fields "
            "(json, --apply); repeatable.",
        ),
    ] = None,
    couchdb: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--couchdb", metavar="URL", help="CouchDB URL (default: $COUCHDB_URL, else http://localhost:5984)."),
    ] = None,
    user: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--user", metavar="NAME", help="CouchDB user (password: COUCHDB_PASSWORD, or asked)."
        ),
    ] = None,
    reveal_secrets: Annotated[
        bool,
        typer.Option("--reveal-secrets", help="Print secret values instead of masking them."),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Seconds for each request to CouchDB, to the last byte.", min=0.1
        ),
    ] = 10.0,
    total_timeout: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--total-timeout", metavar="SECONDS", min=0.1,
            help="Seconds for all the requests of --apply together (default: 6 x --timeout).",
        ),
    ] = None,
) -> None:
    """Provision account types into CouchDB: print a payload, or --apply it."""
    from kpack.commands.provision import run
    from kpack.provision.run import Request

    raise typer.Exit(run(Request(
        paths=paths or ["."], output_format=output_format.value if output_format else None,
        bulk=bulk, apply=apply or dry_run, dry_run=dry_run, context=context,
        env_file=env_file, couchdb=couchdb, user=user, reveal_secrets=reveal_secrets,
        timeout=timeout, total_timeout=total_timeout, env_names=tuple(env_names or ()),
    )))


class BuildFormat(str, Enum):
    text = "text"
    json = "json"


@app.command("build")
def build(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="The connector's root folder.")
    ] = Path("."),
    from_path: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10
        typer.Option("--from", help="Bundle this folder instead of DIR/build (e.g. --from .)."),
    ] = None,
    out_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--dir",
            help="Write the bundle as a folder, for `cozy-stack konnectors install <slug> file://DIR`.",
        ),
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="Show what would go in and why the rest is left out.")
    ] = False,
    allow_secret: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--allow-secret", metavar="PATH",
            help="Accept secret-scan hits in this bundled file (repeatable).",
        ),
    ] = None,
    output_format: Annotated[
        BuildFormat, typer.Option("--format", "-o", help="Summary format (json for CI).")
    ] = BuildFormat.text,
    target: Annotated[
        Optional[Target],  # noqa: UP045
        typer.Option(
            "--target",
            help="Manifest rules for the stack or the registry "
            "(default: registry for an archive, stack for --dir).",
        ),
    ] = None,
) -> None:
    """Build a reproducible, secret-free bundle: dist/<slug>-<version>.tar.gz (+ .sha256)."""
    from kpack.bundle.run import BuildOptions
    from kpack.commands.build import run

    raise typer.Exit(run(BuildOptions(
        directory=directory,
        from_path=from_path,
        out_dir=out_dir,
        list_only=list_only,
        allow_secret=list(allow_secret or []),
        output_format=output_format.value,
        target=target.value if target else None,
    )))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every outcome into an exit code."""
    try:
        # Standalone mode lets Typer print usage errors (exit 2) the usual way.
        app(args=argv, prog_name="kpack")
    except SystemExit as exc:
        code = exc.code
        if code == ExitStatus.INTERRUPTED:  # Typer's answer to Ctrl-C, silent until now
            typer.echo("kpack: interrupted", err=True)
        if isinstance(code, int):
            return code
        return ExitStatus.CLEAN if code is None else ExitStatus.USAGE
    except KeyboardInterrupt:
        typer.echo("kpack: interrupted", err=True)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`kpack check | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.CLEAN
    return ExitStatus.CLEAN


def run() -> NoReturn:
    """The `kpack` command through Typer: `main`, then a quick exit (kpack.launch, the
    console script, comes here for every command line but a plain `kpack check`). Tests
    call `main`, which returns."""
    from kpack.commands.output import leave

    leave(main())
