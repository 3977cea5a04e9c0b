"""Fix: `kpack check --fix` vs `kpack check` on the same account-type file.

    python bench/fix.py [--runs 3] [--timeout 600] [--modes source,installed] [--only NAME]

The shapes of the Trust issue (#18), generated and seeded, each with many fixable
findings and spelled right (no fix: `--fix` should cost one check):
- YAML, 200 documents (about 30 KB) that merge an anchored first document (`<<: *base`):
  its findings cannot be fixed in place (an anchor), the others can;
- the same with 1,340 documents (about 200 KB);
- JSON, 8,000 documents (about 1.5 MB), four safe fixes each (32,000 findings).

Each run of `--fix` starts from a fresh copy of the file; check and `--fix` take turns
(A, B, A, B). A run over `--timeout` seconds is stopped and counted at the timeout (the
row says so). Goal: `--fix` / check <= 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import KPACK, MODES, Stats, fmt, header, kpack_copy, kpack_env, print_rows, row, stats

FIX_RATIO_GOAL = "≤ 2"


def yaml_documents(count: int, fixes: bool) -> str:
    """A YAML list: an anchored first document (no `_id`), then `count - 1` that merge it."""
    grant, token, secret, redirect = (
        ("Authorization_Code", "Basic", "client-secret", "redirect_url") if fixes
        else ("authorization_code", "basic", "client_secret", "redirect_uri")
    )
    parts = [  # holds no key the others set: no duplicate once merged
        f"- &base\n  grant_mode: {grant}\n  client_id: $S_ID\n"
        "  auth_endpoint: https://auth.s.example/authorize\n"
        "  token_endpoint: https://auth.s.example/token\n"
    ]
    for number in range(1, count):
        parts.append(
            f"- <<: *base\n  _id: s{number:04d}\n  token_mode: {token}\n"
            f"  {secret}: $S_SECRET\n"
            f"  {redirect}: https://oauthcallback.cozy.tools/accounts/s{number:04d}/redirect\n"
        )
    return "".join(parts)


def json_documents(count: int, fixes: bool) -> str:
    """A JSON array of `count` documents, each with four safe fixes (or none)."""
    grant, token, secret, redirect = (
        ("Authorization_Code", "Basic", "client-secret", "redirect_url") if fixes
        else ("authorization_code", "basic", "client_secret", "redirect_uri")
    )
    documents = [  # one a line, few fields: 8,000 of them make about 1.5 MB
        json.dumps({
            "_id": f"s{number:05d}",
            "grant_mode": grant,
            "client_id": "$C",
            secret: "$S",
            "token_mode": token,
            redirect: f"https://oauthcallback.cozy.tools/accounts/s{number:05d}/redirect",
        })
        for number in range(count)
    ]
    return "[\n" + ",\n".join(documents) + "\n]\n"


class Shape(NamedTuple):
    name: str
    file_name: str
    make: Callable[[bool], str]


SHAPES = (
    Shape("yaml-200", "services.account-types.yaml", lambda fixes: yaml_documents(200, fixes)),
    Shape("yaml-1340", "services.account-types.yaml", lambda fixes: yaml_documents(1340, fixes)),
    Shape("json-8000", "services.account-types.json", lambda fixes: json_documents(8000, fixes)),
)


class Timed(NamedTuple):
    seconds: float
    returncode: int | None  # None: stopped at the timeout


def timed(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Timed:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        return Timed(timeout, None)
    return Timed(time.perf_counter() - start, done.returncode)


def fixable(text: str, file_name: str, env: dict[str, str], work: Path) -> str:
    """What `kpack check` says is fixable in the file (its `[*]` summary line)."""
    (work / file_name).write_text(text)
    done = subprocess.run(
        [KPACK, "check", file_name], env=env, cwd=work, capture_output=True, text=True,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() + done.stdout.splitlines()
             if "fixable" in line or line.startswith("Found")]
    return "; ".join(lines) or "nothing fixable"


def measure(
    shape: Shape, fixes: bool, mode: str, root: Path, work: Path, args: argparse.Namespace
) -> str:
    text = shape.make(fixes)
    env = kpack_env(root, mode)
    path = work / shape.file_name
    print(f"[{shape.name}, {'fixes' if fixes else 'no fix'}, {mode}] {len(text) / 1024:.0f} KB; "
          f"{fixable(text, shape.file_name, env, work)}")
    checks: list[Timed] = []
    fixed: list[Timed] = []
    for round_number in range(1 + args.runs):  # the first round warms up
        path.write_text(text)
        check = timed([KPACK, "check", shape.file_name], env, work, args.timeout)
        path.write_text(text)
        fix = timed([KPACK, "check", "--fix", shape.file_name], env, work, args.timeout)
        if round_number:
            checks.append(check)
            fixed.append(fix)
    ours, theirs = _stats(fixed), _stats(checks)
    stopped = sum(t.returncode is None for t in fixed)
    note = f" ({stopped} stopped at {args.timeout:.0f} s)" if stopped else ""
    ratio = ours.median / theirs.median
    print(f"  check: {theirs}; --fix: {ours}{note}; --fix / check {ratio:.2f}\n")
    return row(
        f"fix ({mode})",
        f"`kpack check --fix` ({shape.name}, {'fixes' if fixes else 'no fix'}, "
        f"{len(text) / 1024:.0f} KB)",
        fmt(ours) + note, fmt(theirs), f"{ratio:.2f}", FIX_RATIO_GOAL,
    )


def _stats(samples: list[Timed]) -> Stats:
    return stats([s.seconds for s in samples])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--only", help="one shape: " + ", ".join(s.name for s in SHAPES))
    args = parser.parse_args()
    header(f"fix: kpack check --fix vs kpack check on the same file ({args.runs} runs each)")
    shapes = [s for s in SHAPES if args.only in (None, s.name)]
    rows = []
    for mode in args.modes.split(","):
        with kpack_copy(mode) as root, tempfile.TemporaryDirectory(prefix="kpack-fix-") as tmp:
            work = Path(tmp)
            for shape in shapes:
                for fixes in (True, False):
                    rows.append(measure(shape, fixes, mode, root, work, args))
                    for leftover in work.iterdir():
                        if leftover.is_dir():
                            shutil.rmtree(leftover)
                        else:
                            os.unlink(leftover)
    print("(columns: kpack = `kpack check --fix`, peer = `kpack check`, ratio = --fix / check)")
    print_rows(rows)


if __name__ == "__main__":
    main()
