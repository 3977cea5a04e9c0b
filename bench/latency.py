"""Latency (the pre-commit budget): `kpack check` on one connector vs check-jsonschema.

    python bench/latency.py [--runs N] [--connector examples/oauth-connector]

kpack checks the manifest, the account type and the dev config with every rule;
check-jsonschema validates the manifest alone against kpack's schema. Goal: ratio <= 0.5.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BIN, MODES, REPO, fmt, header, kpack_vs_peer, print_rows, ratio, row, seconds


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
    for mode in MODES:
        samples = kpack_vs_peer(mode, ["check", str(connector)], peer, args.runs, cwd=REPO)
        ours, theirs = seconds(samples["kpack"]), seconds(samples["peer"])
        print(f"[{mode}] kpack check:       {ours}")
        print(f"[{mode}] check-jsonschema:  {theirs}")
        print(f"[{mode}] ratio: {ratio(ours, theirs):.2f} (goal <= 0.5)")
        codes = {s.returncode for s in samples["kpack"]}
        print(f"[{mode}] kpack exit codes: {sorted(codes)}\n")
        rows.append(
            row(
                f"latency ({mode})",
                f"`kpack check {connector}`",
                fmt(ours),
                fmt(theirs),
                f"{ratio(ours, theirs):.2f}",
                "≤ 0.5",
            )
        )
    print_rows(rows)


if __name__ == "__main__":
    main()
