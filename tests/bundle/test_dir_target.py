"""Issue 11 item 1: `kpack build --dir` never replaces the sources, the connector or a
folder kpack did not write; the archive is never written into what it bundles."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import pytest

from kpack.bundle.archive import MARKER, BuildError, Pending, write_marker
from kpack.bundle.pending import marker_path
from tests.bundle.helpers import ARCHIVE, MANIFEST, connector, kpack, write_tree


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def root_connector(root: Path) -> Path:
    """A connector bundled from its root (`--from .`), with a git folder and dev files."""
    return write_tree(root, {
        "manifest.konnector": MANIFEST,
        "index.js": "module.exports = 1\n",
        "icon.svg": "<svg/>",
        "src/lib.js": "// uncommitted work\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        "konnector-dev-config.json": {"fields": {"login": "me"}},
    })


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def test_dir_is_the_connector_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = root_connector(tmp_path / "conn")
    before = snapshot(tmp_path)
    result = kpack(capsys, str(conn), "--from", str(conn), "--dir", str(conn))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "connector folder" in result.err
    monkeypatch.chdir(conn)
    result = kpack(capsys, ".", "--from", ".", "--dir", ".")
    assert result.code == 2, result.err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("conn/build", "is the bundled tree"),
        ("conn/build/sub", "inside the bundled tree"),
        ("conn/src/out", "inside the connector folder"),
        (".", "holds the connector folder"),
        ("link-to-conn", "is the connector folder"),
        ("link-to-conn/src", "inside the connector folder"),
        ("conn/../conn", "is the connector folder"),
    ],
)
def test_dir_never_is_holds_or_sits_inside_the_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, words: str
) -> None:
    conn = connector(tmp_path / "conn", {"build/sub/x.js": "x"})
    write_tree(conn, {"src/lib.js": "work", ".git/HEAD": "x"})
    (tmp_path / "link-to-conn").symlink_to(conn)
    before = snapshot(tmp_path)
    result = kpack(capsys, str(conn), "--dir", str(tmp_path / target))
    assert result.code == 2 and words in result.err and result.err.count("\n") == 1, result.err
    assert snapshot(tmp_path) == before
    assert not (conn / "src" / "out").exists()


def test_dir_under_the_connectors_own_dist_is_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn")
    result = kpack(capsys, str(conn), "--dir", str(conn / "dist" / "demo"))
    assert result.code == 0, result.err
    assert (conn / "dist" / "demo" / "manifest.konnector").is_file()


def test_only_a_folder_kpack_marked_is_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn")
    out = tmp_path / "out"
    # A folder holding a manifest.konnector is not proof enough (it was, before).
    write_tree(out, {"manifest.konnector": MANIFEST, "precious.txt": "mine"})
    refused = kpack(capsys, str(conn), "--dir", str(out))
    assert refused.code == 2 and marker_path(out).name in refused.err, refused.err
    assert (out / "precious.txt").read_text() == "mine"
    # A marker that is a link, or another file of that name, is not kpack's either.
    for marker in (marker_path(out), out / MARKER):  # beside, or inside (older kpack)
        marker.symlink_to(tmp_path / "elsewhere")
        assert kpack(capsys, str(conn), "--dir", str(out)).code == 2
        marker.unlink()
        marker.write_text("something else\n")
        assert kpack(capsys, str(conn), "--dir", str(out)).code == 2
        marker.unlink()
    assert (out / "precious.txt").read_text() == "mine"
    # What kpack writes, kpack may replace.
    fresh = tmp_path / "fresh"
    assert kpack(capsys, str(conn), "--dir", str(fresh)).code == 0
    assert marker_path(fresh).is_file() and not (fresh / MARKER).exists()
    (fresh / "stale.js").write_text("x")
    assert kpack(capsys, str(conn), "--dir", str(fresh)).code == 0
    assert not (fresh / "stale.js").exists() and marker_path(fresh).is_file()


def test_the_marker_is_never_bundled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = connector(tmp_path / "conn")
    out = tmp_path / "out"
    assert kpack(capsys, str(conn), "--dir", str(out)).code == 0
    assert MARKER not in os.listdir(out)  # beside the folder: cozy-stack installs it whole
    # Bundling a previous bundle folder (--from it), marked inside by an older kpack, or
    # holding a marker of a folder of its own, leaves the markers out.
    write_tree(out, {MARKER: "kpack bundle folder, written by `kpack build --dir`.\n",
                     "sub/.x.kpack-bundle": "x"})
    result = kpack(capsys, str(conn), "--from", str(out), "--format", "json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert not [item for item in body["tree"] if item["path"].endswith(MARKER)]
    assert {"path": MARKER, "reason": "kpack's bundle-folder marker"} in body["excluded"]
    assert {"path": "sub/.x.kpack-bundle", "reason": "kpack's bundle-folder marker"} in (
        body["excluded"]
    )
    with tarfile.open(conn / ARCHIVE) as tar:
        assert not [name for name in tar.getnames() if name.endswith(MARKER)]


def test_a_folder_marked_by_an_older_kpack_is_still_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn")
    out = write_tree(tmp_path / "out", {
        "index.js": "old", MARKER: "kpack bundle folder, written by `kpack build --dir`.\n",
    })
    assert kpack(capsys, str(conn), "--dir", str(out)).code == 0
    assert MARKER not in os.listdir(out) and marker_path(out).is_file()


def test_a_folder_put_in_the_place_of_a_marked_one_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The marker beside a folder names the folder's id: the user's own folder, made
    where kpack's was, is not kpack's (a marker alone beside a name is not enough)."""
    conn = connector(tmp_path / "conn")
    out = tmp_path / "out"
    assert kpack(capsys, str(conn), "--dir", str(out)).code == 0
    os.rename(out, tmp_path / "kept")  # keep its inode busy: the new folder gets another
    write_tree(out, {"precious.txt": "mine"})
    result = kpack(capsys, str(conn), "--dir", str(out))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert (out / "precious.txt").read_text() == "mine"


def test_a_folder_changed_before_the_swap_is_not_replaced(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    write_marker(final)
    pending = Pending(final, is_dir=True)
    marker_path(final).unlink()  # someone else's folder now
    (final / "theirs.txt").write_text("keep")
    with pytest.raises(BuildError, match="not empty"):
        pending.commit()
    pending.discard()
    assert sorted(p.name for p in final.iterdir()) == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_archive_never_written_into_the_bundled_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn")
    (conn / "dist").symlink_to("build")  # dist/ is the tree being bundled
    before = snapshot(tmp_path)
    result = kpack(capsys, str(conn))
    assert result.code == 2 and "bundled tree" in result.err, result.err
    assert snapshot(tmp_path) == before


def test_archive_path_that_is_a_link_or_device_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn")
    victim = write_tree(tmp_path, {"victim.txt": "keep"}) / "victim.txt"
    (conn / "dist").mkdir()
    (conn / ARCHIVE).symlink_to(victim)
    result = kpack(capsys, str(conn))
    assert result.code == 2 and "not a regular file" in result.err, result.err
    assert os.path.islink(conn / ARCHIVE) and victim.read_text() == "keep"
    assert sorted(p.name for p in (conn / "dist").iterdir()) == ["demo-1.2.0.tar.gz"]


def test_the_walk_knows_the_marker_by_the_same_name() -> None:
    from kpack.bundle.select import BUNDLE_MARKER

    assert BUNDLE_MARKER == MARKER
