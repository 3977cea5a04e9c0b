"""M001: the members cozy-stack decodes into typed Go fields (`model/app/konnector.go`).

A wrong JSON type on one of them fails the whole install; every other member is kept as
raw JSON and read by the registry or the home app.
"""

from __future__ import annotations

from typing import Any

from kpack import spec
from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import is_type, type_name
from kpack.rules.manifest.decoding import NONE, E, Findings, K, folded, go_members

FIELD_TYPE = define(
    "M001", "manifest-field-type", E, K, "A field the stack decodes has the wrong JSON type.",
    """
    cozy-stack decodes `slug`, `source`, `version`, `name`, `icon`, `language`,
    `on_delete_account` (strings), `clientSide` (boolean), `parameters`, `permissions`,
    `terms` and `notifications` (objects) into typed Go fields (`model/app/konnector.go`).
    One wrong type, such as `"clientSide": "true"` or `"version": 1.2`, makes Go's JSON
    decoder fail and the whole install stops with "Application manifest is invalid or
    malformed". The same holds for `terms.url` and `terms.version` (strings). `null` is
    accepted (Go leaves the field empty), and Go matches keys case-insensitively, so
    `"ClientSide"` is decoded (and checked) too.
    """,
)


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


_TYPED_FIELDS_FOLDED = [
    (name.lower(), json_type) for name, json_type in spec.MANIFEST_TYPED_FIELDS.items()
]


def _expected(json_type: str) -> str:
    return {"string": "a string", "boolean": "a boolean", "object": "an object",
            "array": "an array"}[json_type]


def _type_help(value: Any, json_type: str) -> str | None:
    if json_type == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return f"write {value.lower()} without quotes"
    if json_type == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'write it as a string: "{value}"'
    return None
