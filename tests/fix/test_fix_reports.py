"""Fixes in the machine-readable reports: JSON's `fix` member and SARIF's `fixes`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kpack.cli import main
from kpack.fix.apply import apply_edits
from kpack.fixes import Edit
from tests.helpers import REPO
from tests.reporters.test_sarif import assert_valid_sarif

CASES = REPO / "tests" / "data" / "fix"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def all_cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    for case in CASES.iterdir():
        if case.is_dir():
            (before,) = (case / "before").iterdir()
            target = folder / case.name / before.name
            target.parent.mkdir(parents=True)
            shutil.copyfile(before, target)
    return folder


def test_sarif_fixes_are_valid_and_carry_the_edits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    all_cases(tmp_path)
    _, out = run(capsys, "-o", "sarif", "cases")
    log = json.loads(out)
    assert_valid_sarif(log)
    results = log["runs"][0]["results"]
    with_fixes = [r for r in results if "fixes" in r]
    assert {r["ruleId"] for r in with_fixes} >= {
        "L003", "L004", "A002", "A003", "A006", "A011", "M016", "M019"
    }
    for result in with_fixes:
        (fix,) = result["fixes"]
        (change,) = fix["artifactChanges"]
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert change["artifactLocation"] == location
        assert fix["properties"]["applicability"] in ("safe", "unsafe")
        assert fix["description"]["text"]
        for replacement in change["replacements"]:
            assert set(replacement) == {"deletedRegion", "insertedContent"}


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_json_edits_repair_the_file_as_fix_does(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor applying the JSON edits of one pass (positions as the diagnostics count
    them) gets what one pass of --fix writes."""
    (before,) = (CASES / name / "before").iterdir()
    path = tmp_path / before.name
    shutil.copyfile(before, path)
    unsafe = ["--unsafe-fixes"] if (CASES / name / "UNSAFE").exists() else []
    _, out = run(capsys, "-o", "json", *unsafe, str(path))
    fixes = [d["fix"] for d in json.loads(out)["diagnostics"] if d["fix"]]
    assert fixes
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    edits = set()
    for fix in fixes:
        if fix["applicability"] == "unsafe" and not unsafe:
            continue
        for e in fix["edits"]:
            if bom and (e["start"], e["end"], e["content"]) == (
                {"line": 1, "column": 1}, {"line": 1, "column": 2}, ""
            ):
                bom = False  # the BOM's own edit (L004's position)
                continue
            start = offset(text, e["start"]["line"], e["start"]["column"])
            end = offset(text, e["end"]["line"], e["end"]["column"])
            edits.add(Edit(start, end, e["content"]))
    edited = apply_edits(text, edits).encode("utf-8")
    if bom:
        edited = b"\xef\xbb\xbf" + edited
    (after,) = (CASES / name / "after").iterdir()
    # Each case needs one pass: the edits of the report are the whole repair.
    assert edited == after.read_bytes()


def test_fixes_come_back_from_worker_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = all_cases(tmp_path)
    _, serial = run(capsys, "-o", "json", "--jobs", "1", str(folder))
    _, parallel = run(capsys, "-o", "json", "--jobs", "2", str(folder))
    assert parallel == serial
    assert sum(d["fix"] is not None for d in json.loads(parallel)["diagnostics"]) >= 10
