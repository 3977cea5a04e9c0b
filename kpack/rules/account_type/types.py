"""Types: a member of a JSON type Go cannot decode fails the whole account type.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from typing import Any

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document, type_name
from kpack.rulebook import define
from kpack.rules.common import is_type, q
from kpack.spec import ACCOUNT_TYPE_FIELDS

E = Severity.ERROR
K = Kind.ACCOUNT_TYPE

WRONG_FIELD_TYPE = define(
    "A008", "wrong-field-type", E, K, "A field has a JSON type the stack cannot decode.",
    """
    Go's `encoding/json` refuses a value of the wrong JSON type for a typed field, and
    then the whole account type fails to load: every connection with it fails. All
    fields are strings except `extras` (an object of string to string), the `skip_*`
    options (booleans), `secret` (any JSON, decoded into `interface{}`: a number beyond
    float64 fails) and `fcm_credentials` (`json.RawMessage`, model/account/type.go: any
    JSON value is kept as is; a non-object only makes push fall back to the default
    client). `null`
    is accepted (Go leaves the field empty). Keys match fields case-insensitively (see
    A006) and Go decodes every key that matches: a wrong type in any of them fails the
    document, even when a later key of the right type replaces it.

    `redirect_uri` is one string: one public documentation page shows an array of
    redirect URIs, but the stack's struct holds a single string.
    """,
)


def check_types(doc: Document, members: dict[str, list[str]]) -> Iterator[Finding]:
    # Go decodes every member that matches a field: one of the wrong type fails the whole
    # document even when a later member of the right type replaces it.
    for field, expected in ACCOUNT_TYPE_FIELDS.items():
        for key in members.get(field, ()):
            yield from _member_type(doc, key, field, expected, doc.data[key])


def _member_type(
    doc: Document, key: str, field: str, expected: str | None, value: Any
) -> Iterator[Finding]:
    if expected is not None and value is not None and not is_type(value, expected):
        message = (
            f"{q(key)} must be {_article(expected)}, not {type_name(value)}: "
            "the stack then fails to load the whole account type"
        )
        help = None
        if field == "redirect_uri" and isinstance(value, list):
            message = (
                f"{q(key)} must be one string, not an array: a documentation page shows "
                "an array, but the stack decodes a single string and fails to load the whole "
                "account type"
            )
            strings = [v for v in value if isinstance(v, str)]
            help = (
                f"write the one registered callback URL: \"redirect_uri\": {q(strings[0])}"
                if len(strings) == 1 else "keep the one callback URL registered at the provider"
            )
        elif expected == "boolean" and str(value).lower() in ("true", "false"):
            help = f"write {value.lower()} without quotes"
        elif expected == "string" and isinstance(value, (int, float)) and field not in (
            "client_secret", "client_id"
        ):
            help = f"write it as a string: {q(json.dumps(value))}"
        elif expected == "string" and isinstance(value, (int, float)):
            help = "write it between quotes"
        yield Finding(WRONG_FIELD_TYPE, doc.at(key), message, help)
    if field == "secret":  # fcm_credentials is a json.RawMessage: its numbers stay text
        pointer = _number_out_of_range(value, (key,))
        if pointer is not None:
            yield Finding(
                WRONG_FIELD_TYPE, doc.at(*pointer),
                f"{q(key)} holds a number beyond the range of a double: Go decodes its "
                "numbers as float64, fails, and the stack then fails to load the whole "
                "account type",
                "write it as a string", at_value=True,
            )
    if field == "extras" and isinstance(value, dict):
        for item, item_value in value.items():
            if item_value is not None and not isinstance(item_value, str):
                yield Finding(
                    WRONG_FIELD_TYPE, doc.at(key, str(item)),
                    f"extras item {q(str(item))} must be a string, not "
                    f"{type_name(item_value)}: `extras` is an object of string to string and "
                    "the stack fails to load the whole account type",
                    at_value=True,
                )


def _number_out_of_range(value: Any, pointer: tuple[str, ...]) -> tuple[str, ...] | None:
    """Where, inside a value Go decodes into interface{}, a number overflows float64."""
    stack = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, float):
            if math.isinf(item):
                return where
        elif isinstance(item, int):
            if abs(item) > _FLOAT64_MAX:
                return where
        elif isinstance(item, dict):
            stack.extend((v, (*where, str(k))) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, (*where, str(i))) for i, v in reversed(list(enumerate(item))))
    return None


_FLOAT64_MAX = sys.float_info.max


def _article(json_type: str) -> str:
    return {"object": "an object", "array": "an array"}.get(json_type, f"a {json_type}")
