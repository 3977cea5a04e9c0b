"""The `kpack` command (the console script and `python -m kpack`).

A plain `kpack check` command line (kpack.commands.argv: what pre-commit and editors run)
goes straight to `kpack.commands.check`, without importing Typer and click; every other
command line goes to Typer (kpack.cli). The same request then runs the same code, and an
interruption or a reader that went away ends the run as Typer ends it.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from kpack.commands.check import CheckRequest


def run() -> NoReturn:
    from kpack.commands.argv import check_request

    # On Windows click expands the wildcards of a command line itself: Typer reads it.
    request = None if os.name == "nt" else check_request(sys.argv[1:], os.environ)
    if request is None:
        from kpack.cli import run as run_typer

        run_typer()
    from kpack.commands.output import leave

    leave(check(request))


def check(request: CheckRequest) -> int:
    """`kpack check`, ended as kpack.cli.main ends it under Typer (typer.core._main)."""
    from kpack.status import ExitStatus

    try:
        from kpack.commands.check import run as run_check

        return run_check(request)
    except KeyboardInterrupt:  # Typer: exit 130, which kpack.cli.main announces
        print("kpack: interrupted", file=sys.stderr, flush=True)
        return ExitStatus.INTERRUPTED
    except EOFError:  # click: a blank line, then "Aborted!", exit 1
        print(file=sys.stderr)
        print("Aborted!", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        return 1  # click: the reader went away (`kpack check | head -1`); exit 1, quietly
