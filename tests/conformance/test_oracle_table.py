"""Every rule says which oracle backs it (kpack.oracles), and docs/rules.md shows it."""

from __future__ import annotations

from kpack.oracles import ORACLES
from kpack.rules.catalogue import all_rules
from kpack.rules.docs import rule_markdown


def test_every_rule_names_its_oracle_or_its_documented_fact() -> None:
    rules = all_rules()
    missing = [r.code for r in rules if not r.oracle]
    assert not missing, f"add these codes to kpack/oracles.py: {missing}"
    assert set(ORACLES) == {r.code for r in rules}, "ORACLES names codes that do not exist"
    for rule in rules:
        assert rule.oracle.startswith(("Go oracle", "Node oracle", "Documented fact")), rule


def test_the_rule_docs_show_the_oracle() -> None:
    rule = next(r for r in all_rules() if r.code == "A009")
    assert "Backed by: Go oracle" in rule_markdown(rule)
    assert "url.Parse" in rule_markdown(rule)
