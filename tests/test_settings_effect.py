"""Settings that used to be accepted and then do nothing (issue 20, item 2): `ALL` in
`per-file-ignores` and `severity`, a `package.json` with a byte order mark, `exclude` /
`extend-exclude` / `force-exclude`, and a dev config given under another name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpack.cli import main
from tests.helpers import REPO, pre_commit_env, write

# Three warnings (M003, M004, M005) and nothing else.
WARNED = '{"slug": "demo"}'
SYNTAX_ERROR = '{"slug": "demo",}'  # L003 and the three warnings
DEV_CONFIG = {"COZY_URL": "http://cozy.localhost:8080", "fields": {}}


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    """`kpack check --format json ARGV`: the exit code and the diagnostics."""
    code = main(["check", "--format", "json", *argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)["diagnostics"]


def found(diagnostics: list[dict[str, Any]], root: Path) -> dict[str, list[str]]:
    """File (relative to root) -> its codes."""
    files: dict[str, list[str]] = {}
    for d in diagnostics:
        name = Path(d["file"]).resolve().relative_to(root.resolve()).as_posix()
        files.setdefault(name, []).append(d["code"])
    return files


# --- ALL ---------------------------------------------------------------------------------------


def test_all_in_per_file_ignores_drops_every_finding_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, ".kpack.yaml", 'per-file-ignores:\n  "fixtures/*": [ALL]\n')
    write(tmp_path, "fixtures/old/manifest.konnector", SYNTAX_ERROR)
    write(tmp_path, "src/manifest.konnector", WARNED)
    _, diagnostics = check(capsys, str(tmp_path))
    assert found(diagnostics, tmp_path) == {"src/manifest.konnector": ["M003", "M004", "M005"]}


def test_all_in_ignore_pointers_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, ".kpack.yaml", "ignore-pointers:\n"
          "  - {file: manifest.konnector, pointer: '', codes: [ALL]}\n")
    write(tmp_path, "manifest.konnector", WARNED)
    assert check(capsys, str(tmp_path)) == (0, [])


def test_all_in_severity_applies_to_every_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, ".kpack.yaml", "severity: {ALL: error}\n")
    write(tmp_path, "manifest.konnector", WARNED)
    code, diagnostics = check(capsys, str(tmp_path))
    assert code == 1
    assert {d["severity"] for d in diagnostics} == {"error"}


def test_the_most_specific_severity_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As in selection: a code over a prefix over ALL, whatever the order they are listed."""
    write(tmp_path, ".kpack.yaml", "severity: {M004: error, ALL: info, M00: warning}\n")
    write(tmp_path, "manifest.konnector", SYNTAX_ERROR)
    _, diagnostics = check(capsys, str(tmp_path))
    assert {d["code"]: d["severity"] for d in diagnostics} == {
        "L003": "info", "M003": "warning", "M004": "error", "M005": "warning",
    }


# --- package.json with a byte order mark -------------------------------------------------------


def test_a_package_json_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps({"name": "demo", "kpack": {"ignore": ["M"]}})
    (tmp_path / "package.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    write(tmp_path, "manifest.konnector", WARNED)
    assert check(capsys, str(tmp_path)) == (0, [])


def test_a_kpack_yaml_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".kpack.yaml").write_bytes(b"\xef\xbb\xbfignore: [M]\n")
    write(tmp_path, "manifest.konnector", WARNED)
    assert check(capsys, str(tmp_path)) == (0, [])


# --- exclude, extend-exclude, force-exclude ---------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for folder in ("src", "fixtures/old", "vendor/other", "node_modules/dep", "src/vendor"):
        write(tmp_path, f"{folder}/manifest.konnector", WARNED)
    return tmp_path


def checked(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> list[str]:
    _, diagnostics = check(capsys, *argv)
    return sorted(found(diagnostics, root))


def test_extend_exclude_adds_to_the_defaults(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tree, ".kpack.yaml", "extend-exclude: [fixtures, vendor/other]\n")
    assert checked(capsys, tree, str(tree)) == [
        "src/manifest.konnector", "src/vendor/manifest.konnector",
    ]


def test_exclude_replaces_the_defaults(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tree, ".kpack.yaml", "exclude: [fixtures, '**/vendor']\n")
    assert checked(capsys, tree, str(tree)) == [
        "node_modules/dep/manifest.konnector", "src/manifest.konnector",
    ]


def test_name_globs_match_files_too(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tree, ".kpack.yaml", "extend-exclude: ['*.konnector']\n")
    assert checked(capsys, tree, str(tree)) == []


def test_patterns_are_relative_to_their_settings_file(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tree, "src/.kpack.yaml", "extend-exclude: [vendor/*]\n")  # src/vendor only
    assert checked(capsys, tree, str(tree)) == [
        "fixtures/old/manifest.konnector", "src/manifest.konnector",
        "vendor/other/manifest.konnector",
    ]


def test_what_is_given_by_name_is_checked_unless_force_exclude(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tree, ".kpack.yaml", "extend-exclude: [fixtures]\n")
    given = [str(tree / "fixtures/old/manifest.konnector"), str(tree / "fixtures"),
             str(tree / "src/manifest.konnector")]
    assert checked(capsys, tree, *given) == [
        "fixtures/old/manifest.konnector", "src/manifest.konnector",
    ]
    write(tree, ".kpack.yaml", "extend-exclude: [fixtures]\nforce-exclude: true\n")
    assert checked(capsys, tree, *given) == ["src/manifest.konnector"]


def test_force_exclude_argument_overrides_the_setting(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--force-exclude` / `--no-force-exclude` win over the `force-exclude` setting."""
    write(tree, ".kpack.yaml", "extend-exclude: [fixtures]\n")
    given = str(tree / "fixtures/old/manifest.konnector")
    assert checked(capsys, tree, given) == ["fixtures/old/manifest.konnector"]
    assert checked(capsys, tree, "--force-exclude", given) == []
    write(tree, ".kpack.yaml", "extend-exclude: [fixtures]\nforce-exclude: true\n")
    assert checked(capsys, tree, given) == []
    assert checked(capsys, tree, "--no-force-exclude", given) == [
        "fixtures/old/manifest.konnector"
    ]


@pytest.mark.parametrize("value", ["fixtures", "[1]", "yes please"])
def test_exclude_settings_are_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    key = "force-exclude" if value == "yes please" else "extend-exclude"
    write(tmp_path, ".kpack.yaml", f"{key}: {value}\n")
    write(tmp_path, "manifest.konnector", WARNED)
    assert main(["check", str(tmp_path)]) == 2
    assert f".kpack.yaml: {key} must be" in capsys.readouterr().err


@pytest.mark.slow
def test_pre_commit_leaves_out_what_force_exclude_excludes(tmp_path: Path) -> None:
    """The real pre-commit, which passes every staged file by name (the README's local hook:
    this environment's kpack)."""
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("git") is None or shutil.which("kpack", path=bin_dir) is None:
        pytest.skip("needs git and the kpack entry point next to this Python")
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = {key: value for key, value in hooks[0].items() if key != "description"}
    repo = tmp_path / "repo"
    write(repo, ".pre-commit-config.yaml", yaml.safe_dump(
        {"repos": [{"repo": "local", "hooks": [{**hook, "language": "system"}]}]}
    ))
    write(repo, "src/manifest.konnector", json.dumps({
        "type": "konnector", "slug": "good-konnector", "name": "Good", "version": "1.0.0",
        "editor": "Cozy", "language": "node", "permissions": {},
    }))
    write(repo, "fixtures/broken/manifest.konnector", SYNTAX_ERROR)
    env = {**pre_commit_env(tmp_path / "home"), "PATH": bin_dir + os.pathsep + os.environ["PATH"]}

    def pre_commit() -> subprocess.CompletedProcess[str]:
        subprocess.run(["git", "add", "."], cwd=repo, env=env, check=True)
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=env,
            capture_output=True, text=True, check=False, timeout=300,
        )

    subprocess.run(["git", "init", "-q"], cwd=repo, env=env, check=True)
    write(repo, ".kpack.yaml", "extend-exclude: [fixtures]\n")
    failed = pre_commit()  # given by name: checked
    assert failed.returncode == 1 and "fixtures/broken" in failed.stdout, failed.stdout
    write(repo, ".kpack.yaml", "extend-exclude: [fixtures]\nforce-exclude: true\n")
    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr


# --- a dev config under another name ---------------------------------------------------------


def test_a_dev_config_given_under_another_name_is_checked_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = write(tmp_path, "konnector-dev-config.demo.json", '{"COZY_URL": "x", "fields": {},}')
    manifest = write(tmp_path, "manifest.konnector", WARNED)
    code, diagnostics = check(capsys, str(demo), str(manifest))
    assert code == 1
    kinds = {(Path(d["file"]).name, d["kind"]) for d in diagnostics}
    assert ("konnector-dev-config.demo.json", "dev-config") in kinds
    assert ("manifest.konnector", "manifest") in kinds


def test_a_walk_does_not_pick_up_dev_configs_under_other_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "konnector-dev-config.example.json", DEV_CONFIG)
    write(tmp_path, "manifest.konnector", WARNED)
    _, diagnostics = check(capsys, str(tmp_path))
    assert {Path(d["file"]).name for d in diagnostics} == {"manifest.konnector"}


@pytest.mark.parametrize("name", ["konnector-dev-config.demo.txt", "my-dev-config.json"])
def test_other_unknown_names_are_still_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = write(tmp_path, name, DEV_CONFIG)
    assert main(["check", str(path)]) == 2
    assert "cannot tell what kind of file this is" in capsys.readouterr().err


# --- settings are found per file (what the README says) ----------------------------------------


def test_each_file_gets_its_nearest_settings_and_config_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a/.kpack.yaml", "ignore: [M004]\n")
    write(tmp_path, "a/manifest.konnector", WARNED)
    write(tmp_path, "b/package.json", {"name": "b", "kpack": {"ignore": ["M005"]}})
    write(tmp_path, "b/manifest.konnector", WARNED)
    write(tmp_path, "c/manifest.konnector", WARNED)
    _, diagnostics = check(capsys, str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "c"))
    assert found(diagnostics, tmp_path) == {
        "a/manifest.konnector": ["M003", "M005"],
        "b/manifest.konnector": ["M003", "M004"],
        "c/manifest.konnector": ["M003", "M004", "M005"],
    }
    config = write(tmp_path, "all.yaml", "ignore: [M003]\n")
    _, diagnostics = check(capsys, "--config", str(config), str(tmp_path))
    assert set(map(tuple, found(diagnostics, tmp_path).values())) == {("M004", "M005")}
