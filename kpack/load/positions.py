"""Source positions of every value in a JSON or YAML document, keyed by JSON pointer.

The fast path parses JSON with the C decoder of the standard library, which knows no
positions. This index is built only when a diagnostic needs a line and column, by a
small scanner over text that already parsed (so it can trust the syntax).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any, NamedTuple

from kpack.diagnostics import Span, join_pointer


class Node(NamedTuple):
    """Character offsets into the text. `key_start` is None for array items and roots."""

    key_start: int | None
    key_end: int | None
    start: int
    end: int


class DuplicateKey(NamedTuple):
    pointer: str
    key_start: int
    key_end: int


class PositionIndex:
    def __init__(self, text: str, nodes: dict[str, Node], duplicates: list[DuplicateKey]):
        self.text = text
        self.nodes = nodes
        self.duplicates = duplicates
        self._line_starts: list[int] | None = None

    def line_col(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def span_of_offsets(self, start: int, end: int) -> Span:
        line, col = self.line_col(start)
        end_line, end_col = self.line_col(max(start, end))
        return Span(line, col, end_line, end_col)

    def span(self, pointer: str, at_value: bool = False) -> Span:
        """Span of the member at `pointer`: from its key (or value) to the end of its value.

        A pointer that does not resolve (a missing member) falls back to its nearest
        existing ancestor, so a diagnostic always has a position.
        """
        node = self.nodes.get(pointer)
        while node is None and pointer:
            pointer = pointer.rsplit("/", 1)[0]
            node = self.nodes.get(pointer)
        if node is None:
            return Span(1, 1, 1, 1)
        start = node.start if at_value or node.key_start is None else node.key_start
        return self.span_of_offsets(start, node.end)


# --- JSON ------------------------------------------------------------------------------

# One token of a JSON text, after optional whitespace: group 1 a string, 2 a structural
# character, 3 any other scalar (NaN and Infinity too: a broken text is indexed as it goes).
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:("(?:[^"\\]|\\.)*")|([][{}:,])'
    r"|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity))",
    re.DOTALL,
)


class _Container:
    """An object or array being scanned."""

    __slots__ = ("count", "key_end", "key_start", "keys", "pointer", "start")

    def __init__(
        self, pointer: str, key_start: int | None, key_end: int | None, start: int, is_object: bool
    ):
        self.pointer = pointer
        self.key_start = key_start
        self.key_end = key_end
        self.start = start
        self.keys: set[str] | None = set() if is_object else None  # None: an array
        self.count = 0  # the index of the array's current item


_VALUE, _KEY, _COLON, _AFTER = range(4)  # what the scanner expects next


def index_json(text: str) -> PositionIndex:
    """Index a JSON text that parsed (comments already blanked out).

    One pass over the tokens with a stack of open containers, no call per value: a
    position is wanted for each diagnostic of a large run. The text parsed before; were it
    not JSON after all, what was indexed up to the problem is kept."""
    nodes: dict[str, Node] = {}
    duplicates: list[DuplicateKey] = []
    open_: list[_Container] = []
    # The value about to be read: its pointer and its key's span (None for items and roots).
    pointer, key_start, key_end = "", None, None
    expected = _VALUE
    match = _TOKEN.match
    pos = 0
    while (token := match(text, pos)) is not None:
        group = token.lastindex or 0
        start, pos = token.start(group), token.end()
        char = text[start]
        if expected == _KEY and group == 1:
            container = open_[-1]
            raw = token.group(1)
            key = raw[1:-1] if "\\" not in raw else json.loads(raw)
            pointer = join_pointer(container.pointer, key)
            keys = container.keys
            assert keys is not None
            if key in keys:
                duplicates.append(DuplicateKey(pointer, start, pos))
            keys.add(key)
            key_start, key_end = start, pos
            expected = _COLON
        elif expected == _COLON:
            if char != ":":
                break
            expected = _VALUE
        elif expected == _VALUE and group != 2:  # a string or another scalar
            nodes[pointer] = Node(key_start, key_end, start, pos)
            expected = _AFTER
        elif expected == _VALUE and char in "{[":
            container = _Container(pointer, key_start, key_end, start, char == "{")
            open_.append(container)
            if char == "{":
                expected = _KEY
            else:
                pointer, key_start, key_end = f"{container.pointer}/0", None, None
        elif expected == _AFTER and char == "," and open_:
            container = open_[-1]
            if container.keys is not None:
                expected = _KEY
            else:
                container.count += 1
                pointer, key_start, key_end = f"{container.pointer}/{container.count}", None, None
                expected = _VALUE
        elif char in "}]" and open_ and (open_[-1].keys is None) == (char == "]"):
            # After a value, or (an empty container, a trailing comma) where one was expected.
            container = open_.pop()
            nodes[container.pointer] = Node(
                container.key_start, container.key_end, container.start, pos
            )
            expected = _AFTER
            if not open_:
                break
        else:
            break
    return PositionIndex(text, nodes, duplicates)


# --- YAML ------------------------------------------------------------------------------


def index_yaml(text: str, root: Any) -> PositionIndex:
    """Index a composed PyYAML node tree (marks carry character offsets)."""
    import yaml

    nodes: dict[str, Node] = {}
    duplicates: list[DuplicateKey] = []
    stack: list[tuple[Any, str, int | None, int | None]] = [(root, "", None, None)]
    while stack:
        node, pointer, key_start, key_end = stack.pop()
        nodes[pointer] = Node(key_start, key_end, node.start_mark.index, node.end_mark.index)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            members = []
            for key_node, value_node in node.value:
                key = str(key_node.value)
                member = join_pointer(pointer, key)
                ks, ke = key_node.start_mark.index, key_node.end_mark.index
                if key in seen:
                    duplicates.append(DuplicateKey(member, ks, ke))
                seen.add(key)
                members.append((value_node, member, ks, ke))
            # Pushed in reverse so that pops follow the document: the last duplicate wins,
            # as it does when PyYAML constructs the value.
            stack.extend(reversed(members))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in reversed(list(enumerate(node.value))):
                stack.append((item, join_pointer(pointer, i), None, None))
    duplicates.sort(key=lambda d: d.key_start)
    return PositionIndex(text, nodes, duplicates)
