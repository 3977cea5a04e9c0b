"""kpack.spawn: what `subprocess.Popen(...).communicate(stdin, timeout)` gave git's callers,
with real programs (cat, sh, a Python child)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpack import spawn

posix = pytest.mark.skipif(not hasattr(os, "posix_spawn"), reason="POSIX only")
ENV = dict(os.environ)


def no_zombie(pid: int) -> bool:
    """The child was reaped (waitpid on it fails) and no longer runs."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@posix
@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=300_000))
def test_cat_gives_back_what_it_is_fed(data: bytes) -> None:
    """Feeding and reading at once: no deadlock when both pipes fill (64 KiB each)."""
    assert spawn.run(["cat"], ENV, data, timeout=20) == (0, data)


@posix
def test_exit_status_output_and_stderr_as_subprocess() -> None:
    script = "printf 'out\\0put'; printf 'noise' >&2; exit 3"
    ours = spawn.run(["sh", "-c", script], ENV, b"", timeout=20)
    theirs = subprocess.run(["sh", "-c", script], capture_output=True, check=False)
    assert ours == (theirs.returncode, theirs.stdout) == (3, b"out\0put")


@posix
def test_a_program_that_does_not_read_its_input() -> None:
    """It exits without reading 1 MiB of input: a broken pipe, not an error (as Popen)."""
    assert spawn.run(["sh", "-c", "exit 0"], ENV, b"x" * (1 << 20), timeout=20) == (0, b"")


@posix
def test_a_program_past_its_timeout_is_killed_and_reaped() -> None:
    child = spawn.start(["sh", "-c", "exec sleep 30"], ENV)
    assert isinstance(child, spawn.Child)
    began = time.monotonic()
    assert child.communicate(b"", timeout=0.3) is None
    assert time.monotonic() - began < 10
    assert no_zombie(child.pid)


@posix
def test_an_interrupted_caller_leaves_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    child = spawn.start(["sh", "-c", "exec sleep 30"], ENV)
    assert isinstance(child, spawn.Child)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "monotonic", interrupted)  # the module kpack.spawn uses
    with pytest.raises(KeyboardInterrupt):
        child.communicate(b"", timeout=5)
    assert no_zombie(child.pid)


def test_a_missing_program_does_not_start(tmp_path: Path) -> None:
    assert spawn.start(["kpack-no-such-program"], {"PATH": str(tmp_path)}) is None
    assert spawn.run([str(tmp_path / "nothing")], ENV, b"", timeout=5) is None


@posix
def test_the_program_is_found_on_the_path_of_its_environment(tmp_path: Path) -> None:
    """As subprocess with env=: the PATH given, not kpack's own."""
    tool = tmp_path / "kpack-test-tool"
    tool.write_text("#!/bin/sh\necho found\n")
    tool.chmod(0o755)
    (tmp_path / "other").mkdir()
    env = {**ENV, "PATH": f"{tmp_path / 'other'}{os.pathsep}{tmp_path}"}
    assert spawn.run(["kpack-test-tool"], env, b"", timeout=20) == (0, b"found\n")
    assert spawn.start(["kpack-test-tool"], ENV) is None  # not on kpack's own PATH


@posix
def test_only_the_three_pipes_reach_the_program(tmp_path: Path) -> None:
    """kpack's other descriptors (a file it has open) do not leak into git."""
    with open(tmp_path / "open.txt", "w") as handle:
        script = f"test -e /proc/self/fd/{handle.fileno()} && echo leaked || echo closed"
        assert spawn.run(["sh", "-c", script], ENV, b"", timeout=20) == (0, b"closed\n")


@posix
def test_with_standard_streams_closed_the_program_still_gets_its_pipes() -> None:
    """kpack started with stdin, stdout and stderr closed: os.pipe() hands out 0, 1 and 2,
    which must not become the child's streams by accident (they would stay close-on-exec)."""
    code = (
        "import os, sys, traceback; sys.path.insert(0, os.environ['KPACK_SRC'])\n"
        "out = int(os.environ['KPACK_OUT'])\n"
        "try:\n"
        "    from kpack import spawn\n"
        "    answer = spawn.run(['cat'], dict(os.environ), b'through', timeout=20)\n"
        "    os.write(out, repr(answer).encode())\n"
        "except BaseException:\n"
        "    os.write(out, traceback.format_exc().encode())\n"
    )
    read, write = os.pipe()
    env = {**ENV, "KPACK_SRC": str(Path(__file__).resolve().parent.parent),
           "KPACK_OUT": str(write)}
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.DEVNULL, env=env,
        pass_fds=(write,), preexec_fn=_close_standard_streams,
    )
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        printed = answer.read()
    assert process.wait(timeout=30) == 0
    assert printed == b"(0, b'through')"


def _close_standard_streams() -> None:
    for fd in (0, 1, 2):
        os.close(fd)
