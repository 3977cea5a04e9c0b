"""Versions, the changelog, the release script, and the README's pre-commit snippets run by
the real pre-commit (the `local` one: the kpack of this environment)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpack import __version__, project
from tests.helpers import GIT_IDENTITY, REPO, pre_commit_env

README = REPO / "README.md"
CHANGELOG = REPO / "CHANGELOG.md"
HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?"


def readme_yaml_blocks() -> list[Any]:
    text = README.read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def pre_commit_snippet(repo: str) -> dict[str, Any]:
    """The README's `.pre-commit-config.yaml` whose repository is `repo` ("local" or a URL)."""
    found = [
        block for block in readme_yaml_blocks()
        if isinstance(block, dict) and any(r.get("repo") == repo for r in block.get("repos", []))
    ]
    assert len(found) == 1, f"README: one pre-commit snippet with repo {repo!r}"
    return dict(found[0])


def hook_manifest() -> dict[str, Any]:
    (hook,) = [h for h in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
               if h["id"] == "kpack-check"]
    return dict(hook)


# --- one version, said everywhere -----------------------------------------------------------


def test_the_version_is_semantic_and_the_same_everywhere() -> None:
    assert re.fullmatch(SEMVER, __version__)
    assert metadata.version(project.DISTRIBUTION) == __version__
    (remote,) = pre_commit_snippet(project.REPOSITORY)["repos"]
    assert remote["rev"] == project.tag() == f"v{__version__}"


def test_the_readme_snippet_names_the_real_repository_and_hook() -> None:
    (remote,) = pre_commit_snippet(project.REPOSITORY)["repos"]
    assert "<" not in remote["repo"]
    assert [h["id"] for h in remote["hooks"]] == ["kpack-check"]
    assert "<you>" not in README.read_text(encoding="utf-8")


def test_the_changelog_has_a_section_for_this_version() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    heading = re.search(rf"^## \[{re.escape(__version__)}\] - (\S+)$", text, re.MULTILINE)
    assert heading, f"CHANGELOG.md: no section for {__version__}"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|Unreleased", heading.group(1))
    link = f"[{__version__}]: {project.REPOSITORY}/releases/tag/v{__version__}"
    assert link in text


def test_the_local_snippet_runs_the_same_hook_as_the_hook_manifest() -> None:
    (local,) = pre_commit_snippet("local")["repos"]
    (hook,) = local["hooks"]
    manifest = hook_manifest()
    assert hook["id"] == manifest["id"]
    assert hook["entry"] == manifest["entry"]
    assert hook["files"] == manifest["files"]
    assert hook["require_serial"] is manifest["require_serial"] is True


# --- scripts/release.sh in a scratch repository ------------------------------------------------


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, **GIT_IDENTITY},
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The files release.sh reads, as they are now, committed in a fresh repository, with
    the changelog section dated as step 2 of docs/releasing.md says."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "kpack"
    for name in ("pyproject.toml", "kpack/__init__.py", "README.md", "CHANGELOG.md",
                 "scripts/release.sh"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    changelog = root / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text(encoding="utf-8").replace(
            f"## [{__version__}] - Unreleased", f"## [{__version__}] - 2026-12-01"
        ),
        encoding="utf-8",
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", f"Release {__version__}")
    return root


def release(root: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """scripts/release.sh ARGS, with this Python running `-m build`."""
    return subprocess.run(
        ["bash", str(root / "scripts" / "release.sh"), *args], cwd=root,
        capture_output=True, text=True, check=False, timeout=timeout,
        env={**os.environ, **GIT_IDENTITY, "PYTHON": sys.executable},
    )


def test_release_creates_the_tag_the_snippet_names(scratch: Path) -> None:
    result = release(scratch, "--no-build")
    assert result.returncode == 0, result.stderr
    tag = project.tag()
    assert git(scratch, "tag", "--list").stdout.split() == [tag]
    assert git(scratch, "cat-file", "-t", tag).stdout.strip() == "tag"  # annotated
    assert git(scratch, "rev-list", "-n", "1", tag).stdout == git(
        scratch, "rev-parse", "HEAD"
    ).stdout
    again = release(scratch, "--no-build")
    assert again.returncode == 1
    assert "exists already" in again.stderr


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("CHANGELOG.md", "- 2026-12-01", "- Unreleased", "no dated section"),
        ("kpack/__init__.py", f'"{__version__}"', '"9.9.9"', "kpack/__init__.py says 9.9.9"),
        ("README.md", f"rev: v{__version__}", "rev: main", "does not say rev"),
        ("pyproject.toml", f'version = "{__version__}"', 'version = "1.0"', "not X.Y.Z"),
    ],
)
def test_release_refuses_what_disagrees(
    scratch: Path, file: str, old: str, new: str, message: str
) -> None:
    path = scratch / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    git(scratch, "commit", "-q", "-am", "break it")
    result = release(scratch, "--no-build")
    assert result.returncode == 1
    assert message in result.stderr
    assert git(scratch, "tag", "--list").stdout == ""


def test_a_dry_run_checks_and_creates_nothing(scratch: Path) -> None:
    result = release(scratch, "--dry-run", "--no-build")
    assert result.returncode == 0, result.stderr
    assert f"would tag {project.tag()}" in result.stdout
    assert git(scratch, "tag", "--list").stdout == ""
    assert not (scratch / "dist").exists()
    with (scratch / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("edited\n")
    dirty = release(scratch, "--dry-run", "--no-build")
    assert dirty.returncode == 1
    assert "uncommitted changes" in dirty.stderr


def test_release_rejects_an_unknown_option(scratch: Path) -> None:
    result = release(scratch, "--dryrun")
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """Every tracked file of this repository as it is now, committed in a fresh repository,
    the changelog dated: what release.sh builds from."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and this repository as a git clone")
    root = tmp_path / "kpack"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    changelog = root / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace(
        f"## [{__version__}] - Unreleased", f"## [{__version__}] - 2026-12-01"
    ), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", f"Release {__version__}")
    return root


@pytest.mark.slow
def test_release_builds_the_sdist_and_the_wheel(source: Path) -> None:
    import tarfile
    import zipfile

    sdist, wheel = f"cozy_kpack-{__version__}.tar.gz", f"cozy_kpack-{__version__}-py3-none-any.whl"
    rehearsal = release(source, "--dry-run", timeout=900)
    assert rehearsal.returncode == 0, rehearsal.stdout + rehearsal.stderr
    assert f"built {sdist}" in rehearsal.stdout and f"built {wheel}" in rehearsal.stdout
    assert git(source, "tag", "--list").stdout == ""
    assert not (source / "dist").exists()

    result = release(source, "--no-build", "--dry-run")  # checks only: still no tag
    assert result.returncode == 0 and git(source, "tag", "--list").stdout == ""
    result = release(source, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(source, "tag", "--list").stdout.split() == [project.tag()]
    assert sorted(p.name for p in (source / "dist").iterdir()) == sorted([sdist, wheel])
    with tarfile.open(source / "dist" / sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "kpack/py.typed",
            "kpack/data/schemas/manifest.schema.json"} <= names, sorted(names)
    with zipfile.ZipFile(source / "dist" / wheel) as archive:
        assert "kpack/data/schemas/dev-config.schema.json" in archive.namelist()


def test_release_refuses_a_dirty_tree(scratch: Path) -> None:
    with (scratch / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("edited\n")
    result = release(scratch, "--no-build")
    assert result.returncode == 1
    assert "uncommitted changes" in result.stderr


# --- the README's local snippet, run by the real pre-commit --------------------------------------


MANIFEST = {"type": "konnector", "slug": "good-konnector", "name": "Good", "version": "1.0.0",
            "editor": "Cozy", "language": "node", "permissions": {}}


def run_pre_commit(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("kpack", path=bin_dir) is None:
        pytest.skip("the kpack entry point is not installed next to this Python")
    env = {
        **pre_commit_env(home), "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"], cwd=repo,
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )


def test_the_readme_local_snippet_runs_kpack_under_pre_commit(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "connectors"
    (repo / "good").mkdir(parents=True)
    (repo / "good" / "manifest.konnector").write_text(json.dumps(MANIFEST), encoding="utf-8")
    (repo / "notes.json").write_text("{not json", encoding="utf-8")  # not a kpack file
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(pre_commit_snippet("local")), encoding="utf-8"
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    passed = run_pre_commit(repo, tmp_path / "home")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"kpack check\.+Passed", passed.stdout), passed.stdout

    bad = {**MANIFEST, "slug": "Bad_Slug", "clientSide": "yes"}
    (repo / "bad").mkdir()
    (repo / "bad" / "manifest.konnector").write_text(json.dumps(bad), encoding="utf-8")
    git(repo, "add", ".")
    failed = run_pre_commit(repo, tmp_path / "home")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"kpack check\.+Failed", failed.stdout), failed.stdout
    assert "bad/manifest.konnector:" in failed.stdout
    assert "good/manifest.konnector:" not in failed.stdout
    assert "notes.json" not in failed.stdout
