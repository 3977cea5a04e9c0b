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
from collections.abc import Sequence
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
    "conformance-ci", max_examples=12, deadline=None, suppress_health_check=_SUPPRESSED
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
    """One program answering a JSON line per request line."""

    def __init__(self, argv: list[str], cwd: Path | None = None) -> None:
        self.argv = argv
        self.cwd = cwd

    def ask(self, kind: str, documents: Sequence[bytes | str]) -> list[dict[str, Any]]:
        lines = "".join(
            json.dumps({"kind": kind, "data": base64.b64encode(_bytes(d)).decode()}) + "\n"
            for d in documents
        )
        run = subprocess.run(
            self.argv, input=lines, capture_output=True, text=True, cwd=self.cwd,
            timeout=600, check=False,
        )
        assert run.returncode == 0, f"{self.argv[0]} failed: {run.stderr[-2000:]}"
        answers = [json.loads(line) for line in run.stdout.split("\n") if line]
        assert len(answers) == len(documents), run.stderr[-2000:]
        return answers


def _bytes(document: bytes | str) -> bytes:
    return document if isinstance(document, bytes) else document.encode("utf-8")


@pytest.fixture(scope="session")
def go_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
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
    return Oracle([str(out)])


@pytest.fixture(scope="session")
def node_oracle() -> Oracle:
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed")
        raise AssertionError
    for package in ("strip-json-comments", "cozy-app-publish"):
        if not (NODE_MODULES / package / "package.json").is_file():
            _missing(f"{package} is not installed (npm ci --prefix tests/node)")
    return Oracle([node, str(NODE_SCRIPT)], cwd=NODE_MODULES.parent)
