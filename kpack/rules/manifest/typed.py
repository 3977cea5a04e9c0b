"""The manifest as cozy-stack's Go decoder reads it, and M001: the members it decodes
into typed Go fields (`model/app/konnector.go`).

Go's `encoding/json` matches struct fields case-insensitively and ignores `null`: every
family looks members up through the helpers here so it never reports what the stack
accepts. A wrong JSON type on a typed field fails the whole install; every other member
is kept as raw JSON and read by the registry or the home app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding, Kind, Severity, join_pointer
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import go_fold, is_type, type_name

E, W = Severity.ERROR, Severity.WARNING
K = Kind.MANIFEST

Findings = Iterator[Finding]

FIELD_TYPE = define(
    "M001", "manifest-field-type", E, K, "A field the stack decodes has the wrong JSON type.",
    """
    cozy-stack decodes `slug`, `source`, `version`, `name`, `icon`, `language`,
    `on_delete_account` (strings), `clientSide` (boolean), `parameters`, `permissions`,
    `terms` and `notifications` (objects), `state`, `available_version`, `checksum`,
    `error` (strings) and `created_at`, `updated_at` (`time.Time`: an RFC 3339 string
    such as `2020-01-01T00:00:00Z`) into typed Go fields (`model/app/konnector.go`).
    One wrong type, such as `"clientSide": "true"` or `"version": 1.2`, makes Go's JSON
    decoder fail and the whole install stops with "Application manifest is invalid or
    malformed". The same holds for `terms.url` and `terms.version` (strings), and for
    each notification of `notifications` (`model/notification/notifications.go`): an
    object whose `description`, `default_priority` (strings), `collapsible`, `multiple`,
    `stateful` (booleans), `templates` (an object of strings) and `time_to_live`,
    `min_interval` (`time.Duration`: a JSON integer of nanoseconds within int64; `1.5`,
    `1e3` and `"1h"` are refused) are typed. `null` is accepted (Go leaves the field
    empty), and Go matches keys case-insensitively, so `"ClientSide"` is decoded (and
    checked) too; the names of notifications and of templates are map keys, taken as
    they are. The stack also decodes the whole manifest into a map (`couchdb.JSONDoc`,
    `pkg/couchdb/couchdb.go`): a number beyond float64's range anywhere, such as
    `1e400`, even under a key nothing reads, fails the install the same way.
    """,
)


# --- how Go reads members, for every family -------------------------------------------------


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


# --- M001 typed fields ----------------------------------------------------------------------


def check_typed_fields(doc: Document) -> Findings:
    data = doc.data
    members = folded(data)
    for folded_name, json_type in _TYPED_FIELDS_FOLDED:
        for key, value in members.get(folded_name, NONE):
            if not is_type(value, json_type):
                yield Finding(
                    FIELD_TYPE, doc.at(key),
                    f'"{key}" must be {_expected(json_type)}, not {type_name(value)}: the '
                    f"stack refuses the whole manifest",
                    _type_help(value, json_type),
                )
            elif folded_name in _TIME_FIELDS and not is_rfc3339(value):
                yield Finding(
                    FIELD_TYPE, doc.at(key),
                    f'"{key}" is not an RFC 3339 time: the stack refuses the whole manifest',
                    "write it as 2006-01-02T15:04:05Z (or with an offset, +01:00)",
                )
    yield from _numbers_beyond_float64(doc)
    for terms_key, terms in go_members(data, "terms"):
        if not isinstance(terms, dict):
            continue
        for name in ("url", "version"):
            for key, value in go_members(terms, name):
                if not isinstance(value, str):
                    yield Finding(
                        FIELD_TYPE, doc.at(terms_key, key),
                        f'"terms.{key}" must be a string, not {type_name(value)}',
                    )
    for notifications_key, notifications in go_members(data, "notifications"):
        if isinstance(notifications, dict):  # else reported above
            yield from _notifications(doc, notifications_key, notifications)


def _notifications(doc: Document, member: str, notifications: dict[str, Any]) -> Findings:
    """M001 inside `notifications`: a map (its names are matched exactly) of
    notification.Properties, each a struct whose members Go matches like the manifest's."""
    for name, properties in notifications.items():
        if properties is None:
            continue  # Go stores an empty Properties
        if not isinstance(properties, dict):
            yield Finding(
                FIELD_TYPE, doc.at(member, name),
                f'notification "{name}" must be an object, not {type_name(properties)}: the '
                f"stack refuses the whole manifest",
            )
            continue
        members = folded(properties)
        for folded_name, json_type in _NOTIFICATION_FIELDS_FOLDED:
            for key, value in members.get(folded_name, NONE):
                pointer = doc.at(member, name, key)
                if not _is_go_type(value, json_type):
                    yield Finding(
                        FIELD_TYPE, pointer,
                        f'"{key}" of notification "{name}" must be {_expected(json_type)}, '
                        f"not {_found(value, json_type)}: the stack refuses the whole manifest",
                        _type_help(value, json_type),
                    )
                elif folded_name == "templates":
                    yield from _templates(doc, pointer, value)


def _templates(doc: Document, pointer: str, templates: dict[str, Any]) -> Findings:
    """A map[string]string: each template a string (`null` gives "")."""
    for channel, template in templates.items():
        if template is not None and not isinstance(template, str):
            yield Finding(
                FIELD_TYPE, join_pointer(pointer, channel),
                f'template "{channel}" must be a string, not {type_name(template)}: the '
                f"stack refuses the whole manifest",
            )


def _found(value: Any, json_type: str) -> str:
    """What `value` is, in the terms of the type refusing it."""
    if json_type == "integer" and type(value) is float:
        return "a number with a fraction or an exponent"
    if json_type == "integer" and type(value) is int:
        return "a number beyond int64's range"
    return type_name(value)


def _is_go_type(value: Any, json_type: str) -> bool:
    """`is_type`, and for "integer" what Go reads into an int64 (a time.Duration): a JSON
    integer in range. Python reads `1.0` and `1e3` as floats, which Go refuses too."""
    if json_type == "integer":
        return type(value) is int and spec.INT64_MIN <= value <= spec.INT64_MAX
    return is_type(value, json_type)


# The smallest magnitude that no longer rounds to a finite float64 (half an ULP above
# the largest one, which rounds to even: up): Go's ParseFloat gives ErrRange from there.
_FLOAT64_LIMIT = 2**1024 - 2**970
_INF = float("inf")


def _numbers_beyond_float64(doc: Document) -> Findings:
    """M001 on each number JSONDoc's map cannot hold: Python reads `1e400` as an infinite
    float and a 400-digit integer as an int; Go refuses both. One walk over the data
    (nesting is bounded when loading), with the path kept only down to containers."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            kind = type(item)
            if kind is dict or kind is list:
                if item:
                    stack.append(((*path, key), item))
            elif (kind is float and (item == _INF or item == -_INF)) or (
                kind is int and abs(item) >= _FLOAT64_LIMIT
            ):
                yield Finding(
                    FIELD_TYPE, doc.at(*path, key),
                    "this number is beyond a float64's range: the stack refuses the whole "
                    "manifest",
                    "write it as a string, or as a smaller number",
                )


_TIME_FIELDS = frozenset(spec.MANIFEST_TIME_FIELDS)
# What Go's time.Time UnmarshalJSON reads (Go 1.19, the oracle's: time.Parse with RFC3339):
# `T` and `Z` in upper case, a one- or two-digit hour, a fraction after `.` or `,`,
# two-digit offsets up to 24:60 (Go allows 24 hours and 60 minutes), February 30 refused.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))$",
    re.ASCII,
)


def is_rfc3339(value: str) -> bool:
    """Whether Go's time.Time reads `value` (ranges checked: no February 30)."""
    match = _RFC3339.match(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if not (1 <= month <= 12 and hour < 24 and minute < 60 and second < 60):
        return False
    if match.group(7) is not None and (int(match.group(7)) > 24 or int(match.group(8)) > 60):
        return False
    return 1 <= day <= _days_in(year, month)


def _days_in(year: int, month: int) -> int:
    """calendar.monthrange(year, month)[1], proleptic Gregorian (year 0 leap), without the
    calendar module (with datetime and locale, 2 ms of every check's start)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


_TYPED_FIELDS_FOLDED = [
    (name.lower(), json_type) for name, json_type in spec.MANIFEST_TYPED_FIELDS.items()
]


_NOTIFICATION_FIELDS_FOLDED = [
    (name.lower(), json_type) for name, json_type in spec.NOTIFICATION_FIELDS.items()
]


def _expected(json_type: str) -> str:
    return {"string": "a string", "boolean": "a boolean", "object": "an object",
            "array": "an array",
            "integer": "an integer of nanoseconds (a Go time.Duration: an int64)"}[json_type]


def _type_help(value: Any, json_type: str) -> str | None:
    if json_type == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return f"write {value.lower()} without quotes"
    if json_type == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'write it as a string: "{value}"'
    if json_type == "integer":
        return "write a whole number of nanoseconds without fraction or exponent, e.g. " \
            "3600000000000 for one hour"
    return None
