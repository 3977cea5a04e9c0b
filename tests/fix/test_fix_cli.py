"""`kpack check --fix / --unsafe-fixes / --diff / --fix-only`, run in-process on real files.

Each case of tests/data/fix is a failing file (`before/`) and the file `--fix` must make of
it (`after/`), compared byte for byte; a case with an `UNSAFE` marker needs
`--unsafe-fixes`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kpack.cli import main
from tests.helpers import REPO

CASES = REPO / "tests" / "data" / "fix"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def case_file(name: str, side: str) -> Path:
    (path,) = (CASES / name / side).iterdir()
    return path


def copy_case(name: str, folder: Path) -> Path:
    before = case_file(name, "before")
    target = folder / before.name
    shutil.copyfile(before, target)
    return target


def is_unsafe(name: str) -> bool:
    return (CASES / name / "UNSAFE").exists()


def test_there_are_cases_for_every_fix_of_the_issue() -> None:
    for prefix in ("l003", "l004", "a006", "a003", "a002", "m019"):
        assert any(n.startswith(prefix) and not is_unsafe(n) for n in CASE_NAMES), prefix
    for prefix in ("a002-refresh", "m016-scope", "a011"):
        assert any(n.startswith(prefix) and is_unsafe(n) for n in CASE_NAMES), prefix


@pytest.mark.parametrize("name", CASE_NAMES)
def test_fix_makes_the_expected_file_byte_for_byte(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_case(name, tmp_path)
    before = path.read_bytes()
    unsafe = ["--unsafe-fixes"] if is_unsafe(name) else []
    run(capsys, "--fix", *unsafe, str(path))
    assert path.read_bytes() == case_file(name, "after").read_bytes()
    assert path.read_bytes() != before
    # A second --fix has nothing left to do.
    run(capsys, "--fix", *unsafe, str(path))
    assert path.read_bytes() == case_file(name, "after").read_bytes()
    code, out, _ = run(capsys, "--diff", *unsafe, str(path))
    assert (code, out) == (0, "")


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if is_unsafe(n)])
def test_unsafe_fixes_need_the_option(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_case(name, tmp_path)
    before = path.read_bytes()
    _, out, _ = run(capsys, "--fix", str(path))
    assert path.read_bytes() == before
    assert "hidden fix" in out and "`--unsafe-fixes`" in out


@pytest.mark.parametrize("name", CASE_NAMES)
def test_diff_prints_what_fix_would_do_and_writes_nothing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = copy_case(name, tmp_path)
    before = path.read_bytes()
    unsafe = ["--unsafe-fixes"] if is_unsafe(name) else []
    code, out, err = run(capsys, "--diff", *unsafe, path.name)
    assert code == 1
    assert path.read_bytes() == before
    assert out.startswith(f"--- a/{path.name}\n+++ b/{path.name}\n@@ ")
    assert err.startswith("Would fix ")
    if "********" in out:  # a secret is masked (the dev config's fields): not a patch
        assert "hunter2" not in out and "me@example.com" not in out
        return
    # The diff is a real patch: `git apply` (outside a repository, as patch(1)) makes
    # the expected file of it.
    (tmp_path / "change.diff").write_bytes(out.encode("utf-8"))
    subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "change.diff"],
        cwd=tmp_path, check=True, capture_output=True,
    )
    assert path.read_bytes() == case_file(name, "after").read_bytes()


def test_fix_reports_what_is_left_and_how_many_were_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "examples" / "seed-mistakes", tmp_path / "seed")
    code, out, _ = run(capsys, "--fix", str(tmp_path / "seed"))
    assert code == 1  # the refresh_token grant mode is still there
    assert "Fixed 2 findings. Found 1 error, 1 warning in 2 files." in out
    assert (
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."
    ) in out


def test_the_seed_mistakes_leave_only_findings_without_a_safe_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed"
    shutil.copytree(REPO / "examples" / "seed-mistakes", seed)
    _, out, _ = run(capsys, "-o", "json", str(seed))
    before = json.loads(out)["diagnostics"]
    assert {d["code"] for d in before} >= {"A002", "A006", "L003"}
    run(capsys, "--fix", str(seed))
    _, out, _ = run(capsys, "-o", "json", str(seed))
    after = json.loads(out)["diagnostics"]
    assert after, "the refresh_token grant mode has no safe fix"
    assert all(d["fix"] is None or d["fix"]["applicability"] == "unsafe" for d in after)
    assert {d["code"] for d in after} == {
        d["code"] for d in before if not (d["fix"] and d["fix"]["applicability"] == "safe")
    }
    # The dev config parses now, and the account types kept every other byte.
    assert (seed / "konnector-dev-config.json").read_text() == (
        '{\n  "fields": {\n    "access_token": "<ACCESS_TOKEN>"\n  }\n}\n'
    )
    original = (REPO / "examples" / "seed-mistakes" / "account-types.json").read_text()
    assert (seed / "account-types.json").read_text() == original.replace(
        '"redirect_url"', '"redirect_uri"'
    )


def test_text_report_marks_fixable_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "examples" / "seed-mistakes", tmp_path / "seed")
    _, out, _ = run(capsys, str(tmp_path / "seed"))
    lines = out.splitlines()
    assert any(" A006 [*] [error] " in line for line in lines)
    assert any(" L003 [*] [error] " in line for line in lines)
    assert any(" A002 [error] " in line for line in lines)  # unsafe: not marked by default
    assert lines[-1] == (
        "[*] 2 fixable with the `--fix` option "
        "(1 hidden fix can be enabled with the `--unsafe-fixes` option)."
    )
    _, out, _ = run(capsys, "--unsafe-fixes", str(tmp_path / "seed"))
    assert any(" A002 [*] [error] " in line for line in out.splitlines())
    assert out.splitlines()[-1] == "[*] 3 fixable with the `--fix` option."


def test_no_hint_when_nothing_is_fixable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "manifest.konnector"
    path.write_text('{"slug": "Bad_Slug"}')
    _, out, _ = run(capsys, str(path))
    assert "[*]" not in out and "fix" not in out.splitlines()[-1]


def test_fix_only_fixes_without_reporting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "examples" / "seed-mistakes", tmp_path / "seed")
    code, out, err = run(capsys, "--fix-only", str(tmp_path / "seed"))
    assert (code, out) == (0, "")
    hint = " (1 hidden fix can be enabled with the `--unsafe-fixes` option)"
    assert err == f"Fixed 2 findings in 2 files{hint}.\n"
    code, out, err = run(capsys, "--fix-only", str(tmp_path / "seed"))
    assert (code, out, err) == (0, "", f"No fixes applied{hint}.\n")


def test_exit_non_zero_on_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_case("a003-token-mode-json", tmp_path)
    code, _, _ = run(capsys, "--fix", "--exit-non-zero-on-fix", str(path))
    assert code == 1
    code, _, _ = run(capsys, "--fix", "--exit-non-zero-on-fix", str(path))
    assert code == 0  # nothing left to fix, nothing left to report
    path = copy_case("a006-misspelled-key", tmp_path)
    code, _, _ = run(capsys, "--fix-only", "--exit-non-zero-on-fix", str(path))
    assert code == 1


def test_diff_with_nothing_to_fix_is_silent_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "manifest.konnector"
    path.write_text('{"slug": "Bad_Slug"}')
    assert run(capsys, "--diff", str(path)) == (0, "", "No fixes available.\n")


def test_a_file_that_does_not_parse_gets_only_the_syntax_repair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "account-type.json"
    text = '{"_id": "x", "redirect_url": "https://a.example/" "token_mode": "Basic"}\n'
    path.write_text(text)
    code, out, _ = run(capsys, "--fix", str(path))
    # A missing comma: nothing kpack may repair, nothing touched.
    assert path.read_text() == text
    assert "L001" in out and code == 1
    # A trailing comma is repaired even though a later error keeps the file unreadable;
    # the misspelled key and the token mode wait until the file parses.
    path.write_text('{"redirect_url": "https://a.example/", "token_mode": "Basic",}\n{}')
    code, out, _ = run(capsys, "--fix", str(path))
    assert path.read_text() == '{"redirect_url": "https://a.example/", "token_mode": "Basic"}\n{}'
    assert "L001" in out and code == 1


def test_syntax_repair_first_then_the_other_fixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "account-type.json"
    path.write_bytes(b'\xef\xbb\xbf{"_id": "x", "token_mode": "GET", "grantMode": "secret",}')
    run(capsys, "--fix", str(path))
    assert path.read_bytes() == b'{"_id": "x", "token_mode": "get", "grant_mode": "secret"}'


def test_two_misspellings_of_one_key_fix_only_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "account-type.json"
    path.write_text('{"_id": "x", "redirect_url": "https://a/", "redirectUri": "https://b/"}')
    run(capsys, "--fix", str(path))
    # Renaming both would make a duplicate key: the second is left for the user.
    assert path.read_text() == '{"_id": "x", "redirect_uri": "https://a/", "redirectUri": "https://b/"}'
    _, out, _ = run(capsys, str(path))
    assert "L002" not in out and "it is also present: remove this one" in out


def test_a_key_with_several_candidates_is_not_renamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kpack.rules.account_type.keys as rules

    path = tmp_path / "account-type.json"
    path.write_text('{"_id": "x", "redirect_uro": "https://a/"}')
    # Today's fields are far apart; were a field one edit away from another misspelling
    # candidate, the key would have two candidates and no fix.
    monkeypatch.setattr(rules, "STACK_FIELDS", (*rules.STACK_FIELDS, "redirect_urx"))
    _, out, _ = run(capsys, str(path))
    assert 'did you mean "redirect_uri"?' in out and "[*]" not in out
    run(capsys, "--fix", str(path))
    assert path.read_text() == '{"_id": "x", "redirect_uro": "https://a/"}'
    monkeypatch.undo()
    run(capsys, "--fix", str(path))
    assert path.read_text() == '{"_id": "x", "redirect_uri": "https://a/"}'


def test_fix_keeps_the_file_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_case("a003-token-mode-json", tmp_path)
    path.chmod(0o600)
    run(capsys, "--fix", str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_file_changed_meanwhile_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kpack.fix.apply as apply

    path = copy_case("a003-token-mode-json", tmp_path)
    real_fix_bytes = apply.fix_bytes

    def editor_saves_meanwhile(*args: object, **kwargs: object) -> apply.Fixed:
        result = real_fix_bytes(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text('{"_id": "edited"}')  # an editor saves while kpack works
        return result

    monkeypatch.setattr(apply, "fix_bytes", editor_saves_meanwhile)
    _, _, err = run(capsys, "--fix", str(path))
    assert path.read_text() == '{"_id": "edited"}'
    assert f"kpack: warning: {path} changed while kpack was fixing it: left alone" in err
    assert "Traceback" not in err


def test_fix_only_reports_a_file_it_could_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kpack.fsutil

    path = copy_case("a003-token-mode-json", tmp_path)
    before = path.read_bytes()

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kpack.fsutil, "write_file", full_disk)
    code, _, err = run(capsys, "--fix-only", str(path))
    assert code == 2
    assert f"kpack: warning: cannot write {path}: No space left on device" in err
    assert path.read_bytes() == before


def test_json_report_has_a_fix_member(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_case("a003-token-mode-yaml", tmp_path)
    _, out, _ = run(capsys, "-o", "json", str(path))
    (a003,) = [d for d in json.loads(out)["diagnostics"] if d["code"] == "A003"]
    assert a003["fix"] == {
        "applicability": "safe",
        "message": 'write "basic"',
        "edits": [
            {"start": {"line": 8, "column": 13}, "end": {"line": 8, "column": 18},
             "content": "basic"}
        ],
    }
    others = [d for d in json.loads(out)["diagnostics"] if d["code"] != "A003"]
    assert all(d["fix"] is None for d in others)


def test_rule_says_its_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "A006"]) == 0
    assert "Fix: **safe** (`kpack check --fix`)." in capsys.readouterr().out
    assert main(["rule", "A011"]) == 0
    assert "Fix: **unsafe**" in capsys.readouterr().out
    assert main(["rule", "A001"]) == 0
    assert "Fix: none." in capsys.readouterr().out


def test_build_and_provision_reports_have_no_fix_hints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only `kpack check` has --fix: other commands' reports do not point at it."""
    from kpack.diagnostics import Diagnostic, Kind, Severity
    from kpack.fixes import Applicability, Edit, Fix
    from kpack.reporters import Report
    from kpack.reporters.text import render

    fix = Fix(Applicability.SAFE, "remove the comma", (), (Edit(4, 5, "", (1, 5, 1, 6)),))
    d = Diagnostic("L003", "trailing-comma", Severity.ERROR, "trailing comma", None, "f.json",
                   Kind.MANIFEST, None, 1, 5, 1, 6, fix)
    assert render(Report([d], 1)) == (
        "f.json:1:5: L003 [error] trailing comma\nFound 1 error, 0 warnings in 1 file.\n"
    )
    assert render(Report([d], 1, fix_hints=True)) == (
        "f.json:1:5: L003 [*] [error] trailing comma\nFound 1 error, 0 warnings in 1 file.\n"
        "[*] 1 fixable with the `--fix` option.\n"
    )
    unsafe = d._replace(fix=fix._replace(applicability=Applicability.UNSAFE))
    assert render(Report([unsafe], 1, fix_hints=True)).endswith(
        "\nNo fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert render(Report([unsafe], 1, fix_hints=True, unsafe_fixes=True)).startswith(
        "f.json:1:5: L003 [*] [error]"
    )
    assert render(Report([], 2, fixed=3, fix_hints=True)) == (
        "Fixed 3 findings. All checks passed (2 files checked).\n"
    )


def test_overlapping_edits_wait_for_the_next_pass() -> None:
    from kpack.diagnostics import Diagnostic, Kind, Severity
    from kpack.fix.apply import apply_edits, choose
    from kpack.fixes import Applicability, Edit, Fix

    def finding(*edits: Edit) -> Diagnostic:
        fix = Fix(Applicability.SAFE, "m", (), edits)
        return Diagnostic("A003", "n", Severity.ERROR, "m", None, "f", Kind.ACCOUNT_TYPE,
                          None, 1, 1, 1, 1, fix)

    a, b, c = Edit(2, 5, "x"), Edit(4, 8, "y"), Edit(8, 8, "z")
    same_place, d = Edit(8, 8, "w"), Edit(0, 1, "")
    found = [finding(b), finding(a), finding(c), finding(same_place), finding(d), finding(a)]
    chosen = choose(found, False, set())
    # a comes first in the text and wins over b; c and d touch nothing taken; a second
    # insertion at 8 waits; the same repair found twice is applied once.
    assert [f.edits for f in chosen] == [(d,), (a,), (a,), (c,)]
    assert apply_edits("0123456789", [d, a, c]) == "1x567z89"
    assert choose(found, False, {(a,)})[1].edits == (b,)


class CountingChecker:
    """kpack.fix.apply.Checker, counting the checks a file costs."""

    def __init__(self, name: str, kind: str) -> None:
        from kpack.config import Settings
        from kpack.diagnostics import Kind
        from kpack.fix.apply import Checker
        from kpack.load.discover import FileToCheck

        path = Path("/nonexistent") / name
        file = FileToCheck(path, name, Kind(kind), str(path), str(path.parent))
        self.checker = Checker(file, Settings(root=path.parent))
        self.checks = 0

    def check(self, raw: bytes) -> object:
        self.checks += 1
        return self.checker.check(raw)


def test_many_fixes_cost_a_few_checks_not_one_each() -> None:
    from kpack.fix.apply import fix_bytes

    docs = [
        {"_id": f"d{i}", "grant_mode": "secret", "slug": f"d{i}", "secret": "x",
         "token_mode": "Basic", "redirect_url": "https://a/", "redirectUri": "https://b/"}
        for i in range(300)
    ]
    raw = json.dumps(docs, indent=1).encode()
    counting = CountingChecker("account-types.json", "account-type")
    fixed, count, _ = fix_bytes(counting, raw, unsafe_fixes=False)  # type: ignore[arg-type]
    # 300 token modes and 300 renames in one pass (the second misspelling of each
    # redirect_uri waits, then has no fix: its key is present): a check, and the one
    # that verifies the pass (and finds nothing left to fix).
    assert count == 600
    assert counting.checks == 2
    assert [list(d.items()) for d in json.loads(fixed)] == [
        [("_id", f"d{i}"), ("grant_mode", "secret"), ("slug", f"d{i}"), ("secret", "x"),
         ("token_mode", "basic"), ("redirect_uri", "https://a/"), ("redirectUri", "https://b/")]
        for i in range(300)
    ]


def test_fix_leaves_a_fifo_and_an_oversized_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import kpack.load.source

    fifo = tmp_path / "fifo" / "account-type.json"
    fifo.parent.mkdir()
    os.mkfifo(fifo)  # opened without waiting for a writer, then refused: not a regular file
    code, out, _ = run(capsys, "--fix", str(fifo))
    assert code == 1 and "L011" in out
    path = copy_case("a003-token-mode-json", tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(kpack.load.source, "READ_MAX_BYTES", len(before) - 1)
    code, out, _ = run(capsys, "--fix", str(path))
    assert path.read_bytes() == before
    assert "L008" in out
    from kpack.diagnostics import Kind
    from kpack.fix.write import read_file
    from kpack.load.discover import FileToCheck

    file = FileToCheck(path, path.name, Kind.ACCOUNT_TYPE, str(path), str(tmp_path))
    assert read_file(file) is None
    monkeypatch.setattr(kpack.load.source, "READ_MAX_BYTES", len(before))
    assert read_file(file) == before
    assert read_file(file._replace(path=fifo)) is None


def test_diff_names_an_absolute_path_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_case("a003-token-mode-json", tmp_path)
    code, out, _ = run(capsys, "--diff", str(path))
    assert code == 1
    assert out.startswith(f"--- {path}\n+++ {path}\n@@ -1 +1 @@\n")
    assert out.endswith("\n\\ No newline at end of file\n")


def test_fix_passes_only_over_files_with_something_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kpack.fix.apply as apply

    checked: list[str] = []
    real_check = apply.Checker.check

    def counting(self: apply.Checker, raw: bytes) -> object:
        checked.append(self.file.display)
        return real_check(self, raw)

    monkeypatch.setattr(apply.Checker, "check", counting)
    clean = tmp_path / "clean" / "manifest.konnector"
    clean.parent.mkdir()
    clean.write_text('{"slug": "Bad_Slug"}')  # findings, none with a fix
    fixable = copy_case("a003-token-mode-json", tmp_path)
    _, out, _ = run(capsys, "--fix", str(clean), str(fixable))
    assert set(checked) == {str(fixable)}
    assert "Fixed 1 finding." in out
    checked.clear()
    run(capsys, "--fix", str(clean), str(fixable))
    assert checked == []


def test_diff_and_fix_only_say_how_many_fixes_are_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed"
    shutil.copytree(REPO / "examples" / "seed-mistakes", seed)
    hint = "(1 hidden fix can be enabled with the `--unsafe-fixes` option)."  # as ruff's
    _, _, err = run(capsys, "--diff", str(seed))
    assert err == f"Would fix 2 findings {hint}\n"
    _, _, err = run(capsys, "--diff", "--unsafe-fixes", str(seed))
    assert err == "Would fix 3 findings.\n"
    _, _, err = run(capsys, "--fix-only", str(seed))
    assert err == f"Fixed 2 findings in 2 files {hint}\n"
    _, _, err = run(capsys, "--fix-only", str(seed))
    assert err == f"No fixes applied {hint}\n"
    _, _, err = run(capsys, "--diff", str(seed))
    assert err == f"No fixes available {hint}\n"


@pytest.mark.parametrize(
    "text",
    [
        "_id: demo\ngrant_mode: secret\nslug: demo\nx_mode: &m Basic\ntoken_mode: *m\n",
        "_id: demo\ngrant_mode: secret\nslug: demo\ntoken_mode: &m Basic\n",
        "_id: demo\ngrant_mode: secret\nslug: demo\ntoken_mode: !!str Basic\n",
        "_id: demo\ngrant_mode: secret\nslug: demo\ntoken_mode: >-\n  Basic\n",
    ],
)
def test_yaml_an_edit_cannot_reach_exactly_gets_no_fix(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.account-type.yaml"
    path.write_text(text)
    _, out, _ = run(capsys, "--fix", str(path))
    assert path.read_text() == text
    assert 'unknown token_mode "Basic' in out and " A003 [*]" not in out
