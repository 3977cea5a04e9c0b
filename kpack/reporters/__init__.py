"""Stage 5: render diagnostics. A table of reporters by name, each a small module."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from kpack.diagnostics import Diagnostic


class Report(NamedTuple):
    diagnostics: list[Diagnostic]
    files: int  # how many files were checked
    color: bool = False
    fixed: int = 0  # findings `--fix` repaired before this report
    unsafe_fixes: bool = False  # `--unsafe-fixes`: unsafe fixes count as fixable
    # `kpack check` marks fixable findings ([*]) and counts them; provision and build,
    # which have no --fix, do not.
    fix_hints: bool = False
    paths: tuple[str, ...] = ()  # which (as displayed), when known
    summary: bool = True  # the text's summary and fix-hint lines (not with `--quiet`)


Reporter = Callable[[Report], str]

# The reporters by name, in the order `--format` lists them.
REPORTERS: tuple[str, ...] = ("text", "json", "sarif", "github")


def get_reporter(name: str) -> Reporter:
    # Static imports made on first use: a run loads only the reporter it prints with.
    if name == "text":
        from kpack.reporters.text import render
    elif name == "json":
        from kpack.reporters.json_report import render
    elif name == "sarif":
        from kpack.reporters.sarif import render
    elif name == "github":
        from kpack.reporters.github import render
    else:
        raise KeyError(name)
    return render
