"""The conformance oracles: the programs that really read kpack's files, run for real.

- Go (`go/oracle.go`, standard library only): encoding/json into the stack's structs,
  net/url's url.Parse, the stack's own checks. Built once per session with the machine's
  `go` (Debian's golang-go; scripts/test.sh installs it when missing).
- Node (`node/oracle.js`): strip-json-comments + JSON.parse as cozy-jobs-cli reads the dev
  config, and cozy-app-publish's own publisher, from tests/node/node_modules (`npm ci`).

Each test sends its whole batch of documents to one oracle process. Without the tools the
tests skip, except in CI (CI=true) where they fail: the suite must run there.

Hypothesis profiles (HYPOTHESIS_PROFILE): the quick one (default, and CI's) and "long"
(by hand). Both explore: the seed changes with every commit under CI=true (derived from
`git rev-parse HEAD`) and with every run elsewhere; it is printed at the end of the run
and in each disagreement, and KPACK_CONFORMANCE_SEED=<seed> replays it.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, seed, settings

from tests.conformance.go_schema import GoMissing, go_oracle_binary
from tests.helpers import REPO

HERE = Path(__file__).resolve().parent
NODE_SCRIPT = HERE / "node" / "oracle.js"
NODE_MODULES = REPO / "tests" / "node" / "node_modules"

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# Each example is a batch of documents (one oracle call): few examples, many documents.
# derandomize=False: under CI=true Hypothesis's own "ci" profile (the parent) would check
# the same documents on every build; the seed below makes each commit explore new ones.
# No shrinking: a failing batch already names each document that disagrees (at most five),
# and shrinking a batch of 25-60 documents takes Hypothesis minutes.
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
settings.register_profile(
    "conformance-quick", max_examples=20, deadline=None, derandomize=False,
    suppress_health_check=_SUPPRESSED, phases=_PHASES,
)
settings.register_profile(
    "conformance-long", max_examples=400, deadline=None, derandomize=False,
    suppress_health_check=_SUPPRESSED, phases=_PHASES,
)

SEED_VARIABLE = "KPACK_CONFORMANCE_SEED"
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
# Wall time each property test spends checking batches, quick profile only: on a loaded CI
# machine the remaining examples are not checked (counted and printed), so the suite stays
# within CI's budget. KPACK_CONFORMANCE_BUDGET=<seconds> sets it (0: none).
_BUDGET = float(os.environ.get("KPACK_CONFORMANCE_BUDGET", "0" if LONG else "60"))
_STARTED: dict[str, float] = {}
CHECKED: Counter[str] = Counter()
UNCHECKED: Counter[str] = Counter()


def within_budget(test: str) -> bool:
    """Whether `test` may check one more batch (its first call starts its clock)."""
    started = _STARTED.setdefault(test, time.monotonic())
    if _BUDGET and time.monotonic() - started > _BUDGET:
        UNCHECKED[test] += 1
        return False
    CHECKED[test] += 1
    return True


def _seed() -> tuple[int, str]:
    """The Hypothesis seed of this run and where it comes from."""
    given = os.environ.get(SEED_VARIABLE, "").strip()
    if given:
        return int(given), SEED_VARIABLE
    if os.environ.get("CI") == "true":
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
            check=False,
        ).stdout.strip()
        if head:
            return int(head[:15], 16), f"commit {head[:12]}"
        today = datetime.date.today()
        return int(today.strftime("%Y%m%d")), f"date {today}"
    return random.SystemRandom().getrandbits(60), "random"


SEED, SEED_SOURCE = _seed()
REPRODUCE = f"{SEED_VARIABLE}={SEED} reproduces this run ({SEED_SOURCE})"
_Test = TypeVar("_Test", bound=Callable[..., Any])


def conformance_settings() -> Callable[[_Test], _Test]:
    """The profile (quick or long) and the run's seed, for a test under @given."""
    profile = settings.get_profile("conformance-long" if LONG else "conformance-quick")

    def apply(test: _Test) -> _Test:
        return profile(seed(SEED)(test))

    return apply


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.conformance.phase2 import EXCUSED

    terminalreporter.write_line(f"conformance: Hypothesis seed {SEED}; {REPRODUCE}")
    for test, count in sorted(CHECKED.items()):
        late = f", {UNCHECKED[test]} not checked (over {_BUDGET:g} s)" if UNCHECKED[test] else ""
        terminalreporter.write_line(f"conformance: {test}: {count} batches checked{late}")
    if EXCUSED:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(EXCUSED.items()))
        terminalreporter.write_line(f"conformance: left to issue 19 phase 2: {counts}")


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
def go_oracle() -> Iterator[Oracle]:
    try:
        binary = go_oracle_binary()
    except GoMissing as exc:
        _missing(str(exc))
        raise AssertionError from exc  # unreachable: _missing skips or fails
    oracle = Oracle([str(binary)])
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
