"""The `kpack-fix` hook of .pre-commit-hooks.yaml, run by the real `pre-commit try-repo`.

Like ruff's hook with `--fix`: it repairs the files, and the run fails when it changed
something, so the user reviews and stages the changes; the next run passes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import REPO, pre_commit_env

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"

MANIFEST = {
    "type": "konnector", "slug": "fixable", "name": "Fixable", "version": "1.0.0",
    "editor": "Cozy", "language": "node",
    "permissions": {"files": {"type": "io.cozy.files"}},
}


def hooks() -> dict[str, dict[str, object]]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))}


def test_kpack_fix_hook_fixes_and_fails_on_change() -> None:
    found = hooks()["kpack-fix"]
    assert found["entry"] == "kpack check --fix --exit-non-zero-on-fix"
    assert found["files"] == hooks()["kpack-check"]["files"]
    assert found["require_serial"] is True
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.slow
def test_try_repo_kpack_fix_repairs_then_passes(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("try-repo needs git and this repository as a git clone")
    repo = tmp_path / "user-repo"
    repo.mkdir()
    text = json.dumps({**MANIFEST, "ClientSide": True}, indent=2)
    manifest = repo / "manifest.konnector"
    manifest.write_text(text[:-2] + ",\n}\n")  # and a trailing comma
    (repo / "README.md").write_text("not checked\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    env = pre_commit_env(tmp_path / "pre-commit-home")

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "kpack-fix",
             "--verbose", "--all-files"],
            cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=900,
        )

    first = try_repo()
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "Failed" in output and "files were modified by this hook" in output, output
    assert "Fixed 2 findings." in output, output
    fixed = manifest.read_text()
    assert fixed == json.dumps({**MANIFEST, "clientSide": True}, indent=2) + "\n"
    git(repo, "add", ".")
    second = try_repo()
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    assert "Passed" in output, output
    assert manifest.read_text() == fixed


def documented_config(text: str) -> dict[str, Any]:
    """The `.pre-commit-config.yaml` a document shows for this repository."""
    import re

    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]
    (config,) = [
        b for b in blocks if isinstance(b, dict)
        and any(r.get("repo") == "https://github.com/kpack-dev/kpack" for r in b.get("repos", []))
    ]
    return dict(config)


@pytest.mark.parametrize("document", ["README.md", "docs/fix.md"])
def test_the_documents_recommend_one_kpack_hook(document: str) -> None:
    """Two kpack hooks check the same files twice: every finding printed twice."""
    config = documented_config((REPO / document).read_text(encoding="utf-8"))
    (remote,) = config["repos"]
    assert [h["id"] for h in remote["hooks"]] == ["kpack-check"]


@pytest.mark.slow
def test_the_documented_setup_fixes_and_reports_once(tmp_path: Path) -> None:
    """docs/fix.md's configuration, run by the real pre-commit against this repository's
    HEAD (pre-commit clones it and installs kpack from it)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and this repository as a git clone")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout.strip()
    config = documented_config((REPO / "docs" / "fix.md").read_text(encoding="utf-8"))
    (remote,) = config["repos"]
    remote.update(repo=str(REPO), rev=head)
    repo = tmp_path / "user-repo"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    text = json.dumps({**MANIFEST, "slug": "Bad_Slug", "ClientSide": True}, indent=2)
    manifest = repo / "manifest.konnector"
    manifest.write_text(text[:-2] + ",\n}\n")  # a trailing comma, fixable too
    git(repo, "init", "-q")
    git(repo, "add", ".")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo,
        env=pre_commit_env(tmp_path / "pre-commit-home"), capture_output=True, text=True,
        check=False, timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert output.count("Failed") == 1, output
    assert "files were modified by this hook" in output, output
    assert output.count("M002") == 1, output  # the slug: reported once, not fixable
    assert '"clientSide": true' in manifest.read_text()
