"""`kpack build`: the Typer command. The work is in `kpack.bundle.run` (imported on use)."""

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class BuildFormat(str, enum.Enum):
    text = "text"
    json = "json"


class BuildTarget(str, enum.Enum):
    stack = "stack"
    registry = "registry"


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
        Optional[BuildTarget],  # noqa: UP045
        typer.Option(
            "--target",
            help="Manifest rules for the stack or the registry "
            "(default: registry for an archive, stack for --dir).",
        ),
    ] = None,
) -> None:
    """Build a reproducible, secret-free bundle: dist/<slug>-<version>.tar.gz (+ .sha256)."""
    import signal

    from kpack.bundle.run import BuildOptions, run_build

    def _terminate(signum: int, frame: object) -> None:
        # SIGTERM (CI cancel) cleans up like Ctrl-C: the temporary output is removed.
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (e.g. embedded): keep the default
        previous = None
    try:
        code = run_build(BuildOptions(
            directory=directory,
            from_path=from_path,
            out_dir=out_dir,
            list_only=list_only,
            allow_secret=list(allow_secret or []),
            output_format=output_format.value,
            target=target.value if target else None,
        ))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)
