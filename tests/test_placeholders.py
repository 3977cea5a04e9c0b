"""One placeholder test for every rule (issue 12 items 3 and 6): D007 calls a value a
placeholder, B006 does not look for it in the bundle, D004 does not speak of live
credentials for a template."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kpack.rules.dev_config import holds_credentials
from kpack.rules.placeholders import is_placeholder
from tests.bundle.helpers import connector, kpack, write_tree
from tests.helpers import codes, lint, write

NAME = "konnector-dev-config.json"
PLACEHOLDERS = ["<ACCESS_TOKEN>", "changeme", "xxxxxxxx", "12345678", "00000000", "87654321",
                "{{access_token}}", "$ACCESS_TOKEN", "${TOKEN}", "YOUR_ACCESS_TOKEN",
                "insert token here", "********", "", "zuck.m@rk.fb", "123456"]
REAL = ["ya29.a0AfH6SMBx3-realistic_token", "EAAGm0PX4ZCpsBA", "s3cr3t-value", "hunter2hunter",
        "12345679", "mysecretpassword", "your-token-8f3a2c", "zuck.m@rk.fr"]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", REAL)
def test_real_values(value: str) -> None:
    assert not is_placeholder(value)


@pytest.mark.parametrize("value", ["<ACCESS_TOKEN>", "changeme", "xxxxxxxx", "12345678"])
def test_a_placeholder_in_the_dev_config_and_the_code_is_no_leaked_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    connector(tmp_path, {"build/index.js": f"const token = '{value}' // filled at run time\n"})
    write_tree(tmp_path, {NAME: {"COZY_URL": "http://cozy.localhost:8080",
                                 "fields": {"access_token": value}}})
    # kpack check calls the value a placeholder (D007)...
    assert "D007" in codes(lint(tmp_path, NAME, (tmp_path / NAME).read_text()))
    # ...and kpack build does not call it a secret.
    result = kpack(capsys, str(tmp_path))
    assert result.code == 0, result.err
    assert "B006" not in result.err


def test_a_real_value_in_the_code_is_still_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    connector(tmp_path, {"build/index.js": "const token = 'ya29.real-token-value'\n"})
    write_tree(tmp_path, {NAME: {"fields": {"access_token": "ya29.real-token-value"}}})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    assert f"{tmp_path}/build/index.js:1:16: B006 [error]" in result.err


def test_the_b006_path_reads_as_every_other_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Built from inside the build folder with --from .: `index.js`, not `./index.js`.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    connector(tmp_path, {"build/index.js": "const token = 'ya29.real-token-value'\n"},
              icon="missing.svg")
    write_tree(tmp_path, {NAME: {"fields": {"access_token": "ya29.real-token-value"}}})
    monkeypatch.chdir(tmp_path / "build")
    result = kpack(capsys, "--list", "--from", ".", "..")
    lines = [line for line in result.err.splitlines() if " [error] " in line]
    assert any(line.startswith("index.js:1:16: B006 ") for line in lines), result.err
    assert any(line.startswith("manifest.konnector:") for line in lines), result.err
    assert not any(line.startswith("./") for line in lines), result.err


@pytest.mark.parametrize(
    ("fields", "holds"),
    [({}, False), ({"access_token": "<ACCESS_TOKEN>"}, False),
     ({"login": "changeme", "password": "xxxxxxxx", "remember": True}, False),
     ({"login": "alice", "password": "s3cr3t-value"}, True),
     ({"nested": {"token": "ya29.real"}}, True), (None, False)],
)
def test_holds_credentials(fields: object, holds: bool) -> None:
    assert holds_credentials(fields) is holds


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_committed_template_is_not_told_it_holds_live_credentials(tmp_path: Path) -> None:
    # cozy-konnector-libs' visualizer commits a dev config whose `fields` is `{}`.
    git(tmp_path, "init", "-q")
    template = '{\n  "COZY_URL": "http://cozy.localhost:8080",\n  "fields": {}\n}\n'
    write(tmp_path, NAME, template)
    git(tmp_path, "add", NAME)
    assert "D004" not in codes(lint(tmp_path, NAME, template))
    filled = '{\n  "fields": {"login": "alice", "password": "s3cr3t-value"}\n}\n'
    assert "D004" in codes(lint(tmp_path, NAME, filled))
