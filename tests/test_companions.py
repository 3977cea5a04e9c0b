"""Files given by name bring their connector's other files for the rules across files.

pre-commit hands kpack only the staged files (issue 12 item 18): a manifest whose
`oauth.account_type` changed must still be compared with the account type that did not
change. The companions' own findings are not reported (they did not change), nor the run
findings they give without the given files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from kpack.load.discover import connector_folder
from tests.helpers import write

MANIFEST: dict[str, Any] = {
    "slug": "demo", "name": "Demo", "type": "konnector", "version": "1.0.0",
    "editor": "Me", "language": "node", "permissions": {"files": {"type": "io.cozy.files"}},
    "oauth": {"scope": ["read"]},
}
ACCOUNT_TYPE: dict[str, Any] = {
    "_id": "demo", "grant_mode": "authorization_code", "client_id": "$DEMO_CLIENT_ID",
    "client_secret": "$DEMO_CLIENT_SECRET", "auth_endpoint": "https://auth.example.com/authorize",
    "token_endpoint": "https://auth.example.com/token",
}


def check_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["check", "-o", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def found(body: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((d["code"], Path(d["file"]).name) for d in body["diagnostics"])


def test_a_changed_manifest_is_compared_with_the_account_type_on_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    manifest = write(tmp_path, "manifest.konnector",
                     {**MANIFEST, "oauth": {"scope": ["read"], "account_type": "renamed"}})
    # The account type has a finding of its own (A007): it did not change, not reported.
    write(tmp_path, "account-types.json", {**ACCOUNT_TYPE, "unknown_member": 1})
    code, body = check_json(capsys, str(manifest))
    assert code == 1
    assert found(body) == [("X001", "account-types.json")]
    assert body["summary"]["files"] == 1
    assert body["files"] == [str(manifest)]  # the companion is read, not listed
    # The same connector checked as a whole: X001 and the account type's own finding.
    code, body = check_json(capsys, str(tmp_path))
    assert found(body) == [("A007", "account-types.json"), ("X001", "account-types.json")]


def test_a_changed_account_type_is_compared_with_the_manifest_on_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The manifest sits one folder up; its own finding (M010, a frequency) is not shown.
    write(tmp_path, "manifest.konnector", {**MANIFEST, "frequency": "yearly"})
    account_type = write(tmp_path, "secrets/account-types.json", {**ACCOUNT_TYPE, "_id": "x"})
    code, body = check_json(capsys, str(account_type))
    assert code == 1
    assert found(body) == [("X001", "account-types.json")]


def test_findings_the_companions_give_alone_are_not_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two unchanged account types share an `_id` (A018 between them): not the given
    # manifest's doing, so a commit of the manifest alone is not blocked by it.
    manifest = write(tmp_path, "manifest.konnector", MANIFEST)
    write(tmp_path, "a/account-type.json", ACCOUNT_TYPE)
    write(tmp_path, "b/account-type.json", ACCOUNT_TYPE)
    code, body = check_json(capsys, str(tmp_path))
    assert "A018" in {d["code"] for d in body["diagnostics"]}
    code, body = check_json(capsys, str(manifest))
    assert (code, found(body)) == (0, [])


def test_the_duplicate_a_given_file_brings_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "manifest.konnector", MANIFEST)
    write(tmp_path, "a/account-type.json", ACCOUNT_TYPE)
    given = write(tmp_path, "b/account-type.json", ACCOUNT_TYPE)
    code, body = check_json(capsys, str(given))
    assert code == 1
    assert "A018" in {d["code"] for d in body["diagnostics"]}


def test_no_manifest_up_to_the_repository_root_means_no_companions(tmp_path: Path) -> None:
    write(tmp_path, "manifest.konnector", MANIFEST)  # above the repository: not looked at
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    account_type = write(repo, "conf/account-type.json", ACCOUNT_TYPE)
    assert connector_folder(str(account_type)) is None
    assert connector_folder(str(tmp_path / "manifest.konnector")) == str(tmp_path)


def test_the_json_report_lists_the_files_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 12 item 17: the summary said how many, not which.
    write(tmp_path, "b/manifest.konnector", MANIFEST)
    write(tmp_path, "a/account-types.json", ACCOUNT_TYPE)
    write(tmp_path, "a/README.md", "not checked")
    _, body = check_json(capsys, str(tmp_path))
    assert body["summary"]["files"] == 2
    assert body["files"] == [str(tmp_path / "a/account-types.json"),
                             str(tmp_path / "b/manifest.konnector")]
