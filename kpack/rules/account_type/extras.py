"""Extras: the parameters `extras` adds to the authorize URL.
"""

from __future__ import annotations

from collections.abc import Iterator

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import q
from kpack.spec import STANDARD_AUTHORIZE_PARAMETERS

W = Severity.WARNING
K = Kind.ACCOUNT_TYPE

EXTRAS_STANDARD_PARAMETER = define(
    "A015", "extras-standard-parameter", W, K,
    "An `extras` key repeats a parameter the stack already sets.",
    """
    `extras` is appended to the authorize URL after the parameters the stack sets
    itself (`scope`, `client_id`, `redirect_uri`, `state`, `response_type`; with
    `token_redirect_url`: `redirect_url` instead of `redirect_uri` and no
    `client_id`). A duplicate becomes a repeated query parameter, which providers
    reject or resolve in their own way. Scopes belong to the manifest's `oauth.scope`.
    """,
)


def check_extras(doc: Document, grant_mode: str | None) -> Iterator[Finding]:
    extras = doc.data.get("extras")
    if not isinstance(extras, dict):
        return
    standard: tuple[str, ...] = STANDARD_AUTHORIZE_PARAMETERS
    if grant_mode == "token_redirect_url":
        standard = ("scope", "state", "response_type", "redirect_url")
    for raw_key in extras:
        key = str(raw_key)
        if key not in standard:
            continue
        help = {
            "scope": "set the scope in the manifest's oauth.scope",
            "client_id": 'set the "client_id" field',
            "redirect_uri": 'set the "redirect_uri" field',
        }.get(key, "remove it: the stack sets it")
        yield Finding(
            EXTRAS_STANDARD_PARAMETER, doc.at("extras", key),
            f"extras {q(key)} duplicates a parameter the stack already puts on the authorize "
            "URL",
            help,
        )
