"""Issue 18: the bundle's edges. A planted dist/ link, credentials in another case, a
password in a copy of the dev config, a second manifest, and a huge `.kpackignore`."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import tarfile
from pathlib import Path

import pytest

from kpack.bundle import ignore as ignore_module
from kpack.bundle.ignore import MAX_GLOBS, MAX_PATTERNS, MAX_UNINDEXED, IgnoreError, IgnoreFile
from tests.bundle.helpers import ARCHIVE, MANIFEST, connector, kpack, read_like_registry, write_tree


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
    }


# -- item 2: where the archive goes --------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_a_planted_dist_link_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`dist -> ../../elsewhere`: the archive was written there and an existing .sha256
    replaced. Now exit 2, one line, nothing written anywhere."""
    conn = connector(tmp_path / "a" / "b" / "conn")
    elsewhere = write_tree(tmp_path / "elsewhere", {"demo-1.2.0.tar.gz.sha256": "theirs\n"})
    (conn / "dist").symlink_to("../../../elsewhere")
    before = files_under(tmp_path)
    result = kpack(capsys, str(conn))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "symbolic link" in result.err
    assert files_under(tmp_path) == before
    assert sorted(os.listdir(elsewhere)) == ["demo-1.2.0.tar.gz.sha256"]
    # --list writes nothing: it still works; --dir names its folder on the command line.
    assert kpack(capsys, str(conn), "--list").code == 0
    assert kpack(capsys, str(conn), "--dir", str(tmp_path / "out")).code == 0


@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_a_dist_link_inside_the_connector_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn")
    (conn / "out").mkdir()
    (conn / "dist").symlink_to("out")
    result = kpack(capsys, str(conn))
    assert result.code == 2 and "symbolic link" in result.err, result.err
    assert os.listdir(conn / "out") == []


# -- item 3: credentials in another case ---------------------------------------------------

DEV_CONFIG = {"COZY_URL": "http://cozy.localhost:8080",
              "fields": {"login": "me@example.com", "password": "Tr0ub4dor&3-horse"}}


def test_credential_files_are_left_out_in_any_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn", {
        "build/Konnector-Dev-Config.json": DEV_CONFIG,
        "build/.TOKEN.json": {"access_token": "x" * 20},
        "build/.Env.local": "PASSWORD=x\n",
        "build/ENV_FIELDS.json": {"login": "me", "password": "p"},
    })
    result = kpack(capsys, str(conn), "--format", "json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    tree = [item["path"] for item in body["tree"]]
    excluded = {item["path"]: item["reason"] for item in body["excluded"]}
    for name in ("Konnector-Dev-Config.json", ".TOKEN.json", ".Env.local", "ENV_FIELDS.json"):
        assert name not in tree and name in excluded, (name, excluded)
    assert excluded["Konnector-Dev-Config.json"] == "dev config (live credentials)"


def test_the_password_of_a_dev_config_in_another_case_is_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Left out, it is still harvested: its password in a bundled file is B006."""
    conn = connector(tmp_path / "conn", {
        "build/Konnector-Dev-Config.json": DEV_CONFIG,
        "build/notes.txt": "password: Tr0ub4dor&3-horse\n",
    })
    result = kpack(capsys, str(conn), "--list")
    assert result.code == 1 and "B006" in result.err, result.err
    assert "notes.txt" in result.err and "Tr0ub4dor" not in result.err + result.out


@pytest.mark.parametrize(
    "name",
    ["dev-config.backup.json", "Konnector_Dev_Config.old.json", "konnector-dev-config.json5",
     "env_fields.prod.json", "sub/my-devconfig.json"],
)
def test_a_password_in_a_file_named_like_a_dev_config_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    conn = connector(tmp_path / "conn", {
        f"build/{name}": '{\n  // a copy\n  "fields": {\n    "login": "me",\n'
                         '    "password": "Tr0ub4dor&3-horse"\n  }\n}\n',
    })
    result = kpack(capsys, str(conn))
    assert result.code == 1 and "B006" in result.err, result.err
    assert f"{name}:5:17" in result.err  # where the value is
    assert "Tr0ub4dor" not in result.err + result.out
    assert not (conn / ARCHIVE).exists()
    # A false positive can be allowed, as any B006 hit.
    allowed = kpack(capsys, str(conn), "--allow-secret", name)
    assert allowed.code == 0, allowed.err


@pytest.mark.parametrize("value", ["", "$PASSWORD", "${COZY_PASSWORD}", "<PASSWORD>", "changeme",
                                   "xxxxxxxx"])
def test_a_placeholder_password_is_not_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    conn = connector(tmp_path / "conn", {
        "build/konnector-dev-config.example.json": {"fields": {"login": "me", "password": value}},
    })
    result = kpack(capsys, str(conn))
    assert result.code == 0, result.err


def test_a_password_field_elsewhere_is_not_this_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only files named like a dev config: a form schema in locales is not credentials."""
    conn = connector(tmp_path / "conn", {
        "build/locales/en.json": {"password": "Your password at the provider"},
    })
    assert kpack(capsys, str(conn)).code == 0


# -- item 4: one manifest, first -----------------------------------------------------------


def _first_entry(archive: Path) -> str:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive.read_bytes()))) as tar:
        return tar.next().name  # type: ignore[union-attr]


def test_a_nested_manifest_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """cozy-stack's FetchManifest reads the first manifest.konnector it meets: a nested
    one (sorted before the root's, `a/` < `manifest.konnector`) was installed instead."""
    evil = {**MANIFEST, "permissions": {"all": {"type": "io.cozy.files"}}}
    conn = connector(tmp_path / "conn", {"build/a/manifest.konnector": evil})
    result = kpack(capsys, str(conn))
    assert result.code == 1 and "B017" in result.err, result.err
    assert "a/manifest.konnector" in result.err
    assert not (conn / ARCHIVE).exists()
    # Left out with .kpackignore, it is no longer there: the build goes on.
    (conn / ".kpackignore").write_text("a/manifest.konnector\n")
    result = kpack(capsys, str(conn))
    assert result.code == 0, result.err


def test_the_root_manifest_is_the_archives_first_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connector(tmp_path / "conn", {"build/a/x.js": "1", "build/assets/i.png": b"\x89PNG"})
    result = kpack(capsys, str(conn))
    assert result.code == 0, result.err
    archive = conn / ARCHIVE
    assert _first_entry(archive) == "manifest.konnector"
    sha256 = (conn / (ARCHIVE + ".sha256")).read_text().split()[0]
    assert read_like_registry(archive, sha256).manifest == MANIFEST


# -- item 9: a huge .kpackignore -------------------------------------------------------------


def test_too_many_patterns_is_exit_2_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """60,000 patterns took 210 s with 3,000 files; beyond MAX_PATTERNS, exit 2."""
    conn = connector(tmp_path / "conn")
    (conn / ".kpackignore").write_text(
        "".join(f"gen/out{i}.js\n" for i in range(60_000)), encoding="utf-8"
    )
    result = kpack(capsys, str(conn), "--list")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"more than {MAX_PATTERNS:,} patterns" in result.err


def test_bounds_on_globs_and_on_patterns_tried_on_every_path() -> None:
    many_globs = [f"*.ext{i}" for i in range(MAX_GLOBS + 1)]
    with pytest.raises(IgnoreError, match="with wildcards"):
        IgnoreFile(Path(".kpackignore"), many_globs)
    unindexed = [
        "*" + ("[" + chr(97 + i % 26) + "]?") * (1 + i // 26) for i in range(MAX_UNINDEXED + 1)
    ]
    with pytest.raises(IgnoreError, match="without a literal character"):
        IgnoreFile(Path(".kpackignore"), unindexed)
    # A pattern written twice counts once; plain paths do not count as globs.
    IgnoreFile(Path(".kpackignore"), ["*.map"] * 5_000 + [f"gen/{i}.js" for i in range(5_000)])


_PIECES = ["a", "b", "ab", "*", "**", "?", "[ab]", "[!a]", "x.js", "*.js", "a*b", "\\*", "[a-b]*"]
_NAMES = ["a", "b", "ab", "ba", "x.js", "a.js", "abb", "*", "c"]


def _random_pattern(rng: random.Random) -> str:
    body = "/".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 3)))
    return (
        ("!" if rng.random() < 0.2 else "") + ("/" if rng.random() < 0.3 else "") + body
        + ("/" if rng.random() < 0.2 else "")
    )


@pytest.mark.parametrize("seed", range(20))
def test_the_index_gives_the_answers_of_trying_every_pattern(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above INDEX_FROM patterns a path is tried only against its candidates: the pattern
    that decides (the last matching one) and the line it names are the same."""
    rng = random.Random(seed)
    lines = [_random_pattern(rng) for _ in range(rng.randint(40, 120))]
    indexed = IgnoreFile(Path(".kpackignore"), lines)
    assert indexed._index is not None
    monkeypatch.setattr(ignore_module, "INDEX_FROM", 10**9)
    linear = IgnoreFile(Path(".kpackignore"), lines)
    assert linear._index is None
    for _ in range(300):
        path = "/".join(rng.choice(_NAMES) for _ in range(rng.randint(1, 4)))
        is_dir = rng.random() < 0.3
        for parents_checked in (False, True):
            assert indexed.match(path, is_dir, parents_checked) == linear.match(
                path, is_dir, parents_checked
            ), (lines, path, is_dir)


def test_ten_thousand_plain_patterns_and_a_few_hundred_files_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A generated list (every file to leave out, by path): under the bounds, and each
    path tried against a handful of patterns (bench: 3,000 patterns and 3,000 files took
    30 s before, 1 s now; no time is asserted here)."""
    files = {f"build/d{i % 10}/f{i}.js": "x" for i in range(300)}
    conn = connector(tmp_path / "conn", files)
    patterns = [f"d{i % 10}/f{i}.js" for i in range(0, 300, 2)]
    patterns += [f"gen{i}/out{i}.js" for i in range(MAX_PATTERNS - len(patterns) - 2)]
    patterns += ["*.map", "!d1/f1.js"]
    (conn / ".kpackignore").write_text("\n".join(patterns) + "\n")
    result = kpack(capsys, str(conn), "--format", "json", "--list")
    assert result.code == 0, result.err
    tree = {item["path"] for item in json.loads(result.out)["tree"]}
    assert {f"d{i % 10}/f{i}.js" for i in range(1, 300, 2)} <= tree
    assert not {f"d{i % 10}/f{i}.js" for i in range(0, 300, 2)} & tree
