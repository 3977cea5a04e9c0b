"""Go's decoding: which member of a document the stack reads into which field.

cozy-stack decodes account types with encoding/json, which matches a member to a struct
field case-insensitively (the long s U+017F and the Kelvin sign U+212A fold to `s` and `k`, as
in Unicode's simple folding); when several members match one field, each is decoded in
turn: the last one wins, `null` leaves a string or boolean as it was, and objects decoded
into the `extras` map are merged. CouchDB, before it, refuses any `_` member but its own,
so `_id` and `_rev` are matched exactly. Checked against Go itself in tests/conformance.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.rules.common import go_fold
from kpack.spec import ACCOUNT_TYPE_FIELDS

_GO_FIELDS = frozenset(ACCOUNT_TYPE_FIELDS)
MAP_FIELDS = ("extras",)  # a Go map: decoded objects merge, null clears
# interface{} and json.RawMessage: the last member replaces, null included.
RAW_FIELDS = ("secret", "fcm_credentials")


# Keys repeat from document to document: their fields are remembered (short keys only, and
# a bounded number of them, so a hostile run cannot grow it).
_GO_FIELD_OF: dict[str, str | None] = {}
_GO_FIELD_CACHE_MAX = 4096
_GO_FIELD_KEY_MAX = 64


def go_field(key: str) -> str | None:
    """The account-type field Go's encoding/json decodes member `key` into, if any."""
    try:
        return _GO_FIELD_OF[key]
    except KeyError:
        pass
    if key.startswith("_"):
        field = key if key in _GO_FIELDS else None
    else:
        folded = go_fold(key)
        field = folded if folded in _GO_FIELDS else None
    if len(key) <= _GO_FIELD_KEY_MAX and len(_GO_FIELD_OF) < _GO_FIELD_CACHE_MAX:
        _GO_FIELD_OF[key] = field
    return field


class GoDecoding(NamedTuple):
    """A document as Go decodes it, worked out in one pass over its members (the key
    rules and the field rules read the same one)."""

    fields: dict[str, str | None]  # member -> the field Go decodes it into, or None
    members: dict[str, list[str]]  # field -> the members decoded into it, in order
    view: dict[str, Any]  # field -> its value (null kept when nothing else set it)
    keys: dict[str, str]  # field -> the member that gave its value


_NULL_CLEARS = (*MAP_FIELDS, *RAW_FIELDS)  # Go: null sets a map (or raw JSON) to nil


def go_decode(data: dict[str, Any]) -> GoDecoding:
    fields: dict[str, str | None] = {}
    members: dict[str, list[str]] = {}
    view: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        field = fields[key] = go_field(key)
        if field is None:
            continue
        members.setdefault(field, []).append(key)
        current = view.get(field)
        if value is None and current is not None and field not in _NULL_CLEARS:
            continue  # null leaves a string or a boolean as it was
        if field in MAP_FIELDS and isinstance(value, dict) and isinstance(current, dict):
            value = {**current, **value}
        view[field] = value
        keys[field] = key
    return GoDecoding(fields, members, view, keys)


def go_members(data: dict[str, Any]) -> dict[str, list[str]]:
    """The members Go decodes into each field, in document order."""
    return go_decode(data).members


def go_decoded(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields as Go decodes them (`null` members kept as None when nothing else set
    the field), and for each the member that gave its value."""
    decoding = go_decode(data)
    return decoding.view, decoding.keys


def at_member(doc: Document, finding: Finding, renamed: dict[str, str]) -> Finding:
    """A finding on a decoded field, pointed at the member that holds it in the file
    (`Grant_Mode` rather than `grant_mode`)."""
    for field, key in renamed.items():
        base = doc.at(field)
        if finding.pointer == base or finding.pointer.startswith(base + "/"):
            moved = doc.at(key)
            fix = finding.fix
            if fix is not None:  # its changes go to the member the stack reads, too
                fix = fix._replace(changes=tuple(
                    change._replace(pointer=moved + change.pointer[len(base):])
                    if change.pointer == base or change.pointer.startswith(base + "/")
                    else change
                    for change in fix.changes
                ))
            return finding._replace(pointer=moved + finding.pointer[len(base):], fix=fix)
    return finding
