"""M019: the top-level keys, against every key a consumer of the manifest reads.

Besides the stack's typed fields, manifests carry the keys the registry documents and those
real konnectors use; any other key is silently ignored by every consumer.
"""

from __future__ import annotations

import re
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding, Severity
from kpack.documents import Document
from kpack.fixes import Fix, RenameKey, safe
from kpack.rulebook import declare_fix, define
from kpack.rules.common import did_you_mean, go_fold, js
from kpack.rules.manifest.store import is_misplaced_locale
from kpack.rules.manifest.typed import Findings, K, W

UNKNOWN_KEY = define(
    "M019", "unknown-manifest-key", W, K, "A top-level key no consumer of the manifest reads.",
    """
    Besides the stack's typed fields, manifests carry the keys the registry documents and
    those real konnectors use (`fields`, `locales`, `folders`, `features`...). Any other
    key is silently ignored by every consumer: a typo such as `permisions` or `catgories`
    loses the whole member without a word. A key that belongs inside an object
    (`oauth_scope`, `account_type`) gets the JSON to write instead (`"oauth": {"scope":
    [...]}`). `$schema` is accepted: editors read it, and the stack keeps unknown keys as
    raw JSON (cozy-stack `model/app/konnector.go`). `short_description` and
    `long_description` are accepted at the top level: the registry README's `locales`
    override top-level properties, which are the fallback.

    `client_side` (or `client-side`) is an error: the stack only reads `clientSide`
    (ignoring case), so the konnector runs server-side; a published build branch shipped
    it so. The fix renames it to `clientSide`.
    """,
)

_KNOWN_KEYS = frozenset(spec.MANIFEST_KEYS) | frozenset(spec.MANIFEST_TYPED_FIELDS)
_TYPED_LOWERED = frozenset(name.lower() for name in spec.MANIFEST_TYPED_FIELDS)


# Top-level keys that belong inside an object (normalised: lowercase letters only).
_NESTED = {
    "oauthscope": ("oauth", "scope"), "oauthscopes": ("oauth", "scope"),
    "scope": ("oauth", "scope"), "scopes": ("oauth", "scope"),
    "oauthaccounttype": ("oauth", "account_type"), "accounttype": ("oauth", "account_type"),
}


def _nested_help(key: str, value: Any) -> str | None:
    """`oauth_scope` → `"oauth": {"scope": [...]}`: where the member belongs."""
    place = _NESTED.get(re.sub(r"[^a-z]", "", key.lower()))
    if place is None:
        return None
    parent, member = place
    return f"did you mean {parent}.{member}? write {js(parent)}: {{{js(member)}: {js(value)}}}"


def check_unknown_keys(doc: Document) -> Findings:
    known = _KNOWN_KEYS
    for key, value in doc.data.items():
        if key in known or is_misplaced_locale(key, value):
            continue
        if _is_client_side_misspelt(key):
            yield _client_side(doc, key)
            continue
        if key.lower() in _TYPED_LOWERED:
            message = (f'"{key}" is read by the stack (Go ignores case) but not by the '
                       "registry nor the home app")
        else:
            message = f'unknown key "{key}": no consumer of the manifest reads it'
        help_ = _nested_help(key, value) or did_you_mean(key, known)
        yield Finding(UNKNOWN_KEY, doc.at(key), message, help_, fix=_key_case_fix(doc, key))


def _is_client_side_misspelt(key: str) -> bool:
    """`client_side`, `Client-Side`: not the field Go decodes (`clientSide`, any case)."""
    return re.sub(r"[^a-z]", "", key.lower()) == "clientside" and go_fold(key) != "clientside"


def _client_side(doc: Document, key: str) -> Finding:
    """An error: the stack never reads it, so the konnector runs server-side."""
    fix = None
    if not any(go_fold(other) == "clientside" for other in doc.data):  # as Go folds keys
        fix = safe(f'rename "{key}" to "clientSide"', RenameKey(doc.at(key), "clientSide"))
    return Finding(
        UNKNOWN_KEY, doc.at(key),
        f'"{key}" is not "clientSide": the stack never reads it, the konnector runs '
        "server-side",
        'write "clientSide"', severity=Severity.ERROR, fix=fix,
    )


declare_fix(
    UNKNOWN_KEY, "safe",
    """
    A key that differs from a manifest key only by case (`ClientSide` → `clientSide`)
    is renamed to it, when the manifest does not already have that key; `client_side`
    is renamed to `clientSide` when no key Go folds to `clientSide` is there.
    """,
)
_CANONICAL_BY_LOWER: dict[str, list[str]] = {}
for _key in sorted(_KNOWN_KEYS):
    _CANONICAL_BY_LOWER.setdefault(_key.lower(), []).append(_key)


def _key_case_fix(doc: Document, key: str) -> Fix | None:
    canonical = _CANONICAL_BY_LOWER.get(key.lower(), [])
    if len(canonical) != 1 or canonical[0] in doc.data:
        return None
    return safe(f'rename "{key}" to "{canonical[0]}"', RenameKey(doc.at(key), canonical[0]))
