"""The manifest as cozy-stack's Go decoder reads it, shared by the rule families.

Go's `encoding/json` matches struct fields case-insensitively and ignores `null`: the
families look members up through these helpers so they never report what the stack
accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpack.diagnostics import Finding, Kind, Severity
from kpack.rules.common import go_fold

E, W = Severity.ERROR, Severity.WARNING
K = Kind.MANIFEST

Findings = Iterator[Finding]

# The non-null members of each object looked up, by their key's case-folded form (in
# document order), so each key is folded once and not once per field looked up. Keyed by
# id(): each entry holds its object, which keeps the id from being reused meanwhile.
_FOLDED: dict[int, tuple[dict[str, Any], dict[str, list[tuple[str, Any]]]]] = {}
NONE: list[tuple[str, Any]] = []


def forget() -> None:
    """Drop the folded members: one document's objects at a time."""
    _FOLDED.clear()


def go_members(obj: dict[str, Any], name: str) -> list[tuple[str, Any]]:
    """Every member Go's decoder decodes into the field `name`: each key equal to it
    ignoring case, in document order, leaving out nulls (Go ignores them). The list is
    shared: read it, do not change it."""
    return folded(obj).get(name.lower(), NONE)


def folded(obj: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """`obj`'s non-null members by case-folded key: loops over many fields take it once
    and look each (already folded) field up, with no call per field."""
    entry = _FOLDED.get(id(obj))
    if entry is None or entry[0] is not obj:
        index: dict[str, list[tuple[str, Any]]] = {}
        for key, value in obj.items():
            if value is not None:
                name = go_fold(key)  # Go's folding, not Python's casefold
                if name is not None:
                    index.setdefault(name, []).append((key, value))
        entry = _FOLDED[id(obj)] = (obj, index)
    return entry[1]


def go_member(obj: dict[str, Any], name: str) -> tuple[str, Any] | None:
    """The member whose value the field ends up with (the last one decoded), or None."""
    members = go_members(obj, name)
    return members[-1] if members else None


def severity(registry: bool) -> Severity:
    """What the registry requires and the stack does without: an error for the registry."""
    return E if registry else W


def token(key: str) -> str:
    """`key` as a JSON pointer token."""
    return key.replace("~", "~0").replace("/", "~1")
