"""Long fuzzing run of `kpack check`: count the inputs tried and those that broke an invariant.

    python bench/fuzz.py --examples 100000 [--seed N] [--no-cli] [--show 5]

Same inputs and oracle as tests/hardening/test_fuzz.py (tests/hardening/fuzzing.py), but
with hypothesis in generation mode only: no stopping at the first failure and no shrinking,
so every failure is counted. Exit 1 when any input failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-cli", action="store_true", help="skip the kpack.cli.main pass")
    parser.add_argument("--show", type=int, default=5, help="failures shown in full")
    args = parser.parse_args(argv)

    from hypothesis import HealthCheck, Phase, given, seed, settings

    from tests.hardening.fuzzing import Input, check_invariants, inputs

    tried = 0
    failures: Counter[str] = Counter()
    shown: list[str] = []
    started = time.monotonic()

    @settings(
        max_examples=args.examples,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs())
    def run(case: Input) -> None:
        nonlocal tried
        tried += 1
        try:
            check_invariants(case, cli=not args.no_cli)
        except Exception as exc:  # counted, not raised: the run goes on
            kind = f"{type(exc).__name__}: {str(exc).split(':')[0][:80]}"
            failures[kind] += 1
            if len(shown) < args.show:
                shown.append(f"{case!r}\n{traceback.format_exc(limit=-3)}")
        if tried % 1000 == 0:
            print(
                f"  {tried} inputs, {sum(failures.values())} failed, "
                f"{time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    if args.seed is not None:
        run = seed(args.seed)(run)
    run()
    failed = sum(failures.values())
    for text in shown:
        print(text)
    for kind, count in failures.most_common():
        print(f"{count:>7}  {kind}")
    print(f"fuzzed {tried} inputs in {time.monotonic() - started:.0f} s: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
