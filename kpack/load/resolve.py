"""From a rule's repair (`RenameKey`, `SetValue`) to edits of the file's exact spans.

Only the token that changes is rewritten: a key, or a value. Indentation, key order,
comments, line endings and the rest of the file keep their bytes. JSON tokens are written
by `json.dumps`; a YAML scalar keeps its quoting style (plain, single or double quotes)
when the new value can be written in it, else it is double-quoted. YAML the edit cannot
reach exactly (block scalars, anchors, aliases, tags) gets no fix.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from kpack.fixes import Edit, Fix, RenameKey

if TYPE_CHECKING:
    from kpack.load.source import SourceFile

# A plain YAML scalar on one line: no indicator first, no ": " or " #" inside, no space at
# either end (and it must read back as the same string: checked by loading it).
_PLAIN = re.compile(r"(?![-?:,\[\]{}#&*!|>'\"%@`\s])(?!.*(?:: | #))[^\x00-\x1f\x7f]*(?<![\s:])")


def resolve(source: SourceFile, fix: Fix) -> Fix | None:
    """`fix` with the edits that carry out its changes in `source`; None if it cannot."""
    if not fix.changes:
        return fix
    if not source.readable:
        return None
    text = source.text
    shift = 1 if source.bom else 0  # edits count the BOM, the loader's text does not
    edits: list[Edit] = []
    for change in fix.changes:
        node = source.index.node(change.pointer)
        if node is None:
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
        location = (*source.index.line_col(start), *source.index.line_col(end))
        edits.append(Edit(start + shift, end + shift, content, location))
    return fix._replace(edits=tuple(edits))


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
