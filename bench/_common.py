"""Shared helpers of the benchmark scripts: timing child processes, summaries, Markdown rows.

Every script interleaves kpack with its peer (A, B, A, B, ...) so that a busy machine slows
both alike, and reports medians with min/max. Nothing here is imported by kpack or its tests.

kpack is run from a private copy of the package (on PYTHONPATH) in one of two modes:
- "source": PYTHONDONTWRITEBYTECODE=1 and no .pyc files, so every run compiles kpack from
  source (what this development environment does);
- "installed": the copy is byte-compiled first (`compileall`) and the variable is unset
  (what a user of an installed wheel gets).
"""

from __future__ import annotations

import compileall
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NamedTuple

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KPACK = str(BIN / "kpack")
MODES = ("source", "installed")
GNU_TIME = (
    os.path.exists("/usr/bin/time")
    and subprocess.run(
        ["/usr/bin/time", "-f", "%M", "true"], capture_output=True, check=False
    ).returncode
    == 0
)


class Sample(NamedTuple):
    seconds: float
    max_rss_kib: int
    returncode: int
    cpu: float = 0.0  # user + system seconds of the command and its children


class Stats(NamedTuple):
    median: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.median:.3f} s (min {self.low:.3f}, max {self.high:.3f})"


def run(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int | IO[bytes] = subprocess.DEVNULL,
) -> Sample:
    """Run one command; wall time and the peak RSS of the command.

    The peak RSS comes from GNU time (`-f %M`) when it is installed: a child forked from
    this Python process would count this process's own pages in its high-water mark.
    Otherwise from wait4() (an upper bound). For a pipeline, the largest process.
    """
    import time

    with tempfile.NamedTemporaryFile(prefix="kpack-bench-rss-") as rss_file:
        prefix = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] if GNU_TIME else []
        start = time.perf_counter()
        process = subprocess.Popen(
            [*prefix, *command], env=env, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        rss = usage.ru_maxrss
        if GNU_TIME:
            lines = Path(rss_file.name).read_text().split()
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else rss
    return Sample(elapsed, rss, process.returncode, usage.ru_utime + usage.ru_stime)


def interleave(
    commands: Mapping[str, tuple[Sequence[str], dict[str, str] | None]],
    runs: int,
    warmup: int = 1,
    cwd: Path | None = None,
) -> dict[str, list[Sample]]:
    """Run each command `runs` times, taking turns; the warm-up rounds are not kept."""
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for round_number in range(warmup + runs):
        for name, (command, env) in commands.items():
            sample = run(command, env=env, cwd=cwd)
            if round_number >= warmup:
                samples[name].append(sample)
    return samples


def stats(values: Sequence[float]) -> Stats:
    return Stats(statistics.median(values), min(values), max(values))


def seconds(samples: Sequence[Sample]) -> Stats:
    return stats([s.seconds for s in samples])


def cpu_seconds(samples: Sequence[Sample]) -> Stats:
    return stats([s.cpu for s in samples])


@contextmanager
def bare_python() -> Iterator[str]:
    """A Python with nothing installed (a fresh virtualenv, no .pth file), for `python -c
    pass`: this repository's own virtualenv loads kpack's editable-install finder at
    start (pathlib and more), which no installed tool pays."""
    import venv

    with tempfile.TemporaryDirectory(prefix="kpack-bench-python-") as tmp:
        venv.create(tmp, with_pip=False)
        yield str(Path(tmp) / "bin" / "python")


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {datetime.date.today().isoformat()}"
    )


def kpack_env(package_root: Path, mode: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(package_root)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if mode == "source":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("NO_COLOR", "1")
    return env


@contextmanager
def kpack_copy(mode: str) -> Iterator[Path]:
    """A private copy of the kpack package (a folder to put on PYTHONPATH) for `mode`."""
    with tempfile.TemporaryDirectory(prefix=f"kpack-bench-{mode}-") as tmp:
        root = Path(tmp)
        shutil.copytree(
            REPO / "kpack", root / "kpack", ignore=shutil.ignore_patterns("__pycache__")
        )
        # kpack.schemas reads the repository's schemas/ next to the package.
        (root / "schemas").symlink_to(REPO / "schemas")
        if mode == "installed":
            compileall.compile_dir(root / "kpack", quiet=1)
        yield root


def kpack_vs_peer(
    mode: str,
    kpack_args: Sequence[str],
    peer: Sequence[str],
    runs: int,
    cwd: Path,
    more: Mapping[str, Sequence[str]] | None = None,
    others: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[Sample]]:
    """`kpack <kpack_args>` (from a private copy in `mode`) and the peer, interleaved.

    Samples under "kpack", "peer", then one name per entry of `more` (other kpack
    argument lists timed alongside, with the same copy) and of `others` (other commands,
    run as the peer is).
    """
    with kpack_copy(mode) as root:
        env = kpack_env(root, mode)
        commands = {"kpack": ([KPACK, *kpack_args], env), "peer": (peer, peer_env())}
        for name, args in (more or {}).items():
            commands[name] = ([KPACK, *args], env)
        for name, command in (others or {}).items():
            commands[name] = (command, peer_env())
        return interleave(commands, runs, cwd=cwd)


def print_rows(rows: Sequence[str]) -> None:
    """The Markdown rows of a kpack-vs-peer benchmark, ready to paste into a results table."""
    print("Markdown rows (benchmark | command | kpack | peer | ratio | goal):")
    print("\n".join(rows))


def peer_env() -> dict[str, str]:
    """Peers (check-jsonschema...) run as installed: their .pyc files exist in the venv."""
    env = dict(os.environ)
    env.setdefault("NO_COLOR", "1")
    return env


def ratio(ours: Stats, theirs: Stats) -> float:
    return ours.median / theirs.median


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def fmt(value: Stats, unit: str = "s", digits: int = 3) -> str:
    return f"{value.median:.{digits}f} {unit} ({value.low:.{digits}f}–{value.high:.{digits}f})"


def header(title: str) -> None:
    print(f"# {title}")
    print(f"machine: {machine()}")
    print()
