"""Keys: misspellings of the fields the stack reads, and keys it does not read at all.

The stack decodes account types into a Go struct and ignores any other key: a misspelt
key silently leaves its field at the default. Case is no misspelling (see
`kpack.rules.account_type.decoding`), but a key spelt otherwise than its field still gets a
warning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.fixes import Fix, RenameKey, safe
from kpack.rulebook import declare_fix, define
from kpack.rules.account_type.decoding import MAP_FIELDS, GoDecoding
from kpack.rules.common import did_you_mean, q
from kpack.spec import ACCOUNT_TYPE_FIELDS, COUCHDB_MEMBERS

E, W = Severity.ERROR, Severity.WARNING
K = Kind.ACCOUNT_TYPE

MISSPELLED_KEY = define(
    "A006", "misspelled-key", E, K, "A key that is a misspelling of one the stack reads.",
    """
    The stack decodes account types into a Go struct and ignores every other key. A
    misspelt key (`redirect_url`, `redirectUri`, `redirect_uris`, `client-secret`,
    `grantMode`, `token_url`...) is therefore dropped without a word and the stack uses
    its default instead: for `redirect_url` (the seed document's curl example) it sends
    `https://<instance>/accounts/<id>/redirect`, which the provider does not know, and
    every connection fails with a redirect URI mismatch.

    Case is not a misspelling: the stack decodes account types with Go's
    `encoding/json`, which matches keys case-insensitively (`Grant_Mode` is read as
    `grant_mode`; the long s U+017F and the Kelvin sign U+212A fold to `s` and `k`, but
    `ß` is not `ss`). Such a key is a warning: it works, but other tools and readers
    expect the exact key. When several keys fold to one field, the stack reads them in
    order and the last one wins (objects in `extras` are merged): the earlier ones get a
    warning. One exception is an error: `Slug` (any case but `slug`) is decoded, yet the
    konnector's secret is found by a CouchDB Mango query on the exact key `slug`
    (`FindAccountTypesBySlug`), so the secret is never delivered.
    """,
)
UNKNOWN_KEY = define(
    "A007", "unknown-key", W, K, "A key the stack does not read.",
    """
    Account types are decoded into a fixed Go struct: any other key is ignored. It is
    harmless but often a sign of confusion (for example `scope`, which belongs to the
    manifest's `oauth.scope`). CouchDB's own members (`_id`, `_rev`, `_deleted`,
    `_attachments`, `_conflicts`...) are known; CouchDB refuses any other member
    starting with `_`.
    """,
)
declare_fix(
    MISSPELLED_KEY, "safe",
    """
    Renames the key to the one the stack reads (`redirect_url` → `redirect_uri`,
    `client-secret` → `client_secret`), when the key has exactly one candidate and that
    key is not already present.
    """,
)

STACK_FIELDS = tuple(ACCOUNT_TYPE_FIELDS)
KNOWN_KEYS = frozenset(STACK_FIELDS) | frozenset(COUCHDB_MEMBERS)

# Other names people give the keys the stack reads (after `canonical`).
KEY_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ("redirect_url", "redirect_uris", "redirect_urls", "redirection_uri", "redirection_url",
         "callback_url", "callback_uri", "oauth_callback", "redirect"), "redirect_uri"),
    **dict.fromkeys(
        ("token_url", "token_uri", "access_token_url", "access_token_endpoint",
         "token_endpoint_url", "oauth_token_url"), "token_endpoint"),
    **dict.fromkeys(
        ("auth_url", "auth_uri", "authorize_url", "authorize_uri", "authorize_endpoint",
         "authorization_url", "authorization_uri", "authorization_endpoint",
         "authorisation_endpoint", "authorisation_url", "auth_endpoint_url",
         "oauth_url"), "auth_endpoint"),
    **dict.fromkeys(("grant_type", "grant", "oauth_grant_mode"), "grant_mode"),
    **dict.fromkeys(("token_auth_mode", "token_method", "token_auth_method"), "token_mode"),
    **dict.fromkeys(("extra", "extra_params", "extra_auth_query", "extra_parameters"), "extras"),
    **dict.fromkeys(("manage_url",), "manage_endpoint"),
    **dict.fromkeys(("reconnect_url",), "reconnect_endpoint"),
    **dict.fromkeys(("skip_redirect_uri",), "skip_redirect_uri_on_authorize"),
    **dict.fromkeys(("skip_state",), "skip_state_on_token"),
    **dict.fromkeys(("app_id", "consumer_key"), "client_id"),
    **dict.fromkeys(("app_secret", "consumer_secret"), "client_secret"),
    "id": "_id",
    "rev": "_rev",
}

# Explanations for unknown keys that are not misspellings.
UNKNOWN_KEY_HELP = {
    "scope": "the scope is not read from the account type: put it in the manifest's "
             "`oauth.scope`",
    "scopes": "the scope is not read from the account type: put it in the manifest's "
              "`oauth.scope`",
    "account_type": "the account type is the document's `_id`; the manifest names it in "
                    "`oauth.account_type`",
}

# Compiled on first use (re's cache), as the patterns below: a clean run needs none.
_CAMEL = r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])"


def canonical(key: str) -> str:
    """`redirectURL` → `redirect_url`, `client-Secret` → `client_secret`."""
    key = re.sub(_CAMEL, "_", key.strip())
    key = re.sub(r"[-\s.]+", "_", key.lower())
    return re.sub(r"_+", "_", key)


def misspelling_of(key: str) -> str | None:
    """The field the stack reads that `key` most likely meant, if it is a misspelling."""
    if key in KNOWN_KEYS:
        return None
    canon = canonical(key)
    if canon in KNOWN_KEYS:
        return canon
    squashed = canon.replace("_", "")
    for field in STACK_FIELDS:
        if field.replace("_", "") == squashed:
            return field
    for candidate in (canon, canon[:-1] if canon.endswith("s") else canon):
        if candidate in ACCOUNT_TYPE_FIELDS:
            return candidate
        if candidate in KEY_ALIASES:
            return KEY_ALIASES[candidate]
    near = _near_fields(canon, STACK_FIELDS)
    return near[0] if near else None


@functools.lru_cache(maxsize=1024)  # a file repeats its misspellings in every document
def _near_fields(canon: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The `fields` (the stack's) within an edit or two of `canon` (a canonical key), in
    order."""
    if len(canon) < 4:
        return ()
    return tuple(
        field for field in fields
        if _edit_distance(canon, field) <= (1 if len(field) < 10 else 2)
    )


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent transpositions count as one edit)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]


def _key_fix(doc: Document, key: str, right: str) -> Fix | None:
    """Rename `key` to `right` when it is the one candidate and `right` is absent."""
    if right in doc.data:
        return None
    if set(_near_fields(canonical(key), STACK_FIELDS)) - {right}:
        return None
    return safe(f"rename {q(key)} to {q(right)}", RenameKey(doc.at(key), right))


def check_keys(doc: Document, decoding: GoDecoding) -> Iterator[Finding]:
    members = decoding.members
    slug = decoding.view.get("slug")
    for key, field in decoding.fields.items():
        if field is not None:
            lost_secret = (
                field == "slug" and isinstance(slug, str) and slug != ""
                and doc.data.get("slug") != slug
            )
            yield from _decoded_key(doc, key, field, members[field], lost_secret)
            continue
        if key in KNOWN_KEYS:
            continue
        right = misspelling_of(key)
        if right is not None:
            present = right in members
            yield Finding(
                MISSPELLED_KEY, doc.at(key),
                f"{q(key)} is not a key the stack reads: it is ignored"
                + ("" if present else _default_note(right)),
                f"did you mean {q(right)}?"
                + (" (it is also present: remove this one)" if present else ""),
                fix=_key_fix(doc, key, right),
            )
            continue
        if key.startswith("_"):
            yield Finding(
                UNKNOWN_KEY, doc.at(key),
                f"unknown member {q(key)}: CouchDB refuses members starting with `_` "
                "other than its own",
                did_you_mean(key, COUCHDB_MEMBERS),
            )
            continue
        yield Finding(
            UNKNOWN_KEY, doc.at(key), f"unknown key {q(key)}: the stack ignores it",
            UNKNOWN_KEY_HELP.get(canonical(key)) or did_you_mean(key, KNOWN_KEYS),
        )


def _decoded_key(
    doc: Document, key: str, field: str, keys: list[str], lost_secret: bool
) -> Iterator[Finding]:
    """A member Go decodes into `field`: fine when it is spelt `field` and alone.
    `lost_secret`: the decoded slug is not what a Mango query on the key `slug` sees."""
    if len(keys) > 1 and key != keys[-1]:
        what = (
            "the stack merges both objects" if field in MAP_FIELDS
            else f"the last one, {q(keys[-1])}, wins"
        )
        yield Finding(
            MISSPELLED_KEY, doc.at(key),
            f"{q(key)} and {q(keys[-1])} are the same field for the stack, which matches keys "
            f"case-insensitively: {what}",
            f"keep one {q(field)}", severity=W,
        )
    elif key == field:
        return
    elif field == "slug" and lost_secret:
        yield Finding(
            MISSPELLED_KEY, doc.at(key),
            f"{q(key)} is decoded as \"slug\", but the konnector's secret is found by a CouchDB "
            "query on the exact key \"slug\" (FindAccountTypesBySlug): with "
            f"{q(key)} the secret is never handed to the konnector",
            'write "slug"',
        )
    else:
        yield Finding(
            MISSPELLED_KEY, doc.at(key),
            f"{q(key)} is read as {q(field)} (the stack matches keys case-insensitively), but "
            "other tools and readers expect the exact key",
            f"write {q(field)}", severity=W,
        )


def _default_note(field: str) -> str:
    if field == "redirect_uri":
        return " and the default redirect URI `https://<instance>/accounts/<_id>/redirect` is used"
    if field == "token_mode":
        return " and the default `form` is used"
    return f" and {q(field)} stays empty"
