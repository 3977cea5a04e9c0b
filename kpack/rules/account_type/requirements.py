"""Requirements: the fields each grant mode reads (DOMAIN.md's table).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import q
from kpack.spec import (
    CODE_EXCHANGE_FIELDS,
    CODE_GRANT_MODES,
    ENDPOINT_FIELDS,
    GRANT_MODE_REQUIREMENTS,
)

E, W = Severity.ERROR, Severity.WARNING
K = Kind.ACCOUNT_TYPE

REQUIRED_FIELD_MISSING = define(
    "A004", "required-field-missing", E, K, "A field the grant mode needs is missing or empty.",
    """
    Each grant mode reads its own fields (DOMAIN.md's table): `auth_endpoint` and
    `client_id` to build the authorize URL, `reconnect_endpoint` and `manage_endpoint`
    for Budget Insight's webviews, `slug` and `secret` for the secret grants (the
    secret is found by the konnector's slug and handed in `COZY_PARAMETERS`). Go
    decodes a missing field as the empty string and the stack goes on with it: the
    user lands on a broken URL or the konnector gets no secret. An empty string or
    `null` counts as missing, and so does a blank string except for the URLs: the stack
    compares those with `""` exactly and uses a blank one as is (rule A009).

    For `authorization_code` (and `+secret`), `client_secret` is required once
    `token_endpoint` is set: the stack sends it with the code in the server-side
    exchange. A missing `token_endpoint` is not an error but rule A005. The finding
    points at the object that lacks the field, or at the member when it is present
    but empty.
    """,
)
TOKEN_ENDPOINT_MISSING = define(
    "A005", "token-endpoint-missing", W, K,
    "An authorization-code account type has no `token_endpoint`.",
    """
    This is a legitimate but unusual setup, hence a warning and not an error. When
    `token_endpoint` is empty (`""` exactly: a blank `" "` is posted to, see A009), the
    stack's OAuth redirect handler does not exchange the
    authorization code: it stores the query it received together with `client_id` and
    `client_secret` in the account, and the konnector must exchange the code (and
    later refresh the token) itself. Most account types want the server-side exchange,
    and forgetting `token_endpoint` gives accounts without any access token. If the
    konnector really does the exchange, silence this rule for the file.
    """,
)

WHY_NEEDED = {
    "auth_endpoint": "the stack sends the user there to log in",
    "client_id": "the stack puts it on the authorize URL",
    "token_endpoint": "the stack exchanges the authorization code there",
    "client_secret": "the stack sends it with the code to `token_endpoint`; without it "
                     "the provider refuses the exchange",
    "reconnect_endpoint": "Budget Insight's reconnection webview is opened there",
    "manage_endpoint": "Budget Insight's management webview is opened there",
    "slug": "the stack finds the secret by the konnector's slug",
    "secret": "it is what the stack hands to the konnector in `COZY_PARAMETERS`",
}


# The stack compares these with "" exactly: a blank one (" ") is used as is (A009).
_URLS = ("redirect_uri", *ENDPOINT_FIELDS)


def is_missing(data: dict[str, Any], field: str) -> bool:
    value = data.get(field)
    if value is None:
        return True
    if isinstance(value, str):
        return value == "" if field in _URLS else not value.strip()
    return field == "secret" and value in ({}, [])


def check_requirements(doc: Document, grant_mode: str) -> Iterator[Finding]:
    data = doc.data
    required = list(GRANT_MODE_REQUIREMENTS[grant_mode])
    if grant_mode in CODE_GRANT_MODES and is_missing(data, "token_endpoint"):
        required = [f for f in required if f not in CODE_EXCHANGE_FIELDS]
        yield Finding(
            TOKEN_ENDPOINT_MISSING, doc.pointer,
            f'grant_mode "{grant_mode}" without "token_endpoint": the stack will not exchange '
            "the authorization code",
            "the code, client_id and client_secret are then stored in the account and the "
            "konnector must exchange the code itself; add token_endpoint"
            + ("" if not is_missing(data, "client_secret") else " and client_secret")
            + " for the usual server-side exchange",
        )
    for field in required:
        if not is_missing(data, field):
            continue
        present = field in data
        yield Finding(
            REQUIRED_FIELD_MISSING, doc.at(field) if present else doc.pointer,
            f'grant_mode "{grant_mode}" needs {q(field)}'
            + (", but it is empty" if present else ""),
            WHY_NEEDED.get(field),
        )
