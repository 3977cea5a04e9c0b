"""`allow-secrets` globs in the settings, and the message for a hit under node_modules/
(issue 12 item 7): a 2017 layout commits node_modules, whose packages ship test keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bundle.helpers import ARCHIVE, connector, kpack, write_tree

# A key-shaped block made up here (random letters): what the scan looks for.
FAKE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXAIBAAKBgQCqGKukO1De7zhZj6+H0qtjTkVxwTCpvKe4eCZ0FPqri0cb2JZfXJ\n"
    "-----END RSA PRIVATE KEY-----\n"
)
THIRD_PARTY = {
    "build/node_modules/replay/test/ssl/privatekey.pem": FAKE_KEY,
    "build/node_modules/request-debug/test/lib/key.pem": FAKE_KEY,
}


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def test_a_hit_under_node_modules_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, THIRD_PARTY)
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if " B006 [error] " in line]
    assert len(errors) == 2
    assert "belongs to a dependency in node_modules/" in result.err
    assert 'allow-secrets: ["node_modules/**"]' in result.err
    assert "revoke" not in result.err


def test_an_allow_secrets_glob_in_the_settings_allows_every_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, {**THIRD_PARTY, "build/lib/key.pem": FAKE_KEY})
    write_tree(tmp_path, {".kpack.yaml": 'allow-secrets: ["node_modules/**/test/**"]\n'})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1  # lib/key.pem is not under the glob
    assert f"{tmp_path}/build/lib/key.pem:1:1: B006 [error]" in result.err
    assert result.err.count(" B006 [info] ") == 2
    assert "allowed by allow-secrets 'node_modules/**/test/**' in .kpack.yaml" in result.err
    (tmp_path / "build/lib/key.pem").unlink()
    assert kpack(capsys, str(tmp_path)).code == 0
    assert (tmp_path / ARCHIVE).is_file()


def test_allow_secrets_in_package_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, THIRD_PARTY)
    write_tree(tmp_path, {"package.json": {"name": "demo", "kpack": {
        "allow-secrets": ["node_modules/"]}}})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 0, result.err
    assert "in package.json" in result.err


def test_allow_secrets_of_the_wrong_shape_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, THIRD_PARTY)
    write_tree(tmp_path, {".kpack.yaml": "allow-secrets: node_modules\n"})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 2
    assert "allow-secrets must be a list of globs" in result.err
    assert "Traceback" not in result.err
