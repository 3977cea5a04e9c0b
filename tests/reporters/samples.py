"""Diagnostics to feed reporters directly, and a way to run `kpack check` in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpack.cli import main
from kpack.diagnostics import Diagnostic, Kind, Severity

# An account type whose only problem is a trailing comma (L003, error) at line 3, column 14:
# a loader rule, so the result does not move while the other rules are being written.
TRAILING_COMMA = '{\n  "grant_mode": "secret",\n  "slug": "a",\n}\n'
TRAILING_COMMA_AT = (3, 14)
CLEAN = '{\n  "grant_mode": "secret",\n  "slug": "a"\n}\n'

# Loader rules only: stable while others add rules.
LOADER_ONLY = ["--select", "L"]


def diag(
    code: str = "L003",
    severity: Severity = Severity.ERROR,
    message: str = "trailing comma before the end of the object",
    help: str | None = None,
    file: str = "account-type.json",
    pointer: str | None = "/slug",
    line: int = 3,
    column: int = 14,
    end_line: int = 3,
    end_column: int = 15,
    name: str = "trailing-comma",
    kind: Kind | None = Kind.ACCOUNT_TYPE,
) -> Diagnostic:
    return Diagnostic(
        code, name, severity, message, help, file, kind, pointer, line, column, end_line,
        end_column,
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`kpack check ARGS` in-process → (exit code, stdout, stderr)."""
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write_account_type(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
