"""CouchDB unreachable or refusing: one clear message, exit 2, no traceback, no credentials."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote

import pytest

from kpack.cli import main
from tests.helpers import reply, stub_servers, write
from tests.provision.conftest import free_port

PASSWORD = "pw-Never-Shown-91"
DOC = {"_id": "service", "grant_mode": "secret", "slug": "service", "secret": "$TOKEN"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COUCHDB_URL", "COUCHDB_USER", "COUCHDB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOKEN", "token-value")


def canned(status: int, body: bytes, content_type: str = "application/json") -> type:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply(self, status, body, content_type)

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def fake() -> Iterator[Callable[..., str]]:
    with stub_servers() as serve:

        def start(status: int, body: bytes, content_type: str = "application/json") -> str:
            port = serve(canned(status, body, content_type))
            return f"http://admin:{PASSWORD}@127.0.0.1:{port}"

        yield start


def apply(tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str,
          *args: str) -> tuple[int, str, str]:
    path = write(tmp_path, "account-type.json", DOC)
    code = main(["provision", str(path), "--apply", "--couchdb", url, *args])
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    assert "token-value" not in out + err
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, b'{"error":"unauthorized","reason":"Name or password is incorrect."}',
         "reading the current documents: 401 Unauthorized: check the credentials"),
        (403, b'{"error":"forbidden","reason":"You are not a server admin."}',
         "403 Forbidden: this user may not do that: forbidden, You are not a server admin."),
        (404, b"<html>Not Found</html>", "404 Not Found: is http://127.0.0.1:"),
        (500, b'{"error":"unknown_error","reason":"function_clause"}',
         "server error 500: unknown_error, function_clause"),
        (503, b"Service Unavailable", "server error 503"),
    ],
)
def test_http_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake: Callable[..., str],
    status: int, body: bytes, expected: str,
) -> None:
    url = fake(status, body)
    code, out, err = apply(tmp_path, capsys, url)
    assert (code, out) == (2, "")
    assert err.startswith("kpack: error: CouchDB at http://127.0.0.1:")
    assert expected in err


def test_connection_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    code, out, err = apply(tmp_path, capsys, f"http://admin:{PASSWORD}@127.0.0.1:{port}")
    assert (code, out) == (2, "")
    assert err == (f"kpack: error: CouchDB at http://127.0.0.1:{port}: connection refused "
                   "(is CouchDB running?)\n")


def test_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        code, out, err = apply(tmp_path, capsys, f"http://127.0.0.1:{port}", "--timeout", "0.3")
    assert (code, out) == (2, "")
    assert err == f"kpack: error: CouchDB at http://127.0.0.1:{port}: no answer within 0.3 s\n"


def test_not_http(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def garbage() -> None:
            connection, _ = server.accept()
            connection.recv(65536)
            connection.sendall(b"SSH-2.0-OpenSSH_9.0\r\n")
            connection.close()

        thread = threading.Thread(target=garbage, daemon=True)
        thread.start()
        code, out, err = apply(tmp_path, capsys, f"http://127.0.0.1:{port}")
        thread.join(5)
    assert (code, out) == (2, "")
    assert "the answer is not HTTP" in err


def test_unexpected_answer_to_the_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake: Callable[..., str],
) -> None:
    # _all_docs and _bulk_docs both get this answer: read finds nothing, write is refused.
    answer = {"rows": [], "total_rows": 0}
    url = fake(200, json.dumps(answer).encode())
    code, _, err = apply(tmp_path, capsys, url)
    assert code == 2
    assert "writing the documents: unexpected status 200" in err


def test_user_without_password_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = apply(tmp_path, capsys, "http://127.0.0.1:1", "--user", "admin")
    assert (code, out) == (2, "")
    assert err == "kpack: error: --user needs COUCHDB_PASSWORD (or run it in a terminal)\n"


def test_credentials_from_the_environment_are_sent_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            body = b'{"error":"unauthorized","reason":"bad"}'
            self.send_response(401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    monkeypatch.setenv("COUCHDB_USER", "admin")
    monkeypatch.setenv("COUCHDB_PASSWORD", PASSWORD)
    with stub_servers() as serve:
        code, _, err = apply(tmp_path, capsys, f"http://127.0.0.1:{serve(Handler)}")
    assert seen == ["Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()]
    assert code == 2 and "401 Unauthorized" in err


# -- issue 18, item 12: a server's free text is never printed --------------------------------


def password_forms(secret: str) -> list[str]:
    """Forms of a secret the scrubber of issue 15 did not know."""
    import html
    from urllib.parse import quote

    raw = secret.encode()
    return [secret.upper(), raw.hex(), raw.hex().upper(), html.escape(secret),
            "".join(f"&#{b};" for b in raw), "".join(f"&#x{b:x};" for b in raw),
            quote(quote(secret, safe=""), safe=""), base64.b32encode(raw).decode()]


HTML_PASSWORD = "pw<Never>&Shown 91"  # HTML-escaping and percent-encoding change it


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (500, {"error": "unknown_error", "reason": " ".join(password_forms(HTML_PASSWORD))},
         "server error 500: unknown_error, (reason withheld: it may quote what was sent)\n"),
        # An `error` that is not one of CouchDB's tokens is free text too.
        (403, {"error": " ".join(password_forms(HTML_PASSWORD))},
         "403 Forbidden: this user may not do that\n"),
    ],
)
def test_a_server_quoting_the_password_in_any_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch, status: int, answer: dict[str, str], expected: str,
) -> None:
    """A real CouchDB does not quote credentials back; a proxy or a broken server can."""
    url = fake(status, json.dumps(answer).encode()).replace(f"admin:{PASSWORD}@", "")
    monkeypatch.setenv("COUCHDB_USER", "admin")
    monkeypatch.setenv("COUCHDB_PASSWORD", HTML_PASSWORD)
    code, out, err = apply(tmp_path, capsys, url)
    assert (code, out) == (2, "")
    assert err.startswith("kpack: error: CouchDB at http://127.0.0.1:") and err.endswith(expected)
    for form in password_forms(HTML_PASSWORD):
        assert form not in err, form


def test_a_proxy_refusing_the_tunnel_is_reported_by_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """http.client puts the proxy's reason phrase in its error: kpack keeps the status."""
    phrase = " ".join(password_forms(HTML_PASSWORD)).replace("\n", " ")
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()
        port = proxy.getsockname()[1]

        def refuse() -> None:
            connection, _ = proxy.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(f"HTTP/1.1 407 {phrase}\r\nContent-Length: 0\r\n\r\n".encode())

        thread = threading.Thread(target=refuse, daemon=True)
        thread.start()
        credentials = f"u:{quote(HTML_PASSWORD, safe='')}"
        monkeypatch.setenv("https_proxy", f"http://{credentials}@127.0.0.1:{port}")
        code, out, err = apply(tmp_path, capsys, "https://couch.invalid:6984")
        thread.join(5)
    assert (code, out) == (2, "")
    assert err == ("kpack: error: CouchDB at https://couch.invalid:6984 (through the proxy "
                   f"http://127.0.0.1:{port} from https_proxy): the proxy refused the tunnel: "
                   "status 407\n")
