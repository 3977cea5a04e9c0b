"""What goes in, what is left out (and why), what is refused."""

from __future__ import annotations

import fnmatch
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpack.bundle.select import (
    _LITTER,
    IGNORE_FILE,
    KPACK_FILES,
    LITTER_PATTERNS,
    Selection,
    select,
)
from kpack.config import CONFIG_NAMES
from kpack.diagnostics import Kind, Severity
from kpack.load.discover import DATA_SUFFIXES, kind_of_name, may_be_account_type
from tests.bundle.helpers import write_tree


def run(root: Path, ignore: str | None = None, skip: dict[str, str] | None = None) -> Selection:
    ignore_file = None
    if ignore is not None:
        ignore_file = root.parent / "kpackignore-under-test"
        ignore_file.write_text(ignore, encoding="utf-8")
    return select(root, "build", ignore_file, skip)


def reasons(selection: Selection) -> dict[str, str]:
    return {x.arcname: x.reason for x in selection.excluded}


def names(selection: Selection) -> list[str]:
    return [e.arcname for e in selection.files]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("konnector-dev-config.json", "dev config (live credentials)"),
        ("sub/konnector-dev-config.json", "dev config (live credentials)"),
        (".token.json", "OAuth tokens of a dev run"),
        (".account", "account of a dev run"),
        (".env", "environment file (credentials)"),
        (".env.production", "environment file (credentials)"),
        ("account-types.json", "account-type file (holds secrets)"),
        ("config/facebook_account_type.yaml", "account-type file (holds secrets)"),
        ("release.tar.gz", "archive"),
        ("old.zip", "archive"),
        ("bundle.tgz", "archive"),
        (".DS_Store", "editor or OS litter"),
        ("Thumbs.db", "editor or OS litter"),
        ("index.js~", "editor or OS litter"),
        (".index.js.swp", "editor or OS litter"),
        ("._icon.svg", "editor or OS litter"),
        (".kpackignore", "kpack settings"),
        (".kpack.yaml", "kpack settings"),
        (".kpack.yml", "kpack settings"),
    ],
)
def test_never_bundled_files(tmp_path: Path, path: str, reason: str) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x", path: "{}"})
    selection = run(root)
    assert names(selection) == ["index.js"]
    assert reasons(selection) == {path: reason}
    assert selection.diagnostics == []


def test_account_type_found_by_content(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {
        "oauth.json": {"grant_mode": "authorization_code", "client_secret": "x"},
        "locales.json": {"en": {"name": "Demo"}},
    })
    selection = run(root)
    assert names(selection) == ["locales.json"]
    assert reasons(selection) == {"oauth.json": "account-type file (holds secrets)"}


@pytest.mark.parametrize(
    ("folder", "reason"),
    [(".git", "version control data"), (".idea", "editor or OS litter"),
     (".vscode", "editor or OS litter"), ("__MACOSX", "editor or OS litter"),
     ("data", "data/ of dev runs")],
)
def test_never_bundled_folders(tmp_path: Path, folder: str, reason: str) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x", f"{folder}/inner/file.txt": "x"})
    selection = run(root)
    assert names(selection) == ["index.js"]
    assert reasons(selection) == {folder: reason}
    assert [x.is_dir for x in selection.excluded] == [True]


def test_data_is_only_left_out_at_the_root(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"lib/data/banks.json": "[]"})
    assert names(run(root)) == ["lib/data/banks.json"]


def test_kpackignore_patterns_with_their_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {
        "index.js": "x", "index.js.map": "x", "keep.map": "x", "docs/a.md": "x",
        "src/docs/b.md": "x", "notes.txt": "x",
    })
    selection = run(root, "# source maps\n\n*.map\n!keep.map\ndocs/\n/notes.txt\n")
    assert names(selection) == ["index.js", "keep.map"]
    assert reasons(selection) == {
        "index.js.map": ".kpackignore:3: *.map",
        "docs": ".kpackignore:5: docs/",
        "src/docs": ".kpackignore:5: docs/",
        "notes.txt": ".kpackignore:6: /notes.txt",
    }


def test_kpackignore_cannot_bring_back_a_credential_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x", "konnector-dev-config.json": "{}"})
    selection = run(root, "!konnector-dev-config.json\n")
    assert names(selection) == ["index.js"]


def test_skip_names_the_output_folder(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x", "dist/x.sha256": "x"})
    selection = run(root, skip={"dist": "kpack's output folder"})
    assert reasons(selection) == {"dist": "kpack's output folder"}


def test_files_are_sorted_by_path_components(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"a-b": "x", "a/z": "x", "b": "x", "a/b/c": "x"})
    selection = run(root)
    assert names(selection) == ["a/b/c", "a/z", "a-b", "b"]
    assert selection.dirs == ["a", "a/b"]


def test_executable_bit_is_kept(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"run.sh": "#!/bin/sh\n", "index.js": "x"})
    os.chmod(root / "run.sh", 0o700)
    os.chmod(root / "index.js", 0o600)
    assert {e.arcname: e.executable for e in run(root).files} == {
        "index.js": False, "run.sh": True,
    }


# -- symbolic links ---------------------------------------------------------------------------


def test_link_inside_the_tree_is_bundled_as_the_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"assets/icon.svg": "<svg/>"})
    (root / "icon.svg").symlink_to("assets/icon.svg")
    selection = run(root)
    assert names(selection) == ["assets/icon.svg", "icon.svg"]
    assert selection.diagnostics == []


def test_link_leading_outside_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"secret.txt": "s"})
    root = write_tree(tmp_path / "build", {"index.js": "x"})
    (root / "notes.txt").symlink_to("../secret.txt")
    (root / "etc").symlink_to("/etc")
    selection = run(root)
    assert names(selection) == ["index.js"]
    found = {(d.code, d.file, d.severity) for d in selection.diagnostics}
    assert found == {
        ("B007", "build/etc", Severity.ERROR), ("B007", "build/notes.txt", Severity.ERROR),
    }
    assert all("outside" in d.message for d in selection.diagnostics)


def test_dangling_link_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x"})
    (root / "gone.js").symlink_to("nowhere.js")
    [diagnostic] = run(root).diagnostics
    assert (diagnostic.code, diagnostic.file) == ("B007", "build/gone.js")
    assert "dangling" in diagnostic.message


def test_link_loop_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"lib/a.js": "x"})
    (root / "lib" / "again").symlink_to("..")
    [diagnostic] = run(root).diagnostics
    assert (diagnostic.code, diagnostic.file) == ("B007", "build/lib/again")
    assert "loop" in diagnostic.message


def test_link_to_a_left_out_file_is_left_out(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"konnector-dev-config.json": "{}", "index.js": "x"})
    (root / "config.json").symlink_to("konnector-dev-config.json")
    selection = run(root)
    assert names(selection) == ["index.js"]
    assert reasons(selection)["config.json"].startswith("link to konnector-dev-config.json")


def test_ignored_link_is_not_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x"})
    (root / "etc").symlink_to("/etc")
    selection = run(root, "etc\n")
    assert selection.diagnostics == []
    assert reasons(selection) == {"etc": ".kpackignore:1: etc"}


# -- special files and collisions ---------------------------------------------------------------


def test_fifo_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x"})
    os.mkfifo(root / "pipe")
    [diagnostic] = run(root).diagnostics
    assert (diagnostic.code, diagnostic.file, diagnostic.severity) == (
        "B008", "build/pipe", Severity.ERROR,
    )
    assert "FIFO" in diagnostic.message


def test_socket_is_refused(tmp_path: Path) -> None:
    import socket

    root = write_tree(tmp_path / "build", {"index.js": "x"})
    path = root / "s"
    if len(str(path)) > 100:
        pytest.skip("socket path too long for AF_UNIX")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        [diagnostic] = run(root).diagnostics
    finally:
        server.close()
    assert diagnostic.code == "B008" and "socket" in diagnostic.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"index.js": "x", "locked.js": "x"})
    os.chmod(root / "locked.js", 0)
    [diagnostic] = run(root).diagnostics
    assert diagnostic.code == "B008"


def test_case_collision_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"Icon.svg": "a", "index.js": "x"})
    try:
        write_tree(root, {"icon.svg": "b"})
    except OSError:
        pytest.skip("case-insensitive file system")
    if len(list(root.iterdir())) < 3:
        pytest.skip("case-insensitive file system")
    [diagnostic] = run(root).diagnostics
    assert (diagnostic.code, diagnostic.severity) == ("B009", Severity.ERROR)
    assert "'Icon.svg' and 'icon.svg'" in diagnostic.message


def test_unicode_normalisation_collision_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"caf\u00e9.txt": "a", "cafe\u0301.txt": "b"})
    if len(list(root.iterdir())) < 2:
        pytest.skip("the file system normalises names")
    [diagnostic] = run(root).diagnostics
    assert diagnostic.code == "B009"


def test_distinct_names_do_not_collide(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "build", {"icon.svg": "a", "icon.png": "b"})
    assert run(root).diagnostics == []


def test_kpack_files_are_the_config_names_and_the_ignore_file() -> None:
    assert {IGNORE_FILE, *CONFIG_NAMES} == KPACK_FILES


# -- the walk's shortcuts give the answers of what they replaced (issue 22) ----------------

NAME_CHARS = st.sampled_from([*list("#._~-aAbBjsonwpOrigRe/ "), "swp", "swo", "orig", "rej"])
NAMES = st.lists(NAME_CHARS, max_size=8).map("".join) | st.text(max_size=12)


@given(NAMES)
def test_litter_expression_is_the_patterns(name: str) -> None:
    expected = any(fnmatch.fnmatchcase(name, pattern) for pattern in LITTER_PATTERNS)
    assert bool(_LITTER.match(name)) is expected


@given(st.text(max_size=16) | st.sampled_from(["x.JSON", ".json", "a.Yml", "account-type.json"]))
def test_data_suffix_filter_keeps_every_account_type_name(name: str) -> None:
    """builtin_reason looks at names ending in a data suffix only: nothing else can be an
    account type by its name or be sniffed."""
    if not name.lower().endswith(DATA_SUFFIXES):
        assert kind_of_name(name) is not Kind.ACCOUNT_TYPE
        assert not may_be_account_type(name)


@given(st.lists(st.lists(st.text(st.characters(blacklist_characters="/\x00"), min_size=1,
                                 max_size=3), min_size=1, max_size=3), max_size=12))
def test_nul_order_is_component_order(paths: list[list[str]]) -> None:
    joined = ["/".join(parts) for parts in paths]
    assert sorted(joined, key=lambda p: p.replace("/", "\0")) == sorted(
        joined, key=lambda p: p.split("/")
    )


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_fold_is_nfc_casefold(text: str) -> None:
    assert text.lower() == unicodedata.normalize("NFC", text).casefold()


def test_selected_paths_are_strings_that_open(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/b.js": "x", "c.js": "y"})
    selection = select(tmp_path, "")
    assert [e.arcname for e in selection.files] == ["a/b.js", "c.js"]
    assert all(Path(e.path).read_bytes() for e in selection.files)
