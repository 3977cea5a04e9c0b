"""Exit codes, in one place for every command (ruff's: 0 clean, 1 findings, 2 usage or
environment error; 130 when interrupted, as shells report Ctrl-C)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from kpack.diagnostics import Diagnostic, Severity


class ExitStatus(IntEnum):
    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    INTERRUPTED = 130  # 128 + SIGINT


def findings_status(
    diagnostics: Iterable[Diagnostic], *, strict: bool = False, exit_zero: bool = False
) -> ExitStatus:
    """FINDINGS when an error is found (or a warning, with `strict`), unless `exit_zero`."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    if not exit_zero and any(d.severity in failing for d in diagnostics):
        return ExitStatus.FINDINGS
    return ExitStatus.CLEAN
