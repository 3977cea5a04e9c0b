"""Latency (the pre-commit budget): `kpack check` on one connector vs check-jsonschema.

    python bench/latency.py [--runs N] [--connector examples/oauth-connector]

kpack checks the manifest, the account type and the dev config with every rule;
check-jsonschema validates the manifest alone against kpack's schema. `python -c pass`
(from a bare virtualenv) is the floor of any Python tool. Goals (issue 22): kpack / peer
<= 0.30, kpack / python -c pass <= 6. Wall times, interleaved, medians (min-max); CPU
(user + system of the process and its children: git) beside them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BIN,
    MODES,
    REPO,
    bare_python,
    cpu_seconds,
    fmt,
    header,
    kpack_vs_peer,
    print_rows,
    ratio,
    row,
    seconds,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--connector", default="examples/oauth-connector")
    args = parser.parse_args()
    connector = Path(args.connector)
    peer = [
        str(BIN / "check-jsonschema"),
        "--schemafile",
        str(REPO / "schemas" / "manifest.schema.json"),
        str(connector / "manifest.konnector"),
    ]
    header(f"latency: kpack check {connector} vs check-jsonschema ({args.runs} runs)")
    rows = []
    with bare_python() as python:
        for mode in MODES:
            samples = kpack_vs_peer(
                mode, ["check", str(connector)], peer, args.runs, cwd=REPO,
                others={"python": [python, "-c", "pass"]},
            )
            ours, theirs = seconds(samples["kpack"]), seconds(samples["peer"])
            floor = seconds(samples["python"])
            cpu = {name: cpu_seconds(samples[name]) for name in ("kpack", "peer", "python")}
            print(f"[{mode}] kpack check:       {ours}; CPU {cpu['kpack']}")
            print(f"[{mode}] check-jsonschema:  {theirs}; CPU {cpu['peer']}")
            print(f"[{mode}] python -c pass:    {floor}; CPU {cpu['python']}")
            print(f"[{mode}] ratio to the peer: {ratio(ours, theirs):.2f} (goal <= 0.30), "
                  f"CPU {ratio(cpu['kpack'], cpu['peer']):.2f}")
            print(f"[{mode}] ratio to python:   {ratio(ours, floor):.1f} (goal <= 6), "
                  f"CPU {ratio(cpu['kpack'], cpu['python']):.1f}")
            codes = {s.returncode for s in samples["kpack"]}
            print(f"[{mode}] kpack exit codes: {sorted(codes)}\n")
            command = f"`kpack check {connector}`"
            rows.append(row(
                f"latency ({mode})", command, fmt(ours), fmt(theirs),
                f"{ratio(ours, theirs):.2f} (CPU {ratio(cpu['kpack'], cpu['peer']):.2f})",
                "≤ 0.30",
            ))
            rows.append(row(
                f"start ({mode})", f"{command} / `python -c pass`", fmt(ours), fmt(floor),
                f"{ratio(ours, floor):.1f}× (CPU {ratio(cpu['kpack'], cpu['python']):.1f}×)",
                "≤ 6×",
            ))
    print_rows(rows)


if __name__ == "__main__":
    main()
