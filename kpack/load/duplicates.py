"""L002: the keys repeated in an object, found by the position index once a file parsed.

Parsers keep the last member; the earlier value is silently dropped, which is harmless
only when both members hold the same value (then a warning, not an error).
"""

from __future__ import annotations

import json
from typing import Any

from kpack.diagnostics import Severity
from kpack.load import rules as R
from kpack.load.source import Budget, SourceFile


def report_duplicates(source: SourceFile) -> None:
    budget = Budget()
    members: dict[str, list[tuple[str, Any]]] = {}  # objects read back, by pointer
    for dup in source.index.iter_duplicates():
        key = dup.pointer.rsplit("/", 1)[-1]
        parent_pointer = dup.pointer.rsplit("/", 1)[0]
        # Inside a value that a later duplicate replaced, no pointer reaches the key.
        parent = source.index.node(parent_pointer)
        kept = parent is not None and parent.start <= dup.key_start < parent.end
        name = key.replace("~1", "/").replace("~0", "~")
        # Harmless when both members hold the same value (nothing is lost): said so, and
        # a warning, not an error.
        same = kept and _same_values(source, parent_pointer, name, members)
        message = f"duplicate key {_quote_token(key)}: " + (
            "both members have the same value" if same
            else "the earlier value is silently dropped"
        )
        if not budget.take(len(dup.pointer) + len(message)):
            budget.report(source, "duplicate keys")
            return
        source.report(
            R.DUPLICATE_KEY,
            message,
            source.index.span_of_offsets(dup.key_start, dup.key_end),
            dup.pointer if kept else None,
            "remove one of the two members",
        )
        if same:
            last = source.problems[-1]
            source.problems[-1] = last._replace(severity=Severity.WARNING)


def _same_values(
    source: SourceFile, parent: str, key: str, cache: dict[str, list[tuple[str, Any]]]
) -> bool:
    """Whether every member named `key` of the object at `parent` holds the same JSON
    value. JSON files only; False when the object cannot be read back. `cache`: the
    members of each object read back (each object is decoded once, however many
    duplicates it holds)."""
    if source.syntax != "json":
        return False
    if parent not in cache:
        cache[parent] = _members(source, parent)
    values = {json.dumps(v, sort_keys=True) for k, v in cache[parent] if k == key}
    return len(values) == 1


def _members(source: SourceFile, pointer: str) -> list[tuple[str, Any]]:
    """Every member of the object at `pointer`, duplicates included, in order."""
    node = source.index.node(pointer)
    if node is None:
        return []
    seen: list[list[tuple[str, Any]]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append(pairs)  # inner objects first: the object at `node` comes last
        return dict(pairs)

    try:
        json.JSONDecoder(object_pairs_hook=keep).raw_decode(source.text, node.start)
    except (ValueError, RecursionError):
        return []
    return seen[-1] if seen else []


def _quote_token(token: str) -> str:
    return json.dumps(token.replace("~1", "/").replace("~0", "~"), ensure_ascii=False)
