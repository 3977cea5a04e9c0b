"""Source positions of every value in a JSON or YAML document, keyed by JSON pointer.

The fast path parses JSON with the C decoder of the standard library, which knows no
positions. This index is built only when a diagnostic needs a line and column, by a
small scanner over text that already parsed (so it can trust the syntax).
"""

from __future__ import annotations

import bisect
import contextlib
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

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")


class _JsonScanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.nodes: dict[str, Node] = {}
        self.duplicates: list[DuplicateKey] = []

    def skip_ws(self) -> None:
        m = _WS.match(self.text, self.pos)
        assert m is not None
        self.pos = m.end()

    def value(self, pointer: str, key_start: int | None, key_end: int | None) -> None:
        self.skip_ws()
        start = self.pos
        char = self.text[start : start + 1]
        if char == "{":
            self.pos += 1
            self.members(pointer)
        elif char == "[":
            self.pos += 1
            self.items(pointer)
        elif char == '"':
            m = _STRING.match(self.text, start)
            if m is None:
                raise ValueError(f"unterminated string at {start}")
            self.pos = m.end()
        else:
            m = _SCALAR.match(self.text, start)
            if m is None:
                raise ValueError(f"unexpected character at {start}")
            self.pos = m.end()
        self.nodes[pointer] = Node(key_start, key_end, start, self.pos)

    def members(self, pointer: str) -> None:
        seen: set[str] = set()
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return
        while True:
            self.skip_ws()
            m = _STRING.match(self.text, self.pos)
            if m is None:
                raise ValueError(f"expected a key at {self.pos}")
            key_start, key_end = m.start(), m.end()
            key = json.loads(m.group())
            member = join_pointer(pointer, key)
            if key in seen:
                self.duplicates.append(DuplicateKey(member, key_start, key_end))
            seen.add(key)
            self.pos = key_end
            self.skip_ws()
            self.pos += 1  # ':'
            self.value(member, key_start, key_end)
            self.skip_ws()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char != ",":
                return
            self.skip_ws()
            if self.text.startswith("}", self.pos):  # tolerated only to index broken input
                self.pos += 1
                return

    def items(self, pointer: str) -> None:
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return
        index = 0
        while True:
            self.value(join_pointer(pointer, index), None, None)
            index += 1
            self.skip_ws()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char != ",":
                return
            self.skip_ws()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return


def index_json(text: str) -> PositionIndex:
    """Index a JSON text that parsed (comments already blanked out)."""
    scanner = _JsonScanner(text)
    # The text parsed before, so the scanner cannot fail; a partial index would do anyway.
    with contextlib.suppress(ValueError, IndexError):
        scanner.value("", None, None)
    return PositionIndex(text, scanner.nodes, scanner.duplicates)


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
