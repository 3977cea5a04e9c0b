"""M006-M009: `permissions`, the rules cozy-stack decodes into typed structs and grants.

Each rule is an object with a doctype `type`, optional `verbs` and `values` (arrays of
strings), `selector` and `description`; the doctype follows the stack's
`CheckDoctypeName` (`model/permission/doctype.go`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import did_you_mean, js, type_name
from kpack.rules.manifest.typed import (
    NONE,
    E,
    Findings,
    K,
    W,
    folded,
    go_member,
    go_members,
    token,
)

INVALID_PERMISSION = define(
    "M006", "invalid-permission", E, K, "A permission is not `{type, verbs?, values?, ...}`.",
    """
    Each member of `permissions` is a rule that cozy-stack decodes into a typed struct:
    an object with a `type` string (required: the doctype the rule grants), optional
    `verbs` and `values` (arrays of strings), `selector` and `description` (strings).
    Any other shape fails the install ("Application manifest is invalid or malformed"),
    and so does a rule without `type`: the installer checks every rule's type with
    `CheckDoctypeName` (model/permission/doctype.go), which refuses `""`.

    `permission.Set` has its own `UnmarshalJSON` (model/permission/set.go): a later
    `Permissions` member (any case) replaces the earlier one. A decode error in any member
    fails the install; the doctypes checked are those of the last member only.
    """,
)
INVALID_DOCTYPE = define(
    "M007", "invalid-doctype", E, K, "A permission's `type` is not a valid doctype name.",
    """
    cozy-stack checks every permission type with `CheckDoctypeName`
    (`model/permission/doctype.go`): lowercase letters, digits, `.` and `_` only, no dot
    at the start or the end, no two dots in a row. A trailing `.*` wildcard is allowed
    only when the whole name has at least three dots (`io.cozy.calendar.*`, not
    `io.cozy.*`): wildcards on too large domains are refused. An invalid name makes the
    install fail.
    """,
)
INVALID_VERB = define(
    "M008", "invalid-permission-verb", E, K,
    "A permission verb is not an HTTP verb the stack knows.",
    """
    `verbs` lists the HTTP methods the rule allows: `GET`, `POST`, `PUT`, `PATCH`,
    `DELETE`, or `ALL` (an empty or missing list also means all). Verbs are uppercase:
    `VerbSet.UnmarshalJSON` (model/permission/verbs.go) refuses any other, and the install
    fails. `ALL` anywhere in the list makes it skip the check of the other verbs.
    """,
)
UNKNOWN_PERMISSION_KEY = define(
    "M009", "unknown-permission-key", W, K, "A permission has a key the stack ignores.",
    """
    A permission rule has only `type`, `verbs`, `values`, `selector` and `description`.
    Other keys are silently dropped: a misspelled `verb` or `selectors` means the rule
    grants more than intended.
    """,
)


def check_permissions(doc: Document) -> Findings:
    # Go decodes every member spelt `permissions` in any case, one after the other: a
    # decode error in an earlier one fails the install, but the last one replaces the set
    # (permission.Set.UnmarshalJSON), so only its doctypes are checked.
    members = go_members(doc.data, "permissions")
    for i, (key, permissions) in enumerate(members):
        if isinstance(permissions, dict):  # else M001
            yield from _permission_rules(doc, key, permissions, last=i == len(members) - 1)


def _permission_rules(
    doc: Document, key: str, permissions: dict[str, Any], last: bool
) -> Findings:
    for name, rule in permissions.items():
        pointer = doc.at(key, name)
        if not isinstance(rule, dict):
            yield Finding(
                INVALID_PERMISSION, pointer,
                f"permission {name!r} must be an object with a \"type\", not {type_name(rule)}",
                'e.g. {"type": "io.cozy.files"}',
            )
            continue
        yield from _permission(doc, pointer, name, rule, last)


def _permission(
    doc: Document, pointer: str, name: str, rule: dict[str, Any], last: bool
) -> Findings:
    doctype = go_member(rule, "type")
    if doctype is None and last:
        yield Finding(
            INVALID_PERMISSION, pointer,
            f'permission {name!r} has no "type": CheckDoctypeName("") fails the install',
            'add the doctype it grants, e.g. "type": "io.cozy.files"',
        )
    for key, value in go_members(rule, "type"):
        if not isinstance(value, str):
            yield Finding(
                INVALID_PERMISSION, f"{pointer}/{token(key)}",
                f'"type" must be a doctype string, not {type_name(value)}',
            )
            continue
        if not last or (key, value) != doctype:
            continue  # replaced: the stack checks the doctype it ends up with only
        problem = doctype_problem(value)
        if problem is not None:
            yield Finding(
                INVALID_DOCTYPE, f"{pointer}/{token(key)}",
                f"{value!r} is not a valid doctype name: {problem}", _doctype_help(value),
            )
    members = folded(rule)
    for field in ("selector", "description"):
        for key, value in members.get(field, NONE):
            if not isinstance(value, str):
                yield Finding(
                    INVALID_PERMISSION, f"{pointer}/{token(key)}",
                    f'"{key}" must be a string, not {type_name(value)}',
                )
    for field in ("verbs", "values"):
        for key, value in members.get(field, NONE):
            yield from _permission_list(pointer, field, key, value)
    for field in rule:
        if field in spec.PERMISSION_KEYS:
            continue
        if field.lower() in _PERMISSION_KEYS_LOWERED:
            message = f'"{field}" is read by the stack (case-insensitively) but not by other tools'
        else:
            message = f'permission {name!r} has an unknown key "{field}": the stack ignores it'
        yield Finding(
            UNKNOWN_PERMISSION_KEY, f"{pointer}/{token(field)}", message,
            did_you_mean(field, spec.PERMISSION_KEYS),
        )


_PERMISSION_KEYS_LOWERED = frozenset(k.lower() for k in spec.PERMISSION_KEYS)


def _permission_list(pointer: str, field: str, key: str, value: Any) -> Findings:
    """`verbs` and `values`: arrays of strings; verbs within the stack's list."""
    field_pointer = f"{pointer}/{token(key)}"
    if not isinstance(value, list):
        yield Finding(
            INVALID_PERMISSION, field_pointer,
            f'"{key}" must be an array of strings, not {type_name(value)}',
            f'e.g. {js(field)}: [{js(value)}]' if isinstance(value, str) else None,
        )
        return
    # VerbSet.UnmarshalJSON: ALL anywhere skips the check of the other verbs.
    all_verbs = field == "verbs" and "ALL" in value
    for i, item in enumerate(value):
        if not isinstance(item, str):
            yield Finding(
                INVALID_PERMISSION, f"{field_pointer}/{i}",
                f'"{key}" items must be strings, not {type_name(item)}', at_value=True,
            )
        elif field == "verbs" and not all_verbs and item not in spec.PERMISSION_VERBS:
            yield Finding(
                INVALID_VERB, f"{field_pointer}/{i}",
                f"{item!r} is not a permission verb ({', '.join(spec.PERMISSION_VERBS)}): "
                "the install fails",
                did_you_mean(item, spec.PERMISSION_VERBS), at_value=True,
            )


def doctype_problem(doctype: str) -> str | None:
    """Why cozy-stack's CheckDoctypeName(doctype, authorizeWildcard=true) refuses a name,
    or None when it accepts it."""
    if not doctype:
        return "it is empty"
    name = doctype
    if name.endswith(".*"):
        if name.count(".") < spec.DOCTYPE_WILDCARD_MIN_DOTS:
            return (
                f"a .* wildcard needs at least {spec.DOCTYPE_WILDCARD_MIN_DOTS} dots in the "
                "whole name (wildcards on too large domains are refused)"
            )
        name = name[:-2]
    if _ASCII_DOCTYPE.fullmatch(name) is None:  # else every character is allowed
        problem = _character_problem(name)
        if problem is not None:
            return problem
    if name.startswith(".") or name.endswith("."):
        return "it starts or ends with a dot"
    if ".." in name:
        return "it has two dots in a row"
    return None


# Lowercase ASCII letters, digits, dots and underscores: what nearly every doctype is made
# of, and all allowed. Other characters go through Go's unicode tests one by one.
_ASCII_DOCTYPE = re.compile(r"[a-z0-9._]*")


def _character_problem(name: str) -> str | None:
    for char in name:
        # Go: unicode.IsLower(c) || unicode.IsDigit(c) || c == '.' || c == '_'
        if char in "._" or unicodedata.category(char) in ("Ll", "Nd"):
            continue
        if char.isupper():
            return "doctypes are lowercase"
        return f"{char!r} is not allowed (lowercase letters, digits, . and _ only)"
    return None


def _doctype_help(doctype: str) -> str | None:
    candidate = re.sub(r"\.{2,}", ".", doctype.strip().lower().replace("-", "_")).strip(".")
    if doctype.endswith(".*") and doctype.count(".") < spec.DOCTYPE_WILDCARD_MIN_DOTS:
        return "name the doctype itself (io.cozy.files) or a narrower family (io.cozy.calendar.*)"
    if candidate and candidate != doctype and doctype_problem(candidate) is None:
        return f"did you mean {candidate!r}?"
    return None
