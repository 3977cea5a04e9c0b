"""Hypothesis strategies for documents around each rule's boundary.

The fields, their JSON names and their Go types come from the Go oracle's own structs
(`oracle -schema`, tests/conformance/go_schema.py), never from kpack.spec: a field kpack
does not know is generated all the same. The edge cases (spellings, URL shapes, odd
values) are the tests' own tables.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import strategies as st

from tests.conformance.go_schema import GoType, schema

# Every builder is memoized: a strategy built once is validated once; building strategies
# anew at each draw cost most of the suite's time.
cached = functools.cache

# --- keys -----------------------------------------------------------------------------------


@cached
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


@cached
def json_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    )


@cached
def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=5), children, max_size=3),
        ),
        max_leaves=max_leaves,
    )


# Spellings around the values the stack's code compares with (the oracle's enums add
# the exact ones).
GRANT_MODE_SPELLINGS = (
    "refresh_token", "Authorization_Code", "TOKEN", "secret ", " secret",
    "authorization-code", "bi_webauth+Secret", "implicit", "", " ",
)
TOKEN_MODE_SPELLINGS = ("Basic", "GET", "post", "", " form", "FORM")
VERB_SPELLINGS = ("get", "Get", "HEAD", "", "ALL ", "all")
APP_TYPE_SPELLINGS = ("konnector", "konnector", "konnector", "node", "Konnector", "Webapp", "")
SLUGS = ("my-konnector", "My-Konnector", "my_konnector", "", "a", "-", "caf\u00e9", "a b", "1")
DOCTYPES = (
    "io.cozy.files", "io.cozy.bills", "io.cozy.calendar.*", "io.cozy.*", "IO.cozy.files",
    "io..cozy", ".io.cozy", "io.cozy.", "io-cozy", "io.cozy.\u00e9v\u00e9nements", "", "*",
    "io.cozy.files.*", "com.bank.accounts", "io.cozy.files ", "io.\u0131ozy",
)
# RFC 3339 and its near misses (time.Time's decoder: time.Parse(time.RFC3339, ...)).
TIMES = (
    "2020-01-01T00:00:00Z", "2020-01-01T00:00:00.123456789Z", "2020-01-01T00:00:00+01:00",
    "2020-01-01T00:00:00.1234567891Z", "2020-01-01T00:00:00-00:00", "2020-02-29T23:59:59Z",
    "2020-01-01", "2020-01-01 00:00:00Z", "2020-13-01T00:00:00Z", "2021-02-29T00:00:00Z",
    "2020-01-01T00:00:00+25:00", "2020-01-01T00:00:00+24:00", "2020-01-01T00:00:00+01:61",
    "2020-01-01t00:00:00z", "2020-01-01T1:00:00Z", "2020-01-01T00:00:00,5Z", "0000-01-01T00:00:00Z",
    "2020-01-01T24:00:00Z", "2020-01-01T00:00:60Z", "2020-01-01T00:00:00.Z", "2020-01-01T00:00:00",
    "", "now", " 2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z ", "+2020-01-01T00:00:00Z",
)

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


@cached
def _part(choices: tuple[str, ...], good: str) -> st.SearchStrategy[str]:
    """Mostly the well-formed `good` part, sometimes any of `choices`."""
    return st.integers(0, 9).flatmap(lambda pick: st.just(good) if pick < 7 else
                                     st.sampled_from(choices))


@cached
def url_shapes() -> st.SearchStrategy[str]:
    return _url_shapes()


@st.composite
def _url_shapes(draw: st.DrawFn) -> str:
    """A URL of the usual shape with a few of its parts swapped for an edge case."""
    url = (
        draw(_part(SCHEMES, "https")) + draw(_part(("://", ":", ":/", ":///", "//", ""), "://"))
        + draw(_part(USERINFO, "")) + draw(_part(HOSTS, "example.com"))
        + draw(_part(PORTS, "")) + draw(_part(PATHS, "/auth"))
        + draw(_part(QUERIES, "")) + draw(_part(FRAGMENTS, ""))
    )
    wrap, where = draw(_WRAPS), draw(st.integers(0, 3))
    return wrap + url if where == 2 else url + wrap if where == 3 else url


_WRAPS = st.sampled_from(("", "", "", "", "", " ", "\n", "\u00a0"))
BLANKS = ("", " ", "  ", "\t", "\n", "\u00a0", " \r\n")


@cached
def urls() -> st.SearchStrategy[str]:
    """URL shapes, blanks, and now and then any short string of URL characters."""
    alphabet = st.sampled_from(list("ab:/?#[]@%{} _.-~!$&'()*+,;=<>\"|^`\\\u00e9\x00\x7f12"))
    return st.one_of(url_shapes(), url_shapes(), url_shapes(), st.sampled_from(BLANKS),
                     st.text(alphabet, max_size=20))


# --- documents ------------------------------------------------------------------------------


class Raw:
    """A JSON value written as is (numbers out of double range, deep nesting...)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"Raw({self.raw!r})"


class Members(list[tuple[str, Any]]):
    """A JSON object written member by member: duplicate keys stay duplicates."""


def dump(value: Any) -> str:
    """JSON text of a value that may hold Raw values and Members objects at any depth."""
    if isinstance(value, Raw):
        return value.raw
    if isinstance(value, dict):
        value = Members(value.items())
    if isinstance(value, Members):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    return json.dumps(value)


def dump_members(members: list[tuple[str, Any]]) -> str:
    return dump(Members(members))


@cached
def raw_values() -> st.SearchStrategy[Raw]:
    return st.one_of(
        st.sampled_from(BIG_NUMBERS).map(Raw),
        st.integers(1, 700).map(lambda depth: Raw("[" * depth + "]" * depth)),
        st.integers(1, 200).map(lambda depth: Raw('{"a":' * depth + "1" + "}" * depth)),
    )


@cached
def edgy(typed: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `typed` (so most documents decode and the field rules are compared), any
    JSON value now and then, an edge-case literal rarely."""
    return st.integers(0, 39).flatmap(
        lambda pick: typed if pick < 36 else json_values() if pick < 39 else raw_values()
    )


@cached
def special_values(name: str) -> st.SearchStrategy[Any] | None:
    """The tests' own edge cases for the fields whose values the stack compares."""
    enums = schema().enums
    if name in schema().url_fields:
        return urls()
    table: dict[str, tuple[str, ...]] = {
        "grant_mode": (*enums["grant_mode"], *GRANT_MODE_SPELLINGS),
        "token_mode": (*enums["token_mode"], *TOKEN_MODE_SPELLINGS),
        "slug": SLUGS,
        "type": (*APP_TYPE_SPELLINGS, *enums["refused_app_types"]),
    }
    if name not in table:
        return None
    return st.one_of(st.sampled_from(table[name]), st.sampled_from(table[name]),
                     st.text(max_size=8))


@cached
def value_of(go_type: GoType, name: str = "") -> st.SearchStrategy[Any]:
    """A value of the Go type `go_type` (the JSON its decoder accepts), for the field
    `name`: well typed at this level, with edge cases inside."""
    special = special_values(name)
    if special is not None and go_type.kind == "string":
        return special
    kind, elem = go_type.kind, go_type.elem
    if kind == "string":
        return st.text(max_size=10)
    if kind == "bool":
        return st.booleans()
    if kind == "integer":  # int64 (time.Duration): fractions, exponents and overflow fail
        return st.one_of(st.integers(-(10**6), 10**6), st.integers(-(2**70), 2**70),
                         st.sampled_from((1.5, -0.0, 1e3)), st.sampled_from(("1h", "5")))
    if kind in ("any", "raw"):
        return st.one_of(json_values(), json_values(), st.sampled_from(BIG_NUMBERS).map(Raw))
    if kind == "time":
        return st.one_of(st.sampled_from(TIMES), st.none())
    if kind == "verbs":
        verbs = (*schema().enums["verbs"], *VERB_SPELLINGS)
        return st.lists(st.sampled_from(verbs), max_size=4)
    if kind == "array":
        assert elem is not None
        return st.lists(edgy(value_of(elem)), max_size=3)
    if kind in ("object", "set"):
        assert elem is not None
        names = st.sampled_from(("files", "bills", "x", "Files", "a b")) if kind == "set" \
            else st.text(max_size=5)
        items = value_of(elem)
        if elem.kind == "string":  # a map of strings (extras, templates): null is ""
            items = st.one_of(items, items, st.none())
        return st.lists(st.tuples(names, edgy(items)), max_size=3).map(Members)
    if kind == "struct":
        return struct_value(go_type)
    raise AssertionError(f"no strategy for {go_type}")


@cached
def key_of(name: str) -> st.SearchStrategy[str]:
    """Mostly the exact key, sometimes another case of it."""
    return st.one_of(st.just(name), st.just(name), _case_variants(name))


@cached
def key_or_near_miss(name: str) -> st.SearchStrategy[str]:
    """Another case of the key, or a near miss of some key."""
    return st.one_of(_case_variants(name), _case_variants(name), st.sampled_from(NEAR_MISSES))


@cached
def _doctypes() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(DOCTYPES), st.sampled_from(DOCTYPES), json_values())


@cached
def struct_value(go_type: GoType) -> st.SearchStrategy[Members]:
    """An object of the struct's fields (keys in any case, duplicates)."""
    fields = st.sampled_from(go_type.fields)
    rule = go_type.go == "permission.Rule"

    @st.composite
    def draw_struct(draw: st.DrawFn) -> Members:
        members = Members()
        for _ in range(draw(st.integers(0, 4))):
            field = draw(fields)
            key = draw(key_of(field.json))
            if field.json == "type" and rule:
                value = draw(_doctypes())
            else:
                value = draw(edgy(value_of(field.type, field.json)))
            members.append((key, value))
        if rule and draw(st.integers(0, 3)):
            members.insert(0, ("type", draw(st.sampled_from(DOCTYPES))))
        return members

    return draw_struct()


_VARIANTS = st.sampled_from(
    ("plain",) * 24 + ("bom", "line-comment", "block-comment", "trailing-comma",
                      "trailing-garbage", "crlf", "nul")
)


def syntax_variant(draw: st.DrawFn, text: str) -> bytes:
    """The document, sometimes with a JSON syntax edge case around it."""
    variant = draw(_VARIANTS)
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
