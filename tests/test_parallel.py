"""kpack.parallel: order, errors, and no worker left behind after an interrupt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpack.errors import WorkerError
from kpack.parallel import map_in_order
from tests.helpers import REPO


def slow_square(value: int) -> tuple[int, int]:
    time.sleep(0.02 * (5 - value % 5))  # the first items finish last
    return value * value, os.getpid()


def fail_on_three(value: int) -> int:
    if value == 3:
        raise ValueError("three")
    return value


def test_results_come_back_in_order_from_several_processes() -> None:
    results = map_in_order(slow_square, list(range(10)), 2)
    assert [square for square, _ in results] == [n * n for n in range(10)]
    # This process takes its share; the worker did the rest.
    assert os.getpid() in {pid for _, pid in results}
    assert len({pid for _, pid in results}) == 2


def test_an_error_in_a_worker_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="three"):
        map_in_order(fail_on_three, list(range(6)), 2)


TEST_PROCESS = os.getpid()


def die_in_a_worker(value: int) -> int:
    if os.getpid() != TEST_PROCESS and value == 1:
        os._exit(3)  # as if killed by the OOM killer
    return value


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.callback = lambda: None


def raise_unpicklable(value: int) -> int:
    if os.getpid() != TEST_PROCESS:
        raise Unpicklable
    return value


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match=r"ended unexpectedly \(exit code 3\)"):
        map_in_order(die_in_a_worker, list(range(6)), 2)


def test_an_error_that_cannot_be_sent_back_arrives_as_text() -> None:
    with pytest.raises(WorkerError, match="Unpicklable"):
        map_in_order(raise_unpicklable, list(range(6)), 2)


def test_the_remote_traceback_is_kept() -> None:
    with pytest.raises(ValueError) as caught:
        map_in_order(fail_on_three, list(range(6)), 2)
    if caught.value.__cause__ is not None:  # raised in a worker, not here
        assert "fail_on_three" in str(caught.value.__cause__)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; its parent reaps it


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="needs Linux's /proc children list",
)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_every_worker(tmp_path: Path, signum: int) -> None:
    for number in range(3000):  # enough for the workers to be busy for a while
        folder = tmp_path / f"c{number:04d}"
        folder.mkdir()
        (folder / "manifest.konnector").write_text(json.dumps({"slug": f"c{number}"}))
        (folder / "account-types-def.json").write_text(
            json.dumps({"_id": f"c{number}", "grant_mode": "secret", "slug": "s"})
        )
    child = subprocess.Popen(
        [sys.executable, "-m", "kpack", "check", "--jobs", "3", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        # A test runner may ignore SIGINT in its children; kpack must see it as a user would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while child.poll() is None and not workers and time.monotonic() < deadline:
        workers = _children(child.pid)
        time.sleep(0.005)
    if not workers:
        child.kill()
        child.wait()
        pytest.skip("the run ended before its worker was seen")
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert err.decode().strip() == "kpack: interrupted"
    time.sleep(0.2)
    assert [w for w in workers if _running(w)] == []
