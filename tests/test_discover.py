"""Finding files and telling their kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpack.diagnostics import Kind
from kpack.load.discover import UsageError, discover, kind_by_name
from tests.helpers import write


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("manifest.konnector", Kind.MANIFEST),
        ("konnector-dev-config.json", Kind.DEV_CONFIG),
        ("account-types-def.json", Kind.ACCOUNT_TYPE),
        ("google.account-type.json", Kind.ACCOUNT_TYPE),
        ("io-cozy-account_types.yaml", Kind.ACCOUNT_TYPE),
        ("Account-Types.YML", Kind.ACCOUNT_TYPE),
        ("account-type.txt", None),
        ("package.json", None),
        ("manifest.webapp", None),
    ],
)
def test_kind_by_name(name: str, kind: Kind | None) -> None:
    assert kind_by_name(Path(name)) is kind


def make_connector(root: Path) -> None:
    write(root, "manifest.konnector", {"slug": "x"})
    write(root, "konnector-dev-config.json", {"fields": {}})
    write(root, "google.json", {"_id": "google", "grant_mode": "authorization_code"})
    write(root, "ops/bulk.json", {"docs": [{"_id": "a", "grant_mode": "secret"}]})
    write(root, "ops/types.yaml", "- _id: a\n  grant_mode: secret\n")
    write(root, "package.json", {"name": "x", "grant_mode": "not an account type"})
    write(root, "other.json", {"name": "x"})
    for skipped in ("node_modules", ".git", "build", "data"):
        write(root, f"{skipped}/manifest.konnector", {"slug": "y"})


def test_directory_walk_by_name_and_content(tmp_path: Path) -> None:
    make_connector(tmp_path)
    found = {f.path.relative_to(tmp_path).as_posix(): f.kind for f in discover([str(tmp_path)])}
    assert found == {
        "manifest.konnector": Kind.MANIFEST,
        "konnector-dev-config.json": Kind.DEV_CONFIG,
        "google.json": Kind.ACCOUNT_TYPE,
        "ops/bulk.json": Kind.ACCOUNT_TYPE,
        "ops/types.yaml": Kind.ACCOUNT_TYPE,
    }


def test_order_is_stable_and_duplicates_are_merged(tmp_path: Path) -> None:
    make_connector(tmp_path)
    first = discover([str(tmp_path), str(tmp_path / "manifest.konnector")])
    assert first == discover([str(tmp_path)])
    assert [f.path.name for f in first][:2] == ["google.json", "konnector-dev-config.json"]


def test_display_keeps_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_connector(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert "ops/bulk.json" in [f.display for f in discover(["."])]
    assert discover(["manifest.konnector"])[0].display == "manifest.konnector"


def test_forced_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "anything.json", {})
    assert discover([str(path)], Kind.MANIFEST)[0].kind is Kind.MANIFEST


def test_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "other.json", {})
    with pytest.raises(UsageError, match="--kind"):
        discover([str(path)])


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        discover([str(tmp_path / "missing")])


def test_forced_kind_on_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        discover([str(tmp_path)], Kind.MANIFEST)


def test_walk_order_links_and_real_paths(tmp_path: Path) -> None:
    """Folders depth first in name order, files before sub-folders' files; a link to a
    folder is not followed; a link to a file is checked once, under its target's path."""
    for folder in ("b", "a/z", "a"):
        write(tmp_path, f"{folder}/manifest.konnector", {"slug": "x"})
    (tmp_path / "a" / "linked-folder").symlink_to(tmp_path / "b", target_is_directory=True)
    (tmp_path / "b" / "konnector-dev-config.json").symlink_to(tmp_path / "a" / "manifest.konnector")
    write(tmp_path, "c/konnector-dev-config.json", {})
    (tmp_path / "c" / "account-type.json").symlink_to(tmp_path / "missing.json")  # broken
    found = discover([str(tmp_path)])
    relative = [f.path.relative_to(tmp_path).as_posix() for f in found]
    assert relative == [
        "a/manifest.konnector",
        "a/z/manifest.konnector",
        "b/manifest.konnector",  # the link in b/ resolves to a/manifest.konnector: merged
        "c/account-type.json",
        "c/konnector-dev-config.json",
    ]
    real = tmp_path.resolve()
    assert [f.real for f in found] == [
        str(real / "a/manifest.konnector"),
        str(real / "a/z/manifest.konnector"),
        str(real / "b/manifest.konnector"),
        str(real / "missing.json"),
        str(real / "c/konnector-dev-config.json"),
    ]


def test_folder_is_where_the_file_was_found(tmp_path: Path) -> None:
    """A link's folder is its own (git and the pairing look there), not its target's."""
    write(tmp_path, "real/manifest.konnector", {"slug": "x"})
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.konnector").symlink_to(tmp_path / "real/manifest.konnector")
    by_name = {f.path.parent.name: f for f in discover([str(tmp_path / "other")])}
    assert by_name["other"].folder == str((tmp_path / "other").resolve())
    assert by_name["other"].real == str((tmp_path / "real/manifest.konnector").resolve())
    (explicit,) = discover([str(tmp_path / "real/manifest.konnector")])
    assert explicit.folder == str((tmp_path / "real").resolve())


def test_a_file_to_check_pickles_back_equal(tmp_path: Path) -> None:
    """Files go to worker processes pickled, as strings rather than Path parts."""
    import pickle

    write(tmp_path, "a b/manifest.konnector", "{}")
    write(tmp_path, "a b/account-types.yaml", "[]")
    files = discover([str(tmp_path)])
    back = pickle.loads(pickle.dumps(files))
    assert back == files and all(isinstance(f.path, Path) for f in back)
    assert [f.kind for f in back] == [Kind.ACCOUNT_TYPE, Kind.MANIFEST]
