"""Rules for OAuth account types (`secrets/io-cozy-account_types` documents).

The stack validates nothing when an account type is written into CouchDB: mistakes show
up only when a user tries to connect, or never (a misspelt key silently falls back to a
default). These rules replay what cozy-stack's `model/account/type.go` and
`web/accounts/oauth.go` do with each field. See DOMAIN.md §1.

One module per family, each with its rules' definitions next to their checks, run in
this order on each document:
- `decoding`: which member Go's encoding/json reads into which field (no rule of its own);
- `keys`: misspelt and unknown keys (A006, A007);
- `types`: JSON types Go cannot decode (A008);
- `modes`: `grant_mode` and `token_mode` (A001, A002, A003);
- `requirements`: the fields each grant mode needs (A004, A005);
- `ids`: the `_id` (A019);
- `urls`: endpoints and `redirect_uri` (A009-A013, A020);
- `domains`: the endpoints' registrable domains (A014);
- `extras` (A015) and `placeholders` (A016);
- `duplicates`: across the documents of a run (A017, A018).
`kpack.rules.common` holds the helpers they share (how values are quoted in messages).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpack.diagnostics import Finding, Rule
from kpack.documents import Document
from kpack.options import CheckOptions
from kpack.rules.account_type.decoding import (
    at_member,
    go_decode,
    go_decoded,
    go_field,
    go_members,
)
from kpack.rules.account_type.domains import (
    ENDPOINTS_DIFFERENT_DOMAINS,
    check_endpoint_domains,
    registrable_domain,
    same_site,
)
from kpack.rules.account_type.duplicates import (
    DUPLICATE_ID,
    DUPLICATE_SECRET_SLUG,
    RUN_MEMBERS,
    RUN_WAITS,
    check_run,
)
from kpack.rules.account_type.extras import EXTRAS_STANDARD_PARAMETER, check_extras
from kpack.rules.account_type.ids import ID_MISSING, check_id
from kpack.rules.account_type.keys import (
    KEY_ALIASES,
    MISSPELLED_KEY,
    UNKNOWN_KEY,
    check_keys,
    misspelling_of,
)
from kpack.rules.account_type.modes import (
    GRANT_MODE_MISSING,
    GRANT_MODE_UNKNOWN,
    TOKEN_MODE_UNKNOWN,
    check_grant_mode,
    check_token_mode,
)
from kpack.rules.account_type.placeholders import (
    ENV_PLACEHOLDER,
    PLACEHOLDER_SECRET,
    check_placeholders,
)
from kpack.rules.account_type.requirements import (
    REQUIRED_FIELD_MISSING,
    TOKEN_ENDPOINT_MISSING,
    check_requirements,
)
from kpack.rules.account_type.types import WRONG_FIELD_TYPE, check_types
from kpack.rules.account_type.urls import (
    CONTEXT_WITHOUT_REDIRECT_URI,
    IMPLICIT_SHARED_CALLBACK,
    REDIRECT_URI_TRAILING_SLASH,
    REDIRECT_URI_WRONG_ID,
    URL_FIELDS,
    URL_NOT_ABSOLUTE,
    URL_NOT_HTTPS,
    check_redirect_uri,
    check_url,
)
from kpack.spec import GRANT_MODE_REQUIREMENTS


def check_document(doc: Document, options: CheckOptions | None = None) -> Iterator[Finding]:
    decoding = go_decode(doc.data)  # once, for the key rules and the field rules
    yield from check_keys(doc, decoding)
    yield from check_types(doc, decoding.members)
    renamed = {field: key for field, key in decoding.keys.items() if key != field}
    decoded = doc._replace(data=decoding.view)
    for finding in _decoded_checks(decoded):
        yield at_member(doc, finding, renamed) if renamed else finding


def _decoded_checks(doc: Document) -> Iterator[Finding]:
    """The rules on the document as the stack decodes it (`doc.data` is that view)."""
    data = doc.data

    def text(field: str) -> str | None:
        """The field's string value; None when absent, null or of a wrong type."""
        value = data.get(field)
        return value if isinstance(value, str) else None

    grant_mode = text("grant_mode")
    yield from check_grant_mode(doc, grant_mode)
    yield from check_token_mode(doc, text("token_mode"))
    if grant_mode in GRANT_MODE_REQUIREMENTS:
        yield from check_requirements(doc, grant_mode)
    yield from check_id(doc)
    urls: dict[str, Any] = {}
    for field in URL_FIELDS:
        value = text(field)
        # Only "" is unset for the stack: a blank value is used as is (check_url).
        if value and not ENV_PLACEHOLDER.fullmatch(value):
            finding, parts = check_url(doc, field, value)
            if finding is not None:
                yield finding
            if parts is not None:  # usable, even when only a warning was raised
                urls[field] = parts
    yield from check_redirect_uri(doc, grant_mode, urls.get("redirect_uri"))
    if "auth_endpoint" in urls and "token_endpoint" in urls:
        yield from check_endpoint_domains(doc, urls["auth_endpoint"], urls["token_endpoint"])
    yield from check_extras(doc, grant_mode)
    yield from check_placeholders(doc)


__all__ = [
    "KEY_ALIASES", "RUN_MEMBERS", "RUN_WAITS", "check_document", "check_run", "go_decoded",
    "go_field", "go_members", "misspelling_of",
    "registrable_domain", "same_site",
]
_RULES: tuple[Rule, ...] = (
    GRANT_MODE_MISSING, GRANT_MODE_UNKNOWN, TOKEN_MODE_UNKNOWN, REQUIRED_FIELD_MISSING,
    TOKEN_ENDPOINT_MISSING, MISSPELLED_KEY, UNKNOWN_KEY, WRONG_FIELD_TYPE, URL_NOT_ABSOLUTE,
    URL_NOT_HTTPS, REDIRECT_URI_WRONG_ID, IMPLICIT_SHARED_CALLBACK, CONTEXT_WITHOUT_REDIRECT_URI,
    ENDPOINTS_DIFFERENT_DOMAINS, EXTRAS_STANDARD_PARAMETER, PLACEHOLDER_SECRET,
    DUPLICATE_SECRET_SLUG, DUPLICATE_ID, ID_MISSING, REDIRECT_URI_TRAILING_SLASH,
)
