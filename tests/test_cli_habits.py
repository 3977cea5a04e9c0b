"""ruff's habits in `kpack check`: --output-format, -q, -s, --statistics, --show-settings,
--show-files, and completion of rule codes for the selection options (issue 20, item 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from kpack.diagnostics import Diagnostic, Severity
from kpack.fixes import Applicability, Edit, Fix
from kpack.reporters import Report
from kpack.reporters.statistics import render_text
from tests.helpers import REPO, write
from tests.test_terminal import bash_complete

SEED = REPO / "examples" / "seed-mistakes"


def entry(_id: str, grant_mode: str) -> dict[str, Any]:
    return {
        "_id": _id, "grant_mode": grant_mode, "client_id": "x", "client_secret": "y",
        "auth_endpoint": f"https://{_id}.example/auth",
        "token_endpoint": f"https://{_id}.example/token",
        "redirect_url": f"https://{_id}.example/r",
    }


# Two A006 (safe fix) and one A002 (unsafe fix): 3 errors.
ACCOUNT_TYPES = [entry("a", "authorization_code"), entry("b", "refresh_token")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, "account-types.json", ACCOUNT_TYPES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- --output-format ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["check", "account-types.json"], ["rules"]])
def test_output_format_is_format(
    project: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert run(capsys, *command, "--output-format", "json") == run(
        capsys, *command, "--format", "json"
    )
    json.loads(run(capsys, *command, "--output-format", "json")[1])


# --- -q / --quiet, -s / --silent ------------------------------------------------------


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_prints_the_findings_only(
    project: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    code, full, _ = run(capsys, "check", "account-types.json")
    quiet = run(capsys, "check", "account-types.json", flag)
    assert quiet[0] == code == 1
    assert quiet[2] == ""
    # Every finding and its help line, and nothing after them.
    assert quiet[1] == "".join(
        line + "\n" for line in full.splitlines() if not line.startswith(("Found", "[*]"))
    )
    assert quiet[1].count("A006") == 2


def test_quiet_on_a_clean_run_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing to check: no summary, and the warning saying so is left out too.
    assert run(capsys, "check", str(tmp_path), "-q") == (0, "", "")
    write(tmp_path, "account-types.json", [entry("a", "authorization_code")])
    assert run(capsys, "check", str(tmp_path), "-q", "--ignore", "A006") == (0, "", "")


def test_quiet_drops_the_summary_of_fix_only_and_diff(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", "--diff", "-q", "account-types.json")
    assert code == 1 and out.startswith("--- a/account-types.json") and err == ""
    assert run(capsys, "check", "--fix-only", "-q", "account-types.json") == (0, "", "")


@pytest.mark.parametrize("flag", ["-s", "--silent"])
def test_silent_prints_nothing_but_keeps_the_exit_code(
    project: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    assert run(capsys, "check", "account-types.json", flag) == (1, "", "")
    assert run(capsys, "check", "account-types.json", flag, "--select", "A001") == (0, "", "")
    assert run(capsys, "check", "account-types.json", flag, "--format", "json") == (1, "", "")


def test_silent_still_writes_the_output_file_and_reports_usage_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "check", "account-types.json", "-s", "--output-file", "r.json",
               "--format", "json") == (1, "", "")
    assert len(json.loads((project / "r.json").read_text())["diagnostics"]) == 3
    code, out, err = run(capsys, "check", "missing.json", "-s")
    assert (code, out) == (2, "")
    assert err.startswith("kpack: error: missing.json: no such file")


def test_quiet_and_silent_together_are_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", "-q", "-s", "account-types.json")
    assert (code, out) == (2, "")
    assert err == "kpack: error: --quiet and --silent cannot be used together\n"


# --- --statistics ---------------------------------------------------------------------


def test_statistics_counts_each_code_most_frequent_first(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", "--statistics", "account-types.json")
    assert code == 1 and err == ""
    assert out.splitlines() == [
        "2\tA006\t[*] misspelled-key",
        "1\tA002\t[ ] grant-mode-unknown",  # an unsafe fix: not without --unsafe-fixes
        "Found 3 errors, 0 warnings in 1 file.",
        "[*] 2 fixable with the `--fix` option (1 hidden fix can be enabled with the "
        "`--unsafe-fixes` option).",
    ]
    _, out, _ = run(capsys, "check", "--statistics", "-q", "--unsafe-fixes",
                    "account-types.json")
    assert out == "2\tA006\t[*] misspelled-key\n1\tA002\t[*] grant-mode-unknown\n"


def test_statistics_as_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--statistics", "-o", "json", "account-types.json")
    assert code == 1
    assert json.loads(out) == [
        {"code": "A006", "name": "misspelled-key", "count": 2, "fixable": True,
         "fixable_count": 2},
        {"code": "A002", "name": "grant-mode-unknown", "count": 1, "fixable": False,
         "fixable_count": 0},
    ]


def test_statistics_after_fix_count_what_is_left(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "check", "--statistics", "--fix", "account-types.json")
    assert out.splitlines()[0] == "1\tA002\tgrant-mode-unknown"  # no mark: none fixable
    assert out.splitlines()[1].startswith("Fixed 2 findings. Found 1 error")


def diagnostic(code: str, fixable: bool) -> Diagnostic:
    fix = Fix(Applicability.SAFE, "m", (), (Edit(0, 1, ""),)) if fixable else None
    return Diagnostic(code, code.lower(), Severity.ERROR, "m", None, "f", None, None,
                      1, 1, 1, 1, fix)


def test_statistics_mark_a_rule_partly_fixable_and_align_the_columns() -> None:
    report = Report(
        [diagnostic("L003", True)] * 9 + [diagnostic("A006", True), diagnostic("A006", False)]
        + [diagnostic("X001", False)] * 10,
        1, summary=False,
    )
    assert render_text(report).splitlines() == [
        "10\tX001\t[ ] x001",
        " 9\tL003\t[*] l003",
        " 2\tA006\t[~] a006",
    ]


# --- --show-files ---------------------------------------------------------------------


def test_show_files_lists_what_a_check_reads_with_each_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a/manifest.konnector", {"slug": "a"})
    write(tmp_path, "a/providers.json", ACCOUNT_TYPES)  # an account type by its content
    write(tmp_path, "a/konnector-dev-config.json", {"fields": {}})
    write(tmp_path, "a/notes.json", {"no": "grant mode"})
    write(tmp_path, "a/node_modules/x/manifest.konnector", {"slug": "x"})
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", "--show-files")
    assert (code, err) == (0, "")
    assert sorted(out.splitlines()) == [
        "account-type\ta/providers.json",
        "dev-config\ta/konnector-dev-config.json",
        "manifest\ta/manifest.konnector",
    ]
    _, report, _ = run(capsys, "check", "--format", "json")
    assert sorted(line.split("\t")[1] for line in out.splitlines()) == json.loads(report)["files"]


def test_show_files_of_standard_input_and_of_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"grant_mode": "x"}')))
    assert run(capsys, "check", "--show-files", "--stdin-filename", "p.json") == (
        0, "account-type\tp.json\n", ""
    )
    code, out, err = run(capsys, "check", "--show-files", str(tmp_path))
    assert (code, out) == (0, "")
    assert "kpack: warning: no manifest.konnector" in err


# --- --show-settings ------------------------------------------------------------------


def enabled(out: str) -> dict[str, str]:
    """The `rules.enabled` section of --show-settings: code -> severity."""
    section = out.split("rules.enabled = [", 1)[1].split("\n]\n", 1)[0]
    rows = [line.split("\t") for line in section.splitlines()[1:]]
    return {row[1]: row[2] for row in rows}


def test_show_settings_gives_the_file_and_every_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, ".kpack.yaml",
          "target: registry\nselect: [A, L]\nextend-ignore: [A016]\n"
          "severity: {A006: warning}\nper-file-ignores:\n  'legacy/*': [A002]\n")
    write(tmp_path, "legacy/account-types.json", ACCOUNT_TYPES)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", "--show-settings", "legacy", "--ignore", "L00")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == 'Resolved settings for: "legacy/account-types.json"'
    assert lines[1] == f"Settings path: {json.dumps(str(tmp_path / '.kpack.yaml'))}"
    for line in ['target = "registry"', 'select = ["A", "L"]', 'extend-ignore = ["A016"]',
                 'severity = {"A006": "warning"}', 'per-file-ignores = {"legacy/*": ["A002"]}',
                 'command-line = {"select": null, "ignore": ["L00"], "extend-select": []}']:
        assert line in lines, out
    rules = enabled(out)
    assert rules["A006"] == "warning" and rules["A001"] == "error"
    # A002: per-file-ignores; A016: extend-ignore; L00x: --ignore; M, D: other kinds.
    assert not {"A002", "A016", "L001"} & set(rules)
    assert "L010" in rules
    assert not any(code[0] in "MDB" for code in rules)


def test_show_settings_agree_with_the_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every finding the check reports is in its file's enabled rules, at its severity."""
    monkeypatch.chdir(SEED)
    _, report, _ = run(capsys, "check", "--format", "json", "--select", "A,D,L")
    diagnostics = json.loads(report)["diagnostics"]
    assert diagnostics
    for d in diagnostics:
        _, out, _ = run(capsys, "check", "--show-settings", d["file"], "--select", "A,D,L")
        assert enabled(out).get(d["code"]) == d["severity"], (d, out)
    _, out, _ = run(capsys, "check", "--show-settings", "konnector-dev-config.json")
    assert "Settings path:" in out and "D004" not in enabled(out)  # the seed's ignores


def test_show_settings_without_a_config_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "manifest.konnector", {"slug": "a"})
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--show-settings")
    assert code == 0
    assert 'Settings path: null (none found: the defaults)' in out
    assert "select = null (not set: every rule)" in out
    code, out, err = run(capsys, "check", "--show-settings", str(tmp_path / "none"))
    assert code == 2
    code, out, err = run(capsys, "check", "--show-settings", "--show-files")
    assert (code, out) == (2, "")
    assert "cannot be used together" in err


def test_show_settings_escapes_what_the_config_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, ".kpack.yaml", 'per-file-ignores:\n  "x\\e]0;pwned\\a\\u202e*": [A002]\n')
    write(tmp_path, "manifest.konnector", {"slug": "a"})
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "check", "--show-settings")
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert re.search(r'per-file-ignores = \{"x\\u001b\]0;pwned\\u0007\\u202e\*"', out), out


# --- completion -----------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select", "--extend-ignore"])
def test_selection_options_complete_rule_codes(option: str) -> None:
    assert "A002" in bash_complete(["kpack", "check", option, "A00"], 3)
    assert bash_complete(["kpack", "check", option, "grant-mode-u"], 3) == [
        "grant-mode-unknown"
    ]


def test_a_comma_separated_value_completes_its_last_item() -> None:
    found = bash_complete(["kpack", "check", "--select", "M001,A00"], 3)
    assert "M001,A002" in found
    assert all(item.startswith("M001,A00") for item in found)
    assert bash_complete(["kpack", "check", "--ignore", "A002,AL"], 3) == ["A002,ALL"]
    assert bash_complete(["kpack", "check", "--ignore", "al"], 3) == ["all"]


# --- the README documents every option ------------------------------------------------


def test_the_readme_documents_every_option_of_check() -> None:
    import click
    import typer.main

    from kpack.cli import app

    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [
        name for param in root.commands["check"].params
        for name in param.opts if name.startswith("--") and f"`{name}" not in readme
    ]
    assert not missing, missing
