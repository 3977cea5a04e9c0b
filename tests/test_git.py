"""kpack.git against real temporary repositories (skipped where git is not installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kpack import spawn
from kpack.git import GitState, find_work_tree, git_states, ignored_files, tracked_files

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run_git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh work tree: `.gitignore` ignores `secret.json`; `tracked.json` is added."""
    root = tmp_path / "repo"
    root.mkdir()
    run_git(root, "init", "-q")
    (root / ".gitignore").write_text("secret.json\n")
    for name in ("secret.json", "tracked.json", "loose.json"):
        (root / name).write_text("{}")
    run_git(root, "add", "tracked.json")
    return root


def test_find_work_tree_is_the_nearest_folder_with_dot_git(tmp_path: Path) -> None:
    (tmp_path / "a" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "b" / ".git").write_text("gitdir: elsewhere\n")  # a submodule / worktree
    assert find_work_tree(tmp_path / "a" / "b" / "c" / "f.json") == tmp_path / "a" / "b"
    assert find_work_tree(tmp_path / "a" / "f.json") == tmp_path / "a"


@needs_git
def test_tracked_ignored_and_loose_files(repo: Path) -> None:
    states = git_states([repo / "tracked.json", repo / "secret.json", repo / "loose.json"])
    assert states == {
        repo / "tracked.json": GitState(repo, tracked=True, ignored=False),
        repo / "secret.json": GitState(repo, tracked=False, ignored=True),
        repo / "loose.json": GitState(repo, tracked=False, ignored=False),
    }


@needs_git
def test_a_tracked_file_that_an_ignore_rule_matches_is_tracked(repo: Path) -> None:
    run_git(repo, "add", "-f", "secret.json")
    # check-ignore is asked about it too (at the same time as ls-files): it leaves it out.
    assert git_states([repo / "secret.json"])[repo / "secret.json"] == GitState(
        repo, tracked=True, ignored=False
    )


@needs_git
def test_files_in_subfolders_and_relative_paths(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "sub").mkdir()
    (repo / "sub" / "secret.json").write_text("{}")  # `secret.json` in .gitignore matches anywhere
    monkeypatch.chdir(repo / "sub")
    states = git_states([Path("secret.json"), Path("../tracked.json")])
    assert states[Path("secret.json")] == GitState(repo, tracked=False, ignored=True)
    assert states[Path("../tracked.json")].tracked


@needs_git
def test_names_are_literal_not_globs(repo: Path) -> None:
    (repo / "[ab].json").write_text("{}")
    (repo / "a.json").write_text("{}")
    run_git(repo, "add", "a.json")
    # As a glob, "[ab].json" would match the tracked "a.json".
    assert git_states([repo / "[ab].json"])[repo / "[ab].json"].tracked is False


@needs_git
def test_a_symlinked_folder_still_finds_the_repository(repo: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(repo, target_is_directory=True)
    assert git_states([link / "tracked.json"])[link / "tracked.json"].tracked


@needs_git
def test_one_ls_files_and_one_check_ignore_per_repository(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    run_git(other, "init", "-q")
    (other / "x.json").write_text("{}")
    calls: list[list[str]] = []
    monkeypatch.setattr("kpack.git.start", counting_start(calls))
    paths = [repo / "tracked.json", repo / "secret.json", repo / "loose.json", other / "x.json"]
    states = git_states(paths)
    assert set(states) == set(paths)
    commands = sorted(
        next(a for a in args[args.index("-C") + 2 :] if not a.startswith("--")) for args in calls
    )
    assert commands == ["check-ignore", "check-ignore", "ls-files", "ls-files"]


def counting_start(calls: list[list[str]]) -> Any:
    def counting(args: list[str], env: Any) -> Any:
        calls.append(args)
        return spawn.start(args, env)

    return counting


@needs_git
def test_both_questions_run_at_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_communicate = spawn.Child.communicate
    running_at_first_answer: list[int] = []

    def communicate(self: spawn.Child, *args: Any, **kwargs: Any) -> Any:
        if not running_at_first_answer:
            running_at_first_answer.append(len(calls))
        return real_communicate(self, *args, **kwargs)

    monkeypatch.setattr(spawn.Child, "communicate", communicate)
    monkeypatch.setattr("kpack.git.start", counting_start(calls))
    git_states([repo / "tracked.json", repo / "loose.json"])
    assert running_at_first_answer == [2] and len(calls) == 2


def test_outside_any_work_tree_git_is_not_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f.json").write_text("{}")
    if find_work_tree(tmp_path / "f.json") is not None:
        pytest.skip("the temporary folder lies inside a git work tree")

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("git must not run outside a work tree")

    monkeypatch.setattr("kpack.git.start", fail)
    assert git_states([tmp_path / "f.json"]) == {}


@needs_git
def test_a_stray_dot_git_that_is_no_repository_gives_no_answer(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "f.json").write_text("{}")
    assert git_states([tmp_path / "f.json"]) == {}
    assert tracked_files(tmp_path, ["f.json"]) is None


def test_git_not_installed_gives_no_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "f.json").write_text("{}")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `git` anywhere on the PATH
    assert git_states([tmp_path / "f.json"]) == {}
    assert ignored_files(tmp_path, ["f.json"]) is None


@needs_git
def test_a_hook_environment_does_not_redirect_the_question(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside a git hook GIT_DIR / GIT_INDEX_FILE name the hook's repository.
    other = tmp_path / "other"
    other.mkdir()
    run_git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert git_states([repo / "tracked.json"])[repo / "tracked.json"].tracked
    assert os.environ["GIT_DIR"] == str(other / ".git")


# -- a checked folder's .git/config runs no program (issue 18, item 10) ----------------------


def _planted_repository(tmp_path: Path) -> tuple[Path, Path]:
    """A connector in a repository whose .git/config names programs: an fsmonitor hook (run
    by ls-files and check-ignore) and a gpg.program with log.showSignature (run by `git log`
    on a signed commit). Each program creates the marker."""
    root = tmp_path / "connector"
    marker = tmp_path / "marker"
    program = tmp_path / "planted.sh"
    program.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\nexit 1\n")
    program.chmod(0o755)
    from tests.bundle.helpers import connector

    connector(root)
    (root / "konnector-dev-config.json").write_text('{"fields": {"password": "pw-123456"}}')
    run_git(root, "init", "-q")
    run_git(root, "add", ".")
    tree = subprocess.run(["git", "-C", str(root), "write-tree"], check=True,
                          capture_output=True, text=True).stdout.strip()
    signed = (f"tree {tree}\nauthor a <a@b> 1600000000 +0000\n"
              "committer a <a@b> 1600000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n"
              " \n abc\n -----END PGP SIGNATURE-----\n\nsigned\n")
    commit = subprocess.run(["git", "-C", str(root), "hash-object", "-t", "commit", "-w",
                             "--stdin"], input=signed, check=True, capture_output=True,
                            text=True).stdout.strip()
    run_git(root, "update-ref", "HEAD", commit)
    for key, value in (("core.fsmonitor", str(program)), ("log.showSignature", "true"),
                       ("gpg.program", str(program)), ("core.hooksPath", str(tmp_path)),
                       ("core.pager", str(program))):
        run_git(root, "config", key, value)
    # The control: plain git runs the planted programs (so the test can see them).
    subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True)
    subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"], capture_output=True)
    assert marker.read_text().count("\n") >= 2, "the planted programs did not run"
    marker.unlink()
    return root, marker


@needs_git
def test_a_checked_folders_git_config_runs_no_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kpack.cli import main

    root, marker = _planted_repository(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # so that build runs `git log`
    # check: ls-files and check-ignore for the dev config (D004 / D005 need git's answer).
    code = main(["check", str(root)])
    out = capsys.readouterr().out
    assert code == 0 and "D004" in out and "tracked by git" in out
    # build: `git log` for the entries' mtime, check-ignore for the dist/ hint.
    code = main(["build", str(root), "--list"])
    assert code == 0, capsys.readouterr().err
    code = main(["build", str(root)])
    out, err = capsys.readouterr()
    assert code == 0 and "mtime 1600000000 (last git commit)" in out, err
    assert "hint: git does not ignore" in err
    assert not marker.exists(), marker.read_text()


def test_every_git_command_line_neutralises_the_repositorys_programs() -> None:
    from kpack.git import git_argv, git_env

    argv = git_argv("/repo", ["status"])
    settings = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "-c")
    assert argv[0] == "git" and argv[-1] == "status"
    assert {k: settings.get(k) for k in ("core.fsmonitor", "core.hooksPath",
                                         "log.showSignature")} == {
        "core.fsmonitor": "false", "core.hooksPath": "/dev/null", "log.showSignature": "false"}
    env = git_env()
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and "GIT_EXTERNAL_DIFF" not in env
