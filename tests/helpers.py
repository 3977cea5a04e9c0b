"""Shared test helpers: lint a text as a file of a given name and look at the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kpack.check import CheckOptions, check_sources
from kpack.diagnostics import Diagnostic, Kind
from kpack.load.discover import kind_by_name
from kpack.load.source import read_source

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def write(tmp_path: Path, name: str, content: str | bytes | Any) -> Path:
    """Write `content` (text, bytes, or a JSON value dumped with indent 2) at tmp_path/name."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return path


def lint_files(*paths: Path, kind: Kind | None = None, target: str = "stack") -> list[Diagnostic]:
    sources = []
    for path in paths:
        file_kind = kind or kind_by_name(path) or Kind.ACCOUNT_TYPE
        sources.append(read_source(path, str(path), file_kind))
    return check_sources(sources, CheckOptions(target=target))[1]


def lint(
    tmp_path: Path, name: str, content: str | bytes | Any, kind: Kind | None = None,
    target: str = "stack",
) -> list[Diagnostic]:
    """Lint one file named `name` holding `content`; kind by name unless given."""
    return lint_files(write(tmp_path, name, content), kind=kind, target=target)


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def only(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    """The one diagnostic with `code` (fails when there are none or several)."""
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {diagnostics}"
    return found[0]
