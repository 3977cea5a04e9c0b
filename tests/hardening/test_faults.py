"""Faults: CouchDB failing in the middle of `provision --apply`, `build` interrupted or unable
to write. Each fault gives a clear outcome (exit code, one message, no traceback); a re-run
finishes the job; nothing is lost (documents we do not own stay as they were) and no
partial archive or temporary file is left behind.

The provision faults come from a small proxy in front of pouchdb-server, which forwards
each request or, as told, drops it, delays it, or answers 409/500 itself.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kpack.cli import main
from tests.hardening.connectors import MANIFEST, small_connector

# -- provision ------------------------------------------------------------------------------

OURS = [
    {"_id": "new-one", "grant_mode": "secret", "slug": "new-one", "secret": "$TOKEN"},
    {"_id": "changed", "grant_mode": "secret", "slug": "changed", "secret": "v2"},
    {"_id": "same", "grant_mode": "secret", "slug": "same", "secret": "s"},
]
THEIRS = {"_id": "someone-else", "grant_mode": "secret", "slug": "x", "secret": "keep"}
EXPECTED = {
    "new-one": {**OURS[0], "secret": "token-value"},
    "changed": OURS[1],
    "same": OURS[2],
}

# What the proxy does with a request: forward it, or one of these.
Action = str  # "forward", "drop", "forward-drop", "stop", "slow", "409", "500", "conflicts"
Policy = Callable[[int, str, str], Action]  # (index of the request, method, path) -> action


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client gave up (timeout) and the late answer hits a closed socket


class Proxy:
    def __init__(self, upstream: str, policy: Policy):
        self.upstream = urlsplit(upstream)
        self.policy = policy
        self.seen: list[tuple[str, str, Action]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as kpack's client expects

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    index = len(proxy.seen)
                    action = proxy.policy(index, self.command, self.path)
                    proxy.seen.append((self.command, self.path, action))
                if action in ("drop", "stop"):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    if action == "stop":
                        threading.Thread(target=proxy.stop_listening).start()
                    return
                if action == "slow":
                    time.sleep(2)
                if action in ("409", "500"):
                    reason = "Document update conflict." if action == "409" else "boom"
                    self._send(int(action), {"error": "x", "reason": reason})
                    return
                if action == "conflicts":
                    docs = json.loads(body)["docs"]
                    self._send(
                        201,
                        [
                            {
                                "id": d["_id"],
                                "error": "conflict",
                                "reason": "Document update conflict.",
                            }
                            for d in docs
                        ],
                    )
                    return
                status, data = proxy.forward(self.command, self.path, body)
                if action == "forward-drop":  # written upstream; the answer is lost
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send(status, data, raw=True)

            def _send(self, status: int, data: Any, raw: bool = False) -> None:
                payload = data if raw else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.listening = True

    def forward(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        host, port = self.upstream.hostname, self.upstream.port
        assert host is not None
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def stop_listening(self) -> None:
        if self.listening:
            self.listening = False
            self.server.shutdown()
            self.server.server_close()  # joins the handler threads: upstream writes are done

    def actions(self) -> list[Action]:
        return [action for _m, _p, action in self.seen]


@pytest.fixture
def start_proxy(couch: Any) -> Iterator[Callable[[Policy], Proxy]]:
    proxies: list[Proxy] = []

    def start(policy: Policy) -> Proxy:
        proxy = Proxy(couch.url, policy)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop_listening()


@pytest.fixture
def files(tmp_path: Path, couch: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Our account types, and a database where one is stale, one current, one not ours."""
    for name in ("COUCHDB_URL", "COUCHDB_USER", "COUCHDB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOKEN", "token-value")
    path = tmp_path / "account-types.json"
    path.write_text(json.dumps(OURS, indent=2))
    db = "/" + "secrets%2Fio-cozy-account_types"
    assert couch.request("PUT", db)[0] in (201, 412)
    for doc in ({**OURS[1], "secret": "v1"}, OURS[2], THEIRS):
        assert couch.request("PUT", f"{db}/{doc['_id']}", doc)[0] == 201
    return path


def apply(
    capsys: pytest.CaptureFixture[str], path: Path, url: str, *args: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["provision", str(path), "--apply", "--couchdb", url, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def assert_finished(couch: Any, capsys: pytest.CaptureFixture[str], path: Path) -> None:
    """A re-run straight against the server ends the job; nothing of anyone else is lost."""
    code, out, err = apply(capsys, path, couch.url)
    assert code == 0, out + err
    code, out, _err = apply(capsys, path, couch.url)  # and then there is nothing left to do
    assert code == 0 and "3 unchanged (1 HTTP request)" in out, out
    for doc_id, expected in EXPECTED.items():
        stored = couch.doc(doc_id)
        assert {k: v for k, v in stored.items() if k != "_rev"} == expected
    assert {k: v for k, v in couch.doc("someone-else").items() if k != "_rev"} == THEIRS
    assert couch.doc("same")["_rev"].startswith("1-")  # never rewritten


def on_write(action: Action, times: int = 10**9) -> Policy:
    """`action` on the first `times` _bulk_docs requests, forward everything else."""
    count = {"writes": 0}

    def policy(_index: int, method: str, path: str) -> Action:
        if method == "POST" and "_bulk_docs" in path:
            count["writes"] += 1
            if count["writes"] <= times:
                return action
        return "forward"

    return policy


def on_read(action: Action) -> Policy:
    return lambda _i, method, path: action if "_all_docs" in path else "forward"


PROVISION_FAULTS = [
    # (id, policy, expected exit, words of the message)
    ("server-stops-before-the-write", on_write("stop"), 2, "CouchDB at http://127.0.0.1:"),
    ("server-stops-after-the-write", on_write("forward-drop", 1), None, ""),
    ("connection-drops-on-the-write", on_write("drop"), 2, "closed before an answer"),
    ("server-stops-on-the-read", on_read("stop"), 2, "CouchDB at http://127.0.0.1:"),
    ("slow-write", on_write("slow"), 2, "no answer within 0.5 s"),
    ("slow-read", on_read("slow"), 2, "no answer within 0.5 s"),
    ("409-on-every-write", on_write("409"), 2, "unexpected status 409"),
    ("409-on-two-writes", on_write("409", 2), 2, "unexpected status 409"),
    ("conflicts-on-two-writes", on_write("conflicts", 2), 0, ""),
    ("conflicts-on-every-write", on_write("conflicts"), 2, "run again"),
    ("500-on-the-write", on_write("500"), 2, "server error 500: (reason withheld"),
    ("500-on-the-read", on_read("500"), 2, "server error 500: (reason withheld"),
]


@pytest.mark.couchdb
@pytest.mark.parametrize(
    ("policy", "expected", "words"),
    [pytest.param(p, e, w, id=i) for i, p, e, w in PROVISION_FAULTS],
)
def test_provision_fault_then_rerun(
    couch: Any,
    files: Path,
    start_proxy: Callable[[Policy], Proxy],
    capsys: pytest.CaptureFixture[str],
    policy: Policy,
    expected: int | None,
    words: str,
) -> None:
    proxy = start_proxy(policy)
    code, out, err = apply(capsys, files, proxy.url, "--timeout", "0.5")
    proxy.stop_listening()  # any write still in flight lands before the checks
    if expected is not None:
        assert code == expected, (proxy.seen, out, err)
    else:
        assert code in (0, 2), (out, err)
    if code == 2:
        assert words in out + err, (out, err)
        message = err.strip().splitlines() or out.strip().splitlines()
        assert message and "token-value" not in out + err
    if "forward" in proxy.actions() and code == 0:
        assert all(
            {k: v for k, v in couch.doc(i).items() if k != "_rev"} == doc
            for i, doc in EXPECTED.items()
        )
    assert_finished(couch, capsys, files)


@pytest.mark.couchdb
def test_the_write_that_lands_but_whose_answer_is_lost_is_not_repeated_blindly(
    couch: Any,
    files: Path,
    start_proxy: Callable[[Policy], Proxy],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The proxy forwards the write, then drops the answer and keeps serving: kpack's one
    retry meets conflicts (its revisions are stale), reads again and finds its content."""
    proxy = start_proxy(on_write("forward-drop", 1))
    code, out, err = apply(capsys, files, proxy.url)
    assert code == 0, (proxy.seen, out, err)
    assert "after 1 conflict" in out
    assert_finished(couch, capsys, files)


def test_fault_case_count() -> None:
    assert len(PROVISION_FAULTS) + 1 == 13


# -- build ------------------------------------------------------------------------------------

EPOCH = "1700000000"
OUTCOMES: dict[tuple[bool, str], int] = {}  # (finished, output state) -> runs, for the report


@pytest.fixture(scope="module")
def large_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A connector whose build takes a few seconds: many files, some large, incompressible."""
    root = tmp_path_factory.mktemp("large") / "connector"
    build = root / "build"
    (build / "lib").mkdir(parents=True)
    (build / "manifest.konnector").write_text(json.dumps(MANIFEST))
    (build / "index.js").write_text("module.exports = 1\n")
    (build / "icon.svg").write_text("<svg/>\n")
    for i in range(400):
        (build / "lib" / f"m{i:03d}.js").write_bytes(os.urandom(16 * 1024))
    # 18.3 MiB in all: under the registry's 20 MiB (B010), so a build the signal
    # arrives too late for ends complete (exit 0), not refused.
    for i in range(6):
        (build / f"blob{i}.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    return root


def leftovers(root: Path) -> list[str]:
    """Temporary or partial outputs anywhere under root."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.name.endswith(".tmp") or ".old." in p.name
    )


def assert_all_or_nothing(root: Path, out_dir: Path | None) -> str:
    assert leftovers(root.parent) == []
    if out_dir is not None:
        if out_dir.exists():
            assert (out_dir / "manifest.konnector").is_file()
            assert len(list(out_dir.rglob("*.js"))) == 401
            return "complete"
        return "absent"
    dist = root / "dist"
    if not dist.exists() or not any(dist.iterdir()):
        return "absent"
    names = sorted(p.name for p in dist.iterdir())
    assert names == ["demo-1.2.0.tar.gz", "demo-1.2.0.tar.gz.sha256"], names
    import hashlib

    archive = dist / "demo-1.2.0.tar.gz"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (dist / "demo-1.2.0.tar.gz.sha256").read_text().split()[0] == digest
    with tarfile.open(archive) as tar:
        assert len([m for m in tar.getmembers() if m.isfile()]) == 409
    return "complete"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("delay_ms", [300, 600, 900, 1200, 1800])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("to_dir", [False, True], ids=["archive", "dir"])
def test_build_interrupted(large_tree: Path, delay_ms: int, signum: int, to_dir: bool) -> None:
    import shutil

    shutil.rmtree(large_tree / "dist", ignore_errors=True)
    out_dir = large_tree.parent / "out" if to_dir else None
    if out_dir is not None:
        shutil.rmtree(out_dir, ignore_errors=True)
    args = ["--dir", str(out_dir)] if out_dir else []
    child = subprocess.Popen(
        [sys.executable, "-m", "kpack", "build", str(large_tree), *args, "--target", "stack"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    time.sleep(delay_ms / 1000)
    child.send_signal(signum)
    _out, err = child.communicate(timeout=120)
    state = assert_all_or_nothing(large_tree, out_dir)
    assert b"Traceback" not in err, err.decode()[-3000:]
    if child.returncode == 0:
        assert state == "complete"  # the signal came after the end
    else:
        # Interrupted: nothing, or (the signal came after the rename) the complete output.
        assert child.returncode in (130, -signum, 128 + signum), (child.returncode, err)
        assert state in ("absent", "complete")
    OUTCOMES[(child.returncode == 0, state)] = OUTCOMES.get((child.returncode == 0, state), 0) + 1


def _build(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["build", *args])
    _out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("dist-is-a-file", "cannot write in"),
        ("dir-under-a-file", "cannot write in"),
        ("dir-in-proc", "cannot write in"),
        ("dir-is-a-file", "exists and is not a folder"),
    ],
)
def test_build_cannot_write_the_target(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    words: str,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = small_connector(tmp_path / "c")
    args: list[str] = []
    if setup == "dist-is-a-file":
        (root / "dist").write_text("a file")
    elif setup == "dir-under-a-file":
        (tmp_path / "f").write_text("a file")
        args = ["--dir", str(tmp_path / "f" / "out")]
    elif setup == "dir-in-proc":
        args = ["--dir", "/proc/kpack-cannot-write-here"]
    else:
        (tmp_path / "out").write_text("a file")
        args = ["--dir", str(tmp_path / "out")]
    code, err = _build(capsys, str(root), "--target", "stack", *args)
    assert code == 2 and words in err, err
    assert leftovers(tmp_path) == []
    assert not (root / "dist").is_dir()


def _disk_full_after_one_call(monkeypatch: pytest.MonkeyPatch, owner: type, method: str) -> None:
    """`owner.method` lands its first call, then fails as a full disk does (ENOSPC)."""
    real = getattr(owner, method)
    calls = {"n": 0}

    def full(self: Any, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(28, "No space left on device")
        return real(self, *args)

    monkeypatch.setattr(owner, method, full)


def test_build_disk_full_midway(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write failing in the middle of the archive (ENOSPC) leaves nothing behind."""
    from kpack.bundle import archive

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = small_connector(tmp_path / "c")
    _disk_full_after_one_call(monkeypatch, archive.HashingWriter, "write")
    code, err = _build(capsys, str(root), "--target", "stack")
    assert code == 2 and "No space left on device" in err, err
    assert leftovers(tmp_path) == [] and not (root / "dist").exists()


def test_build_dir_disk_full_midway(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kpack.bundle import archive

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = small_connector(tmp_path / "c")
    _disk_full_after_one_call(monkeypatch, archive.DirSink, "add_file")
    code, err = _build(capsys, str(root), "--dir", str(tmp_path / "out"))
    assert code == 2 and "No space left on device" in err, err
    assert leftovers(tmp_path) == [] and not (tmp_path / "out").exists()
