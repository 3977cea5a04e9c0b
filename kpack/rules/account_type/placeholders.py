"""Placeholders: documentation values (`<CLIENT_SECRET>`, `changeme`) stored as
credentials; `$VAR` environment placeholders are the convention and are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import q
from kpack.spec import PLACEHOLDER_PATTERN

W = Severity.WARNING
K = Kind.ACCOUNT_TYPE

PLACEHOLDER_SECRET = define(
    "A016", "placeholder-secret", W, K,
    "`client_id`, `client_secret` or `secret` holds a placeholder.",
    """
    Values such as `...`, `<CLIENT_SECRET>`, `changeme`, `xxx`, `TODO` or
    `your-client-secret` come from documentation and would be stored as the real
    credentials: the provider then refuses every connection. The convention of real
    konnectors (`account-types-def.json` of cozy-konnector-facebook) is an environment
    placeholder, `$COZY_FB_CLIENT_SECRET` or `${COZY_FB_CLIENT_SECRET}`, filled when
    provisioning: those are accepted. The value itself is never printed.
    """,
)

PLACEHOLDER_FIELDS = ("client_id", "client_secret", "secret")

ENV_PLACEHOLDER = re.compile(PLACEHOLDER_PATTERN)
# Compiled on first use (re's cache): an environment placeholder never needs it.
_PLACEHOLDER = (
    r"""
    [.\u2026\s]*[.\u2026][.\u2026\s]*        # ..., …
    | <[^<>]*> | \[[^\[\]]*\] | \{\{[^{}]*\}\} | %[A-Za-z_]+%   # <X>, [X], {{X}}, %X%
    | x{3,} | \*{3,} | \?{2,} | -{3,}
    | change[-_ ]?me | replace[-_ ]?me | todo | tbd | fixme | placeholder | redacted
    | (?:client[-_ ]?)?(?:id|secret) | password | secret[-_ ]?here
    | (?:your|my)[-_ ]?(?:[a-z0-9]+[-_ ])*?(?:client[-_ ]?)?(?:id|secret|key|token|password)
    | insert[-_ ].* | put[-_ ].*[-_ ]here | .*[-_ ]goes[-_ ]here
    """
)


def is_placeholder(value: str, field: str) -> bool:
    """A documentation placeholder rather than a real credential (`$VAR` is fine)."""
    stripped = value.strip()
    if not stripped or ENV_PLACEHOLDER.fullmatch(stripped):
        return False  # empty: A004's business
    if re.fullmatch(_PLACEHOLDER, stripped, re.IGNORECASE | re.VERBOSE):
        return True
    # OAuth client ids and secrets are tokens: words with spaces are a description.
    return field in ("client_id", "client_secret") and len(stripped.split()) >= 3


def check_placeholders(doc: Document) -> Iterator[Finding]:
    for field in PLACEHOLDER_FIELDS:
        value = doc.data.get(field)
        items: list[tuple[tuple[str, ...], Any]] = [((field,), value)]
        if field == "secret" and isinstance(value, dict):
            items = [((field, str(k)), v) for k, v in value.items()]
        for tokens, item in items:
            if isinstance(item, str) and is_placeholder(item, field):
                yield Finding(
                    PLACEHOLDER_SECRET, doc.at(*tokens),
                    f"{q(field)} holds a placeholder, not a real value",
                    f'fill it when provisioning, or write "${field.upper()}" and let kpack take '
                    "it from the environment",
                    at_value=True,
                )
