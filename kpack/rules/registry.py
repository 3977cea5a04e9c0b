"""The rule catalogue: every rule has a code, a name, a default severity and a doc.

Rule modules call `define()` at import time; `all_rules()` imports them all, so the
catalogue (and `docs/rules.md`, generated from it) always matches the code.
"""

from __future__ import annotations

import inspect

from kpack import import_module
from kpack.diagnostics import Kind, Rule, Severity
from kpack.rules.oracles import ORACLES

_CATALOGUE: dict[str, Rule] = {}

# Modules that define rules, in the order the docs list them.
RULE_MODULES = (
    "kpack.load.rules",
    "kpack.rules.account_type",
    "kpack.rules.manifest",
    "kpack.rules.dev_config",
    "kpack.rules.cross_file",
    "kpack.bundle.rules",
)


def define(
    code: str, name: str, severity: Severity, kind: Kind | None, summary: str, doc: str = ""
) -> Rule:
    """Register a rule. `summary` is one line; `doc` explains why, in Markdown."""
    if code in _CATALOGUE:
        raise ValueError(f"rule code {code} defined twice")
    rule = Rule(code, name, severity, kind, summary, inspect.cleandoc(doc), ORACLES.get(code, ""))
    _CATALOGUE[code] = rule
    return rule


# What `kpack check --fix` can do for a rule: code -> (applicability, description).
# Declared by the module whose checker attaches the fix, next to its definition.
_FIXES: dict[str, tuple[str, str]] = {}


def declare_fix(rule: Rule, applicability: str, description: str) -> None:
    """Say that `rule`'s findings may carry a fix: "safe", "unsafe" or "safe or unsafe"."""
    _FIXES[rule.code] = (applicability, inspect.cleandoc(description))


def fix_of(rule: Rule) -> tuple[str, str] | None:
    """The fix a rule's findings may carry (applicability, description), or None."""
    all_rules()
    return _FIXES.get(rule.code)


def all_rules() -> list[Rule]:
    for module in RULE_MODULES:
        import_module(module)
    return sorted(_CATALOGUE.values(), key=lambda r: r.code)


def get_rule(code_or_name: str) -> Rule | None:
    for rule in all_rules():
        if code_or_name.upper() == rule.code or code_or_name == rule.name:
            return rule
    return None
