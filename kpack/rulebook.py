"""Where rules are defined: every rule has a code, a name, a default severity and a doc.

Rule modules call `define()` at import time. This module sits below every layer that
defines rules (the loader's L rules, the rule families, the bundle's B rules), so none of
them imports upward; `kpack.rules.catalogue` imports them all to list the whole catalogue
(and `docs/rules.md`, generated from it, always matches the code).
"""

from __future__ import annotations

import sys

from kpack.diagnostics import Kind, Rule, Severity
from kpack.oracles import ORACLES

_CATALOGUE: dict[str, Rule] = {}


def cleandoc(doc: str) -> str:
    """`inspect.cleandoc` (Python 3.11's; tests hold them equal): `inspect` imports ast,
    dis and tokenize, 5-10 ms of every start, for 81 docstrings."""
    lines = doc.expandtabs().split("\n")
    margin = sys.maxsize
    for line in lines[1:]:
        content = len(line.lstrip())
        if content:
            margin = min(margin, len(line) - content)
    lines[0] = lines[0].lstrip()
    if margin < sys.maxsize:
        lines[1:] = [line[margin:] for line in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def define(
    code: str, name: str, severity: Severity, kind: Kind | None, summary: str, doc: str = ""
) -> Rule:
    """Register a rule. `summary` is one line; `doc` explains why, in Markdown."""
    if code in _CATALOGUE:
        raise ValueError(f"rule code {code} defined twice")
    rule = Rule(code, name, severity, kind, summary, cleandoc(doc), ORACLES.get(code, ""))
    _CATALOGUE[code] = rule
    return rule


# What `kpack check --fix` can do for a rule: code -> (applicability, description).
# Declared by the module whose checker attaches the fix, next to its definition.
_FIXES: dict[str, tuple[str, str]] = {}


def declare_fix(rule: Rule, applicability: str, description: str) -> None:
    """Say that `rule`'s findings may carry a fix: "safe", "unsafe" or "safe or unsafe"."""
    _FIXES[rule.code] = (applicability, cleandoc(description))


def defined_fix(code: str) -> tuple[str, str] | None:
    """The fix declared for `code` by its (already imported) rule module, or None."""
    return _FIXES.get(code)


def defined_rules() -> list[Rule]:
    """The rules the modules imported so far define, by code."""
    return sorted(_CATALOGUE.values(), key=lambda r: r.code)
