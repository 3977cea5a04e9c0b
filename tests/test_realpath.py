"""The cached resolver gives exactly what Path.resolve() gives, links and loops included."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kpack.realpath import ancestors, nearest, resolver


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "file.json").write_text("{}")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "relative").symlink_to("sub")
    (tmp_path / "real" / "sub" / "file-link.json").symlink_to("../../real/sub/file.json")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    monkeypatch.chdir(tmp_path / "real")
    return tmp_path


@pytest.mark.parametrize(
    "given",
    [
        ".",
        "..",
        "sub/file.json",
        "sub/../sub/file.json",
        "relative/file.json",
        "relative/../relative/file.json",
        "sub/file-link.json",
        "sub/missing/file.json",
        "../link/sub/file.json",
        "../link/relative/..",
        "/",
    ],
)
def test_same_answer_as_path_resolve(tree: Path, given: str) -> None:
    resolve = resolver()
    assert resolve(Path(given)) == Path(given).resolve()
    assert resolve(Path(given)) == Path(given).resolve()  # from the cache
    absolute = Path(os.path.abspath(given))
    assert resolve(absolute) == absolute.resolve()


def test_files_sharing_folders_after_a_link(tree: Path) -> None:
    resolve = resolver()
    assert resolve(tree / "link" / "sub" / "file.json") == tree / "real" / "sub" / "file.json"
    assert resolve(tree / "link" / "relative" / "x") == tree / "real" / "sub" / "x"


def _outcome(resolve: object, path: Path) -> object:
    try:
        return resolve(path)  # type: ignore[operator]
    except (OSError, RuntimeError) as exc:  # RuntimeError up to Python 3.12
        return type(exc)


def test_a_symlink_loop_resolves_to_its_absolute_path(tree: Path) -> None:
    """Where Path.resolve raises, the resolver answers the absolute path: callers
    (discovery, settings, pairing) then read the file and report the loop (L011)
    instead of crashing."""
    for path in (tree / "loop", tree / "loop" / "file.json"):
        if sys.version_info < (3, 13):  # 3.13's non-strict resolve no longer raises on loops
            assert _outcome(Path.resolve, path) in (OSError, RuntimeError)
        assert _outcome(resolver(), path) == Path(os.path.abspath(path))


def test_ancestors_end_at_the_root() -> None:
    assert list(ancestors("/a/b")) == ["/a/b", "/a", "/"]
    assert list(ancestors("/")) == ["/"]


def test_nearest_asks_each_folder_once() -> None:
    asked: list[str] = []

    def config_in(folder: str) -> str | None:
        asked.append(folder)
        return f"{folder}/.kpack.yaml" if folder == "/repo" else None

    known: dict[str, str | None] = {}
    assert nearest("/repo/a/x", config_in, known) == "/repo/.kpack.yaml"
    assert nearest("/repo/a/y", config_in, known) == "/repo/.kpack.yaml"  # /repo/a known
    assert nearest("/elsewhere", config_in, known) is None
    assert asked == ["/repo/a/x", "/repo/a", "/repo", "/repo/a/y", "/elsewhere", "/"]
