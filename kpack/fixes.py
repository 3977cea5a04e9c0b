"""What a fix is: the repair a rule knows, and the text edits that carry it out.

A rule writes its repair against the document (`RenameKey`, `SetValue`: JSON pointers);
`kpack.load.resolve` turns it into `Edit`s, character spans of the file's decoded text
(a UTF-8 byte order mark counts as its first character). The loader writes its syntax
repairs (a trailing comma, a BOM) as edits directly. The data changes stay on the fix: the
fix engine checks that the edited file parses to exactly the data they describe.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple


class Applicability(str, enum.Enum):
    """ruff's terms: a safe fix keeps the meaning, an unsafe one may change it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Edit(NamedTuple):
    """Replace the characters [start, end) of the file's text by `content`."""

    start: int
    end: int
    content: str
    # Where reports show it: 1-based line and column of its start and end, counted as
    # diagnostics are (the BOM's own edit is at 1:1-1:2, where L004 reports it).
    location: tuple[int, int, int, int] = (0, 0, 0, 0)


class RenameKey(NamedTuple):
    """Rename the member at `pointer` to `key`, keeping its value and its place."""

    pointer: str
    key: str


class SetValue(NamedTuple):
    """Replace the value at `pointer` by `value` (JSON data)."""

    pointer: str
    value: Any


Change = RenameKey | SetValue


class Fix(NamedTuple):
    applicability: Applicability
    message: str  # what the fix does, e.g. 'rename "redirect_url" to "redirect_uri"'
    changes: tuple[Change, ...] = ()  # what the data becomes ((): the data stays the same)
    edits: tuple[Edit, ...] = ()  # filled by kpack.load.resolve, or by the loader

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE


def safe(message: str, *changes: Change) -> Fix:
    return Fix(Applicability.SAFE, message, changes)


def unsafe(message: str, *changes: Change) -> Fix:
    return Fix(Applicability.UNSAFE, message, changes)


def applies(fix: Fix | None, unsafe_fixes: bool) -> bool:
    """Whether `--fix` applies this fix (with `--unsafe-fixes` or without)."""
    return fix is not None and bool(fix.edits) and (fix.is_safe or unsafe_fixes)
