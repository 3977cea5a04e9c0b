"""The whole rule catalogue: every module that defines rules, imported by name here.

The imports are static (inside `_define_all`, so that `kpack check` still loads only the
families of the kinds it meets) and in the order the docs list them: a tool that reads
imports (import-linter, `python -X importtime`) sees the whole graph.
"""

from __future__ import annotations

from kpack.diagnostics import Rule
from kpack.rulebook import defined_fix, defined_rules

_loaded = False


def _define_all() -> None:
    global _loaded
    if _loaded:
        return
    import kpack.load.rules
    import kpack.rules.account_type
    import kpack.rules.bundle
    import kpack.rules.cross_file
    import kpack.rules.dev_config
    import kpack.rules.manifest  # noqa: F401

    _loaded = True


def all_rules() -> list[Rule]:
    _define_all()
    return defined_rules()


def fix_of(rule: Rule) -> tuple[str, str] | None:
    """The fix a rule's findings may carry (applicability, description), or None."""
    _define_all()
    return defined_fix(rule.code)


def get_rule(code_or_name: str) -> Rule | None:
    for rule in all_rules():
        if code_or_name.upper() == rule.code or code_or_name == rule.name:
            return rule
    return None
