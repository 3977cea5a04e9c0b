"""The `kpack-check` hook of .pre-commit-hooks.yaml, run by the real `pre-commit try-repo`.

try-repo clones this repository (HEAD plus uncommitted changes to tracked files), installs
kpack into a fresh virtualenv from its dependencies and runs the hook in a temporary git
repository: this is what a user of the hook gets. It needs git and PyPI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO, pre_commit_env

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"

GOOD_MANIFEST = {
    "type": "konnector", "slug": "good-konnector", "name": "Good", "version": "1.0.0",
    "editor": "Cozy", "language": "node",
    "permissions": {"files": {"type": "io.cozy.files"}},
}
BAD_MANIFEST = {**GOOD_MANIFEST, "slug": "Bad_Konnector", "clientSide": "yes"}


def hook() -> dict[str, object]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    (found,) = [h for h in hooks if h["id"] == "kpack-check"]
    return dict(found)


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_runs_kpack_check_serially_on_the_three_kinds() -> None:
    found = hook()
    assert found["entry"] == "kpack check"
    assert found["language"] == "python"
    assert found["require_serial"] is True
    assert "minimum_pre_commit_version" in found


@pytest.mark.parametrize(
    ("path", "matched"),
    [
        ("manifest.konnector", True),
        ("konnectors/foo/manifest.konnector", True),
        ("konnector-dev-config.json", True),
        ("env_fields.json", True),
        ("data/env_fields.json", True),
        ("env_fields.json.template", False),
        ("account-types-def.json", True),
        ("secrets/google.account-type.json", True),
        ("deploy/Account_Types.yml", True),
        ("prod-account-type.yaml", True),
        ("old.manifest.konnector", False),
        ("manifest.konnector.bak", False),
        ("package.json", False),
        ("account-type.txt", False),
        ("src/index.js", False),
    ],
)
def test_files_pattern_matches_the_names_kpack_discovers(path: str, matched: bool) -> None:
    from kpack.load.discover import kind_by_name

    pattern = re.compile(str(hook()["files"]))
    # pre-commit searches the pattern in the path relative to the repository root.
    assert bool(pattern.search(path)) is matched
    assert (kind_by_name(Path(path)) is not None) is matched


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A user's connector repository: a good and a bad connector, staged."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "user-repo"
    for name, manifest in (("good", GOOD_MANIFEST), ("bad", BAD_MANIFEST)):
        folder = repo / name
        folder.mkdir(parents=True)
        (folder / "manifest.konnector").write_text(json.dumps(manifest, indent=2) + "\n")
    (repo / "README.md").write_text("not checked\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    return repo


def try_repo(
    user_repo: Path, tmp_path: Path, *files: str, staged: bool = False
) -> subprocess.CompletedProcess[str]:
    env = pre_commit_env(tmp_path / "pre-commit-home")
    # Neither --files nor --all-files: pre-commit's own default, the staged files.
    selection = [] if staged else ["--files", *files] if files else ["--all-files"]
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "kpack-check",
         "--verbose", *selection],
        cwd=user_repo, env=env, capture_output=True, text=True, check=False, timeout=900,
    )


@pytest.mark.slow
def test_try_repo_fails_on_the_bad_manifest_and_passes_the_good_one(
    user_repo: Path, tmp_path: Path
) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("try-repo needs this repository to be a git clone")
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", HOOKS_FILE.name], cwd=REPO,
        capture_output=True, check=False,
    )
    # try-repo takes HEAD plus changes to tracked files: an untracked manifest is unseen.
    assert tracked.returncode == 0, f"git add {HOOKS_FILE.name}: try-repo only sees tracked files"
    # One install (try-repo's store is temporary): every file in one serial run.
    result = try_repo(user_repo, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"kpack check.*Failed", output), output
    bad_lines = [line for line in output.splitlines() if line.startswith("bad/manifest.konnector:")]
    assert bad_lines, output
    assert any("M0" in line and "error" in line for line in bad_lines), output
    # Both manifests went to one serial run; the good one is reported on no line.
    assert re.search(r"\b2 files\b", output), output
    assert "good/manifest.konnector:" not in output, output


OAUTH_MANIFEST = {**GOOD_MANIFEST, "slug": "demo", "oauth": {"scope": ["read"]}}
DEMO_ACCOUNT_TYPE = {
    "_id": "demo", "grant_mode": "authorization_code", "client_id": "$DEMO_CLIENT_ID",
    "client_secret": "$DEMO_CLIENT_SECRET", "auth_endpoint": "https://auth.example.com/authorize",
    "token_endpoint": "https://auth.example.com/token",
    "unknown_member": "an old finding of a file that does not change",
}


@pytest.mark.slow
def test_a_partial_commit_is_checked_against_the_connectors_other_files(
    tmp_path: Path
) -> None:
    """Issue 12 item 18: only manifest.konnector is staged (its `oauth.account_type`
    changed); pre-commit hands kpack that one file, and the hook still fails on X001
    against the account type on disk, without reporting that file's own old findings."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("try-repo needs this repository to be a git clone")
    repo = tmp_path / "connector"
    repo.mkdir()
    (repo / "manifest.konnector").write_text(json.dumps(OAUTH_MANIFEST, indent=2) + "\n")
    (repo / "account-types.json").write_text(json.dumps(DEMO_ACCOUNT_TYPE, indent=2) + "\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=kpack tests", "-c", "user.email=tests@example.invalid",
        "commit", "-q", "-m", "a connector and its account type")
    renamed = {**OAUTH_MANIFEST, "oauth": {"scope": ["read"], "account_type": "renamed"}}
    (repo / "manifest.konnector").write_text(json.dumps(renamed, indent=2) + "\n")
    git(repo, "add", "manifest.konnector")  # the partial commit: the manifest alone
    result = try_repo(repo, tmp_path, staged=True)  # pre-commit passes the staged files
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"kpack check.*Failed", output), output
    assert re.search(r"^account-types\.json:\d+:\d+: X001 \[error\]", output, re.M), output
    assert "A007" not in output, output  # the unchanged account type's own finding
    assert re.search(r"\b1 file\b", output), output
