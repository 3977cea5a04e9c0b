"""Cross-file rules (X001-X002): a manifest and its account types, pairing, the CLI end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from kpack.diagnostics import Diagnostic, Severity
from tests.helpers import codes, lint_files, only, write

X_CODES = ("X001", "X002")
CALLBACK = "https://oauthcallback.mycozy.cloud/accounts/{}/redirect"


def manifest(slug: str = "google", oauth: Any = ..., **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": slug, "type": "konnector", "name": slug, **extra}
    if oauth is not ...:
        data["oauth"] = oauth
    return data


def account_type(
    _id: str = "google", grant_mode: str = "authorization_code", **extra: Any
) -> dict[str, Any]:
    return {
        "_id": _id,
        "grant_mode": grant_mode,
        "client_id": "$CLIENT_ID",
        "client_secret": "$CLIENT_SECRET",
        "auth_endpoint": "https://accounts.example.com/auth",
        "token_endpoint": "https://accounts.example.com/token",
        **extra,
    }


def check_pair(
    tmp_path: Path, the_manifest: Any, account_types: Any, at: str = "account-type.json"
) -> list[Diagnostic]:
    return lint_files(
        write(tmp_path, "manifest.konnector", the_manifest), write(tmp_path, at, account_types)
    )


def x_codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [c for c in codes(diagnostics) if c.startswith("X")]


# --- X001 account type id ------------------------------------------------------------------


def test_oauth_manifest_and_account_type_with_another_id(tmp_path: Path) -> None:
    diagnostics = check_pair(tmp_path, manifest(oauth={"scope": ["email"]}), account_type("gogle"))
    d = only(diagnostics, "X001")
    assert d.severity is Severity.ERROR
    assert d.file.endswith("account-type.json")
    assert (d.pointer, d.line, d.column) == ("/_id", 2, 10)  # at the `_id` value
    assert "'google'" in d.message and "manifest.konnector" in d.message and "slug" in d.message


def test_oauth_account_type_of_the_manifest_wins_over_the_slug(tmp_path: Path) -> None:
    the_manifest = manifest("facebook-photos", oauth={"account_type": "facebook"})
    assert x_codes(check_pair(tmp_path, the_manifest, account_type("facebook"))) == []
    d = only(check_pair(tmp_path, the_manifest, account_type("facebook-photos")), "X001")
    assert "'facebook'" in d.message and "oauth.account_type" in d.message


def test_matching_ids_are_fine(tmp_path: Path) -> None:
    assert x_codes(check_pair(tmp_path, manifest(oauth={}), account_type("google"))) == []


def test_a_context_prefix_is_not_part_of_the_id(tmp_path: Path) -> None:
    at = account_type("mycontext/google", redirect_uri=CALLBACK.format("google"))
    assert x_codes(check_pair(tmp_path, manifest(oauth={}), at)) == []


def test_one_matching_account_type_among_several_is_enough(tmp_path: Path) -> None:
    docs = [account_type("google"), account_type("google-drive")]
    assert x_codes(check_pair(tmp_path, manifest(oauth={}), docs)) == []


def test_every_mismatching_document_of_an_array_is_reported(tmp_path: Path) -> None:
    docs = {"docs": [account_type("gogle"), account_type("ctx/goggle")]}
    diagnostics = check_pair(tmp_path, manifest(oauth={}), docs)
    assert [(d.code, d.pointer) for d in diagnostics if d.code.startswith("X")] == [
        ("X001", "/docs/0/_id"), ("X001", "/docs/1/_id"),
    ]


def test_secret_grant_account_types_are_not_oauth(tmp_path: Path) -> None:
    secret = {"_id": "other", "grant_mode": "secret", "slug": "google", "secret": "$S"}
    assert x_codes(check_pair(tmp_path, manifest(oauth={}), secret)) == []


# A redirect_uri naming another id is the account-type rule's (no second error here) ----


def test_redirect_uri_naming_another_id_is_not_reported_twice(tmp_path: Path) -> None:
    at = account_type("google", redirect_uri=CALLBACK.format("gmail"))
    diagnostics = check_pair(tmp_path, manifest(oauth={}), at)
    assert x_codes(diagnostics) == []
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    assert [(d.code[0], d.pointer) for d in errors] == [("A", "/redirect_uri")]


def test_redirect_uri_naming_the_right_id(tmp_path: Path) -> None:
    at = account_type("google", redirect_uri=CALLBACK.format("google"))
    assert x_codes(check_pair(tmp_path, manifest(oauth={}), at)) == []


# --- X002 manifest without oauth -------------------------------------------------------


def test_oauth_account_type_but_manifest_without_oauth(tmp_path: Path) -> None:
    diagnostics = check_pair(tmp_path, manifest(), account_type("google"))
    d = only(diagnostics, "X002")
    assert d.severity is Severity.WARNING
    assert d.file.endswith("manifest.konnector")
    assert (d.pointer, d.line, d.column) == ("", 1, 1)  # the object that lacks `oauth`
    assert "account-type.json" in d.message


def test_manifest_with_oauth_null_points_at_it(tmp_path: Path) -> None:
    d = only(check_pair(tmp_path, manifest(oauth=None), account_type("google")), "X002")
    assert (d.pointer, d.line, d.column) == ("/oauth", 5, 3)


def test_no_oauth_and_an_unrelated_oauth_account_type(tmp_path: Path) -> None:
    assert x_codes(check_pair(tmp_path, manifest(), account_type("dropbox"))) == []


def test_no_oauth_and_a_secret_account_type(tmp_path: Path) -> None:
    secret = {"_id": "google", "grant_mode": "secret", "slug": "google", "secret": "$S"}
    assert x_codes(check_pair(tmp_path, manifest(), secret)) == []


# --- pairing -----------------------------------------------------------------------------


def test_account_type_belongs_to_the_nearest_manifest(tmp_path: Path) -> None:
    top = write(tmp_path, "manifest.konnector", manifest("google", oauth={}))
    inner = write(tmp_path, "drive/manifest.konnector", manifest("drive", oauth={}))
    at_inner = write(tmp_path, "drive/config/account-type.json", account_type("drive"))
    at_top = write(tmp_path, "account-type.json", account_type("google"))
    assert x_codes(lint_files(top, inner, at_inner, at_top)) == []
    # Swapped ids: each account type is now compared with its own manifest.
    write(tmp_path, "drive/config/account-type.json", account_type("google"))
    diagnostics = lint_files(top, inner, at_inner, at_top)
    d = only(diagnostics, "X001")
    assert d.file == str(at_inner)
    assert "drive/manifest.konnector" in d.message


def test_account_type_outside_every_manifest_folder_with_one_manifest(tmp_path: Path) -> None:
    the_manifest = write(tmp_path, "connector/manifest.konnector", manifest(oauth={}))
    at = write(tmp_path, "ops/account-type.json", account_type("gogle"))
    assert x_codes(lint_files(the_manifest, at)) == ["X001"]


def test_account_type_outside_every_manifest_folder_with_two_manifests(tmp_path: Path) -> None:
    one = write(tmp_path, "one/manifest.konnector", manifest("one", oauth={}))
    two = write(tmp_path, "two/manifest.konnector", manifest("two", oauth={}))
    at = write(tmp_path, "ops/account-type.json", account_type("three"))
    assert x_codes(lint_files(one, two, at)) == []


def test_only_one_kind_in_the_run_means_no_cross_file_rule(tmp_path: Path) -> None:
    at = write(tmp_path, "account-type.json", account_type("gogle"))
    assert x_codes(lint_files(at)) == []


def test_broken_documents_do_not_crash(tmp_path: Path) -> None:
    odd_manifest = {"slug": 42, "oauth": "yes"}
    odd_types = [{"_id": 7, "grant_mode": "token"}, {"grant_mode": ["token"]}, {"_id": "x"}]
    assert x_codes(check_pair(tmp_path, odd_manifest, odd_types)) == []
    odd_manifest = {"slug": "google", "oauth": {"account_type": 3}}
    odd_types = [account_type("google", redirect_uri=["https://x/accounts/y/redirect"])]
    assert x_codes(check_pair(tmp_path, odd_manifest, odd_types)) == []


# --- end to end through the CLI --------------------------------------------------------


def test_connector_folder_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cozy-konnector-google"
    write(folder, "manifest.konnector", manifest("google", oauth={"scope": ["email"]}))
    write(
        folder, "account-types-def.json",
        account_type("gogle", redirect_uri=CALLBACK.format("gogle"), token_mode="basic"),
    )
    write(
        folder, "konnector-dev-config.json",
        '{\n  // token from the playground\n  "fields": {"access_token": "ya29.realistic"}\n}\n',
    )
    status = main(["check", str(folder), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["summary"]["files"] == 3
    cross = [d for d in report["diagnostics"] if d["code"].startswith("X")]
    keys = ("code", "severity", "kind", "pointer", "line", "column")
    found = [tuple(d[k] for k in keys) for d in cross]
    assert found == [
        ("X001", "error", "account-type", "/_id", 2, 10),
    ]
    assert cross[0]["file"] == str(folder / "account-types-def.json")
    assert cross[0]["name"] == "oauth-account-type-mismatch"
    assert "$CLIENT_SECRET" not in json.dumps(report)

    # Fixing the _id leaves the redirect URI naming the old id: the account-type rule's.
    write(
        folder, "account-types-def.json",
        account_type("google", redirect_uri=CALLBACK.format("gogle"), token_mode="basic"),
    )
    main(["check", str(folder), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert [(d["code"][0], d["pointer"], d["line"]) for d in errors] == [("A", "/redirect_uri", 8)]


def test_every_cross_file_rule_is_tested() -> None:
    from kpack.rules.catalogue import all_rules

    assert tuple(r.code for r in all_rules() if r.code.startswith("X")) == X_CODES
