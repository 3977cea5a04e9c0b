"""Stage 5: render diagnostics. A table of reporters by name, each a small module."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from kpack import import_module
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


Reporter = Callable[[Report], str]

REPORTERS: dict[str, str] = {
    "text": "kpack.reporters.text",
    "json": "kpack.reporters.json_report",
    "sarif": "kpack.reporters.sarif",
    "github": "kpack.reporters.github",
}


def get_reporter(name: str) -> Reporter:
    module = import_module(REPORTERS[name])
    render: Reporter = module.render
    return render
