"""Helpers shared by the rule modules: values in messages, suggestions, types and URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from kpack.documents import type_name

__all__ = [
    "LOCAL_DEV_HOSTS",
    "GoUrlError",
    "Url",
    "closest",
    "did_you_mean",
    "go_url_parse",
    "is_type",
    "parse_url",
    "type_name",
]

# Hosts where plain http is normal in development.
LOCAL_DEV_HOSTS = ("localhost", "127.0.0.1", "::1", "cozy.tools", "cozy.localhost")


def q(text: str) -> str:
    """A string quoted as JSON writes it (the account-type rules' messages)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def quoted_list(values: tuple[str, ...]) -> str:
    return ", ".join(q(v) for v in values)


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
    import difflib  # here: only a misspelt key needs it (and heapq)

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


def go_fold(key: str) -> str | None:
    """`key` as Go's encoding/json matches it against an ASCII field name: ASCII letters in
    any case, and the two non-ASCII letters of Unicode's simple folding that fold to ASCII
    (U+017F to s, U+212A to k). None when another non-ASCII character remains: no ASCII
    field matches it (unlike Python's casefold: `ß` is not `ss` for Go)."""
    if key.isascii():
        return key.lower()
    return _go_fold_unicode(key)


def _go_fold_unicode(key: str) -> str | None:
    if not key.isascii():
        key = key.replace("\u017f", "s").replace("\u212a", "k")
        if not key.isascii():
            return None
    return key.lower()


def is_local_dev_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower()
    return host in LOCAL_DEV_HOSTS or host.endswith((".localhost", ".cozy.tools", ".local"))


# --- URLs as Go's net/url parses them -------------------------------------------------------
#
# cozy-stack parses account-type URLs with Go's `url.Parse` (`MakeOauthStartURL`), which is
# stricter than urllib in the host (`{`, spaces, `%` escapes of ASCII bytes) and in escapes
# anywhere. `go_url_parse` follows net/url's `Parse` step by step; the conformance suite
# (tests/conformance) checks it against the real Go function.

_GO_HOST_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "-_.~!$&'()*+,;=:[]<>\""
)
_GO_USERINFO_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:~!$&'()*+,;=%@"
)
_HEX = frozenset("0123456789abcdefABCDEF")


class GoUrlError(ValueError):
    """What `url.Parse` answers for a URL it refuses (its message, without the quote)."""


def _go_unescape(text: str, host: bool = False, zone: bool = False) -> str:
    """net/url's `unescape`: `%` needs two hex digits; in a host an escape may only encode
    a non-ASCII byte, and only a small set of ASCII characters may appear. The unescaped
    text (bytes that are not UTF-8 become U+FFFD)."""
    if "%" not in text and (not (host or zone) or _GO_HOST_CHARS.issuperset(text)):
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            escape = text[i : i + 3]
            if len(escape) < 3 or escape[1] not in _HEX or escape[2] not in _HEX:
                raise GoUrlError(f"invalid URL escape {escape!r}")
            if host and int(escape[1], 16) < 8 and escape != "%25":
                raise GoUrlError(f"invalid URL escape {escape!r}")
            if zone:
                byte = int(escape[1:], 16)
                if escape != "%25" and byte != 0x20 and chr(byte) not in _GO_HOST_CHARS:
                    raise GoUrlError(f"invalid URL escape {escape!r}")
            out.append(int(escape[1:], 16))
            i += 3
            continue
        if (host or zone) and ord(char) < 0x80 and char not in _GO_HOST_CHARS:
            raise GoUrlError(f"invalid character {char!r} in host name")
        out += char.encode("utf-8", "surrogatepass")
        i += 1
    return out.decode("utf-8", "replace")


def _go_valid_optional_port(port: str) -> bool:
    return port == "" or (port[0] == ":" and all("0" <= c <= "9" for c in port[1:]))


def _go_parse_host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise GoUrlError("missing ']' in host")
        colon_port = host[end + 1 :]
        if not _go_valid_optional_port(colon_port):
            raise GoUrlError(f"invalid port {colon_port!r} after host")
        zone = host.find("%25", 0, end)
        if zone >= 0:
            return (
                _go_unescape(host[:zone], host=True) + _go_unescape(host[zone:end], zone=True)
                + _go_unescape(host[end:], host=True)
            )
    elif (colon := host.rfind(":")) >= 0:
        colon_port = host[colon:]
        if not _go_valid_optional_port(colon_port):
            raise GoUrlError(f"invalid port {colon_port!r} after host")
    return _go_unescape(host, host=True)


def _go_scheme(raw: str) -> tuple[str, str]:
    for i, char in enumerate(raw):
        if char.isascii() and char.isalpha():
            continue
        if char.isascii() and (char.isdigit() or char in "+-."):
            if i == 0:
                return "", raw
            continue
        if char == ":":
            if i == 0:
                raise GoUrlError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


def go_url_parse(raw: str) -> Url:
    """`url.Parse(raw)` as Go's net/url does it (Go 1.19 to 1.23 agree on these steps):
    the parts, or GoUrlError with Go's reason. `hostname` and `port` are split from the
    host as Go's `Hostname()` and `Port()` do; the scheme is lower-cased."""
    plain = _PLAIN_URL.fullmatch(raw)
    if plain is not None and "%" not in raw:  # the usual URL: nothing Go could refuse
        scheme, netloc, tail = plain.group(1, 2, 3)
        tail, _, fragment = (tail or "").partition("#")
        path, _, query = tail.partition("?")
        return Url(scheme.lower(), netloc, path, query, fragment, netloc.lower() or None, None)
    rest, _, fragment = raw.partition("#")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in rest):
        raise GoUrlError("invalid control character in URL")
    scheme, rest = _go_scheme(rest)
    scheme = scheme.lower()
    query = ""
    if rest.endswith("?") and rest.count("?") == 1:
        rest = rest[:-1]
    else:
        rest, _, query = rest.partition("?")
    netloc = ""
    if not rest.startswith("/"):
        if scheme:  # an opaque URL (mailto:x, https:example.com): no host
            _go_unescape(fragment)
            return Url(scheme, "", rest, query, fragment, None, None)
        segment = rest.partition("/")[0]
        if ":" in segment:
            raise GoUrlError("first path segment in URL cannot contain colon")
    if (scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        at = authority.rfind("@")
        netloc = _go_parse_host(authority[at + 1 :])
        if at >= 0:
            userinfo = authority[:at]
            if any(c.isascii() and c not in _GO_USERINFO_CHARS for c in userinfo) or any(
                not c.isascii() for c in userinfo
            ):
                raise GoUrlError("net/url: invalid userinfo")
            for part in userinfo.split(":", 1):
                _go_unescape(part)
    _go_unescape(rest)
    _go_unescape(fragment)
    hostname, port = _go_split_host_port(netloc)
    return Url(scheme, netloc, rest, query, fragment, hostname.lower() or None, port)


def _go_split_host_port(host: str) -> tuple[str, int | None]:
    """Go's `URL.Hostname()` and `URL.Port()` (a port Go accepts is all digits)."""
    colon = host.rfind(":")
    port = ""
    if colon >= 0 and _go_valid_optional_port(host[colon:]):
        host, port = host[:colon], host[colon + 1 :]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, (int(port) if port else None)
