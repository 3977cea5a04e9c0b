"""A sentinel secret never leaks: not in stdout, stderr, written files or bundles.

The sentinel (a fresh random string) sits in account types (`client_secret`, `secret`, in
every JSON shape), in a dev config (`fields.access_token`, `fields.password`), in a `.env`
file and in the environment (as placeholder values). Every command runs in every output
format and through its error paths: rule errors, a missing variable, CouchDB answering 500
or 401 (and echoing the request in its error, as some proxies and validators do), a write
refused per document. Only `--reveal-secrets` may show it, and a control checks it does.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import secrets
import tarfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from kpack.cli import main
from tests.hardening.connectors import MANIFEST as BUILD_MANIFEST
from tests.helpers import reply, stub_servers

SENTINEL = "sntl" + secrets.token_hex(16)
# CouchDB's password is a secret too, but another one: kpack scrubs the password from
# messages, which would hide a leak of the documents' secrets if they were the same value.
PASSWORD = "pswd" + secrets.token_hex(16)
CHECKS = {"count": 0}  # sentinel checks run (the figure the hardening issue asks for)

OAUTH = {
    "_id": "oauth-svc",
    "grant_mode": "authorization_code",
    "client_id": "$CLIENT_ID",
    "client_secret": SENTINEL,
    "auth_endpoint": "https://accounts.service.example/oauth/authorize",
    "token_endpoint": "https://api.service.example/oauth/token",
    "token_mode": "basic",
    "redirect_uri": "https://oauthcallback.cozy.tools/accounts/oauth-svc/redirect",
}
LITERAL = {"_id": "svc-literal", "grant_mode": "secret", "slug": "svc-literal", "secret": SENTINEL}
FROM_ENV = {"_id": "svc-env", "grant_mode": "secret", "slug": "svc-env", "secret": "$SENTINEL_VAR"}
FROM_DOTENV = {
    "_id": "svc-dotenv",
    "grant_mode": "secret",
    "slug": "svc-dotenv",
    "secret": {"token": "${DOTENV_SECRET}", "nested": [SENTINEL]},
}
VALID: list[dict[str, Any]] = [OAUTH, LITERAL, FROM_ENV, FROM_DOTENV]
# Rule errors around secret values: wrong types, a misspelt key, a bad grant mode.
INVALID = [
    {**OAUTH, "grant_mode": "refresh_token", "client_secret": [SENTINEL]},
    {**LITERAL, "secret": {"k": 12, SENTINEL: SENTINEL}, "client_secrte": SENTINEL},
    {**FROM_ENV, "client_secret": SENTINEL, "token_mode": "bearr"},
    {
        "_id": SENTINEL[:0] + "x",
        "grant_mode": "secret",
        "secret": 42,
        "client_secret": {"v": SENTINEL},
    },
]
MANIFEST = {**BUILD_MANIFEST, "oauth": {"scope": ["read"]}}
DEV_CONFIG = {
    "COZY_URL": "http://cozy.tools:8080",
    "fields": {"login": "me", "password": SENTINEL, "access_token": SENTINEL},
}


class Run(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "connector"
    (root / "build").mkdir(parents=True)
    (root / "account-types.json").write_text(json.dumps(VALID, indent=2))
    (root / "konnector-dev-config.json").write_text(json.dumps(DEV_CONFIG, indent=2))
    # CLIENT_ID fills client_id, outside the secret fields: only from the file (or --env).
    (root / ".env").write_text(f"DOTENV_SECRET={SENTINEL}\nexport OTHER='x'\nCLIENT_ID=c\n")
    (root / "manifest.konnector").write_text(json.dumps(MANIFEST, indent=2))
    (root / "build" / "manifest.konnector").write_text(json.dumps(MANIFEST, indent=2))
    (root / "build" / "index.js").write_text("module.exports = () => 42\n")
    (root / "build" / "icon.svg").write_text("<svg/>\n")
    (root / "index.js").write_text("module.exports = () => 42\n")  # for --from .
    (root / "icon.svg").write_text("<svg/>\n")
    for name in list(os.environ):
        if name.startswith("COUCHDB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SENTINEL_VAR", SENTINEL)
    monkeypatch.setenv("CLIENT_ID", "client-id")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.chdir(tmp_path)
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def _archive_texts(data: bytes) -> Iterator[bytes]:
    yield data
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError):
        return
    yield raw
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        for member in tar.getmembers():
            yield member.name.encode()
            handle = tar.extractfile(member)
            if handle is not None:
                yield handle.read()


def assert_clean(text: str | bytes, where: str) -> None:
    CHECKS["count"] += 1
    data = text.encode() if isinstance(text, str) else text
    assert SENTINEL.encode() not in data, f"the sentinel leaked in {where}"
    assert PASSWORD.encode() not in data, f"the password leaked in {where}"


def kpack(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Run:
    """Run a command in-process; check stdout, stderr and every file written."""
    before = snapshot(root.parent)
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert_clean(out, f"stdout of {args}")
    assert_clean(err, f"stderr of {args}")
    after = snapshot(root.parent)
    for name, stamp in after.items():
        if before.get(name) != stamp:
            for part in _archive_texts((root.parent / name).read_bytes()):
                assert_clean(part, f"{name} written by {args}")
    return Run(code, out, err)


# -- check ------------------------------------------------------------------------------------

FORMATS = ["text", "json", "sarif", "github"]


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("documents", [VALID, INVALID], ids=["valid", "rule-errors"])
def test_check(
    connector: Path,
    capsys: pytest.CaptureFixture[str],
    output_format: str,
    documents: list[dict[str, Any]],
) -> None:
    (connector / "account-types.json").write_text(json.dumps(documents, indent=2))
    # The dev config's fields and the account types are all found in the folder.
    result = kpack(capsys, connector, "check", "-o", output_format, str(connector))
    assert result.code in (0, 1)
    kpack(
        capsys,
        connector,
        "check",
        "-o",
        output_format,
        "--output-file",
        str(connector.parent / f"report.{output_format}"),
        str(connector),
    )
    kpack(
        capsys,
        connector,
        "check",
        "-o",
        output_format,
        "--strict",
        "--target",
        "registry",
        str(connector / "account-types.json"),
        str(connector / "konnector-dev-config.json"),
    )


def test_check_yaml_and_broken_files(connector: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    (connector / "account-types.json").unlink()
    (connector / "account-types.yaml").write_text(yaml.safe_dump(INVALID))
    text = json.dumps(DEV_CONFIG, indent=2)
    for broken in (text[:-3], text.replace(",", ",,", 1), text + "\0", "\ufeff" + text):
        (connector / "konnector-dev-config.json").write_text(broken)
        for output_format in FORMATS:
            kpack(capsys, connector, "check", "-o", output_format, str(connector))


# -- provision --------------------------------------------------------------------------------

PRINTED = [
    ["--format", "curl"],
    ["--format", "http"],
    ["--format", "json"],
    ["--format", "json", "--bulk"],
    ["--format", "curl", "--context", "ctx"],
]


@pytest.mark.parametrize("args", PRINTED, ids=lambda a: "-".join(x.strip("-") for x in a))
def test_provision_payloads(
    connector: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    env_file = ["--env-file", str(connector / ".env")]
    result = kpack(
        capsys, connector, "provision", str(connector / "account-types.json"), *args, *env_file
    )
    assert result.code == 0, result.err
    assert "********" in result.out  # the literal secrets, masked


@pytest.mark.parametrize("args", PRINTED, ids=lambda a: "-".join(x.strip("-") for x in a))
def test_provision_error_paths(
    connector: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = str(connector / "account-types.json")
    # A missing variable (no --env-file, and SENTINEL_VAR unset in one run).
    kpack(capsys, connector, "provision", path, *args)
    monkeypatch.delenv("SENTINEL_VAR")
    kpack(capsys, connector, "provision", path, *args)
    # Rule errors.
    (connector / "account-types.json").write_text(json.dumps(INVALID, indent=2))
    assert kpack(capsys, connector, "provision", path, *args).code == 1
    # A malformed placeholder and a broken env file.
    (connector / "account-types.json").write_text(
        json.dumps([{**LITERAL, "extras": {"k": "${"}}], indent=2)
    )
    assert kpack(capsys, connector, "provision", path, *args).code == 2
    (connector / ".env").write_text(f"{SENTINEL}\nA='{SENTINEL}\n")
    assert (
        kpack(
            capsys, connector, "provision", path, *args, "--env-file", str(connector / ".env")
        ).code
        == 2
    )


def test_reveal_secrets_shows_them_the_control(
    connector: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one place the sentinel may appear: proves the checks above can see it."""
    capsys.readouterr()
    code = main(
        [
            "provision",
            str(connector / "account-types.json"),
            "--format",
            "json",
            "--reveal-secrets",
            "--env-file",
            str(connector / ".env"),
        ]
    )
    out, _err = capsys.readouterr()
    assert code == 0 and out.count(SENTINEL) == 5


# -- provision --apply against faulty servers --------------------------------------------------


def _handler(mode: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            echo = body or self.path
            answer: object  # a JSON body
            if mode == "rows" and "_all_docs" in self.path:
                status, answer = 200, {"rows": []}
            elif mode == "rows":
                docs = json.loads(body)["docs"]
                status, answer = (
                    201,
                    [
                        {
                            "id": d["_id"],
                            "error": "forbidden",
                            "reason": f"refused: {json.dumps(d)}",
                        }
                        for d in docs
                    ],
                )
            elif mode == "401":
                status, answer = 401, {"error": "unauthorized", "reason": echo}
            elif mode == "write-500" and "_all_docs" in self.path:
                status, answer = 200, {"rows": []}
            else:
                status, answer = 500, {"error": "internal", "reason": echo}
            reply(self, status, json.dumps(answer).encode())

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def faulty() -> Iterator[Any]:
    with stub_servers() as serve:
        yield lambda mode: f"http://admin:{PASSWORD}@127.0.0.1:{serve(_handler(mode))}"


@pytest.mark.parametrize("mode", ["500", "401", "write-500", "rows"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["apply", "dry-run"])
def test_apply_error_answers_echoing_the_request(
    connector: Path,
    capsys: pytest.CaptureFixture[str],
    faulty: Any,
    mode: str,
    dry_run: bool,
) -> None:
    url = faulty(mode)
    flag = "--dry-run" if dry_run else "--apply"
    result = kpack(
        capsys,
        connector,
        "provision",
        str(connector / "account-types.json"),
        flag,
        "--couchdb",
        url,
        "--env-file",
        str(connector / ".env"),
    )
    assert result.code == (0 if dry_run and mode in ("write-500", "rows") else 2)
    # The same with the password in the environment instead of the URL.
    os.environ["COUCHDB_PASSWORD"] = PASSWORD
    try:
        kpack(
            capsys,
            connector,
            "provision",
            str(connector / "account-types.json"),
            flag,
            "--couchdb",
            url.replace(f"admin:{PASSWORD}@", ""),
            "--user",
            "admin",
            "--env-file",
            str(connector / ".env"),
        )
    finally:
        del os.environ["COUCHDB_PASSWORD"]


@pytest.mark.couchdb
def test_apply_and_dry_run_against_couchdb(
    connector: Path,
    capsys: pytest.CaptureFixture[str],
    couch: Any,
) -> None:
    path = str(connector / "account-types.json")
    env_file = ["--env-file", str(connector / ".env")]
    result = kpack(
        capsys, connector, "provision", path, "--dry-run", "--couchdb", couch.url, *env_file
    )
    assert result.code == 0 and "would-create" in result.out
    assert (
        kpack(
            capsys, connector, "provision", path, "--apply", "--couchdb", couch.url, *env_file
        ).code
        == 0
    )
    assert couch.doc("svc-literal")["secret"] == SENTINEL  # stored, as it should be
    # Stored secrets differ from ours: the dry run's diff must still mask them.
    changed = [
        {**d, "client_secret": SENTINEL + "x"}
        if "client_secret" in d
        else {**d, "secret": SENTINEL + "y"}
        for d in VALID
    ]
    (connector / "account-types.json").write_text(json.dumps(changed, indent=2))
    result = kpack(
        capsys, connector, "provision", path, "--dry-run", "--couchdb", couch.url, *env_file
    )
    assert "would-update" in result.out and "********" in result.out
    assert (
        kpack(
            capsys, connector, "provision", path, "--apply", "--couchdb", couch.url, *env_file
        ).code
        == 0
    )


# -- build ------------------------------------------------------------------------------------

BUILDS = [
    [],
    ["--list"],
    ["--format", "json"],
    ["--list", "--format", "json"],
    ["--dir", "out"],
    ["--from", "."],
]


@pytest.mark.parametrize(
    "args", BUILDS, ids=lambda a: "-".join(x.strip("-.") for x in a) or "archive"
)
@pytest.mark.parametrize("leak", [None, "build/index.js", "build/data.json", "build/.env"])
def test_build(
    connector: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    leak: str | None,
) -> None:
    """Clean builds ship no secret; a secret copied into the bundle is refused, not echoed."""
    if leak is not None:
        (connector / leak).write_text(f'const key = "{SENTINEL}"\n')
    args = [a if a != "out" else str(connector.parent / "out") for a in args]
    if "--from" in args:
        args[args.index("--from") + 1] = str(connector)
        # The root's bundle holds build/: its manifest would be a second one (B017).
        (connector / ".kpackignore").write_text("build/manifest.konnector\n")
    result = kpack(capsys, connector, "build", str(connector), "--target", "stack", *args)
    if "--from" in args:  # the root's bundle: build/ is in or out by the selection's rules
        assert result.code in (0, 1)
    elif leak is None or leak == "build/.env":  # .env files are never bundled
        assert result.code == 0, result.err
    else:
        assert result.code == 1 and "B0" in result.err


def test_build_with_the_secret_in_a_placeholder_value(
    connector: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The environment's value of a placeholder is a secret too: found in the bundle."""
    (connector / "build" / "index.js").write_text(f"const k = '{SENTINEL}'\n")
    (connector / "account-types.json").write_text(json.dumps([FROM_ENV], indent=2))
    (connector / "konnector-dev-config.json").unlink()
    (connector / ".env").unlink()
    for args in ([], ["--format", "json"], ["--list"]):
        result = kpack(capsys, connector, "build", str(connector), "--target", "stack", *args)
        assert result.code == 1


def test_sentinel_checks_figure() -> None:
    """Runs last in this file: the number of sentinel checks made above."""
    print(f"\nsentinel checks run: {CHECKS['count']}")
    assert CHECKS["count"] >= 300
