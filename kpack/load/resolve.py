"""From a rule's repair (`RenameKey`, `SetValue`) to edits of the file's exact spans.

Only the token that changes is rewritten: a key, or a value. Indentation, key order,
comments, line endings and the rest of the file keep their bytes. JSON tokens are written
by `json.dumps`; a YAML scalar keeps its quoting style (plain, single or double quotes)
when the new value can be written in it, else it is double-quoted. YAML the edit cannot
reach exactly (block scalars, anchors, aliases, tags) gets no fix.

A fix is offered only when it is safe to carry out here, whatever the rule that made it
(the check's `[*]` is a promise that `--fix` keeps):
- its edits change exactly the values its changes name: a YAML node that an alias or a
  merge key (`<<: *base`) shares between several places is never edited, since the edit
  would change every place at once;
- a renamed key lands on no other member: not one spelt the same, nor one Go's
  encoding/json folds to it (`Redirect_URI` is `redirect_uri` for the stack, which would
  then read the renamed member's value instead of that one's);
- the value a field gets, by a rename or a new value, has the JSON type the stack decodes
  that field into (`"extra": "note"` renamed to `extras`, an object of strings, would make
  the stack fail to load the whole account type).
"""

from __future__ import annotations

import bisect
import json
import re
import weakref
from typing import TYPE_CHECKING, Any

from kpack.diagnostics import Kind, split_pointer
from kpack.fixes import Edit, Fix, RenameKey, SetValue
from kpack.spec import ACCOUNT_TYPE_FIELDS, MANIFEST_TYPED_FIELDS

if TYPE_CHECKING:
    from kpack.load.source import SourceFile

# A plain YAML scalar on one line: no indicator first, no ": " or " #" inside, no space at
# either end (and it must read back as the same string: checked by loading it).
_PLAIN = re.compile(r"(?![-?:,\[\]{}#&*!|>'\"%@`\s])(?!.*(?:: | #))[^\x00-\x1f\x7f]*(?<![\s:])")

# The fields the stack decodes into typed Go fields, per kind of document: what a rename
# or a new value must give them. None: any JSON value. "strings": an object of strings
# (Go's map[string]string, where `null` is also accepted).
_FIELD_TYPES: dict[Kind, dict[str, str | None]] = {
    Kind.ACCOUNT_TYPE: {**ACCOUNT_TYPE_FIELDS, "extras": "strings"},
    Kind.MANIFEST: dict(MANIFEST_TYPED_FIELDS),
}
MISSING = object()  # what `value_at` answers for a path that leads nowhere


def resolve(source: SourceFile, fix: Fix) -> Fix | None:
    """`fix` with the edits that carry out its changes in `source`; None if it cannot, or
    if carrying them out could change another field or make the document fail to load."""
    if not fix.changes:
        return fix
    if not source.readable or source.data is None:
        return None
    text = source.text
    shift = 1 if source.bom else 0  # edits count the BOM, the loader's text does not
    edits: list[Edit] = []
    for change in fix.changes:
        node = source.index.node(change.pointer)
        if node is None or not _fits(source, change):
            return None
        if isinstance(change, RenameKey):
            if node.key_start is None or node.key_end is None:
                return None
            start, end = node.key_start, node.key_end
            content = _token(source.syntax, text[start:end], change.key)
        else:
            start, end = node.start, node.end
            if node.key_end is not None and start < node.key_end:  # a YAML alias
                return None
            content = _token(source.syntax, text[start:end], change.value)
        if content is None:
            return None
        if source.syntax == "yaml" and _shared(source, start, end):
            return None
        location = (*source.index.line_col(start), *source.index.line_col(end))
        edits.append(Edit(start + shift, end + shift, content, location))
    return fix._replace(edits=tuple(edits))


# -- what the stack would read ---------------------------------------------------------------


def go_fold(key: str) -> str:
    """`key` as Go's encoding/json compares it with a field name: case-insensitively, the
    long s U+017F and the Kelvin sign U+212A folding to `s` and `k` (as
    kpack.rules.common.go_fold, which this layer cannot import; a test keeps them equal
    on ASCII-foldable keys)."""
    return key.replace("\u017f", "s").replace("\u212a", "k").lower()


def _fits(source: SourceFile, change: RenameKey | SetValue) -> bool:
    """Whether `change` lands on no other member and gives its field a value of the type
    the stack decodes it into."""
    *parents, last = split_pointer(change.pointer)
    parent = value_at(source.data, parents)
    if not isinstance(parent, dict):
        return isinstance(change, SetValue) and isinstance(parent, list)
    if isinstance(change, RenameKey):
        value = parent.get(last, MISSING)
        if value is MISSING or _duplicated(source, change.pointer):
            return False  # the data holds the last of several members: which one?
        folded = go_fold(change.key)
        if any(key != last and go_fold(str(key)) == folded for key in parent):
            return False  # two members for one field: the stack would read another one
        key = change.key
    else:
        value, key = change.value, last
    fields = _document_fields(source, parents)
    if fields is None:
        return True
    field = _field_of(key, fields)
    return field is None or _has_type(value, fields[field])


def _document_fields(source: SourceFile, parents: list[str]) -> dict[str, str | None] | None:
    """The typed fields of the document whose members `parents` holds, if it is one."""
    fields = _FIELD_TYPES.get(source.kind)
    if fields is None:
        return None
    if not parents:
        return fields
    if source.kind is not Kind.ACCOUNT_TYPE:
        return None
    data = source.data
    if isinstance(data, list) and len(parents) == 1:  # [{...}, {...}]
        return fields
    wrapped = isinstance(data, dict) and "docs" in data and "grant_mode" not in data
    if wrapped and len(parents) == 2 and parents[0] == "docs":  # {"docs": [{...}]}
        return fields
    return None


def _field_of(key: str, fields: dict[str, str | None]) -> str | None:
    if key.startswith("_"):  # CouchDB's members: matched exactly (it refuses others)
        return key if key in fields else None
    folded = go_fold(key)
    return next((f for f in fields if f.lower() == folded and not f.startswith("_")), None)


def _has_type(value: Any, expected: str | None) -> bool:
    if expected is None or value is None:  # any JSON; null leaves the field empty
        return True
    if expected == "strings":
        return isinstance(value, dict) and all(
            v is None or isinstance(v, str) for v in value.values()
        )
    if expected == "string":
        return isinstance(value, str)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "object":
        return isinstance(value, dict)
    return False


def value_at(data: Any, tokens: list[str]) -> Any:
    """The value at the JSON pointer split into `tokens`, or MISSING."""
    for token in tokens:
        if isinstance(data, dict):
            data = data.get(token, MISSING)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return MISSING
    return data


# Per source: the pointers of the keys written more than once in their object.
_DUPLICATED: weakref.WeakKeyDictionary[SourceFile, frozenset[str]] = weakref.WeakKeyDictionary()


def _duplicated(source: SourceFile, pointer: str) -> bool:
    if not source.has_duplicates:
        return False
    found = _DUPLICATED.get(source)
    if found is None:
        found = _DUPLICATED[source] = frozenset(d.pointer for d in source.index.iter_duplicates())
    return pointer in found


# -- YAML that aliases share -------------------------------------------------------------------

# Per source (weakly: a source lives as long as its check): the spans of the YAML nodes
# found at more than one place, merged into sorted disjoint intervals.
_SHARED: weakref.WeakKeyDictionary[SourceFile, tuple[list[int], list[int]]] = (
    weakref.WeakKeyDictionary()
)


def _shared(source: SourceFile, start: int, end: int) -> bool:
    """Whether the text [start, end) overlaps a node that the document holds at several
    places: an anchored node that an alias repeats, or the members a merge key
    (`<<: *base`) copies into another mapping. Editing it would change them all."""
    intervals = _SHARED.get(source)
    if intervals is None:
        intervals = _SHARED[source] = _shared_intervals(source)
    starts, ends = intervals
    i = bisect.bisect_left(starts, end) - 1  # the last interval starting before `end`
    return i >= 0 and start < ends[i]


def _shared_intervals(source: SourceFile) -> tuple[list[int], list[int]]:
    """The nodes reached more than once from the root, as disjoint intervals. The loader
    keeps the composed tree after PyYAML constructed it, when merge keys were already
    replaced by the key and value nodes they copy (the same node objects): those count as
    reached twice."""
    import yaml

    root = source.yaml_root  # the loader's own tree: the one the index was built from
    spans: list[tuple[int, int]] = []
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            spans.append((node.start_mark.index, node.end_mark.index))
            continue  # its children lie inside its span
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if starts and start < ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(max(end, start + 1))
    return starts, ends


# -- tokens --------------------------------------------------------------------------------


def _token(syntax: str, old: str, value: Any) -> str | None:
    if syntax == "json":
        return json.dumps(value, ensure_ascii=False)
    return yaml_token(old, value)


def yaml_token(old: str, value: Any) -> str | None:
    """`value` written where the YAML scalar `old` was, in its style when possible."""
    if old[:1] in ("|", ">", "&", "*", "!"):  # block scalar, anchor, alias, tag
        return None
    if isinstance(value, list):
        items = [yaml_token('"', item) for item in value]
        return None if None in items else "[" + ", ".join(str(i) for i in items) + "]"
    if not isinstance(value, str):
        return json.dumps(value)
    if old.startswith("'") and "\n" not in value and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    if not old.startswith(('"', "'")) and _PLAIN.fullmatch(value) and _reads_back(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _reads_back(plain: str) -> bool:
    """Whether YAML reads `plain` as that string (not `yes`, `null`, `1e3`...)."""
    from kpack.load.pyyaml import yaml

    try:
        return bool(yaml.safe_load(plain) == plain)
    except yaml.YAMLError:
        return False

