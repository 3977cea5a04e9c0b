"""Source positions of the values of a JSON or YAML document, found by JSON pointer.

The fast path parses JSON with the C decoder of the standard library, which knows no
positions. This index is built only when a diagnostic needs a line and column, by a
small scanner over text that already parsed (so it can trust the syntax).

Memory is linear in the size of the text: the index is a tree of values held in flat
integer arrays (about 30 bytes a value), not a table keyed by pointers. A table of
pointers costs the length of every pointer: a 200 KB key above a 5,000-item array made
5,000 pointers of 200 KB each (1 GB). Pointers are resolved by walking the tree from the
root, token by token; the pointer of a value is spelt only when asked (duplicate keys).
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from array import array
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from kpack.diagnostics import Span, escape_pointer_token, split_pointer

if TYPE_CHECKING:  # a YAML-only type: not built on every check's start
    from kpack.load.yaml_text import OwnKeys


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


_NONE = -1  # no key (an array item or the root), no parent, no next sibling


class _Tree:
    """The values of a document in document order (a parent before its children).

    Value `i` has four entries in `spans`, from `4 * i`: its key's start and end, its
    start and end. A member's key reads `keys[i]`; an array item has no key (key start
    -1, `keys[i]` None) and its key end holds its index. `parent[i]` is -1 for the root."""

    __slots__ = ("keys", "parent", "spans")

    def __init__(self) -> None:
        self.spans = array("i")
        self.parent = array("i")
        self.keys: list[str | None] = []

    def __len__(self) -> int:
        return len(self.parent)

    def node(self, i: int) -> Node:
        key_start, key_end, start, end = self.spans[4 * i : 4 * i + 4]
        if key_start == _NONE:
            return Node(None, None, start, end)
        return Node(key_start, key_end, start, end)

    def token(self, i: int) -> str:
        key = self.keys[i]
        return str(self.spans[4 * i + 1]) if key is None else escape_pointer_token(key)

    def pointer(self, i: int) -> str:
        tokens = []
        while i > 0:
            tokens.append(self.token(i))
            i = self.parent[i]
        return "".join("/" + token for token in reversed(tokens))


class PositionIndex:
    def __init__(
        self, text: str, tree: _Tree, duplicates: list[tuple[int, str, int, int]] | None = None
    ):
        self.text = text
        self._tree = tree
        # (the object holding it, the key, the key's span), in document order.
        self._duplicates = duplicates or []
        self._line_starts: array[int] | None = None
        # The children of the containers that lookups went through: key or index -> value,
        # and their ids in order (which bound each child's subtree: see `_children_of`).
        self._members: dict[int, tuple[dict[str, int] | array[int], array[int]]] = {}

    # -- lookups -------------------------------------------------------------------------

    def value_id(self, pointer: str) -> int | None:
        """The value at `pointer`, or None when it does not resolve."""
        tree = self._tree
        if not len(tree):
            return None
        if not pointer:
            return 0
        i = 0
        stop = len(tree)  # the end of the subtree of `i`
        tokens = pointer[1:].split("/") if "~" not in pointer else split_pointer(pointer)
        for token in tokens:
            entry = self._members.get(i)
            if entry is None:
                entry = self._members[i] = self._children_of(i, stop)
            members, ids = entry
            if isinstance(members, dict):
                child = members.get(token)
            elif token.isdigit() and token.isascii() and (token == "0" or token[0] != "0"):
                child = members[int(token)] if int(token) < len(members) else None
            else:
                child = None
            if child is None:
                return None
            # Ids are in document order (pre-order): a child's subtree ends where its next
            # sibling starts.
            after = bisect.bisect_right(ids, child)
            if after < len(ids):
                stop = ids[after]
            i = child
        return i

    def _children_of(
        self, i: int, stop: int
    ) -> tuple[dict[str, int] | array[int], array[int]]:
        """An object's members by key (a later duplicate replaces an earlier one, as the
        parsers do), or an array's items (ids in an array: a million items are 4 MB); and
        the children's ids in order. Found by the C search of array.index within the
        subtree of `i` (ids i+1 to `stop`): searching past it made looking up each of n
        documents cost n."""
        parent, keys = self._tree.parent, self._tree.keys
        found = array("i")  # not a list: a million ids as Python ints are 36 MB
        find = parent.index
        child = i
        try:
            while True:
                child = find(i, child + 1, stop)
                found.append(child)
        except ValueError:
            pass
        if not found or keys[found[0]] is not None:
            return {keys[c]: c for c in found}, found  # type: ignore[misc]
        return found, found

    def node(self, pointer: str) -> Node | None:
        i = self.value_id(pointer)
        return None if i is None else self._tree.node(i)

    @property
    def nodes(self) -> Mapping[str, Node]:
        """Every value by its pointer. Spells every pointer: for tests and small texts."""
        tree = self._tree
        found = {}
        for i in range(len(tree)):
            pointer = tree.pointer(i)
            if self.value_id(pointer) == i:  # not replaced by a later duplicate key
                found[pointer] = tree.node(i)
        return found

    @property
    def duplicates(self) -> list[DuplicateKey]:
        return list(self.iter_duplicates())

    def iter_duplicates(self) -> Iterator[DuplicateKey]:
        """The repeated keys in document order, each pointer spelt when its turn comes."""
        tree = self._tree
        for parent, key, key_start, key_end in self._duplicates:
            pointer = tree.pointer(parent) + "/" + escape_pointer_token(key)
            yield DuplicateKey(pointer, key_start, key_end)

    # -- positions -----------------------------------------------------------------------

    def line_col(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            # An array, not a list: a text of newlines has 2 million of them.
            self._line_starts = array("i", [0])
            self._line_starts.extend(m.end() for m in re.finditer("\n", self.text))
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
        i = self.value_id(pointer)
        while i is None and pointer:
            pointer = pointer.rsplit("/", 1)[0]
            i = self.value_id(pointer)
        if i is None:
            return Span(1, 1, 1, 1)
        node = self._tree.node(i)
        start = node.start if at_value or node.key_start is None else node.key_start
        return self.span_of_offsets(start, node.end)


# --- JSON ------------------------------------------------------------------------------

# A JSON string. Possessive (Python 3.11+): the regex engine keeps no backtracking state
# per character, so a 2 MB string of `\u0001` escapes costs nothing, where the plain
# `(?:[^"\\]|\\.)*` took 228 MiB (issue 18 item 8). On 3.10, the unrolled loop (48 MiB).
# Both match exactly what the plain pattern matches: the two branches never overlap.
_STRING = (
    r'"(?:[^"\\]++|\\.)*+"' if sys.version_info >= (3, 11) else r'"[^"\\]*(?:\\.[^"\\]*)*"'
)

# One token of a JSON text, after optional whitespace: group 1 a string, 2 a structural
# character, 3 any other scalar (NaN and Infinity too: a broken text is indexed as it goes).
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:(' + _STRING + r')|([][{}:,])'
    r"|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity))",
    re.DOTALL,
)


# A comma, then a scalar item of an array (group 1 a string, 2 any other scalar).
_NEXT_SCALAR_ITEM = re.compile(
    r'[ \t\n\r]*,[ \t\n\r]*(?:(' + _STRING + r')'
    r"|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity))",
    re.DOTALL,
)


_NEXT_SCALAR_ITEM_MATCH = _NEXT_SCALAR_ITEM.match


class _Container:
    """An object or array being scanned."""

    __slots__ = ("count", "id", "keys")

    def __init__(self, id: int, is_object: bool):
        self.id = id
        self.keys: set[str] | None = set() if is_object else None  # None: an array
        self.count = 0  # the index of the array's current item


_VALUE, _KEY, _COLON, _AFTER = range(4)  # what the scanner expects next


def index_json(text: str) -> PositionIndex:
    """Index a JSON text that parsed (comments already blanked out).

    One pass over the tokens with a stack of open containers, no call per value: a
    position is wanted for each diagnostic of a large run. The text parsed before; were it
    not JSON after all, what was indexed up to the problem is kept."""
    tree = _Tree()
    spans, parents, keys = tree.spans, tree.parent, tree.keys
    duplicates: list[tuple[int, str, int, int]] = []
    open_: list[_Container] = []
    container: _Container | None = None  # open_[-1]
    parent = _NONE  # its id
    # The value about to be read: its key and the key's span (None, -1 and the item's
    # index for array items and the root).
    key: str | None = None
    key_start, key_end = _NONE, 0
    expected = _VALUE
    match = _TOKEN.match
    pos = 0
    while (token := match(text, pos)) is not None:
        group = token.lastindex or 0
        start, pos = token.start(group), token.end()
        char = text[start]
        if expected == _KEY and group == 1:
            raw = token.group(1)
            key = raw[1:-1] if "\\" not in raw else json.loads(raw)
            assert container is not None and container.keys is not None
            if key in container.keys:
                duplicates.append((parent, key, start, pos))
            container.keys.add(key)
            key_start, key_end = start, pos
            expected = _COLON
        elif expected == _COLON:
            if char != ":":
                break
            expected = _VALUE
        elif expected == _VALUE and group != 2:  # a string or another scalar
            spans.extend((key_start, key_end, start, pos))
            parents.append(parent)
            keys.append(key)
            expected = _AFTER
            if container is not None and container.keys is None:
                pos = _scalar_items(text, pos, container, spans, parents, keys)
        elif expected == _VALUE and char in "{[":
            parent = len(keys)
            spans.extend((key_start, key_end, start, pos))  # the end is set when it closes
            parents.append(container.id if container is not None else _NONE)
            keys.append(key)
            container = _Container(parent, char == "{")
            open_.append(container)
            key, key_start, key_end = None, _NONE, 0
            expected = _KEY if char == "{" else _VALUE
        elif expected == _AFTER and char == "," and container is not None:
            if container.keys is not None:
                expected = _KEY
            else:
                container.count += 1
                key, key_start, key_end = None, _NONE, container.count
                expected = _VALUE
        elif (
            char in "}]" and container is not None and (container.keys is None) == (char == "]")
        ):
            # After a value, or (an empty container, a trailing comma) where one was expected.
            spans[4 * container.id + 3] = pos
            open_.pop()
            expected = _AFTER
            if not open_:
                break
            container = open_[-1]
            parent = container.id
        else:
            break
    # A container left open (a text that was not JSON after all) spans its first character.
    for unclosed in open_:
        spans[4 * unclosed.id + 3] = spans[4 * unclosed.id + 2]
    return PositionIndex(text, tree, duplicates)


def _scalar_items(
    text: str, pos: int, container: _Container,
    spans: array[int], parents: array[int], keys: list[str | None],
) -> int:
    """Index the scalar items that follow at `pos` in the array `container` (`index_json`'s
    tree), one match each and no trip through the scanner's states (an array of a million
    numbers); return the offset after the last one."""
    parent, count = container.id, container.count
    while (item := _NEXT_SCALAR_ITEM_MATCH(text, pos)) is not None:
        count += 1
        pos = item.end()
        spans.extend((_NONE, count, item.start(item.lastindex or 0), pos))
        parents.append(parent)
        keys.append(None)
    container.count = count
    return pos


# --- YAML ------------------------------------------------------------------------------


def index_yaml(
    text: str, root: Any, own_keys: Mapping[int, OwnKeys] | None = None
) -> PositionIndex:
    """Index a composed PyYAML node tree (marks carry character offsets). `own_keys`
    (`kpack.load.yaml_text.own_keys`): in a mapping with a merge key, only its own keys
    can be duplicates; one overriding a merged member is not."""
    from kpack.load.pyyaml import yaml

    tree = _Tree()
    duplicates: list[tuple[int, str, int, int]] = []
    # node, its parent's id, its key (None for items and roots), the key's span or -1 and
    # the item's index.
    stack: list[tuple[Any, int, str | None, int, int]] = [(root, _NONE, None, _NONE, 0)]
    while stack:
        node, parent, key, key_start, key_end = stack.pop()
        i = len(tree)
        tree.spans.extend((key_start, key_end, node.start_mark.index, node.end_mark.index))
        tree.keys.append(key)
        tree.parent.append(parent)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            members = []
            written = own_keys.get(id(node)) if own_keys else None
            for key_node, value_node in node.value:
                member_key = str(key_node.value)
                ks, ke = key_node.start_mark.index, key_node.end_mark.index
                if written is None or id(key_node) in written.own:
                    if member_key in seen:
                        duplicates.append((i, member_key, ks, ke))
                    seen.add(member_key)
                members.append((value_node, i, member_key, ks, ke))
            if written is not None:
                duplicates.extend((i, name, start, end) for name, start, end in written.repeated)
            # Pushed in reverse so that pops follow the document: the last duplicate wins,
            # as it does when PyYAML constructs the value.
            stack.extend(reversed(members))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(
                (item, i, None, _NONE, n) for n, item in reversed(list(enumerate(node.value)))
            )
    duplicates.sort(key=lambda d: d[2])
    return PositionIndex(text, tree, duplicates)
