"""Helpers shared by the rule modules: suggestions, types and URLs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any
from urllib.parse import SplitResult, urlsplit

from kpack.documents import type_name

__all__ = ["LOCAL_DEV_HOSTS", "closest", "did_you_mean", "is_type", "parse_url", "type_name"]

# Hosts where plain http is normal in development.
LOCAL_DEV_HOSTS = ("localhost", "127.0.0.1", "::1", "cozy.tools", "cozy.localhost")


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


def parse_url(value: str) -> SplitResult | None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def is_local_dev_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower()
    return host in LOCAL_DEV_HOSTS or host.endswith((".localhost", ".cozy.tools", ".local"))
