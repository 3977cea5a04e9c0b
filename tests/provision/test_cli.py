"""`kpack provision` without a server: checks first, payload formats, secrets, usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from tests.helpers import write

FACEBOOK = {
    "_id": "facebook",
    "grant_mode": "authorization_code",
    "client_id": "$COZY_FB_CLIENT_ID",
    "client_secret": "${COZY_FB_CLIENT_SECRET}",
    "auth_endpoint": "https://www.facebook.com/v2.12/dialog/oauth",
    "token_endpoint": "https://graph.facebook.com/v2.12/oauth/access_token",
    "token_mode": "get",
    "redirect_uri": "https://oauthcallback.cozy.tools/accounts/facebook/redirect",
}
ENV_SECRET = "env-Secret-4f9a"
# client_id is outside the secret fields: --format json fills it with --env only.
ALLOW = ("--env", "COZY_FB_CLIENT_ID")
LITERAL_SECRET = "literal-Secret-7c2e"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COUCHDB_URL", "COUCHDB_USER", "COUCHDB_PASSWORD", "COZY_FB_CLIENT_ID",
                 "COZY_FB_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["provision", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_rule_errors_print_only_the_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # The seed's document: refresh_token grant mode and redirect_url.
    path = write(tmp_path, "account-type.json", {
        **FACEBOOK, "grant_mode": "refresh_token", "redirect_url": FACEBOOK["redirect_uri"],
    })
    code, out, err = run(capsys, str(path))
    assert code == 1
    assert out == ""
    assert "A002" in err and "refresh_token" in err
    assert "redirect_url" in err
    assert err.rstrip().splitlines()[-1].startswith("Found ")


def test_loader_errors_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "account-type.json", '{"_id": "x", "grant_mode": "token",}')
    code, out, err = run(capsys, str(path), "--apply")
    assert (code, out) == (1, "")
    assert "account-type.json:1:" in err


def test_context_reruns_the_rules_on_the_stored_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    doc = {k: v for k, v in FACEBOOK.items() if k != "redirect_uri"}
    path = write(tmp_path, "account-type.json", doc)
    assert run(capsys, str(path))[0] == 0  # fine without a context
    code, out, err = run(capsys, str(path), "--context", "ctx")
    assert (code, out) == (1, "")
    assert "A013" in err and '"ctx/facebook"' in err


def test_json_format_is_the_stored_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COZY_FB_CLIENT_ID", "the-id")
    monkeypatch.setenv("COZY_FB_CLIENT_SECRET", ENV_SECRET)
    path = write(tmp_path, "account-type.json", {**FACEBOOK, "_rev": "1-x"})
    code, out, err = run(capsys, str(path), "-o", "json", "--context", "ctx", *ALLOW)
    assert code == 0
    [doc] = json.loads(out)
    assert doc == {**FACEBOOK, "_id": "ctx/facebook", "client_id": "the-id",
                   "client_secret": "********"}
    assert "1 secret value masked (ctx/facebook: client_secret)" in err
    code, out, _ = run(capsys, str(path), "-o", "json", "--bulk", "--reveal-secrets", *ALLOW)
    assert json.loads(out)["docs"][0]["client_secret"] == ENV_SECRET


def test_missing_variable_names_it_never_a_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COZY_FB_CLIENT_ID", "the-id-value")
    path = write(tmp_path, "account-type.json", FACEBOOK)
    code, out, err = run(capsys, str(path), "-o", "json", *ALLOW)
    assert (code, out) == (2, "")
    assert err == ("kpack: error: environment variable not set: COZY_FB_CLIENT_SECRET "
                   "(export it or use --env-file)\n")


def test_env_file_fills_placeholders_and_the_environment_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(tmp_path, "account-type.json", FACEBOOK)
    env_file = write(tmp_path, ".env", "COZY_FB_CLIENT_ID=from-file\n"
                                       f"COZY_FB_CLIENT_SECRET='{ENV_SECRET}'\n")
    code, out, _ = run(capsys, str(path), "-o", "json", "--env-file", str(env_file),
                       "--reveal-secrets")
    assert code == 0
    assert json.loads(out)[0]["client_id"] == "from-file"
    assert json.loads(out)[0]["client_secret"] == ENV_SECRET
    monkeypatch.setenv("COZY_FB_CLIENT_ID", "from-env")
    code, out, _ = run(capsys, str(path), "-o", "json", "--env-file", str(env_file))
    assert json.loads(out)[0]["client_id"] == "from-env"


def test_http_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "account-type.json", FACEBOOK)
    code, out, err = run(capsys, str(path), "-o", "http", "--context", "ctx",
                         "--couchdb", "http://admin:pw-in-url@couch.example:5984/")
    assert code == 0
    assert "@couchdb = http://couch.example:5984\n" in out
    assert "PUT {{couchdb}}/secrets%2Fio-cozy-account_types\n" in out
    assert "PUT {{couchdb}}/secrets%2Fio-cozy-account_types/ctx%2Ffacebook\n" in out
    assert '"client_secret": "{{$processEnv COZY_FB_CLIENT_SECRET}}"' in out
    assert "Content-Type: application/json" in out
    assert "pw-in-url" not in out + err and "admin" not in out + err


def test_curl_format_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "account-type.json", FACEBOOK)
    code, out, err = run(capsys, str(path), "--context", "ctx")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert "set -eu" in lines
    assert '  "client_secret": "\'"$kpack_v_COZY_FB_CLIENT_SECRET"\'",' in lines
    assert "  -H 'Content-Type: application/json' --data-binary @- <<kpack_EOF" in lines
    assert "kpack_shown='ctx/facebook'" in lines
    assert "kpack_request GET \"$kpack_db\"'/_all_docs?key=%22ctx%2Ffacebook%22'" in lines
    assert ("kpack_request PUT \"$kpack_db\"'/ctx%2Ffacebook'\"${kpack_rev:+?rev=$kpack_rev}\" \\"
            in lines)
    assert "reads COZY_FB_CLIENT_ID, COZY_FB_CLIENT_SECRET from the environment" in err


@pytest.mark.parametrize("fmt", ["curl", "http", "json"])
def test_secrets_never_printed_unless_revealed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    monkeypatch.setenv("COZY_FB_CLIENT_ID", "the-id")
    monkeypatch.setenv("COZY_FB_CLIENT_SECRET", ENV_SECRET)
    docs: list[dict[str, Any]] = [
        FACEBOOK,
        {"_id": "service", "grant_mode": "secret", "slug": "service",
         "secret": {"api_key": LITERAL_SECRET}},
    ]
    path = write(tmp_path, "account-types.json", docs)
    code, out, err = run(capsys, str(path), "-o", fmt, *ALLOW)
    assert code == 0
    assert ENV_SECRET not in out + err
    assert LITERAL_SECRET not in out + err
    assert "service: secret" in err and "will not work as printed" in err
    code, out, err = run(capsys, str(path), "-o", fmt, "--reveal-secrets", *ALLOW)
    assert code == 0
    assert LITERAL_SECRET in out
    assert (ENV_SECRET in out) is (fmt == "json")  # curl and http keep the reference
    assert "--reveal-secrets" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "curl", "--bulk"], "--bulk goes with --format json"),
        (["--apply", "-o", "json"], "--apply writes to CouchDB"),
        (["--user", "admin"], "--user is for --apply"),
        (["--apply", "--couchdb", "ftp://host"], "must be http:// or https://"),
    ],
)
def test_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str,
) -> None:
    path = write(tmp_path, "account-type.json", {**FACEBOOK, "client_id": "x",
                                                 "client_secret": "y" * 12})
    code, out, err = run(capsys, str(path), *args)
    assert (code, out) == (2, "")
    assert message in err


def test_no_account_type_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(tmp_path))
    assert (code, out) == (2, "")
    assert "no account-type file" in err
