"""docs/rules.md is generated from the rule catalogue and must not go stale."""

from __future__ import annotations

import re

from kpack.diagnostics import Rule
from kpack.rules.catalogue import all_rules
from kpack.rules.docs import REGENERATE, rule_markdown, rules_markdown
from tests.helpers import REPO

RULES_MD = REPO / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    assert RULES_MD.is_file(), f"docs/rules.md is missing: run `{REGENERATE}`"
    assert RULES_MD.read_text(encoding="utf-8") == rules_markdown(), (
        f"docs/rules.md is stale: run `{REGENERATE}` and commit the result"
    )


def test_every_rule_is_in_the_table_and_has_its_section() -> None:
    text = rules_markdown()
    headings = re.findall(r"^### (\S+) (\S+)$", text, flags=re.MULTILINE)
    rules = all_rules()
    assert headings == [(r.code, r.name) for r in sorted(rules, key=_section_order)]
    for rule in rules:
        assert f"| [{rule.code}](#{rule.code.lower()}-{rule.name}) |" in text


def _section_order(rule: Rule) -> tuple[int, str]:
    """Sections follow docs._KIND_TITLES; a new family of codes comes last."""
    from kpack.rules.docs import _KIND_TITLES

    prefixes = list(_KIND_TITLES)
    family = rule.code[0]
    return (prefixes.index(family) if family in prefixes else len(prefixes), rule.code)


def test_every_rule_explains_why() -> None:
    for rule in all_rules():
        assert rule.doc.strip(), f"{rule.code} has no doc"
        assert rule.summary and "\n" not in rule.summary, rule.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name


def test_rule_markdown_has_heading_severity_and_doc() -> None:
    rule = next(r for r in all_rules() if r.code == "A002")
    text = rule_markdown(rule)
    assert text.startswith("# A002 grant-mode-unknown\n")
    assert "Default severity: **error**. Applies to: account-type." in text
    assert "refresh_token" in text and text.endswith("\n")


def test_table_cells_escape_pipes() -> None:
    for line in rules_markdown().splitlines():
        if line.startswith("| ["):
            # five cells: code, name, severity, fix, summary
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line


def test_every_summary_is_one_sentence_in_the_same_style() -> None:
    """A, M, D, L, X and B rules alike (issue 20): a capital (or a `code` span) first, a
    full stop last, on one line."""
    for rule in all_rules():
        summary = rule.summary
        assert "\n" not in summary, rule.code
        assert summary[0].isupper() or summary[0] in "`\"'", (rule.code, summary)
        assert summary.endswith((".", ".)")), (rule.code, summary)
