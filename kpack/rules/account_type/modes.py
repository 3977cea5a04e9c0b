"""Modes: `grant_mode` picks the OAuth flow, `token_mode` how the secret reaches
`token_endpoint`; the stack compares both exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.fixes import Fix, SetValue, safe, unsafe
from kpack.rulebook import declare_fix, define
from kpack.rules.account_type.keys import canonical
from kpack.rules.common import closest, q, quoted_list, short
from kpack.spec import GRANT_MODES, TOKEN_MODES

E = Severity.ERROR
K = Kind.ACCOUNT_TYPE

GRANT_MODE_MISSING = define(
    "A001", "grant-mode-missing", E, K, "An account type has no `grant_mode`.",
    """
    cozy-stack picks the whole OAuth flow from `grant_mode`: `/accounts/<id>/start`
    answers "Wrong account type" when it is absent or empty, and a secret is handed to
    a konnector only for the secret grant modes. An empty string or `null` counts as
    missing (Go decodes both as the empty string).

    Exception: the notification documents of cozy-stack's `docs/notifications.md`
    carry `fcm_credentials` and no `grant_mode`; they are not OAuth account types and
    are accepted as they are.
    """,
)
GRANT_MODE_UNKNOWN = define(
    "A002", "grant-mode-unknown", E, K, "`grant_mode` is not one of the nine the stack knows.",
    """
    Exactly nine values exist: `authorization_code`, `authorization_code+secret`,
    `token`, `token_redirect_url`, `bi_webauth`, `bi_webauth+secret`, `bi_webview`,
    `bi_webview+secret` and `secret`. The comparison is exact (case and separators
    matter); any other value makes `/accounts/<id>/start` fail with "Wrong account
    type" when a user tries to connect.

    `refresh_token` is a classic mistake (the seed document lists it): it is the OAuth
    grant type the stack itself sends to `token_endpoint` when it refreshes an access
    token, not a grant mode. The authorization code flow is what yields refresh tokens.
    """,
)
TOKEN_MODE_UNKNOWN = define(
    "A003", "token-mode-unknown", E, K, "`token_mode` is not `form`, `basic` or `get`.",
    """
    `token_mode` tells how the stack sends the client credentials to `token_endpoint`:
    `form` (the default: a POSTed form body), `basic` (an HTTP Basic header) or `get`
    (a GET with query parameters). The stack compares the value exactly and any other
    value acts as `form`, without a word: `Basic` or `GET` quietly send the credentials
    in a POSTed form body, not the way you asked, which a provider expecting a Basic
    header or a GET may not accept. `post` is not needed: the default already POSTs a
    form body.
    """,
)
declare_fix(
    GRANT_MODE_UNKNOWN, "safe or unsafe",
    """
    Safe: a value that is one grant mode but for case and separators
    (`Authorization_Code`, `authorization-code`) is written as that mode. Unsafe:
    `refresh_token` becomes `authorization_code`, which changes the flow.
    """,
)
declare_fix(TOKEN_MODE_UNKNOWN, "safe", "`Basic` → `basic`, `GET` → `get`: case only.")

GRANT_MODE_ALIASES = {
    "implicit": "token", "implicit_grant": "token", "code": "authorization_code",
    "authorization": "authorization_code", "webauth": "bi_webauth", "webview": "bi_webview",
}


def _grant_mode_fix(doc: Document, grant_mode: str) -> Fix | None:
    """A grant mode spelt with other case or separators: the one mode it names."""
    norm = re.sub(r"[-\s_]+", "_", grant_mode.strip().lower())
    modes = [mode for mode in GRANT_MODES if mode == norm]
    if len(modes) != 1:
        return None
    return safe(f"write {q(modes[0])}", SetValue(doc.at("grant_mode"), modes[0]))


def check_grant_mode(doc: Document, grant_mode: str | None) -> Iterator[Finding]:
    data = doc.data
    raw = data.get("grant_mode")
    if raw is not None and not isinstance(raw, str):
        return  # A008
    if grant_mode is None or not grant_mode.strip():
        if "fcm_credentials" in data and raw is None:
            return  # a notification document, not an OAuth account type
        present = "grant_mode" in data
        yield Finding(
            GRANT_MODE_MISSING, doc.at("grant_mode") if present else doc.pointer,
            '"grant_mode" is empty' if present else 'the account type has no "grant_mode"',
            f"set one of {quoted_list(GRANT_MODES)}; for a konnector secret without OAuth use "
            '"secret"',
        )
        return
    if grant_mode in GRANT_MODES:
        return
    value = q(short(grant_mode))
    if grant_mode.strip().lower() == "refresh_token":
        yield Finding(
            GRANT_MODE_UNKNOWN, doc.at("grant_mode"),
            f"{value} is not a grant mode: it is the grant type the stack itself sends to "
            "token_endpoint when it refreshes a token",
            'you probably want "authorization_code": the authorization code flow is what '
            "gives refresh tokens, and the stack refreshes them on its own",
            fix=unsafe(
                'write "authorization_code"', SetValue(doc.at("grant_mode"), "authorization_code")
            ),
        )
        return
    suggestion = GRANT_MODE_ALIASES.get(canonical(grant_mode)) or closest(grant_mode, GRANT_MODES)
    yield Finding(
        GRANT_MODE_UNKNOWN, doc.at("grant_mode"),
        f"unknown grant_mode {value}: the stack answers \"Wrong account type\" when a user "
        "connects",
        f"did you mean {q(suggestion)}?" if suggestion
        else f"use one of {quoted_list(GRANT_MODES)}",
        fix=_grant_mode_fix(doc, grant_mode),
    )


def check_token_mode(doc: Document, token_mode: str | None) -> Iterator[Finding]:
    if token_mode is None or token_mode == "" or token_mode in TOKEN_MODES:
        return
    lowered = token_mode.strip().lower()
    if lowered == "post":
        help = (
            'the default ("form") already POSTs a form body to token_endpoint: remove '
            'token_mode or write "form"'
        )
    else:
        suggestion = closest(token_mode, TOKEN_MODES)
        help = (
            f"did you mean {q(suggestion)}?" if suggestion
            else f"use one of {quoted_list(TOKEN_MODES)}, or leave it out for \"form\""
        )
    yield Finding(
        TOKEN_MODE_UNKNOWN, doc.at("token_mode"),
        f"unknown token_mode {q(short(token_mode))}: the stack silently falls back to "
        '"form"',
        help,
        fix=_token_mode_fix(doc, token_mode),
    )


def _token_mode_fix(doc: Document, token_mode: str) -> Fix | None:
    lowered = token_mode.lower()
    if lowered not in TOKEN_MODES:
        return None
    return safe(f"write {q(lowered)}", SetValue(doc.at("token_mode"), lowered))
