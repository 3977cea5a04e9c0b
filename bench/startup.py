"""Startup: what `kpack --version`, `kpack check` and `kpack build` import, and what it costs.

    python bench/startup.py [--runs N]

For each command: the wall time (median of N), the import time of `kpack.cli` and of the
command's own modules from `python -X importtime`, and which heavy libraries get loaded.
Heavy libraries should load only in the commands that need them (none for --version).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    KPACK,
    MODES,
    REPO,
    fmt,
    header,
    interleave,
    kpack_copy,
    kpack_env,
    row,
    seconds,
)

HEAVY = (
    "kpack",
    "typer",
    "click",
    "pydantic",
    "rich",
    "jsonschema",
    "yaml",
    "publicsuffixlist",
    "httpx",
    "requests",
)


def import_profile(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Package -> import time in ms: the largest cumulative entry of a library; for kpack,
    the sum of its own modules' self times (its cumulative figure includes Typer)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    totals: dict[str, float] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        if package == "kpack":
            totals[package] = totals.get(package, 0.0) + float(own) / 1000
        else:
            totals[package] = max(totals.get(package, 0.0), float(cumulative) / 1000)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    header(f"startup: imports of kpack commands ({args.runs} runs)")
    with tempfile.TemporaryDirectory(prefix="kpack-bench-startup-") as tmp:
        connector = Path(tmp) / "connector"
        shutil.copytree(REPO / "examples" / "oauth-connector", connector)
        (connector / "build").mkdir()
        shutil.copy(connector / "manifest.konnector", connector / "build")
        (connector / "build" / "index.js").write_text("module.exports = {}\n")
        out = Path(tmp) / "out"
        commands = {
            "--version": [KPACK, "--version"],
            "check": [KPACK, "check", str(connector)],
            "build": [KPACK, "build", str(connector), "--dir", str(out), "--target", "stack"],
        }
        rows = []
        baseline = {"python -c pass": ([sys.executable, "-c", "pass"], None)}
        for mode in MODES:
            with kpack_copy(mode) as root:
                env = kpack_env(root, mode)
                timed = {
                    **baseline,
                    **{name: (cmd, env) for name, cmd in commands.items()},
                }
                samples = interleave(timed, args.runs, cwd=connector)
                for name, command in commands.items():
                    shutil.rmtree(out, ignore_errors=True)
                    profile = import_profile(command, env, connector)
                    loaded = [h for h in HEAVY if h in profile]
                    heavy = ", ".join(f"{h} {profile[h]:.0f} ms" for h in loaded) or "none"
                    wall = seconds(samples[name])
                    print(f"[{mode}] kpack {name}: {wall}; imports: {heavy}")
                    rss = max(s.max_rss_kib for s in samples[name]) / 1024
                    rows.append(
                        row(
                            f"startup ({mode})",
                            f"`kpack {name}`",
                            fmt(wall),
                            f"{rss:.0f} MiB",
                            heavy,
                        )
                    )
                python = seconds(samples["python -c pass"])
                print(f"[{mode}] python -c pass: {python}\n")
    print(
        "Markdown rows (benchmark | command | wall | peak RSS | imports: kpack's own modules, "
        "then each library loaded, cumulative):"
    )
    print("\n".join(rows))
    print(row("startup", "`python -c pass`", fmt(python), "", ""))


if __name__ == "__main__":
    main()
