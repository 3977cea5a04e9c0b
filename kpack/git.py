"""Ask git whether files are tracked or ignored: batched, quiet, never fatal.

kpack warns when a file holding live credentials (`konnector-dev-config.json`) is committed
or one `git add .` away from it. The answers come from git itself (so every `.gitignore`,
`.git/info/exclude` and `core.excludesFile` counts), asked once per repository per run:
one `git ls-files` and one `git check-ignore --stdin`, whatever the number of files.

Without git, outside a work tree, or when git refuses (e.g. "dubious ownership"), the
answer is simply "unknown" (no entry in the result): a linter must not fail on that.

The folders kpack checks are not kpack's: their `.git/config` may name programs for git to
run (`core.fsmonitor` runs one for `ls-files` and `check-ignore`, `gpg.program` one for
`log` with `log.showSignature`). Every git kpack starts goes through `git_argv` and
`git_env`, which switch those off on the command line (it wins over every config file), as
security-conscious tools that run git in untrusted checkouts do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kpack.realpath import nearest, string_resolver
from kpack.spawn import start

if TYPE_CHECKING:
    from kpack.spawn import Started

GIT_TIMEOUT_SECONDS = 20

# Variables that tie a git process to one particular repository (`git rev-parse
# --local-env-vars`). A git hook (pre-commit) sets some of them; kpack asks about the
# repository holding each file, so they must not redirect the question elsewhere.
_REPOSITORY_ENV_VARS = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_OBJECT_DIRECTORY", "GIT_DIR",
    "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR", "GIT_INTERNAL_SUPER_PREFIX",
)


# `-c` settings that win over the repository's config: no program named by the checked
# folder runs. fsmonitor is a program or a hook; hooks, pagers, external diff and textconv
# drivers, signature checks (gpg.program) and automatic maintenance all run programs.
SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "diff.external=",
    "log.showSignature=false",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "gc.auto=0",
    "maintenance.auto=false",
)
# Programs or settings the environment could name for git.
_UNSAFE_ENV_VARS = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER", "PAGER", "GIT_ASKPASS",
                    "SSH_ASKPASS", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EDITOR")


def git_argv(work_tree: Path | str, args: Sequence[str], program: str = "git") -> list[str]:
    """The command line of `git ARGS` run in `work_tree`, with SAFE_CONFIG and no pager."""
    safe = [item for setting in SAFE_CONFIG for item in ("-c", setting)]
    return [program, "--no-pager", *safe, "-C", str(work_tree), *args]


def git_env() -> dict[str, str]:
    """The environment for git: no system config, no prompt, no program from the
    environment, and nothing that ties git to another repository (a hook's GIT_DIR)."""
    drop = (*_REPOSITORY_ENV_VARS, *_UNSAFE_ENV_VARS)
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat",
               GIT_OPTIONAL_LOCKS="0")  # a linter must not take the index lock
    return env


class GitState(NamedTuple):
    """What git says about one file of a work tree."""

    work_tree: Path
    tracked: bool  # in the index: committed or about to be
    ignored: bool  # matched by an ignore rule (git never reports tracked files as ignored)


def find_work_tree(path: Path) -> Path | None:
    """The top of the git work tree holding `path`, by looking for `.git` upwards.

    `.git` may be a directory or a file (worktrees, submodules); the nearest one wins,
    so a file in a submodule belongs to the submodule. Git confirms it later: a stray
    `.git` that is not a repository yields no answer, not an error.
    """
    tree = _tree_of(str(_absolute(path).parent), {})
    return None if tree is None else Path(tree)


def _tree_of(directory: str, known: dict[str, str | None]) -> str | None:
    """`find_work_tree` of a resolved folder (strings: this runs for every folder of a
    monorepo); `known` remembers the answer of each folder visited."""
    return nearest(directory, _holds_dot_git, known)


def _holds_dot_git(folder: str) -> str | None:
    return folder if os.path.lexists(os.path.join(folder, ".git")) else None


def git_states(
    paths: Iterable[Path], folders: Mapping[Path, str] | None = None
) -> dict[Path, GitState]:
    """Tracked / ignored state of each path that lies in a git work tree git can read.

    Keys are the paths as given. Paths outside any work tree, or in one git cannot
    answer for (git missing, not a repository, timeout), are absent from the result.
    `folders`: the resolved folder of paths whose folder discovery already resolved.
    """
    folders = folders or {}
    by_tree: dict[str, dict[str, Path]] = {}
    real = string_resolver()  # each folder resolved once, not each file
    trees: dict[str, str | None] = {}
    for path in paths:
        name = path.name
        folder = folders.get(path) or real(os.path.dirname(os.path.abspath(path)))
        tree = _tree_of(folder, trees)
        if tree is None:
            continue
        # `tree` is `folder` or one of its ancestors: what follows it is the relative path.
        inside = folder[len(tree) :].lstrip(os.sep)
        relative = os.path.join(inside, name).replace(os.sep, "/")
        by_tree.setdefault(tree, {})[relative] = path
    states: dict[Path, GitState] = {}
    for top, files in by_tree.items():
        work_tree = Path(top)
        relatives = sorted(files)
        # Both questions at once, on two processes: tracked files are never reported as
        # ignored, so check-ignore may be asked about every file, not only untracked ones.
        asking_tracked = _start_git(work_tree, _tracked_args(relatives))
        try:
            ignored = ignored_files(work_tree, relatives)
        finally:  # an interrupted run leaves no git behind
            tracked = None if asking_tracked is None else _answer(asking_tracked)
        if tracked is None or ignored is None:
            continue
        for relative in relatives:
            states[files[relative]] = GitState(work_tree, relative in tracked, relative in ignored)
    return states


def tracked_files(work_tree: Path, relatives: Sequence[str]) -> set[str] | None:
    """Which of `relatives` (POSIX paths from the work tree's top) are in the index."""
    process = _start_git(work_tree, _tracked_args(relatives))
    return None if process is None else _answer(process)


def _tracked_args(relatives: Sequence[str]) -> list[str]:
    # File names are literal paths, never globs ("[1].json" is a legal name).
    return ["--literal-pathspecs", "ls-files", "-z", "--", *relatives]


def ignored_files(work_tree: Path, relatives: Sequence[str]) -> set[str] | None:
    """Which of `relatives` git ignores (tracked files are never reported as ignored)."""
    stdin = b"".join(os.fsencode(r) + b"\0" for r in relatives)
    process = _start_git(work_tree, ["check-ignore", "-z", "--stdin"])
    # Exit 1 means "none of them is ignored": an answer, not a failure.
    return None if process is None else _answer(process, stdin, ok_codes=(0, 1))


def _start_git(work_tree: Path, args: list[str]) -> Started | None:
    """git started (None: not installed, not runnable), through kpack.spawn: `subprocess`
    was a fourteenth of the start of `kpack check`."""
    return start(git_argv(work_tree, args), git_env())


def _answer(
    process: Started, stdin: bytes = b"", ok_codes: tuple[int, ...] = (0,)
) -> set[str] | None:
    """The NUL-separated paths a git process prints; None if it fails or hangs (killed)."""
    try:
        answer = process.communicate(stdin, timeout=GIT_TIMEOUT_SECONDS)
    except OSError:  # a pipe kpack could not read: no answer, as from a failed git
        return None
    if answer is None or answer[0] not in ok_codes:  # e.g. 128: not a repository
        return None
    return _split_nul(os.fsdecode(answer[1]))


def _split_nul(output: str) -> set[str]:
    return {item for item in output.split("\0") if item}


def _absolute(path: Path) -> Path:
    # Resolve the folder, not the file: git tracks a symlink itself, not its target.
    return Path(os.path.abspath(path)).parent.resolve() / path.name
