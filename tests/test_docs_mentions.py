"""Every rule code and rule name the documents mention exists (README.md, docs/*.md).

docs/selection.md once gave `unknown-grant-mode` as an example of a rule name: there is no
such rule (`grant-mode-unknown`), and `--select unknown-grant-mode` is a usage error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpack.config import _unknown_selector
from kpack.diagnostics import Kind
from kpack.rules.catalogue import all_rules
from tests.helpers import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RULES = all_rules()
CODES = {rule.code for rule in RULES}
NAMES = {rule.name for rule in RULES}
# A word of a rule name is `unknown`, `grant`, `mode`...: a backquoted kebab-case token
# made of such words only reads as a rule name. The kinds of files are not rules.
NAME_WORDS = {word for name in NAMES for word in name.split("-")}
# Words that look like rule names and are not: the document kinds, and the names
# docs/conformance.md gives the Go oracle's kinds of document and the excuses of its judges.
NOT_RULES = {kind.value for kind in Kind} | {"account-type-id", "trailing-data"}
CODE = re.compile(r"\b[A-Z]\d{3}\b")
QUOTED = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")
# `--select A002`, `--ignore A,M001`, `select: [A, M]`, `extend-ignore: [M013]`...
SELECTORS = re.compile(r"(?:--(?:extend-)?(?:select|ignore)[ =]|(?:select|ignore): \[)"
                       r"([A-Za-z0-9, -]*)")


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_every_code_mentioned_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    unknown = sorted(set(CODE.findall(text)) - CODES)
    assert not unknown, f"{relative(document)} mentions {unknown}: no such rule"


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_every_rule_name_mentioned_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    unknown = sorted(
        token for token in set(QUOTED.findall(text))
        if token not in NAMES and token not in NOT_RULES
        and all(word in NAME_WORDS for word in token.split("-"))
    )
    assert not unknown, f"{relative(document)} mentions {unknown}: no such rule name"


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_every_selector_in_an_example_selects_something(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    for found in SELECTORS.finditer(text):
        words = [w for w in re.split(r"[\s,]+", found.group(1)) if w and not w.startswith("-")]
        assert _unknown_selector(words) is None, f"{relative(document)}: {found.group(0)!r}"


def test_the_checks_catch_the_old_example() -> None:
    assert "unknown-grant-mode" not in NAMES
    assert all(word in NAME_WORDS for word in ["unknown", "grant", "mode"])
    assert _unknown_selector(["unknown-grant-mode"]) == "unknown-grant-mode"
