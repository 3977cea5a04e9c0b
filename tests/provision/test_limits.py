"""`provision --apply` ends, within bounds, whatever the server does: a deadline per request
(not per socket read) and for the run, and a bound on the answer read into memory.

A server that drips bytes or promises 8 GiB is a fault a real CouchDB cannot be made to
produce: these are raw sockets in the test. kpack runs in a subprocess (with its address
space limited to 2 GiB, so an unbounded read fails fast instead of eating the machine);
the subprocess timeout is a guard for the old behaviour (never ending), not a measure.
"""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import write
from tests.provision.conftest import KPACK

DOC = {"_id": "service", "grant_mode": "secret", "slug": "service", "secret": "$TOKEN"}
Behaviour = Callable[[socket.socket], None]


@pytest.fixture
def raw_server() -> Iterator[Callable[[Behaviour], int]]:
    """Serve each connection with `behaviour(conn)` after reading the request head."""
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def start(behaviour: Behaviour) -> int:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        sockets.append(server)

        def loop() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except (TimeoutError, OSError):
                    continue
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

        def serve(conn: socket.socket) -> None:
            with conn:
                try:
                    conn.settimeout(30)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    behaviour(conn)
                except OSError:
                    pass  # the client gave up: what we want

        threading.Thread(target=loop, daemon=True).start()
        port: int = server.getsockname()[1]
        return port

    yield start
    stop.set()
    for server in sockets:
        server.close()


def drip_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n")
    for _ in range(100000):
        conn.sendall(b" ")
        time.sleep(0.05)


def drip_head(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60000:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)


def huge_length(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 8589934592\r\n\r\n")
    block = b"0" * 65536
    for _ in range(8 * 2**14):
        conn.sendall(block)


def endless_chunks(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"0" * 65536 + b"\r\n"
    for _ in range(8 * 2**14):
        conn.sendall(chunk)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


def apply(tmp_path: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    write(tmp_path, "account-type.json", DOC)
    return subprocess.run(
        [*KPACK, "provision", "account-type.json", "--apply",
         "--couchdb", f"http://127.0.0.1:{port}", *args],
        cwd=tmp_path, env={"TOKEN": "t", "PATH": "/usr/bin:/bin"}, capture_output=True,
        text=True, timeout=120, preexec_fn=_limit_memory,
    )


@pytest.mark.parametrize("behaviour", [drip_body, drip_head], ids=["body", "head"])
def test_a_dripping_server_meets_the_request_deadline(
    tmp_path: Path, raw_server: Callable[[Behaviour], int], behaviour: Behaviour,
) -> None:
    port = raw_server(behaviour)
    result = apply(tmp_path, port, "--timeout", "0.5")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"kpack: error: CouchDB at http://127.0.0.1:{port}: no answer within 0.5 s\n"
    )


def test_the_run_has_a_total_deadline(
    tmp_path: Path, raw_server: Callable[[Behaviour], int],
) -> None:
    port = raw_server(drip_body)
    result = apply(tmp_path, port, "--timeout", "30", "--total-timeout", "0.5")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"kpack: error: CouchDB at http://127.0.0.1:{port}: no complete answer within the "
        "run's total time limit of 0.5 s (--total-timeout)\n"
    )


@pytest.mark.parametrize(
    ("behaviour", "detail"),
    [(huge_length, " (Content-Length: 8589934592)"), (endless_chunks, "")],
    ids=["content-length-8GiB", "endless-chunked"],
)
def test_a_huge_answer_is_not_read_into_memory(
    tmp_path: Path, raw_server: Callable[[Behaviour], int], behaviour: Behaviour, detail: str,
) -> None:
    port = raw_server(behaviour)
    result = apply(tmp_path, port)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"kpack: error: CouchDB at http://127.0.0.1:{port}: the answer is larger than 64 MiB"
        f"{detail}: not read\n"
    )


def test_a_short_body_is_reported(
    tmp_path: Path, raw_server: Callable[[Behaviour], int],
) -> None:
    def short(conn: socket.socket) -> None:
        body = json.dumps({"rows": []}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(body) + 50) + body)

    port = raw_server(short)
    result = apply(tmp_path, port)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"kpack: error: CouchDB at http://127.0.0.1:{port}: the connection was closed in the "
        "middle of the answer\n"
    )
