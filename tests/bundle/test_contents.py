"""What a bundle must hold (B001-B005, B012), through the command as users run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpack.bundle.contents import bundle_path, core_version
from tests.bundle.helpers import ARCHIVE, MANIFEST, connector, kpack, write_tree


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def lines_with(err: str, code: str) -> list[str]:
    return [line for line in err.splitlines() if f" {code} " in line]


def test_complete_bundle_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, {"build/package.json": {"version": "1.2.0"}, "build/del.js": "x"},
              on_delete_account="del.js")
    result = kpack(capsys, str(tmp_path))
    assert result.code == 0, result.err
    assert result.err == ""
    assert (tmp_path / ARCHIVE).is_file()


def test_missing_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tree(tmp_path, {"build/index.js": "x"})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B001")
    assert line.startswith(f"{tmp_path}/build/manifest.konnector:1:1: B001 [error]")
    assert not (tmp_path / "dist").exists()


def test_missing_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path)
    (tmp_path / "build" / "index.js").unlink()
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B002")
    assert "index.js is missing" in line
    assert not (tmp_path / "dist").exists()


def client_side_build(root: Path) -> Path:
    """A clisk build folder as published build branches hold it (issue 12 item 1):
    exactly icon.svg, main.js and manifest.konnector, `"clientSide": true`."""
    return write_tree(root, {
        "build/manifest.konnector": {**MANIFEST, "clientSide": True},
        "build/main.js": "(()=>{var e={};window.ReactNativeWebView})();\n",
        "build/icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    })


def test_client_side_build_with_main_js_is_bundled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client_side_build(tmp_path)
    result = kpack(capsys, str(tmp_path), "--format", "json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert [e["path"] for e in body["tree"]] == ["icon.svg", "main.js", "manifest.konnector"]
    assert (tmp_path / ARCHIVE).is_file()


def test_client_side_build_without_main_js_names_main_js(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client_side_build(tmp_path)
    (tmp_path / "build" / "main.js").unlink()
    write_tree(tmp_path, {"build/index.js": "x"})  # index.js is no entry for a clisk build
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B002")
    assert line.startswith(f"{tmp_path}/build/main.js:1:1: B002 [error]")
    assert "client-side" in line


def test_server_side_build_whose_package_json_names_main_is_bundled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, {"build/package.json": {"version": "1.2.0", "main": "./src/start"},
                         "build/src/start.js": "require('./konnector')\n"})
    (tmp_path / "build" / "index.js").unlink()
    result = kpack(capsys, str(tmp_path))
    assert result.code == 0, result.err


def test_package_json_main_that_is_not_there_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, {"build/package.json": {"version": "1.2.0", "main": "lib/run.js"}})
    (tmp_path / "build" / "index.js").unlink()
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B002")
    assert line.startswith(f"{tmp_path}/build/package.json:1:1: B002 [error]")
    assert "'lib/run.js' is not in the bundle, nor is index.js" in line


def test_index_js_still_runs_when_main_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Node.js falls back to index.js when `main` resolves to nothing.
    connector(tmp_path, {"build/package.json": {"version": "1.2.0", "main": "gone.js"}})
    assert kpack(capsys, str(tmp_path)).code == 0


def test_missing_icon_points_at_the_manifest_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, icon="assets/logo.svg")
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B003")
    # the manifest is dumped with indent 2: "icon" is on line 7, column 3
    assert line.startswith(f"{tmp_path}/build/manifest.konnector:7:3: B003 [error]")
    assert "'assets/logo.svg' is missing" in line


def test_icon_left_out_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path)
    write_tree(tmp_path, {".kpackignore": "*.svg\n"})
    result = kpack(capsys, str(tmp_path))
    [line] = lines_with(result.err, "B003")
    assert "(left out: .kpackignore:1: *.svg)" in line


def test_icon_with_dot_slash_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, icon="./icon.svg")
    assert kpack(capsys, str(tmp_path)).code == 0


def test_icon_outside_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, icon="../icon.svg")
    [line] = lines_with(kpack(capsys, str(tmp_path)).err, "B003")
    assert "not a path inside the bundle" in line


def test_missing_on_delete_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, on_delete_account="onDelete.js")
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B004")
    assert "'onDelete.js' is missing" in line


def test_package_version_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, {"build/package.json": {"name": "demo", "version": "1.3.0"}})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    [line] = lines_with(result.err, "B005")
    assert line.startswith(f"{tmp_path}/build/manifest.konnector:4:3: B005 [error]")
    assert "'1.2.0'" in line and "'1.3.0'" in line


def test_package_version_agrees_on_core(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, {"build/package.json": {"version": "1.2.0"}}, version="1.2.0-beta.3")
    assert kpack(capsys, str(tmp_path)).code == 0


def test_package_json_outside_the_bundle_is_not_compared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector(tmp_path, {"package.json": {"version": "9.9.9"}})
    assert kpack(capsys, str(tmp_path)).code == 0


def test_unnameable_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, slug="../evil")
    result = kpack(capsys, str(tmp_path), "--target", "stack")
    assert result.code == 1
    assert "B012" in result.err or "slug" in result.err
    assert not (tmp_path / "dist").exists()
    assert not (tmp_path.parent / "evil-1.2.0.tar.gz").exists()


def test_manifest_errors_abort_before_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, {"build/manifest.konnector": '{"slug": "demo",}', "build/index.js": "x"})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 1
    assert "L00" in result.err  # the loader's trailing-comma rule, as `kpack check` reports it
    assert result.out == ""
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("icon.svg", "icon.svg"), ("./a/b.svg", "a/b.svg"), ("/icon.svg", "icon.svg"),
     ("a/../b.svg", "b.svg"), ("../x", None), ("..", None), ("", None), ("./", None)],
)
def test_bundle_path(value: str, expected: str | None) -> None:
    assert bundle_path(value) == expected


def test_core_version() -> None:
    assert core_version("1.2.3-dev.abc") == ("1", "2", "3")
    assert core_version("x") is None


def test_rules_are_in_the_catalogue() -> None:
    from kpack.rules.catalogue import all_rules

    bundle_rules = [r for r in all_rules() if r.code.startswith("B")]
    assert [r.code for r in bundle_rules] == [f"B{n:03d}" for n in range(1, 18)]
    assert all(r.doc and r.summary and r.name.startswith("bundle-") for r in bundle_rules)
    json.dumps([r.name for r in bundle_rules])


@pytest.mark.parametrize(
    ("manifest", "pointers"),
    [({"slug": "../evil", "version": "1.0.0"}, ["/slug"]),
     ({"slug": "demo", "version": "v1"}, ["/version"]),
     ({"name": "x"}, ["", ""]),
     ({"slug": "demo", "version": "1.0.0-dev.abc123"}, [])],
)
def test_archive_name(tmp_path: Path, manifest: dict[str, str], pointers: list[str]) -> None:
    from kpack.bundle.contents import archive_name
    from kpack.diagnostics import Kind
    from kpack.load.source import read_source

    path = write_tree(tmp_path, {"manifest.konnector": manifest}) / "manifest.konnector"
    _slug, _version, problems = archive_name(read_source(path, "m", Kind.MANIFEST))
    assert [(p.code, p.pointer) for p in problems] == [("B012", q) for q in pointers]
