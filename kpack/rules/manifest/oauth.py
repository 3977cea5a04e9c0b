"""M014-M018: `oauth`, which makes the konnector an OAuth one for the home app
(cozy-harvest-lib); it reads `oauth.scope` and `oauth.account_type`, the stack never does.
"""

from __future__ import annotations

import re
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.fixes import Fix, SetValue, unsafe
from kpack.rulebook import declare_fix, define
from kpack.rules.common import did_you_mean, js, type_name
from kpack.rules.manifest.typed import E, Findings, K, W

INVALID_OAUTH = define(
    "M014", "invalid-oauth", E, K, "`oauth` is not an object.",
    """
    The presence of `oauth` makes the konnector an OAuth konnector for the home app
    (cozy-harvest-lib), which reads `oauth.scope` and `oauth.account_type` from it. Any
    other value than an object (`true`, a string) breaks the connection flow. `null` is
    only a warning: the home app then treats the konnector as a non-OAuth one.
    """,
)
INVALID_OAUTH_SCOPE = define(
    "M015", "invalid-oauth-scope", E, K, "`oauth.scope` is not strings, a string, false or null.",
    """
    The home app accepts `oauth.scope` as an array of strings (joined with a space, the
    seed document's shape `["scope1 scope2"]`), as one string, or `false`/`null` to send no
    scope at all (cozy-apps-registry README). A number, an object, `true` or a non-string
    item ends up as garbage in the authorize URL (`[object Object]`, `true`).
    """,
)
OAUTH_SCOPE_FORMAT = define(
    "M016", "oauth-scope-format", W, K,
    "`oauth.scope` has empty items, duplicates or stray separators.",
    """
    Scope items are joined with one space and sent as the `scope` parameter. Empty items,
    leading, trailing or doubled whitespace produce extra spaces, duplicates ask twice for
    the same right, and commas (`"a,b"`) are taken by most providers as part of one scope
    name (RFC 6749 separates scopes with spaces; check your provider if it documents
    commas). A `+` inside an item is a real convention, not a mistake: the home app turns
    it into a space (`"openid+profile+offline_access"`).
    """,
)
UNKNOWN_OAUTH_KEY = define(
    "M017", "unknown-oauth-key", W, K, "`oauth` has a key the home app does not read.",
    """
    The home app reads `oauth.scope` and `oauth.account_type` only. A misspelling such as
    `scopes` is silently ignored, and the authorize request is sent without the scopes you
    meant.
    """,
)
INVALID_OAUTH_ACCOUNT_TYPE = define(
    "M018", "invalid-oauth-account-type", E, K,
    "`oauth.account_type` is not an account-type id the stack can use.",
    """
    `oauth.account_type` names the account-type document (`secrets/io-cozy-account_types`)
    used to start the OAuth flow when it differs from the konnector's slug
    (`/accounts/<account_type>/start`). Any CouchDB document id works (`google_drive`,
    `service.example`): it must be a non-empty string (`account.TypeInfo`,
    model/account/type.go, refuses `""`), not start with `_` (CouchDB's reserved ids,
    `validateDocID` in pkg/couchdb/couchdb.go) and hold no `/`: the route's parameter is one
    path segment (web/accounts/oauth.go), and a context prefix (`ctx/google`) does not
    belong here, the stack picks the context's override itself.
    """,
)


def check_oauth(doc: Document) -> Findings:
    if "oauth" not in doc.data:
        return
    oauth = doc.data["oauth"]
    pointer = doc.at("oauth")
    if oauth is None:
        yield Finding(
            INVALID_OAUTH, pointer,
            '"oauth" is null: the home app treats the konnector as a non-OAuth one',
            'remove "oauth", or make it an object such as {"scope": [...]}', severity=W,
        )
        return
    if not isinstance(oauth, dict):
        yield Finding(
            INVALID_OAUTH, pointer, f'"oauth" must be an object, not {type_name(oauth)}',
            'e.g. "oauth": {"scope": ["openid profile"]}',
        )
        return
    if "scope" in oauth:
        yield from _scope(doc, oauth["scope"])
    if "account_type" in oauth:
        yield from _oauth_account_type(doc, oauth["account_type"])
    for key in oauth:
        if key not in spec.OAUTH_KEYS:
            yield Finding(
                UNKNOWN_OAUTH_KEY, doc.at("oauth", key),
                f'"oauth.{key}" is not read by the home app (it reads scope and account_type)',
                did_you_mean(key, spec.OAUTH_KEYS),
            )


# --- M015/M016 scope ------------------------------------------------------------------------


def _scope(doc: Document, scope: Any) -> Findings:
    pointer = doc.at("oauth", "scope")
    if scope is None or scope is False:
        return
    if isinstance(scope, str):
        fix = _scope_fix(pointer, scope)
        for finding in (*_scope_item(pointer, scope, single=True),
                        *_duplicate_scopes([(pointer, scope)])):
            yield finding._replace(fix=fix)
        return
    if not isinstance(scope, list):
        yield Finding(
            INVALID_OAUTH_SCOPE, pointer,
            f'"oauth.scope" must be an array of strings, a string, false or null, '
            f"not {_scope_type(scope)}",
            'e.g. "scope": ["openid profile"]',
        )
        return
    if not scope:
        yield Finding(
            OAUTH_SCOPE_FORMAT, pointer, '"oauth.scope" is an empty array: an empty scope is sent',
            "use false to send no scope, or list the scopes", at_value=True,
        )
        return
    items: list[tuple[str, str]] = []
    for i, item in enumerate(scope):
        item_pointer = doc.at("oauth", "scope", i)
        if not isinstance(item, str):
            yield Finding(
                INVALID_OAUTH_SCOPE, item_pointer,
                f"scope items must be strings, not {_scope_type(item)}", at_value=True,
            )
            continue
        yield from _scope_item(item_pointer, item, single=False)
        items.append((item_pointer, item))
    yield from _duplicate_scopes(items)


declare_fix(
    OAUTH_SCOPE_FORMAT, "unsafe",
    """
    A scope given as one string becomes an array of its words, each once
    (`"openid, profile"` → `["openid", "profile"]`): unsafe, since the words are then
    joined with spaces, which a provider reading commas may take differently.
    """,
)


def _scope_fix(pointer: str, scope: str) -> Fix | None:
    words = list(dict.fromkeys(w for w in re.split(r"[\s,]+", scope) if w))
    if not words:
        return None
    return unsafe(f"write {js(words)}", SetValue(pointer, words))


def _scope_type(value: Any) -> str:
    return "true" if value is True else type_name(value)


def _scope_item(pointer: str, item: str, single: bool) -> Findings:
    if not item.strip():
        yield Finding(
            OAUTH_SCOPE_FORMAT, pointer,
            "the scope is empty" if single else "empty scope item",
            "use false to send no scope" if single else "remove the empty item",
            at_value=True,
        )
        return
    problems = []
    if item != item.strip():
        problems.append("leading or trailing whitespace")
    if re.search(r"\s{2,}|[^\S ]", item.strip()):
        problems.append("doubled whitespace or tabs")
    if "," in item:
        problems.append("commas (scopes are separated by spaces)")
    if problems:
        fixed = " ".join(part for part in re.split(r"[\s,]+", item) if part)
        yield Finding(
            OAUTH_SCOPE_FORMAT, pointer, f"scope {item!r} has {' and '.join(problems)}",
            f"write {js(fixed)}", at_value=True,
        )


def _duplicate_scopes(items: list[tuple[str, str]]) -> Findings:
    """One warning per scope asked for twice (items split on spaces, `+` and commas)."""
    seen: set[str] = set()
    for pointer, item in items:
        reported: set[str] = set()
        for scope in re.split(r"[\s+,]+", item):
            if not scope:
                continue
            if scope in seen and scope not in reported:
                reported.add(scope)
                yield Finding(
                    OAUTH_SCOPE_FORMAT, pointer, f"scope {scope!r} is asked for twice",
                    "remove the duplicate", at_value=True,
                )
            seen.add(scope)


# --- M018 account_type ----------------------------------------------------------------------


def _oauth_account_type(doc: Document, value: Any) -> Findings:
    pointer = doc.at("oauth", "account_type")
    if not isinstance(value, str):
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer,
            f'"oauth.account_type" must be a string, not {type_name(value)}',
            "name the account-type document, or remove the key to use the slug",
        )
    elif not value:
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer, '"oauth.account_type" is empty',
            "remove the key to use the konnector's slug",
        )
    elif value.startswith("_"):
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer,
            f"account type {value!r} starts with `_`: CouchDB refuses such a document id",
            "name the account-type document without the leading underscore",
        )
    elif "/" in value:
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer,
            f"account type {value!r} holds a `/`: the route takes one path segment",
            f'drop the context prefix: "account_type": {js(value.rsplit("/", 1)[1])} '
            "(the stack picks the context's override itself)",
        )
