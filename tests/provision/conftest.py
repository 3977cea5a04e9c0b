"""A real CouchDB-API server for the provision tests: pouchdb-server from npm, in memory.

Installed by `npm ci --prefix tests/node` (done by .ci/run). Tests that need it skip with
the reason when node or the package is missing locally.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import pytest

from tests.helpers import REPO

SERVER_BIN = REPO / "tests" / "node" / "node_modules" / ".bin" / "pouchdb-server"
DB_PATH = "/" + quote("secrets/io-cozy-account_types", safe="")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server(NamedTuple):
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        host, port = self.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            all_headers = {"Content-Type": "application/json"} if data is not None else {}
            all_headers.update(headers or {})
            connection.request(method, path, body=data, headers=all_headers)
            answer = connection.getresponse()
            raw = answer.read()
        finally:
            connection.close()
        try:
            return answer.status, json.loads(raw)
        except ValueError:
            return answer.status, raw.decode("utf-8", "replace")

    def doc(self, doc_id: str) -> Any:
        status, data = self.request("GET", f"{DB_PATH}/{quote(doc_id, safe='')}")
        return data if status == 200 else None

    def reset(self) -> None:
        self.request("DELETE", DB_PATH)


def _missing(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where the test script installs it."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def start_server(workdir: Path) -> Server:
    if shutil.which("node") is None:
        _missing("node is not installed (needed for pouchdb-server)")
    if not SERVER_BIN.exists():
        _missing("pouchdb-server missing: run `npm ci --prefix tests/node --ignore-scripts`")
    port = free_port()
    log = workdir / "server.log"
    with open(log, "wb") as out:
        # cwd: pouchdb-server writes its config.json and log.txt there.
        process = subprocess.Popen(
            [str(SERVER_BIN), "--in-memory", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60  # readiness wait, not an assertion on speed
    while True:
        if process.poll() is not None:
            pytest.fail(f"pouchdb-server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if server.request("GET", "/")[0] == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            pytest.fail("pouchdb-server did not answer within 60 s")
        time.sleep(0.1)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def couch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("pouchdb"))
    yield server
    stop_server(server)


@pytest.fixture
def couch(couch_server: Server) -> Server:
    """The session's server with no account-types database (each test starts clean)."""
    couch_server.reset()
    return couch_server


@pytest.fixture
def kpack_env(couch: Server) -> dict[str, str]:
    """An environment for subprocesses: COUCHDB_URL set, no stray credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUCHDB_")}
    env["COUCHDB_URL"] = couch.url
    return env


KPACK = [sys.executable, "-m", "kpack"]
