"""The JSON report is a contract (version 1): exact keys, types, counts and order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpack.diagnostics import Kind, Severity
from kpack.reporters import Report
from kpack.reporters.json_report import render
from tests.reporters.samples import (
    CLEAN,
    LOADER_ONLY,
    TRAILING_COMMA,
    diag,
    run_cli,
    write_account_type,
)

DIAGNOSTIC_KEYS = [
    "code", "name", "severity", "message", "help", "file", "kind", "pointer",
    "line", "column", "end_line", "end_column", "fix",
]


def assert_contract(body: dict[str, object]) -> None:
    assert list(body) == ["version", "summary", "diagnostics", "files"]
    assert body["version"] == 1
    assert isinstance(body["files"], list) and all(isinstance(f, str) for f in body["files"])
    summary = body["summary"]
    assert isinstance(summary, dict)
    assert list(summary) == ["files", "errors", "warnings", "infos"]
    assert all(type(value) is int for value in summary.values())
    diagnostics = body["diagnostics"]
    assert isinstance(diagnostics, list)
    for d in diagnostics:
        assert list(d) == DIAGNOSTIC_KEYS
        assert isinstance(d["code"], str) and isinstance(d["name"], str)
        assert d["severity"] in ("error", "warning", "info")
        assert isinstance(d["message"], str)
        assert d["help"] is None or isinstance(d["help"], str)
        assert isinstance(d["file"], str)
        assert d["kind"] in (None, "manifest", "account-type", "dev-config")
        assert d["pointer"] is None or isinstance(d["pointer"], str)
        for key in ("line", "column", "end_line", "end_column"):
            assert type(d[key]) is int and d[key] >= 1


def test_one_diagnostic_has_every_field_of_the_contract() -> None:
    report = Report([diag(help="remove the comma", file="dir/at.json")], files=1)
    body = json.loads(render(report))
    assert_contract(body)
    assert body["diagnostics"] == [
        {
            "code": "L003",
            "name": "trailing-comma",
            "severity": "error",
            "message": "trailing comma before the end of the object",
            "help": "remove the comma",
            "file": "dir/at.json",
            "kind": "account-type",
            "pointer": "/slug",
            "line": 3,
            "column": 14,
            "end_line": 3,
            "end_column": 15,
            "fix": None,
        }
    ]


def test_nulls_for_no_help_no_kind_no_pointer() -> None:
    body = json.loads(render(Report([diag(help=None, kind=None, pointer=None)], files=1)))
    d = body["diagnostics"][0]
    assert (d["help"], d["kind"], d["pointer"]) == (None, None, None)


def test_the_root_pointer_is_the_empty_string_not_null() -> None:
    body = json.loads(render(Report([diag(pointer="")], files=1)))
    assert body["diagnostics"][0]["pointer"] == ""


def test_summary_counts_each_severity() -> None:
    severities = [Severity.ERROR, Severity.WARNING, Severity.WARNING, Severity.INFO]
    body = json.loads(render(Report([diag(severity=s) for s in severities], files=4)))
    assert body["summary"] == {"files": 4, "errors": 1, "warnings": 2, "infos": 1}
    assert [d["severity"] for d in body["diagnostics"]] == ["error", "warning", "warning", "info"]


def test_an_empty_report() -> None:
    body = json.loads(render(Report([], files=0)))
    assert_contract(body)
    assert body == {
        "version": 1,
        "summary": {"files": 0, "errors": 0, "warnings": 0, "infos": 0},
        "diagnostics": [],
        "files": [],
    }


def test_non_ascii_is_written_as_is_and_reads_back() -> None:
    text = render(Report([diag(message="clé « é » manquante", file="dossier é/at.json")], 1))
    assert "clé « é »" in text
    d = json.loads(text)["diagnostics"][0]
    assert (d["message"], d["file"]) == ("clé « é » manquante", "dossier é/at.json")


def test_every_kind_value_is_its_enum_value() -> None:
    for kind in Kind:
        assert json.loads(render(Report([diag(kind=kind)], 1)))["diagnostics"][0]["kind"] == (
            kind.value
        )


# -- through the command line ---------------------------------------------------------------


def test_cli_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    code, out, _ = run_cli(capsys, "account-type.json", "--format", "json", *LOADER_ONLY)
    assert code == 1
    body = json.loads(out)
    assert_contract(body)
    assert body["summary"] == {"files": 1, "errors": 1, "warnings": 0, "infos": 0}
    (d,) = body["diagnostics"]
    assert (d["code"], d["file"], d["line"], d["column"]) == ("L003", "account-type.json", 3, 14)
    assert d["kind"] == "account-type"


def test_cli_json_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_account_type(tmp_path, "account-type.json", CLEAN)
    code, out, _ = run_cli(capsys, str(path), "--format", "json", *LOADER_ONLY)
    assert code == 0
    assert json.loads(out)["diagnostics"] == []


DUPLICATES_AND_COMMA = '{\n  "a": 1,\n  "a": 2,\n  "b": [1,],\n  "b": 3\n}\n'


def test_cli_json_order_is_by_file_line_column_whatever_the_argument_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "b-account-type.json", DUPLICATES_AND_COMMA)
    write_account_type(tmp_path, "a-account-type.json", '{"x": 1, "x": 2}')
    outputs = []
    for args in (["b-account-type.json", "a-account-type.json"],
                 ["a-account-type.json", "b-account-type.json"]):
        _, out, _ = run_cli(capsys, *args, "--format", "json", *LOADER_ONLY)
        outputs.append(out)
    assert outputs[0] == outputs[1]
    body = json.loads(outputs[0])
    assert body["summary"]["files"] == 2
    assert [(d["file"], d["line"], d["code"]) for d in body["diagnostics"]] == [
        ("a-account-type.json", 1, "L002"),
        ("b-account-type.json", 3, "L002"),
        ("b-account-type.json", 4, "L003"),
        ("b-account-type.json", 5, "L002"),
    ]
    assert [d["pointer"] for d in body["diagnostics"]] == ["/x", "/a", None, "/b"]


def test_cli_output_file_writes_the_report_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").write_text("stale", encoding="utf-8")
    code, out, err = run_cli(
        capsys, "account-type.json", "--format", "json", "--output-file", "out/report.json",
        *LOADER_ONLY,
    )
    assert (code, out, err) == (1, "", "")
    body = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert_contract(body)
    assert body["summary"]["errors"] == 1
    # The temporary file was renamed over the old report: nothing else is left behind.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.json"]


def test_cli_output_file_in_a_missing_folder_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing parent folders are created, as eslint does (issue 15 item 9)."""
    path = write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    target = tmp_path / "missing" / "report.json"
    code, out, err = run_cli(capsys, str(path), "--format", "json", "--output-file", str(target))
    assert code == 1, err
    assert out == "" and "Traceback" not in err
    assert json.loads(target.read_text())["diagnostics"]


def test_cli_output_file_under_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    target = tmp_path / "account-type.json" / "report.json"
    code, out, err = run_cli(capsys, str(path), "--format", "json", "--output-file", str(target))
    assert code == 2
    assert out == ""
    assert err.startswith("kpack: error: cannot write") and "Traceback" not in err
