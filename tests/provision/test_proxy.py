"""`provision --apply` goes through the proxy curl would use (http_proxy, https_proxy,
all_proxy, no_proxy), against a real forward proxy written here (no CONNECT) in front of
pouchdb-server, and shows no credential to the proxy beyond what it must see."""

from __future__ import annotations

import base64
import http.client
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kpack.provision.proxy import Proxy, bypassed, proxy_for
from tests.helpers import stub_servers, write
from tests.provision.conftest import KPACK, Server

DOCS = [{"_id": f"svc{i}", "grant_mode": "secret", "slug": f"svc{i}", "secret": "$TOKEN"}
        for i in range(2)]
TOKEN = "tok-Never-In-Proxy-Logs"
PROXY_PASSWORD = "proxy-Pw-33"
HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


class ProxyLog:
    def __init__(self) -> None:
        self.lines: list[str] = []  # request lines
        self.headers: list[dict[str, str]] = []


def forward_proxy(log: ProxyLog) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            log.lines.append(self.requestline)
            log.headers.append(dict(self.headers.items()))
            target = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80,
                                                  timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
            finally:
                upstream.close()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP | {"transfer-encoding", "content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = _forward

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def proxy() -> Iterator[tuple[int, ProxyLog]]:
    log = ProxyLog()
    with stub_servers() as serve:
        yield serve(forward_proxy(log)), log


def apply(
    tmp_path: Path, kpack_env: dict[str, str], **env: str,
) -> subprocess.CompletedProcess[str]:
    write(tmp_path, "account-types.json", DOCS)
    clean = {k: v for k, v in kpack_env.items() if "proxy" not in k.lower()}
    return subprocess.run([*KPACK, "provision", "account-types.json", "--apply"], cwd=tmp_path,
                          env={**clean, "TOKEN": TOKEN, **env}, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.couchdb
def test_apply_goes_through_http_proxy(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], proxy: tuple[int, ProxyLog],
) -> None:
    port, log = proxy
    result = apply(tmp_path, kpack_env,
                   http_proxy=f"http://puser:{PROXY_PASSWORD}@127.0.0.1:{port}")
    assert result.returncode == 0, result.stderr
    assert couch.doc("svc0")["secret"] == TOKEN and couch.doc("svc1") is not None
    assert len(log.lines) == 3  # read, create the database, write: all through the proxy
    for line, headers in zip(log.lines, log.headers, strict=True):
        assert line.split()[1].startswith(couch.url + "/")  # absolute-form, no user info
        assert "@" not in line and PROXY_PASSWORD not in line
        assert headers["Proxy-Authorization"] == "Basic " + base64.b64encode(
            f"puser:{PROXY_PASSWORD}".encode()).decode()
        assert "Authorization" not in headers  # no CouchDB credentials were given
    assert PROXY_PASSWORD not in result.stdout + result.stderr


@pytest.mark.couchdb
@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "NO_PROXY=*", "localhost,127.0.0.0/8",
                                      "no_proxy=.example, 127.0.0.1:{couch_port}"])
def test_no_proxy_bypasses_it(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], proxy: tuple[int, ProxyLog],
    no_proxy: str,
) -> None:
    port, log = proxy
    name, _, value = no_proxy.rpartition("=")
    value = value.replace("{couch_port}", str(urlsplit(couch.url).port))
    result = apply(tmp_path, kpack_env, http_proxy=f"http://127.0.0.1:{port}",
                   **{name or "NO_PROXY": value})
    assert result.returncode == 0, result.stderr
    assert log.lines == []
    assert couch.doc("svc0") is not None


@pytest.mark.couchdb
def test_upper_case_http_proxy_is_ignored_as_curl_does(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], proxy: tuple[int, ProxyLog],
) -> None:
    port, log = proxy
    result = apply(tmp_path, kpack_env, HTTP_PROXY=f"http://127.0.0.1:{port}")
    assert result.returncode == 0, result.stderr
    assert log.lines == []
    assert result.stderr == (
        "kpack: note: HTTP_PROXY is ignored, as curl ignores it (a CGI request can set it): "
        "set http_proxy to use a proxy for http:// URLs\n"
        "kpack: note: placeholders filled: TOKEN (from the environment)\n"
    )


@pytest.mark.couchdb
def test_all_proxy_is_used_for_http(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], proxy: tuple[int, ProxyLog],
) -> None:
    port, log = proxy
    result = apply(tmp_path, kpack_env, ALL_PROXY=f"127.0.0.1:{port}")  # no scheme: http
    assert result.returncode == 0, result.stderr
    assert len(log.lines) == 3


def test_unreachable_proxy_is_one_line_without_its_password(
    tmp_path: Path, kpack_env: dict[str, str],
) -> None:
    from tests.provision.conftest import free_port

    port = free_port()
    result = apply(tmp_path, {**kpack_env, "COUCHDB_URL": "http://couch.invalid:5984"},
                   http_proxy=f"http://u:{PROXY_PASSWORD}@127.0.0.1:{port}")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"kpack: error: CouchDB at http://couch.invalid:5984 (through the proxy "
        f"http://127.0.0.1:{port} from http_proxy): connection refused (is CouchDB running?)\n"
    )


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "https://proxy.example"])
def test_unsupported_proxy_schemes_are_refused(
    tmp_path: Path, kpack_env: dict[str, str], value: str,
) -> None:
    result = apply(tmp_path, {**kpack_env, "COUCHDB_URL": "https://couch.example"},
                   HTTPS_PROXY=value)
    assert (result.returncode, result.stdout) == (2, "")
    scheme = value.split("://")[0]
    assert result.stderr == (
        f"kpack: error: HTTPS_PROXY: {scheme}:// proxies are not supported by --apply; use an "
        "http:// proxy (or the curl script)\n"
    )


@pytest.mark.parametrize(
    ("env", "scheme", "host", "port", "expected"),
    [
        ({"http_proxy": "http://p:3128"}, "http", "couch", 5984, ("p", 3128, "http_proxy")),
        ({"http_proxy": "p"}, "http", "couch", 5984, ("p", 1080, "http_proxy")),
        ({"HTTP_PROXY": "http://p:3128"}, "http", "couch", 5984, None),
        ({"HTTPS_PROXY": "p:8", "https_proxy": "q:9"}, "https", "c", 443, ("q", 9, "https_proxy")),
        ({"HTTPS_PROXY": "p:8"}, "https", "c", 443, ("p", 8, "HTTPS_PROXY")),
        ({"https_proxy": ""}, "https", "c", 443, None),
        ({"all_proxy": "a:1", "https_proxy": "s:2"}, "http", "c", 80, ("a", 1, "all_proxy")),
        ({"http_proxy": "p:1", "no_proxy": "example.com"}, "http", "db.example.com", 80, None),
        ({"http_proxy": "p:1", "no_proxy": ".example.com"}, "http", "example.com", 80, None),
        ({"http_proxy": "p:1", "no_proxy": "example.com"}, "http", "badexample.com", 80,
         ("p", 1, "http_proxy")),
        ({"http_proxy": "p:1", "NO_PROXY": "10.0.0.0/8"}, "http", "10.1.2.3", 80, None),
        ({"http_proxy": "p:1", "NO_PROXY": "::1"}, "http", "::1", 80, None),
        ({"http_proxy": "p:1", "NO_PROXY": "c:81"}, "http", "c", 80, ("p", 1, "http_proxy")),
        ({"http_proxy": "p:1", "no_proxy": "", "NO_PROXY": "c"}, "http", "c", 80, None),
    ],
)
def test_proxy_choice_follows_curl(
    env: dict[str, str], scheme: str, host: str, port: int, expected: Any,
) -> None:
    found = proxy_for(scheme, host, port, env)
    if expected is None:
        assert found is None
    else:
        assert isinstance(found, Proxy)
        assert (found.host, found.port, found.variable) == expected


def test_no_proxy_star() -> None:
    assert bypassed("anything", 1, {"no_proxy": " * "})
