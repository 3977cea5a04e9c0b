"""Helpers shared by the rule modules: suggestions, types and URLs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from kpack.documents import type_name

__all__ = [
    "LOCAL_DEV_HOSTS", "Url", "closest", "did_you_mean", "is_type", "parse_url", "type_name",
]

# Hosts where plain http is normal in development.
LOCAL_DEV_HOSTS = ("localhost", "127.0.0.1", "::1", "cozy.tools", "cozy.localhost")


def js(value: Any) -> str:
    """A value as JSON text, for snippets a user may paste into a JSON file (never
    Python's repr: `'x'` and `True` are not JSON)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def _normalise(word: str) -> str:
    return word.lower().replace("-", "_").replace(" ", "_")


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate `word` most likely meant: same after normalising case and
    separators, else the nearest by edit similarity above `cutoff`."""
    candidates = list(candidates)
    norm = _normalise(word)
    for candidate in candidates:
        if _normalise(candidate) == norm:
            return candidate
    by_norm = {_normalise(c): c for c in candidates}
    matches = difflib.get_close_matches(norm, list(by_norm), n=1, cutoff=cutoff)
    return by_norm[matches[0]] if matches else None


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    match = closest(word, candidates, cutoff)
    return f"did you mean {match!r}?" if match is not None else None


def is_type(value: Any, json_type: str) -> bool:
    """JSON Schema type test (booleans are not numbers)."""
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "object":
        return isinstance(value, dict)
    if json_type == "array":
        return isinstance(value, list)
    if json_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if json_type == "null":
        return value is None
    raise ValueError(json_type)


class Url(NamedTuple):
    """What `urllib.parse.urlsplit` makes of a URL, with its host and port worked out
    once (`SplitResult` parses the network location again on each access)."""

    scheme: str  # lower-cased, as urlsplit gives it
    netloc: str
    path: str
    query: str
    fragment: str
    hostname: str | None  # lower-cased
    port: int | None


# The usual URL: scheme://host[/...], a host of letters, digits, dots and hyphens (no user,
# port, brackets or percent), nothing urlsplit would strip or refuse (spaces, controls,
# backslashes). For these, the parts are sliced here: urlsplit and its properties cost a
# quarter of the account-type rules.
_PLAIN_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9.-]+)([/?#][^\x00-\x20\x7f\\]*)?")


def parse_url(value: str) -> Url | None:
    """`urlsplit(value)`, or None when urlsplit refuses it or its port is invalid."""
    plain = _PLAIN_URL.fullmatch(value)
    if plain is not None:
        scheme, netloc, rest = plain.group(1, 2, 3)
        rest, _, fragment = (rest or "").partition("#")
        path, _, query = rest.partition("?")
        return Url(scheme.lower(), netloc, path, query, fragment, netloc.lower(), None)
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    return Url(
        parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment, parts.hostname, port
    )


def is_local_dev_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower()
    return host in LOCAL_DEV_HOSTS or host.endswith((".localhost", ".cozy.tools", ".local"))
