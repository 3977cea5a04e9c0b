"""Options every layer reads: the loader's callers, the rule families, the commands."""

from __future__ import annotations

from typing import NamedTuple


class CheckOptions(NamedTuple):
    # "stack" (what cozy-stack accepts) or "registry" (what the apps registry demands).
    target: str = "stack"
