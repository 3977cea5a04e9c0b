"""`env_fields.json` and `data/env_fields.json` (cozy-konnector-libs v1, 2017: a flat
object of the account's fields read in standalone mode) hold live credentials like
`konnector-dev-config.json`: never bundled, checked like a dev config (issue 12 item 11)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kpack.cli import main
from kpack.load.discover import discover
from tests.bundle.helpers import connector, kpack, write_tree
from tests.helpers import write

FIELDS = {"login": "alice@example.com", "password": "hunter2-but-longer"}


def check_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    capsys.readouterr()
    main(["check", "-o", "json", *argv])
    diagnostics: list[dict[str, object]] = json.loads(capsys.readouterr().out)["diagnostics"]
    return diagnostics


def test_both_places_are_discovered_as_dev_configs(tmp_path: Path) -> None:
    write(tmp_path, "env_fields.json", FIELDS)
    write(tmp_path, "data/env_fields.json", FIELDS)
    write(tmp_path, "data/other.json", {"grant_mode": "secret"})  # data/ stays skipped
    found = {(f.path.relative_to(tmp_path).as_posix(), f.kind.value)
             for f in discover([str(tmp_path)])}
    assert found == {("env_fields.json", "dev-config"), ("data/env_fields.json", "dev-config")}


def test_the_flat_file_is_checked_as_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "data/env_fields.json", {**FIELDS, "access_token": "<ACCESS_TOKEN>"})
    diagnostics = check_json(capsys, str(tmp_path))
    # No "fields is missing" (D001) nor "unknown key" (D008): the object is the fields.
    assert [(d["code"], d["pointer"]) for d in diagnostics] == [("D007", "/access_token")]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_committed_env_fields_json_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, "data/env_fields.json", FIELDS)
    subprocess.run(["git", "-C", str(tmp_path), "add", "data/env_fields.json"], check=True)
    diagnostics = check_json(capsys, str(tmp_path))
    (d,) = [d for d in diagnostics if d["code"] == "D004"]
    assert d["message"] == "env_fields.json is tracked by git: it holds live credentials"
    assert "hunter2" not in json.dumps(diagnostics)


def test_never_bundled_and_its_values_are_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    connector(tmp_path, {"build/env_fields.json": FIELDS, "build/lib/data/env_fields.json": FIELDS})
    result = kpack(capsys, str(tmp_path), "--list")
    assert "- env_fields.json  (legacy dev config (live credentials))" in result.out
    assert "- lib/data/env_fields.json  (legacy dev config (live credentials))" in result.out
    write_tree(tmp_path, {"build/index.js": "login('hunter2-but-longer')\n",
                          "data/env_fields.json": FIELDS})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    assert f"{tmp_path}/build/index.js:1:8: B006 [error]" in result.err
    assert "`password` in" in result.err and "hunter2" not in result.err
