"""The scrubber hides every form of a credential: as is, JSON-escaped, percent-encoded, and
base64 (the password inside `Authorization: Basic base64(user:password)` quoted back by a
proxy), in every message `provision --apply` prints."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpack.cli import main
from kpack.provision.scrub import MASK, Scrubber
from tests.helpers import reply, stub_servers, write

PASSWORD = "pw Never/Shown+91é"
SECRET = "doc-secret &=?/v4lue"
USER = "admin"


def scrubber(*secrets: str) -> Scrubber:
    found = Scrubber()
    found.add(secrets)
    return found


@settings(max_examples=100, deadline=None)
@given(prefix=st.binary(max_size=8), secret=st.text(min_size=4, max_size=24).filter(
    lambda s: len(s.encode()) >= 4), suffix=st.binary(max_size=8), urlsafe=st.booleans())
def test_base64_at_any_alignment_exposes_at_most_a_few_bits(
    prefix: bytes, secret: str, suffix: bytes, urlsafe: bool,
) -> None:
    data = secret.encode()
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(prefix + data + suffix).decode()
    shown = scrubber(secret).scrub(f"echo: {encoded}!")
    assert MASK in shown
    visible = shown.removeprefix("echo: ").removesuffix("!")
    start = visible.index(MASK)
    tail = len(visible) - start - len(MASK)
    # Characters left as they were on each side of the first mask, compared by position.
    assert encoded[:start] == visible[:start]
    hidden = range(start, len(encoded) - tail)
    first, last = 8 * len(prefix), 8 * (len(prefix) + len(data))  # the secret's bits
    exposed = sum(
        max(0, min(6 * i + 6, last) - max(6 * i, first))
        for i in range(len(encoded)) if i not in hidden and encoded[i] != "="
    )
    assert exposed <= 12, (encoded, shown)


@settings(max_examples=100, deadline=None)
@given(secret=st.text(min_size=3, max_size=20), safe=st.sampled_from(["", "/", "/:@&="]),
       lower=st.booleans(), plus=st.booleans())
def test_percent_encoded_forms_are_hidden(secret: str, safe: str, lower: bool, plus: bool) -> None:
    encoded = quote_plus(secret, safe=safe) if plus else quote(secret, safe=safe)
    if lower:  # the hex digits in lower case, as some encoders write them
        encoded = re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)
    shown = scrubber(secret).scrub(f"GET /x?p={encoded} HTTP/1.1")
    assert shown == f"GET /x?p={MASK} HTTP/1.1"


def test_json_escaped_forms_are_hidden() -> None:
    secret = 'multi\nline "quoted" é'
    for form in (json.dumps(secret), json.dumps(secret, ensure_ascii=False)):
        assert scrubber(secret).scrub(f"reason: {form}") == f'reason: "{MASK}"'


def _echoing_proxy() -> type[BaseHTTPRequestHandler]:
    """A proxy or validator that quotes the request back in its error."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            lower = re.sub("%..", lambda m: m.group().lower(), quote(SECRET))
            b64 = base64.b64encode(SECRET.encode()).decode()
            echo = (f"{self.headers.get('Authorization')} {self.path} "
                    f"user={quote(PASSWORD)} form={quote_plus(SECRET)} lower={lower} "
                    f"b64={b64} body={body}")
            reply(self, 500, json.dumps({"error": "bad_request", "reason": echo}).encode())

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def echoing() -> Iterator[int]:
    with stub_servers() as serve:
        yield serve(_echoing_proxy())


@pytest.mark.parametrize("how", ["url", "environment"])
def test_an_echoed_authorization_header_is_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    echoing: int, how: str,
) -> None:
    for name in ("COUCHDB_URL", "COUCHDB_USER", "COUCHDB_PASSWORD", "http_proxy", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOKEN", SECRET)
    path = write(tmp_path, "account-type.json", {
        "_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": "$TOKEN"})
    if how == "url":
        url = f"http://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{echoing}"
    else:
        url = f"http://127.0.0.1:{echoing}"
        monkeypatch.setenv("COUCHDB_USER", USER)
        monkeypatch.setenv("COUCHDB_PASSWORD", PASSWORD)
    code = main(["provision", str(path), "--apply", "--couchdb", url])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("kpack: error: CouchDB at http://127.0.0.1:") and "server error" in err
    assert err.count("\n") == 1
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for form in (PASSWORD, basic, basic.rstrip("="), quote(PASSWORD),
                 SECRET, quote_plus(SECRET), re.sub("%..", lambda m: m.group().lower(),
                                                    quote(SECRET)),
                 base64.b64encode(SECRET.encode()).decode()[:-2]):
        assert form not in err, form
    # The echo is free text: not printed at all (the scrubber is the second line).
    assert "server error 500: bad_request, (reason withheld: it may quote what was sent)" in err
