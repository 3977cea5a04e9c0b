"""Hypothesis strategies for documents around each rule's boundary."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from kpack import spec

# --- keys -----------------------------------------------------------------------------------


def _case_variants(name: str) -> st.SearchStrategy[str]:
    """`name`, other cases of it, and Unicode letters Go folds to ASCII (U+017F → s, U+212A → k)."""

    def mix(flags: list[int]) -> str:
        out = []
        for char, flag in zip(name, flags, strict=False):
            if flag == 1:
                char = char.upper()
            elif flag == 2 and char in "sS":
                char = "\u017f"  # LATIN SMALL LETTER LONG S: folds to s
            elif flag == 2 and char in "kK":
                char = "\u212a"  # KELVIN SIGN: folds to k
            elif flag == 2 and char == "i":
                char = "\u0130"  # İ: does NOT fold to i for Go (nor lower() to "i")
            out.append(char)
        return "".join(out)

    # Letters Python's casefold() maps to ASCII but Go does not: ß → ss, ligatures.
    python_only = name.replace("ss", "\u00df").replace("st", "\ufb06").replace("fi", "\ufb01")
    return st.one_of(
        st.just(name), st.just(name.upper()), st.just(name.title()), st.just(python_only),
        st.lists(st.integers(0, 2), min_size=len(name), max_size=len(name)).map(mix),
    )


NEAR_MISSES = (
    "grantmode", "grant-mode", "grant_modes", "redirect_url", "redirectUri", "client-secret",
    "token_url", "scope", "extra", "Redirect_Url", "_ID", "_Rev", "id", "slug ", " slug",
    "s\u0142ug", "\ufeffslug",
)

# --- values ---------------------------------------------------------------------------------

BIG_NUMBERS = ("12345678901234567890123", "1e400", "-1e400", "1E-400", "0.1e1", "-0", "1.0")


def json_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    )


def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=5), children, max_size=3),
        ),
        max_leaves=max_leaves,
    )


GRANT_MODE_SPELLINGS = (
    *spec.GRANT_MODES, "refresh_token", "Authorization_Code", "TOKEN", "secret ", " secret",
    "authorization-code", "bi_webauth+Secret", "implicit", "", " ",
)
TOKEN_MODE_SPELLINGS = (*spec.TOKEN_MODES, "Basic", "GET", "post", "", " form", "FORM")

SCHEMES = ("https", "http", "HTTPS", "hTTp", "ftp", "", "h2", "1http", "ht_tp", "javascript")
USERINFO = ("", "user@", "u:p@", "u%20s@", "us er@", "u%zz@", "\u00fc@", "a@b@", ":@", "u:p:q@")
HOSTS = (
    "example.com", "{domain}.biapi.pro", "a b.com", "a_b.example.org", "ex\u00e4mple.com",
    "xn--exmple-cua.com", "%41.com", "%c3%a4.com", "%zz.com", "[::1]", "[::1%25eth0]",
    "[::1", "::1", "", "EXAMPLE.COM", "host<x>", "a|b.com", "a^b.com", "a\\b.com", "a\"b.com",
    "localhost", "127.0.0.1", "oauthcallback.mycozy.cloud", "a%25b.com", "a`b.com", "a}b",
    "caf\u00e9.fr", "%e2%82%ac.com", "a~b.com", "a!$&'()*+,;=b.com",
)
PORTS = ("", ":443", ":", ":8080", ":99999", ":8o", ":-1", ":0", "::80", ": 80")
PATHS = (
    "", "/", "/auth", "/a b", "/%zz", "/%41", "/{x}", "//double", "/accounts/x/redirect/",
    "/accounts/x/redirect", "/\u00e9", "/a%2", "/a:b", "/%", "/\t", "/a\x7f",
)
QUERIES = ("", "?", "?a=b", "?a=%zz", "?a b", "??", "?x#")
FRAGMENTS = ("", "#f", "#%zz", "#a b", "#", "#\x01")


def _part(choices: tuple[str, ...], good: str) -> st.SearchStrategy[str]:
    """Mostly the well-formed `good` part, sometimes any of `choices`."""
    return st.integers(0, 9).flatmap(lambda pick: st.just(good) if pick < 7 else
                                     st.sampled_from(choices))


@st.composite
def url_shapes(draw: st.DrawFn) -> str:
    """A URL of the usual shape with a few of its parts swapped for an edge case."""
    url = (
        draw(_part(SCHEMES, "https")) + draw(_part(("://", ":", ":/", ":///", "//", ""), "://"))
        + draw(_part(USERINFO, "")) + draw(_part(HOSTS, "example.com"))
        + draw(_part(PORTS, "")) + draw(_part(PATHS, "/auth"))
        + draw(_part(QUERIES, "")) + draw(_part(FRAGMENTS, ""))
    )
    wrap = draw(st.sampled_from(("", "", "", "", "", " ", "\n", "\u00a0")))
    return draw(st.sampled_from((url, url, wrap + url, url + wrap)))


def urls() -> st.SearchStrategy[str]:
    alphabet = st.sampled_from(list("ab:/?#[]@%{} _.-~!$&'()*+,;=<>\"|^`\\\u00e9\x00\x7f12"))
    return st.one_of(url_shapes(), url_shapes(), st.text(alphabet, max_size=20))


# --- documents ------------------------------------------------------------------------------


def dump_members(members: list[tuple[str, Any]], *, trailing_comma: bool = False) -> str:
    """A JSON object written member by member: duplicate keys stay duplicates."""
    body = ", ".join(
        f"{json.dumps(key)}: {value.raw if isinstance(value, Raw) else json.dumps(value)}"
        for key, value in members
    )
    return "{" + body + ("," if trailing_comma and members else "") + "}"


class Raw:
    """A JSON value written as is (numbers out of double range, deep nesting...)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"Raw({self.raw!r})"


def raw_values() -> st.SearchStrategy[Raw]:
    return st.one_of(
        st.sampled_from(BIG_NUMBERS).map(Raw),
        st.integers(1, 700).map(lambda depth: Raw("[" * depth + "]" * depth)),
        st.integers(1, 200).map(lambda depth: Raw('{"a":' * depth + "1" + "}" * depth)),
    )


@st.composite
def syntax_variant(draw: st.DrawFn, text: str) -> bytes:
    """The document, sometimes with a JSON syntax edge case around it."""
    variant = draw(st.sampled_from(
        ("plain",) * 24 + ("bom", "line-comment", "block-comment", "trailing-comma",
                          "trailing-garbage", "crlf", "nul")
    ))
    if variant == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if variant == "line-comment":
        return ("// a comment\n" + text).encode()
    if variant == "block-comment":
        return text.replace("{", "{/* c */", 1).encode()
    if variant == "trailing-comma":
        return (text[:-1].rstrip() + ",}").encode() if text.endswith("}") else text.encode()
    if variant == "trailing-garbage":
        return (text + " x").encode()
    if variant == "crlf":
        return text.replace(", ", ",\r\n").encode()
    if variant == "nul":
        return text.encode() + b"\x00"
    return text.encode()
