"""Issue 11 item 6: any input of at most 2 MiB is checked in at most 200 MiB of memory.

Each hostile shape is checked by a fresh `kpack check` process, whose peak RSS a wrapper
process reads (`RUSAGE_CHILDREN`: the wrapper's only child). The wrapper caps the child's
address space at 2 GiB, so that the code before the fix (1 GB and more: a full pointer
for every value) ends in a MemoryError rather than in the machine's swap. No time is
asserted (the machine is shared); docs/security.md gives the figures measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kpack.load.source import MANIFEST_MAX_BYTES

BUDGET_MIB = 200
KEY = "k" * 200_000

_WRAPPER = """
import resource, subprocess, sys
limit = 2 << 30
child = subprocess.run(
    sys.argv[1:], capture_output=True,
    preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
)
sys.stderr.buffer.write(child.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, child.returncode)
"""


def checked(path: Path, kind: str, tmp_path: Path) -> tuple[int, dict[str, object]]:
    """Peak RSS of `kpack check` on `path` (MiB) and its JSON report."""
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "kpack", "check", "--kind", kind, str(path)]
    command += ["--format", "json", "--output-file", str(report)]
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, check=True
    )
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-500:]
    rss_kib, returncode = map(int, done.stdout.split())
    # Checked to the end: findings or none (a hostile manifest may have no error since
    # cozy-stack replaces the slug), never a usage error or a crash.
    assert returncode in (0, 1), done.stderr
    return rss_kib // 1024, json.loads(report.read_text(encoding="utf-8"))


def codes(report: dict[str, object]) -> set[str]:
    diagnostics = report["diagnostics"]
    assert isinstance(diagnostics, list)
    return {d["code"] for d in diagnostics}


def _deep_long_keys() -> str:
    value: object = [0] * 200_000
    for level in range(100):
        value = {f"{level:03d}" + "k" * 10_000: value}
    return json.dumps(value, separators=(",", ":"))


JSON_SHAPES = {
    # Issue 18 item 8: a 2 MB string of `\u0001` escapes (the position index's string
    # pattern kept backtracking state per character: 255 MiB).
    "escapes-string": '{"slug": "' + "\\u0001" * 349_000 + '"}',
    # The case: a 200 KB key above a 5,000-item array (1 GB before).
    "long-key-over-items": json.dumps({KEY: list(range(5_000))}),
    # A 1 MB file: a 500 KB key above 250,000 items (MemoryError before).
    "one-megabyte": json.dumps({"x" * 500_000: [0] * 250_000}),
    # 100 levels of 10 KB keys, then 200,000 items.
    "deep-long-keys": _deep_long_keys(),
    # Duplicate keys below a long key: each finding's pointer holds the key.
    "duplicates-below-long-key": '{"' + KEY + '": [' + ",".join(['{"a":0,"a":0}'] * 50_000) + "]}",
    # Unknown members below a long key (fields.<key>.*): findings with long pointers.
    "findings-below-long-key": json.dumps(
        {"fields": {KEY: {f"u{i}": 0 for i in range(50_000)}}}, separators=(",", ":")
    ),
    # Many small unknown keys: a finding (and a did-you-mean search) for each one.
    "many-small-keys": json.dumps({f"k{i}": 0 for i in range(30_000)}, separators=(",", ":")),
}


@pytest.mark.parametrize("shape", sorted(JSON_SHAPES))
def test_hostile_json_is_checked_within_the_memory_budget(shape: str, tmp_path: Path) -> None:
    text = JSON_SHAPES[shape]
    assert len(text.encode()) <= MANIFEST_MAX_BYTES
    path = tmp_path / "manifest.konnector"
    path.write_text(text, encoding="utf-8")
    rss, report = checked(path, "manifest", tmp_path)
    assert rss < BUDGET_MIB, f"{shape}: {rss} MiB"
    if shape in ("duplicates-below-long-key", "many-small-keys"):
        assert "L014" in codes(report)  # the findings stop at the budget, and say so


def test_a_million_items_within_the_memory_budget(tmp_path: Path) -> None:
    path = tmp_path / "account-types.json"
    path.write_text("[" + ",".join(["0"] * 1_000_000) + "]", encoding="utf-8")
    rss, report = checked(path, "account-type", tmp_path)
    assert rss < BUDGET_MIB and codes(report) == {"L012"}


YAML_SHAPES = {
    # A million values in 2 MB: composing them costs 600 MB; refused by count first.
    "flow-sequence": "[" + ",".join(["0"] * 1_000_000) + "]\n",
    "block-mapping": "".join(f"k{i}: 0\n" for i in range(200_000)),
    # Billion laughs: nine levels of ten aliases each.
    "aliases": "a: &a [" + ",".join(["x"] * 10) + "]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(9)
    ),
    # A long key above many items: the walk for non-JSON values spelt every pointer.
    "long-key-over-items": f"{KEY}:\n" + "".join("- 0\n" for _ in range(5_000)),
}


@pytest.mark.parametrize("shape", sorted(YAML_SHAPES))
def test_hostile_yaml_is_checked_within_the_memory_budget(shape: str, tmp_path: Path) -> None:
    text = YAML_SHAPES[shape]
    assert len(text.encode()) <= MANIFEST_MAX_BYTES + 100_000
    path = tmp_path / "account-types.yaml"
    path.write_text(text, encoding="utf-8")
    rss, report = checked(path, "account-type", tmp_path)
    assert rss < BUDGET_MIB, f"{shape}: {rss} MiB"
    if shape in ("flow-sequence", "block-mapping", "aliases"):
        assert "L008" in codes(report)  # refused before the values are built
