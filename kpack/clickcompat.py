"""Typer 0.24 on any click from 8.2.1 on: two fixes, applied once before the CLI is built.

kpack stays on Typer 0.24 (click-based; Typer 0.25+ vendors click but imports pydantic at
startup: docs/performance.md) without capping click, which check-jsonschema, black and the
rest of a shared virtualenv need recent (issue 20). What newer clicks change for Typer 0.24:

- click 8.5 gave `click.Argument` a `help` of its own: `Parameter.__init__` now sets
  `self.help`, so the text `TyperArgument.__init__` stored before calling it is reset to
  None and every argument's help vanished. It is stored again afterwards.
- click 8.4 raises `NoSuchCommand`, which suggests close command names itself; Typer's group
  adds its own "Did you mean" to the message, so the suggestion was printed twice. Typer's
  wording is kept and click's is dropped.

Both are no-ops on the clicks Typer 0.24 was made for (8.2, 8.3). tests/test_cli_help.py
runs the installed `kpack`, tests/test_neighbours.py installs it beside current tools.
"""

from __future__ import annotations

from typing import Any

import click
import typer.core

_APPLIED = "_kpack_compat"


def apply() -> None:
    """Patch Typer's argument and group classes (idempotent)."""
    argument = typer.core.TyperArgument
    if getattr(argument, _APPLIED, False):
        return
    init = argument.__init__

    def argument_init(
        self: typer.core.TyperArgument, *, help: str | None = None, **kw: Any
    ) -> None:
        init(self, help=help, **kw)
        self.help = help

    argument.__init__ = argument_init  # type: ignore[method-assign]
    setattr(argument, _APPLIED, True)

    group = typer.core.TyperGroup
    resolve = group.resolve_command

    def resolve_command(
        self: typer.core.TyperGroup, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return resolve(self, ctx, args)
        except click.UsageError as exc:
            # click >= 8.4: NoSuchCommand.format_message appends its own suggestions
            # (`possibilities`, an attribute older clicks do not have).
            if "Did you mean" in exc.message and getattr(exc, "possibilities", None):
                object.__setattr__(exc, "possibilities", None)
            raise

    group.resolve_command = resolve_command  # type: ignore[method-assign]
