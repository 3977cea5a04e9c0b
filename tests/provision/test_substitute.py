"""The substitution policy (issue 18): which variable fills which placeholder, in every
format, and what is masked once it has (docs/security.md, "Substitution")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from kpack.provision.substitute import OWN_VARIABLES, looks_secret
from tests.helpers import REPO, write

ADMIN_PASSWORD = "adm1n-Pa55word-77"
TOKEN_VALUE = "tok-Value-93e1"
FORMATS = [["-o", "curl"], ["-o", "http"], ["-o", "json"], ["--apply"], ["--dry-run"]]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COUCHDB_URL", "COUCHDB_USER", "COUCHDB_PASSWORD", "PUBLIC_ID", "API_TOKEN",
                 "PLAIN"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["provision", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def service(**fields: Any) -> dict[str, Any]:
    return {"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": "$PLAIN", **fields}


# -- kpack's own settings never fill a placeholder ---------------------------------------------


def test_own_variables_are_every_variable_kpack_reads() -> None:
    """OWN_VARIABLES is the list of the names the code reads: found here in every idiom kpack
    uses to read one (`environ.get("X")`, `env["X"]`, the proxies' `_first(env, ...)`, the
    curl script's `${X}`, the .http file's `$processEnv X`, `shutil.get_terminal_size`)."""
    read: set[str] = set()
    name = r"['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]"
    for path in (REPO / "kpack").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(rf"\b(?:environ|env|environment)\.get\(\s*{name}", text))
        read |= set(re.findall(rf"\b(?:environ|env|environment)\[\s*{name}\s*\]", text))
        read |= set(re.findall(rf"\bgetenv\(\s*{name}", text))
        for args in re.findall(r"\b_first\(\s*env\s*,([^)]*)\)", text):
            read |= set(re.findall(name, args))
        if "get_terminal_size" in text:
            read |= {"COLUMNS", "LINES"}
    from kpack.provision.render_curl import render_curl
    from kpack.provision.render_http import render_http

    documents: list[tuple[str, dict[str, object], list[str]]] = [("x", {"_id": "x"}, [])]
    script = render_curl(documents, [], "http://localhost:5984")
    read |= {a or b for a, b in re.findall(r'\$\{([A-Z][A-Z0-9_]*)[:}]|"\$([A-Z][A-Z0-9_]*)"',
                                          script)}
    http = render_http(documents, "http://localhost:5984")
    read |= set(re.findall(r"\{\{\$processEnv ([A-Za-z_][A-Za-z0-9_]*)\}\}", http))
    assert {"COUCHDB_URL", "COUCHDB_PASSWORD", "no_proxy", "TMPDIR", "TERM"} <= read  # sanity
    assert read == OWN_VARIABLES


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f[-1].strip("-"))
@pytest.mark.parametrize("field", ["secret", "client_id"])
def test_a_placeholder_never_reads_kpacks_own_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    fmt: list[str], field: str,
) -> None:
    """The issue's case: `$COUCHDB_PASSWORD` in a document would copy the admin password
    into it (and the curl script reads that very variable for its own login)."""
    monkeypatch.setenv("COUCHDB_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("COUCHDB_USER", "admin")
    monkeypatch.setenv("COUCHDB_URL", "http://127.0.0.1:1")  # never reached
    path = write(tmp_path, "account-type.json", service(**{field: "x-${COUCHDB_PASSWORD}"}))
    code, out, err = run(capsys, str(path), *fmt, "--env", "PLAIN")
    assert (code, out) == (2, "")
    assert err == (f"kpack: error: {path}: {field}: $COUCHDB_PASSWORD is kpack's own setting: "
                   "it is never substituted into a document (rename the placeholder)\n")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f[-1].strip("-"))
def test_nor_through_the_env_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    fmt: list[str],
) -> None:
    monkeypatch.setenv("COUCHDB_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("COUCHDB_URL", "http://127.0.0.1:1")
    env_file = write(tmp_path, ".env", "PLAIN=p\nINNER=${COUCHDB_PASSWORD}\nOUTER=a-${INNER}\n")
    path = write(tmp_path, "account-type.json", service(secret="$OUTER"))
    code, out, err = run(capsys, str(path), *fmt, "--env-file", str(env_file))
    assert (code, out) == (2, "")
    assert err == (f"kpack: error: {path}: secret: $OUTER is made from kpack's own setting "
                   "COUCHDB_PASSWORD in --env-file: it is never substituted into a document\n")


def test_the_env_file_may_still_hold_the_connection_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """kpack reads its settings from the file (that is allowed); documents cannot."""
    env_file = write(tmp_path, ".env", "COUCHDB_URL=http://file.example:5984\nPLAIN=p\n")
    path = write(tmp_path, "account-type.json", service())
    code, out, _ = run(capsys, str(path), "--env-file", str(env_file))
    assert code == 0 and "kpack_default_url='http://file.example:5984'" in out


@pytest.mark.parametrize("name", ["COUCHDB_PASSWORD", "1X", "A-B"])
def test_env_option_takes_names_but_not_kpacks_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
) -> None:
    path = write(tmp_path, "account-type.json", service())
    code, out, err = run(capsys, str(path), "-o", "json", "--env", name)
    assert (code, out) == (2, "")
    assert err.startswith(f"kpack: error: --env {name}: ") and err.count("\n") == 1


# -- outside the secret fields: only the env file, or names given with --env -------------------


def test_outside_the_secret_fields_only_names_the_user_gave(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLAIN", "p")
    monkeypatch.setenv("PUBLIC_ID", "public-value-1")
    path = write(tmp_path, "account-type.json", service(extras={"id": "$PUBLIC_ID"}))
    # A file cannot make kpack print whatever the environment holds.
    for fmt in (["-o", "json"], ["--dry-run", "--couchdb", "http://127.0.0.1:1"]):
        code, out, err = run(capsys, str(path), *fmt)
        assert (code, out) == (2, "")
        assert err == (
            "kpack: error: outside the secret fields (client_secret, secret, fcm_credentials) "
            "kpack fills a placeholder only from --env-file, or from the environment with "
            f"--env NAME: $PUBLIC_ID ({path}: extras)\n"
        )
    # Named with --env: filled, and the names filled are said (never the values).
    code, out, err = run(capsys, str(path), "-o", "json", "--env", "PUBLIC_ID",
                         "--reveal-secrets")
    assert code == 0 and json.loads(out)[0]["extras"] == {"id": "public-value-1"}
    assert err.startswith("kpack: note: placeholders filled: PLAIN (from the environment), "
                          "PUBLIC_ID (from the environment)\n")
    assert "public-value-1" not in err
    # Defined in the env file: filled too (the environment still wins, as documented).
    env_file = write(tmp_path, ".env", "PUBLIC_ID=from-file\n")
    code, out, err = run(capsys, str(path), "-o", "json", "--env-file", str(env_file))
    assert code == 0 and json.loads(out)[0]["extras"] == {"id": "public-value-1"}
    monkeypatch.delenv("PUBLIC_ID")
    code, out, err = run(capsys, str(path), "-o", "json", "--env-file", str(env_file))
    assert json.loads(out)[0]["extras"] == {"id": "from-file"}
    assert err.startswith("kpack: note: placeholders filled: PLAIN (from the environment), "
                          "PUBLIC_ID (from --env-file)\n")


def test_run_time_formats_keep_references_and_fill_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The curl script and the .http file read the values when they run, in the caller's
    environment, and list the names they read: kpack prints no value."""
    monkeypatch.setenv("PUBLIC_ID", "public-value-1")
    path = write(tmp_path, "account-type.json", service(extras={"id": "$PUBLIC_ID"}))
    for fmt in ("curl", "http"):
        code, out, err = run(capsys, str(path), "-o", fmt)
        assert code == 0 and "public-value-1" not in out + err
        assert "PUBLIC_ID" in out


# -- values from secret-looking names are masked in any field ----------------------------------


@pytest.mark.parametrize(
    ("name", "secret"),
    [("API_TOKEN", True), ("FB_APP_SECRET", True), ("DB_PASS", True), ("apiKey", True),
     ("SIGNING_KEY", True), ("MYTOKEN", True), ("PRIVATE_PEM", True), ("COZY_FB_CLIENT_ID", False),
     ("REDIRECT_URL", False), ("MONKEY", False), ("BYPASS_HOST", False), ("SLUG", False)],
)
def test_looks_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_a_secret_looking_name_is_masked_in_any_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLAIN", "p")
    monkeypatch.setenv("API_TOKEN", TOKEN_VALUE)
    path = write(tmp_path, "account-type.json",
                 service(extras={"auth": "Bearer $API_TOKEN", "other": "kept"}))
    code, out, err = run(capsys, str(path), "-o", "json", "--env", "API_TOKEN")
    assert code == 0 and TOKEN_VALUE not in out + err
    assert json.loads(out)[0]["extras"] == {"auth": "********", "other": "kept"}
    assert "2 secret values masked (svc: secret; svc: extras)" in err
    code, out, err = run(capsys, str(path), "-o", "json", "--env", "API_TOKEN",
                         "--reveal-secrets")
    assert json.loads(out)[0]["extras"]["auth"] == f"Bearer {TOKEN_VALUE}"
    assert "--reveal-secrets: this JSON may show secret values in clear" in err


def test_a_value_made_from_a_secret_in_the_env_file_is_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`CLIENT_ID=${GITHUB_TOKEN}` in an env file: CLIENT_ID does not look secret, its
    value does."""
    monkeypatch.setenv("API_TOKEN", TOKEN_VALUE)
    env_file = write(tmp_path, ".env", "PLAIN=p\nCLIENT_ID=${API_TOKEN}\n")
    path = write(tmp_path, "account-type.json", service(extras={"id": "$CLIENT_ID"}))
    code, out, err = run(capsys, str(path), "-o", "json", "--env-file", str(env_file))
    assert code == 0 and TOKEN_VALUE not in out + err
    assert json.loads(out)[0]["extras"] == {"id": "********"}


@pytest.mark.couchdb
def test_apply_stores_the_value_and_the_dry_run_masks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    couch: Any,
) -> None:
    monkeypatch.setenv("PLAIN", "p")
    monkeypatch.setenv("API_TOKEN", TOKEN_VALUE)
    path = write(tmp_path, "account-type.json", service(extras={"auth": "Bearer $API_TOKEN"}))
    args = [str(path), "--couchdb", couch.url, "--env", "API_TOKEN"]
    code, out, err = run(capsys, *args, "--apply")
    assert code == 0, err
    assert couch.doc("svc")["extras"] == {"auth": f"Bearer {TOKEN_VALUE}"}
    monkeypatch.setenv("API_TOKEN", TOKEN_VALUE + "-new")
    code, out, err = run(capsys, *args, "--dry-run")
    assert code == 0, err
    assert out.splitlines()[:2] == ["would-update svc", '    ~ extras: {"auth": "********"}']
    assert TOKEN_VALUE not in out + err
    assert err == ("kpack: note: placeholders filled: PLAIN (from the environment), "
                   "API_TOKEN (from the environment)\n")
