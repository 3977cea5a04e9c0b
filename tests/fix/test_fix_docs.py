"""docs/fix.md's table of fixes and docs/rules.md's fix column follow the code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kpack.cli import main
from kpack.rules.catalogue import all_rules, fix_of
from kpack.rules.docs import rules_markdown
from tests.helpers import REPO


def test_fix_md_lists_every_rule_with_a_fix_and_its_applicability() -> None:
    text = (REPO / "docs" / "fix.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z]\d{3}) [a-z-]+ \|(.*?)\|(.*?)\|$", text, re.MULTILINE)
    documented = {code: (bool(safe.strip()), bool(unsafe.strip())) for code, safe, unsafe in rows}
    declared = {}
    for rule in all_rules():
        fix = fix_of(rule)
        if fix is not None:
            declared[rule.code] = ("safe" in fix[0].split(), "unsafe" in fix[0].split())
    assert documented == declared


def test_rules_md_has_the_fix_of_each_rule() -> None:
    generated = rules_markdown()
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == generated
    for rule in all_rules():
        fix = fix_of(rule)
        label = fix[0] if fix else "none"
        anchor = f"{rule.code.lower()}-{rule.name}"
        row = f"](#{anchor}) | {rule.name} | {rule.severity.value} | {label} |"
        assert row in generated
        assert ("Fix: none." if fix is None else f"Fix: **{label}**") in generated


def test_readme_shows_fix_and_diff_as_kpack_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```text\n$ kpack check --diff seed-mistakes\n", 1)[1].split("```")[0]
    shown_diff, shown_fix = block.split("$ kpack check --fix seed-mistakes\n")
    shutil.copytree(REPO / "examples" / "seed-mistakes", tmp_path / "seed-mistakes")
    monkeypatch.chdir(tmp_path)
    main(["check", "--diff", "seed-mistakes"])
    out, err = capsys.readouterr()
    assert out + err == shown_diff
    main(["check", "--fix", "seed-mistakes"])
    assert capsys.readouterr().out == shown_fix
    # And the plain check's example, run from the repository.
    shown = readme.split("```text\n$ kpack check examples/seed-mistakes\n", 1)[1].split("```")[0]
    monkeypatch.chdir(REPO)
    main(["check", "examples/seed-mistakes"])
    assert capsys.readouterr().out == shown
