"""kpack.rules.common: `parse_url`'s fast path must agree with urlsplit on every input."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpack.rules.common import Url, parse_url


def by_urlsplit(value: str) -> Url | None:
    """What parse_url returns without its fast path."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    return Url(
        parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment, parts.hostname, port
    )


@pytest.mark.parametrize(
    "value",
    [
        "https://accounts.example.com/oauth/authorize",
        "HTTPS://API.Example.COM/token?x=1#frag",
        "http://localhost:8080/x",
        "https://user:pw@example.com/",
        "https://[::1]/",
        "https://example.com:99999/",
        "https://exa mple.com/",
        " https://example.com/",
        "https://example.com/a\tb",
        "https://example.com\\evil.com/",
        "https://example.com?q#f?g",
        "https://example.com#a?b",
        "mailto:someone@example.com",
        "//example.com/path",
        "https://",
        "https:///path",
        "https://münchen.de/",
        "https://example.com/ä?ö#ü",
        "$CLIENT_AUTH_ENDPOINT",
        "",
    ],
)
def test_parse_url_matches_urlsplit(value: str) -> None:
    assert parse_url(value) == by_urlsplit(value)


def test_plain_url_is_split_and_lowercased() -> None:
    assert parse_url("HTTPS://Api.Example.com/oauth/token?a=1#top") == Url(
        "https", "Api.Example.com", "/oauth/token", "a=1", "top", "api.example.com", None
    )


def test_a_bad_port_is_no_url() -> None:
    assert parse_url("https://example.com:notaport/") is None


URL_ALPHABET = st.sampled_from(list("aZ09.-+:/?#@[]%\\ \t\n\x00\x7fé_~=&"))
URL_PIECES = st.sampled_from(["https", "http", "://", "example.com", "/", "?", "#", ":80"])


@given(st.lists(st.one_of(URL_ALPHABET, URL_PIECES), max_size=20).map("".join))
def test_parse_url_agrees_with_urlsplit(value: str) -> None:
    assert parse_url(value) == by_urlsplit(value)
