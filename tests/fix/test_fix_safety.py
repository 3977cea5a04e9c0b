"""Issue 18: a `[*]` is a promise that `--fix` keeps, and a safe fix is safe.

- A fix `--fix` cannot carry out exactly (a YAML node that an alias or a merge key shares,
  a key written twice) is not offered: what the check marks `[*]` is what `--fix` fixes.
- A rename onto a key that is there (as Go folds keys), or that gives a field a value of
  the wrong type, is no safe fix: it would change what the stack reads, or make it fail
  to load the document.
- The passes cost a check each, not a check per fix, even when some fixes fail their
  verification (the general guard behind the rules' own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from tests.fix.test_fix_cli import CountingChecker, run


def fixable(out: str) -> list[str]:
    return [line for line in out.splitlines() if " [*] " in line]


# --- YAML that aliases and merge keys share --------------------------------------------------

MERGED = """\
- &base
  grant_mode: Authorization_Code
  client_id: $ID
  auth_endpoint: https://auth.example/authorize
  token_endpoint: https://auth.example/token
- <<: *base
  _id: s1
  token_mode: Basic
  client-secret: $SECRET
- <<: *base
  _id: s2
  token_mode: GET
  redirect_url: https://oauthcallback.cozy.tools/accounts/s2/redirect
"""


def test_what_a_merge_key_shares_is_not_offered_and_the_rest_is_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "services.account-types.yaml"
    path.write_text(MERGED)
    _, out, _ = run(capsys, str(path))
    # The anchored grant mode is read by three documents: one edit would change them all.
    assert 'unknown grant_mode "Authorization_Code"' in out
    assert not [line for line in fixable(out) if "A002" in line]
    offered = len(fixable(out))
    assert offered == 4  # two token modes, two renames
    _, out, _ = run(capsys, "--fix", str(path))
    assert f"Fixed {offered} findings." in out
    assert "Authorization_Code" in path.read_text()
    assert path.read_text() == (
        MERGED.replace("Basic", "basic").replace("GET", "get")
        .replace("client-secret", "client_secret").replace("redirect_url", "redirect_uri")
    )
    _, out, _ = run(capsys, str(path))
    assert fixable(out) == [] and "fixable" not in out  # the promise was kept


@pytest.mark.parametrize(
    "text",
    [
        # An anchored value that an alias repeats elsewhere.
        "- _id: a\n  grant_mode: secret\n  slug: a\n  token_mode: &m Basic\n"
        "- _id: b\n  grant_mode: secret\n  slug: b\n  token_mode: *m\n",
        # A whole document repeated by an alias.
        "- &doc\n  _id: a\n  grant_mode: secret\n  slug: a\n  token_mode: Basic\n- *doc\n",
    ],
)
def test_a_value_an_alias_repeats_is_not_offered(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "services.account-types.yaml"
    path.write_text(text)
    _, out, _ = run(capsys, str(path))
    assert 'unknown token_mode "Basic"' in out and fixable(out) == []
    run(capsys, "--fix", str(path))
    assert path.read_text() == text


def test_a_key_written_twice_is_not_renamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "account-type.json"
    text = '{"_id": "x", "redirect_url": "https://a.example/", "redirect_url": "https://b/"}'
    path.write_text(text)
    _, out, _ = run(capsys, str(path))
    assert "A006" in out and fixable(out) == []


# --- renames that would change what the stack reads -----------------------------------------

BASE = {"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": "$SECRET"}


@pytest.mark.parametrize(
    ("members", "why"),
    [
        # Go folds Redirect_URI to redirect_uri: the rename would replace the value it reads.
        ({"Redirect_URI": "https://oauthcallback.mycozy.cloud/accounts/svc/redirect",
          "redirect_url": "https://old.example/accounts/svc/redirect"}, "also present"),
        ({"REDIRECT_URI": None, "redirect_url": "https://old.example/"}, "also present"),
        # extras is an object of strings, token_mode a string, skip_* booleans: A008.
        ({"extra": "note"}, "stays empty"),
        ({"extra": {"prompt": 1}}, "stays empty"),
        ({"token-mode": ["basic"]}, "default `form`"),
        ({"skip_state": "yes"}, "stays empty"),
    ],
)
def test_a_rename_onto_a_present_key_or_a_wrong_type_is_no_safe_fix(
    members: dict[str, Any], why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "account-type.json"
    text = json.dumps({**BASE, **members})
    path.write_text(text)
    _, out, _ = run(capsys, str(path))
    assert "A006" in out and why in out
    assert not [line for line in fixable(out) if "A006" in line]
    run(capsys, "--fix", str(path))
    assert path.read_text() == text
    _, out, _ = run(capsys, str(path))
    assert "A008" not in out


def test_a_manifest_key_is_not_renamed_onto_another_case_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "manifest.konnector"
    text = json.dumps({"slug": "demo", "type": "konnector", "ClientSide": True,
                       "CLIENTSIDE": False})
    path.write_text(text)
    _, out, _ = run(capsys, str(path))
    assert "M019" in out and fixable(out) == []
    path.write_text(json.dumps({"slug": "demo", "type": "konnector", "ClientSide": "yes"}))
    _, out, _ = run(capsys, str(path))
    assert "M019" in out and fixable(out) == []  # clientSide is a boolean for the stack


def test_go_folding_of_the_resolver_is_the_rules_one() -> None:
    from kpack.load.resolve import go_fold
    from kpack.rules.common import go_fold as rules_go_fold

    for key in ("Redirect_URI", "\u017fLUG", "\u212aey", "GRANT_MODE", "token-Mode"):
        assert go_fold(key) == rules_go_fold(key)


# --- the general guard: verification pins failures to their document ------------------------


def test_fixes_that_fail_verification_are_dropped_document_by_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the rules' own guard switched off, `extra: "note"` is offered as a rename to
    extras (an A008 once done): the verification after the pass finds it in each
    document, takes back those documents' fixes, retries them one at a time and drops the
    renames; the token modes of every document are fixed. A few checks, not one a fix."""
    import kpack.load.resolve as resolve
    from kpack.fix.apply import fix_bytes

    monkeypatch.setattr(resolve, "_fits", lambda source, change: True)
    docs = [
        {**BASE, "_id": f"d{i}", "token_mode": "Basic", **({"extra": "note"} if i % 3 else {})}
        for i in range(300)
    ]
    raw = json.dumps(docs, indent=1).encode()
    counting = CountingChecker("account-types.json", "account-type")
    fixed, count, _ = fix_bytes(counting, raw, unsafe_fixes=False)  # type: ignore[arg-type]
    assert count == 300
    assert json.loads(fixed) == [{**d, "token_mode": "basic"} for d in docs]
    # The first check; the pass (rejected in 200 documents); the retry, one fix in each
    # of those (the token mode, first in the file: accepted, with the other documents');
    # the renames alone (rejected, dropped). Then nothing is left to try.
    assert counting.checks == 4


def test_a_bad_fix_costs_its_document_not_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    import kpack.load.resolve as resolve
    from kpack.fix.apply import fix_bytes

    monkeypatch.setattr(resolve, "_fits", lambda source, change: True)
    docs = [{**BASE, "_id": "bad", "token_mode": "GET", "extra": "note"},
            {**BASE, "_id": "good", "token_mode": "Basic", "grantMode": "secret"}]
    del docs[1]["grant_mode"]
    counting = CountingChecker("account-types.json", "account-type")
    fixed, _, _ = fix_bytes(counting, json.dumps(docs).encode(), unsafe_fixes=False)  # type: ignore[arg-type]
    bad, good = json.loads(fixed)
    assert bad == {**docs[0], "token_mode": "get"}  # the rename dropped, the rest fixed
    expected = json.dumps(docs[1]).replace('"Basic"', '"basic"').replace('"grantMode"',
                                                                          '"grant_mode"')
    assert list(good.items()) == list(json.loads(expected).items())


def test_the_check_and_fix_agree_on_the_issue_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's YAML: 3,200 `[*]` and then "No fixes available". Now whatever the check
    offers, `--fix-only` fixes, and nothing marked is left."""
    parts = ["- &base\n  grant_mode: Authorization_Code\n  client_id: $ID\n"]
    for i in range(1, 60):
        parts.append(f"- <<: *base\n  _id: s{i}\n  token_mode: Basic\n"
                     f"  redirect_url: https://oauthcallback.cozy.tools/accounts/s{i}/redirect\n")
    path = tmp_path / "services.account-types.yaml"
    path.write_text("".join(parts))
    _, out, _ = run(capsys, str(path))
    offered = len(fixable(out))
    assert offered == 118
    assert main(["check", "--fix-only", str(path)]) == 0
    assert capsys.readouterr().err == f"Fixed {offered} findings in 1 file.\n"
    _, out, _ = run(capsys, str(path))
    assert fixable(out) == []


def test_the_report_after_fix_reuses_the_last_pass_and_is_a_fresh_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files `--fix` wrote are not read again for the report (their last pass checked
    them); the others are, for the rules across files. The report is the same as a fresh
    `kpack check` of the fixed files."""
    import shutil

    import kpack.check
    from tests.helpers import REPO

    seed = tmp_path / "seed"
    shutil.copytree(REPO / "examples" / "seed-mistakes", seed)
    (seed / "manifest.konnector").write_text('{"slug": "Bad_Slug"}')  # nothing to fix
    read: list[str] = []
    real_check_file = kpack.check.check_file

    def counting(file: Any, options: Any) -> Any:
        read.append(file.path.name)
        return real_check_file(file, options)

    monkeypatch.setattr(kpack.check, "check_file", counting)
    _, out, _ = run(capsys, "--fix", str(seed))
    assert "Fixed 2 findings. Found " in out
    written = {"account-types.json", "konnector-dev-config.json"}
    assert {name: read.count(name) for name in read} == {
        **dict.fromkeys(written, 1), "manifest.konnector": 2
    }
    monkeypatch.undo()
    _, fresh, _ = run(capsys, str(seed))
    assert out.replace("Fixed 2 findings. ", "", 1) == fresh
