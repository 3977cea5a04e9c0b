"""`kpack rules`, `kpack rule CODE` and `kpack schema KIND`, through kpack.cli.main."""

from __future__ import annotations

import json

import pytest

from kpack import schemas
from kpack.cli import main
from kpack.rules.catalogue import all_rules


def test_rules_lists_every_rule_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rules = all_rules()
    assert len(lines) == len(rules)
    first = lines[0].split()
    assert first[:3] == [rules[0].code, rules[0].name, rules[0].severity.value]
    assert any(line.startswith("A002  grant-mode-unknown") and " error " in line for line in lines)


def test_rules_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in listed] == [r.code for r in all_rules()]
    a002 = next(r for r in listed if r["code"] == "A002")
    assert a002 == {
        "code": "A002", "name": "grant-mode-unknown", "severity": "error",
        "kind": "account-type", "summary": a002["summary"], "fix": "safe or unsafe",
    }
    assert {r["fix"] for r in listed} == {"safe", "unsafe", "safe or unsafe", "none"}
    assert {r["severity"] for r in listed} <= {"error", "warning", "info"}


def test_rules_with_an_unknown_format_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "--format", "xml"]) == 2
    assert "--format must be text or json" in capsys.readouterr().err


@pytest.mark.parametrize("given", ["A002", "a002", "grant-mode-unknown"])
def test_rule_prints_its_doc(given: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", given]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# A002 grant-mode-unknown\n")
    assert "Default severity: **error**" in out and "refresh_token" in out


def test_unknown_rule_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "Z999"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no rule 'Z999'" in captured.err and "kpack rules" in captured.err


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_schema_prints_the_committed_schema(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", kind]) == 0
    out = capsys.readouterr().out
    assert out == schemas.schema_text(kind)
    assert json.loads(out)["$id"].endswith(f"{kind}.schema.json")


def test_schema_of_an_unknown_kind_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "webapp"]) == 2
    assert capsys.readouterr().out == ""
