""".kpackignore matching (kpack.bundle.ignore) against git itself, and its time bound."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kpack.bundle.ignore import IgnoreFile, glob_match, parse_line

PATHS = [
    "index.js", "index.js.map", "app.min.js", "app.min.css", "notes.txt", "sub/notes.txt",
    "docs/a.md", "src/docs/b.md", "src/gen/x.js", "src/deep/gen/y.js", "keep.map",
    "tmp/t.txt", "x/tmp/t.txt", "a/b.js", "a/keep", "b.js", "d.js", "zy.txt", "xy.txt",
    "#hash", "space ", "lib/one.js", "lib/sub/two.js", "deep/1/x/2/y", "deep/x/y",
    "foo_bar", "foo/bar", "fooXbar", "trailing", "[lit].js", "star*.js", "q?.js",
    "node_modules/pkg/index.js", "node_modules/.bin/tool",
]

PATTERN_SETS = {
    "basics": ["*.map", "docs/", "/notes.txt", "!keep.map"],
    "double-star": ["src/**/gen", "**/tmp", "a/**", "!a/keep", "deep/**/x/**/y"],
    "classes": ["[abc].js", "[!x]y.txt", "foo?bar", "[a-c].js"],
    "escapes": ["\\#hash", "space\\ ", "trailing   ", "\\[lit].js", "star\\*.js", "q\\?.js"],
    "anchors": ["lib/*.js", "*.min.*", "node_modules/", "!node_modules/.bin/"],
    "negations": ["*.js", "!index.js", "!lib/", "lib/sub/"],
}


def _git_kept(root: Path, patterns: list[str]) -> set[str]:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("\n".join(patterns) + "\n", encoding="utf-8")
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--others", "--exclude-standard"],
        check=True, capture_output=True,
    ).stdout
    return {os.fsdecode(p) for p in listed.split(b"\0") if p} - {".gitignore"}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("name", sorted(PATTERN_SETS))
def test_same_answers_as_git(tmp_path: Path, name: str) -> None:
    patterns = PATTERN_SETS[name]
    root = tmp_path / "repo"
    for path in PATHS:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")
    ignore = IgnoreFile(tmp_path / ".kpackignore", patterns)
    ours = {path for path in PATHS if ignore.match(path, is_dir=False) is None}
    assert ours == _git_kept(root, patterns)


def test_no_catastrophic_backtracking() -> None:
    """A regex engine takes exponential time here; the greedy matcher does len(p)*len(n)
    steps at most, so these return at once (the suite would hang otherwise)."""
    pattern = parse_line(1, "*a*a*a*a*a*a*a*a*a*a*a*a*b")
    assert pattern is not None
    assert not glob_match(pattern.segments[-1], "a" * 60)
    assert glob_match(pattern.segments[-1], "a" * 60 + "b")
    ignore = IgnoreFile(Path(".kpackignore"), ["**/a/**/a/**/a/**/a/**/b"])
    assert ignore.match("/".join(["a"] * 60), is_dir=False) is None
    assert ignore.match("/".join(["a"] * 60 + ["b"]), is_dir=False) is not None


def test_the_line_that_matched_is_named() -> None:
    ignore = IgnoreFile(Path(".kpackignore"), ["# comment", "", "*.map", "docs/"])
    assert ignore.match("a/b.js.map", is_dir=False) == ".kpackignore:3: *.map"
    assert ignore.match("docs/x.md", is_dir=False) == ".kpackignore:4: docs/"
    assert ignore.match("docs", is_dir=False) is None  # a file named docs: not a folder
