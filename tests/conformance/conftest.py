"""The conformance oracles: the programs that really read kpack's files, run for real.

- Go (`go/oracle.go`, standard library only): encoding/json into the stack's structs,
  net/url's url.Parse, the stack's own checks. Built once per session with the machine's
  `go` (Debian's golang-go; scripts/test.sh installs it when missing).
- Node (`node/oracle.js`): strip-json-comments + JSON.parse as cozy-jobs-cli reads the dev
  config, and cozy-app-publish's own publisher, from tests/node/node_modules (`npm ci`).

Each test sends its whole batch of documents to one oracle process. Without the tools the
tests skip, except in CI (CI=true) where they fail: the suite must run there.

Hypothesis profiles (HYPOTHESIS_PROFILE): "ci" (default, quick) and "long" (by hand).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import REPO

HERE = Path(__file__).resolve().parent
GO_SOURCE = HERE / "go" / "oracle.go"
NODE_SCRIPT = HERE / "node" / "oracle.js"
NODE_MODULES = REPO / "tests" / "node" / "node_modules"

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# Each example is a batch of documents (one oracle call): few examples, many documents.
settings.register_profile(
    "conformance-ci", max_examples=20, deadline=None, suppress_health_check=_SUPPRESSED
)
settings.register_profile(
    "conformance-long", max_examples=400, deadline=None, suppress_health_check=_SUPPRESSED
)


def conformance_settings() -> settings:
    long = os.environ.get("HYPOTHESIS_PROFILE") == "long"
    return settings.get_profile("conformance-long" if long else "conformance-ci")


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI must run the conformance oracles: see scripts/test.sh)")
    pytest.skip(what)


class Oracle:
    """One long-lived program answering a JSON line per request line: started once per
    session (Node's start-up is most of a batch's time), stopped at the end."""

    def __init__(self, argv: list[str], cwd: Path | None = None) -> None:
        self.argv = argv
        self.cwd = cwd
        self._process: subprocess.Popen[str] | None = None
        self._stderr: Any = None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            # The oracle's logs, shown on failure; closed with the process in close().
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
            self._process = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._stderr, text=True, encoding="utf-8", cwd=self.cwd, bufsize=1,
            )
        return self._process

    def ask(self, kind: str, documents: Sequence[bytes | str]) -> list[dict[str, Any]]:
        process = self._started()
        assert process.stdin is not None and process.stdout is not None
        lines = "".join(
            json.dumps({"kind": kind, "data": base64.b64encode(_bytes(d)).decode()}) + "\n"
            for d in documents
        )
        # Written from a thread: the oracle answers while it reads, and a full pipe in
        # both directions would block both programs.
        writer = threading.Thread(target=_write, args=(process.stdin, lines), daemon=True)
        writer.start()
        answers = []
        for _ in documents:
            line = process.stdout.readline()  # one JSON line: U+2028 and U+0085 stay inside
            assert line, f"{self.argv[0]} stopped ({process.wait()}): {self._log()}"
            answers.append(json.loads(line))
        writer.join()
        return answers

    def _log(self) -> str:
        self._stderr.seek(0)
        log: bytes = self._stderr.read()
        return log[-2000:].decode("utf-8", "replace")

    def close(self) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            self._stderr.close()


def _write(stream: Any, text: str) -> None:
    stream.write(text)
    stream.flush()


def _bytes(document: bytes | str) -> bytes:
    return document if isinstance(document, bytes) else document.encode("utf-8")


@pytest.fixture(scope="session")
def go_oracle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    go = shutil.which("go")
    if go is None:
        _missing("go is not installed (apt-get install golang-go)")
        raise AssertionError  # unreachable: _missing skips or fails
    out = tmp_path_factory.mktemp("go-oracle") / "oracle"
    env = {
        **os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GO111MODULE": "off",
        "GOFLAGS": "", "CGO_ENABLED": "0",
    }
    env.setdefault("GOCACHE", str(Path.home() / ".cache" / "go-build"))
    build = subprocess.run(
        [go, "build", "-o", str(out), str(GO_SOURCE)], capture_output=True, text=True,
        env=env, timeout=300, check=False,
    )
    assert build.returncode == 0, build.stderr
    oracle = Oracle([str(out)])
    yield oracle
    oracle.close()


@pytest.fixture(scope="session")
def node_oracle() -> Iterator[Oracle]:
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed")
        raise AssertionError
    for package in ("strip-json-comments", "cozy-app-publish"):
        if not (NODE_MODULES / package / "package.json").is_file():
            _missing(f"{package} is not installed (npm ci --prefix tests/node)")
    oracle = Oracle([node, str(NODE_SCRIPT)], cwd=NODE_MODULES.parent)
    yield oracle
    oracle.close()
