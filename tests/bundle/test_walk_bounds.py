"""Issue 11 items 7, 9, 10, 11: the bundle walk is bounded and reads exactly what it chose.

Limits are made small with monkeypatch where a real-size tree would be slow to make; the
mechanism under test is the real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kpack.bundle import archive
from kpack.bundle import run as run_module
from kpack.bundle import select as select_module
from kpack.bundle.archive import BuildError, NullSink, pack
from kpack.bundle.secrets import Scanner
from kpack.bundle.select import Selection, bad_name, select, shown
from kpack.diagnostics import Severity
from tests.bundle.helpers import connector, kpack, write_tree

MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def codes(selection: Selection) -> list[tuple[str, str]]:
    return sorted((d.code, d.file) for d in selection.diagnostics)


# -- item 7: links to folders, bounds ----------------------------------------------------------


def test_symlink_dag_is_not_followed(tmp_path: Path) -> None:
    """d_i/a and d_i/b both link to d_{i+1}: followed, 14 levels are 2**14 paths."""
    root = tmp_path / "build"
    levels = 14
    for i in range(levels + 1):
        write_tree(root, {f"d{i}/f.js": "x"})
    for i in range(levels):
        for name in ("a", "b"):
            (root / f"d{i}" / name).symlink_to(f"../d{i + 1}")
    selection = select(root, "build")
    # each real folder once, under its own name; every link to a folder refused
    assert [e.arcname for e in selection.files] == sorted(
        (f"d{i}/f.js" for i in range(levels + 1)), key=lambda a: a.split("/")
    )
    assert len(selection.diagnostics) == 2 * levels
    assert {d.code for d in selection.diagnostics} == {"B007"}
    assert all("link to a folder" in d.message for d in selection.diagnostics)


def test_link_to_a_folder_cannot_bring_back_what_is_left_out(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x", ".git/config": "[remote]"})
    (root / "gitconfig").symlink_to(".git/config")
    selection = select(root, "build")
    assert [e.arcname for e in selection.files] == ["index.js"]
    assert {x.arcname: x.reason for x in selection.excluded}["gitconfig"].startswith(
        "link to .git/config: inside .git/"
    )


def test_walk_stops_at_the_entry_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(select_module, "MAX_ENTRIES", 50)
    root = write_tree(tmp_path / "build", {f"m/f{n}.js": "x" for n in range(60)})
    selection = select(root, "build")
    [diagnostic] = selection.diagnostics
    assert diagnostic.code == "B015" and "50" in diagnostic.message
    assert len(selection.files) < 60


def test_walk_stops_at_the_depth_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(select_module, "MAX_DEPTH", 5)
    root = write_tree(tmp_path / "build", {"a/b/c/d/e/f/g/h.js": "x", "index.js": "x"})
    selection = select(root, "build")
    assert codes(selection) == [("B015", "build/a/b/c/d/e/f")]
    assert [e.arcname for e in selection.files] == ["index.js"]


def test_catastrophic_ignore_pattern_ends(tmp_path: Path) -> None:
    """pathspec's regex takes exponential time on this pattern and a 60-character name;
    run in a child so that a regression fails (timeout) instead of hanging the suite."""
    root = connector(tmp_path / "c", {"build/" + "a" * 60: "x"})
    (root / ".kpackignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*a*b\n**/a/**/a/**/a/**/b\n")
    result = subprocess.run(
        [sys.executable, "-m", "kpack", "build", str(root), "--list", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "a" * 60 in [item["path"] for item in json.loads(result.stdout)["tree"]]


def _spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = archive.open_selected

    def spy(entry: Any) -> Any:
        opened.append(entry.arcname)
        return real(entry)

    monkeypatch.setattr(archive, "open_selected", spy)
    return opened


def test_huge_sparse_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = connector(tmp_path / "c")
    with open(root / "build" / "big.bin", "wb") as handle:
        handle.truncate(30 * 1024 * MIB)  # 30 GiB of holes
    opened = _spy_reads(monkeypatch)
    for args in ([], ["--list"]):
        result = kpack(capsys, str(root), *args)
        assert result.code == 1 and "B016" in result.err, result.err
        assert "nothing was read" in result.err
    assert opened == []
    assert not (root / "dist").exists()


def test_decompression_bomb_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zeros compress about 1000 to 1: the archive would pass the 20 MiB limit and unpack
    to far more. The limit is lowered to 1 MiB here; 200 MiB in real builds."""
    monkeypatch.setattr(run_module, "MAX_CONTENT_BYTES", MIB)
    root = connector(tmp_path / "c", {"build/zeros.bin": b"\0" * (2 * MIB)})
    result = kpack(capsys, str(root))
    assert result.code == 1 and "B016" in result.err, result.err
    assert not (root / "dist").exists()


def test_sparse_file_is_flagged(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x"})
    with open(root / "holes.bin", "wb") as handle:
        handle.truncate(4 * MIB)
    selection = select(root, "build")
    [diagnostic] = selection.diagnostics
    assert (diagnostic.code, diagnostic.file, diagnostic.severity) == (
        "B016", "build/holes.bin", Severity.WARNING
    )
    assert "sparse" in diagnostic.message


# -- item 9: what is packed is what was selected -----------------------------------------------


@pytest.mark.parametrize("swap", ["symlink", "other-file"])
def test_file_swapped_after_selection_is_refused(tmp_path: Path, swap: str) -> None:
    secret = write_tree(tmp_path, {"passwd": "root:x:0:0:same size\n"}) / "passwd"
    root = write_tree(tmp_path / "build", {"index.js": "y" * len(secret.read_bytes())})
    selection = select(root, "build")
    assert [e.arcname for e in selection.files] == ["index.js"]
    if swap == "symlink":
        (root / "index.js").unlink()
        (root / "index.js").symlink_to(secret)
    else:  # a new file renamed over it (while the old one exists: another inode)
        (root / "new").write_bytes(secret.read_bytes())
        os.replace(root / "new", root / "index.js")
    with pytest.raises(BuildError, match="replaced by"):
        pack(selection, NullSink(), Scanner([]))


def test_folder_swapped_for_a_link_after_selection_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"elsewhere/lib.js": "stolen"})
    root = write_tree(tmp_path / "build", {"sub/lib.js": "mine!!"})
    selection = select(root, "build")
    os.rename(root / "sub", tmp_path / "moved")
    (root / "sub").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(BuildError, match="replaced by another file"):
        pack(selection, NullSink(), Scanner([]))


def test_swap_during_a_real_build_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = write_tree(tmp_path, {"passwd": "root:x:0:0\n"}) / "passwd"
    root = connector(tmp_path / "c", {"build/data.txt": "0123456789\n"})
    real_select = select

    def select_then_swap(*args: Any, **kwargs: Any) -> Selection:
        selection = real_select(*args, **kwargs)
        (root / "build" / "data.txt").unlink()
        (root / "build" / "data.txt").symlink_to(secret)
        return selection

    monkeypatch.setattr(run_module, "select", select_then_swap)
    result = kpack(capsys, str(root))
    assert result.code == 2 and "symbolic link" in result.err, result.err
    assert not (root / "dist").exists()


# -- item 10: hard links --------------------------------------------------------------------


def test_hard_link_to_a_file_outside_the_tree_is_flagged(tmp_path: Path) -> None:
    outside = write_tree(tmp_path, {"id_rsa": "key"}) / "id_rsa"
    root = write_tree(tmp_path / "build", {"index.js": "x", "a.js": "a"})
    os.link(outside, root / "key")
    os.link(root / "a.js", root / "b.js")  # both names in the tree: fine
    selection = select(root, "build")
    [diagnostic] = selection.diagnostics
    assert (diagnostic.code, diagnostic.file, diagnostic.severity) == (
        "B013", "build/key", Severity.WARNING
    )
    assert "2 hard links" in diagnostic.message


def test_hard_link_warning_in_a_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = write_tree(tmp_path, {"notes.txt": "n"}) / "notes.txt"
    root = connector(tmp_path / "c")
    os.link(outside, root / "build" / "notes.txt")
    result = kpack(capsys, str(root))
    assert result.code == 0 and "B013" in result.err, result.err


# -- item 11: file names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("evil\n+ index.js  (1 B)", "newline"),
        ("title\x1b]0;pwned\x07.js", "control character"),
        ("line\u2028sep.js", "control character"),
        (os.fsdecode(b"latin1-\xe9.js"), "not valid UTF-8"),
    ],
    ids=["newline", "escape", "u2028", "latin1"],
)
def test_bad_file_names_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, why: str
) -> None:
    root = connector(tmp_path / "c")
    (root / "build" / name).write_text("x")
    result = kpack(capsys, str(root), "--list")
    assert result.code == 1 and "B014" in result.err and why in result.err, result.err
    assert "pwned\x07" not in result.err and "\x1b" not in result.err
    assert all(line.startswith(("+ ", "- ")) for line in result.out.splitlines()[:-1])
    assert not (root / "dist").exists()


def test_left_out_bad_names_are_escaped_in_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = connector(tmp_path / "c")
    (root / "build" / "forged\n+ fake.js.orig").write_text("x")  # left out: editor litter
    (root / "build" / os.fsdecode(b"\xff.orig")).write_text("x")
    result = kpack(capsys, str(root), "--list")
    assert result.code == 0, result.err
    assert all(line.startswith(("+ ", "- ")) for line in result.out.splitlines()[:-1])
    assert "- forged\\n+ fake.js.orig  (editor or OS litter)" in result.out
    assert "- \\xff.orig" in result.out
    body = kpack(capsys, str(root), "--list", "--format", "json")
    assert body.code == 0
    json.loads(body.out)  # encodable: no lone surrogate


def test_bad_name_and_shown() -> None:
    assert bad_name("index.js") is None and bad_name("été.js") is None
    assert shown("a\nb") == "a\\nb" and shown(os.fsdecode(b"\xfe")) == "\\xfe"
    assert shown("ok/été") == "ok/été"
