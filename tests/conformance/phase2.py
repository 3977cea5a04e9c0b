"""Disagreements with the stack that issue 19 leaves to its phase 2 (kpack's rules).

Each entry names what kpack gets wrong and which rule changes. The conformance judges
excuse a disagreement only through one of these names, and count the documents each
name excused (printed at the end of the run). Fixing a rule = deleting its entry: the
judges then fail on that disagreement again. test_schema.py's
test_no_phase2_excuse_is_left fails when an entry comes back.
"""

from __future__ import annotations

from collections import Counter

PHASE2: dict[str, str] = {}

EXCUSED: Counter[str] = Counter()


def excuse(name: str) -> bool:
    """Whether a disagreement is still excused under `name` (counted when it is)."""
    if name not in PHASE2:
        return False
    EXCUSED[name] += 1
    return True
