"""Settings: .kpack.yaml or package.json, selection, ignores, severity overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpack.config import Settings, find_config, load_settings
from kpack.diagnostics import Diagnostic, Kind, Severity
from kpack.load.discover import UsageError
from tests.helpers import write


def diag(
    code: str,
    file: str = "a/account-types.json",
    pointer: str | None = "/0/x",
    severity: Severity = Severity.WARNING,
) -> Diagnostic:
    return Diagnostic(
        code, "name", severity, "m", None, file, Kind.ACCOUNT_TYPE, pointer, 1, 1, 1, 2
    )


def settings_from(tmp_path: Path, yaml_text: str) -> Settings:
    write(tmp_path, ".kpack.yaml", yaml_text)
    return load_settings(tmp_path)


def test_no_config_keeps_everything(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.source is None
    assert settings.apply([diag("A006")]) == [diag("A006")]


def test_nearest_config_up_the_tree(tmp_path: Path) -> None:
    write(tmp_path, ".kpack.yaml", "target: registry\n")
    write(tmp_path, "sub/package.json", {"name": "x"})  # no kpack key: not a config
    (tmp_path / "sub/deeper").mkdir()
    assert find_config(tmp_path / "sub/deeper") == tmp_path / ".kpack.yaml"
    assert load_settings(tmp_path / "sub/deeper").target == "registry"


def test_package_json_kpack_key(tmp_path: Path) -> None:
    write(tmp_path, "package.json", {"name": "x", "kpack": {"ignore": ["A006"]}})
    settings = load_settings(tmp_path)
    assert settings.apply([diag("A006"), diag("A002")], cwd=tmp_path) == [diag("A002")]


def test_select_and_ignore_by_prefix_and_name(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "select: [A, M001]\nignore: [A00]\n")
    kept = settings.apply([diag("A006"), diag("A010"), diag("M001"), diag("M002"), diag("L001")])
    assert [d.code for d in kept] == ["A010", "M001"]


def test_cli_select_replaces_and_ignore_extends(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "select: [A]\nignore: [A010]\n").with_cli(
        ["M"], ["M002"], None
    )
    kept = settings.apply([diag("A010"), diag("M001"), diag("M002")])
    assert [d.code for d in kept] == ["M001"]


def test_severity_override(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "severity:\n  A006: error\n")
    assert settings.apply([diag("A006")])[0].severity is Severity.ERROR


def test_per_file_ignores_relative_to_the_config(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, 'per-file-ignores:\n  "examples/*": [A016]\n')
    inside = diag("A016", file=str(tmp_path / "examples/x/account-types.json"))
    outside = diag("A016", file=str(tmp_path / "src/account-types.json"))
    assert settings.apply([inside, outside]) == [outside]


def test_ignore_by_file_and_pointer(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        "ignore-pointers:\n  - file: a/account-types.json\n    pointer: /0\n    codes: [A016]\n",
    )
    file = str(tmp_path / "a/account-types.json")
    hit = diag("A016", file=file, pointer="/0/client_secret")
    other_code = diag("A006", file=file, pointer="/0/client_secret")
    other_doc = diag("A016", file=file, pointer="/1/client_secret")
    prefix_only = diag("A016", file=file, pointer="/01")
    assert settings.apply([hit, other_code, other_doc, prefix_only]) == [
        other_code,
        other_doc,
        prefix_only,
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "must be a mapping"),
        ("selct: [A]\n", "unknown setting 'selct'"),
        ("select: [Z999]\n", "matches no rule"),
        ("select: A\n", "list of rule codes"),
        ("target: prod\n", "target must be one of"),
        ("severity: {A006: fatal}\n", "error, warning or info"),
        ("ignore-pointers: [{file: x}]\n", "needs a file and a pointer"),
        ("ignore-pointers: [{file: x, pointer: a}]\n", "is not a JSON pointer"),
        ("select: [A\n", "invalid config"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        settings_from(tmp_path, text)
    assert ".kpack.yaml" in str(info.value)


def test_explicit_missing_config(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such config"):
        load_settings(tmp_path, tmp_path / "nope.yaml")


def test_each_file_gets_its_nearest_config(tmp_path: Path) -> None:
    from kpack.config import group_by_settings
    from kpack.load.discover import discover

    write(tmp_path, "one/.kpack.yaml", "ignore: [L003]\n")
    write(tmp_path, "one/manifest.konnector", "{}")
    write(tmp_path, "two/manifest.konnector", "{}")
    write(tmp_path, "two/sub/account-type.json", "{}")
    groups = group_by_settings(discover([str(tmp_path / "one"), str(tmp_path / "two")]))
    assert [(s.ignore, [f.path.name for f in files]) for s, files in groups] == [
        (("L003",), ["manifest.konnector"]),
        ((), ["manifest.konnector", "account-type.json"]),
    ]


def test_cli_applies_each_folders_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from kpack.cli import main

    write(tmp_path, "one/.kpack.yaml", "ignore: [L003]\n")
    write(tmp_path, "one/manifest.konnector", '{"slug": "x",}')
    write(tmp_path, "two/manifest.konnector", '{"slug": "x",}')
    # No --select L: on the command line it would select L003 again, as ruff does.
    main(["check", str(tmp_path / "one"), str(tmp_path / "two"), "-o", "json"])
    found = [(d["file"], d["code"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    found = [(file, code) for file, code in found if code.startswith("L")]
    assert found == [(str(tmp_path / "two/manifest.konnector"), "L003")]


def test_walked_folders_are_looked_up_in_discoverys_listings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings lookup reads the names discovery listed instead of asking the system
    about each config name in each folder; folders above the walk are still asked. One
    lookup serves discovery (its exclusion) and the files' settings."""
    import os

    from kpack.config import SettingsLookup
    from kpack.load.discover import FolderNames, iter_discover

    write(tmp_path, ".kpack.yaml", "ignore: [M004]\n")  # above the walked folder
    write(tmp_path, "repo/a/.kpack.yaml", "ignore: [L003]\n")
    write(tmp_path, "repo/a/manifest.konnector", "{}")
    write(tmp_path, "repo/b/c/manifest.konnector", "{}")
    asked: list[str] = []
    real_isfile, real_lexists = os.path.isfile, os.path.lexists

    def isfile(path: str) -> bool:
        asked.append(os.path.relpath(path, tmp_path))
        return real_isfile(path)

    def lexists(path: str) -> bool:  # `.kpack.yaml` (a link or a FIFO too: then refused)
        if os.path.basename(path).startswith(".kpack."):  # os.path is shared: others ask too
            asked.append(os.path.relpath(path, tmp_path))
        return real_lexists(path)

    monkeypatch.setattr("kpack.config.os.path.isfile", isfile)
    monkeypatch.setattr("kpack.config.os.path.lexists", lexists)
    listed: FolderNames = {}
    lookup = SettingsLookup(listed=listed)
    ignored = [
        (file.path.relative_to(tmp_path).as_posix(), lookup(file).ignore)
        for file in iter_discover(
            [str(tmp_path / "repo")], listed=listed, exclusion=lookup.exclusion
        )
    ]
    assert ignored == [
        ("repo/a/manifest.konnector", ("L003",)),
        ("repo/b/c/manifest.konnector", ("M004",)),
    ]
    # Only the names that are there, and the folders the walk did not list.
    assert sorted(asked) == [".kpack.yaml", "repo/a/.kpack.yaml"]


# -- selection follows ruff (issue 15 item 3) -------------------------------------------

ALL_CODES = ["A002", "A006", "A010", "M001", "M002", "L003"]


@pytest.mark.parametrize(
    ("file", "cli", "kept"),
    [
        # The more specific selector wins (was: nothing reported).
        ("", {"select": ["A002"], "ignore": ["A"]}, ["A002"]),
        ("", {"select": ["A"], "ignore": ["A002"]}, ["A006", "A010"]),
        ("", {"select": ["A00"], "ignore": ["A0"]}, ["A002", "A006"]),
        # A tie: the ignore wins.
        ("", {"select": ["A"], "ignore": ["A"]}, []),
        # The command line wins over the file (was: nothing reported).
        ("ignore: [A002]\n", {"select": ["A002"]}, ["A002"]),
        ("ignore: [A002]\n", {"select": ["A"]}, ["A002", "A006", "A010"]),
        ("ignore: [A002]\n", {"extend_select": ["A002"]}, ALL_CODES),
        ("ignore: [A002]\n", {"extend_select": ["M"]}, ["A006", "A010", "M001", "M002", "L003"]),
        ("select: [A]\n", {"extend_select": ["M001"]}, ["A002", "A006", "A010", "M001"]),
        ("select: [A]\n", {"ignore": ["A002"]}, ["A006", "A010"]),
        ("select: [A]\n", {"extend_ignore": ["A00"]}, ["A010"]),
        # The file's extend-* keys, and ALL.
        ("select: [M]\nextend-select: [L003]\n", {}, ["M001", "M002", "L003"]),
        ("extend-ignore: [A, L]\n", {}, ["M001", "M002"]),
        ("select: [ALL]\nignore: [A]\n", {}, ["M001", "M002", "L003"]),
        ("", {"select": ["ALL"], "ignore": ["A", "M001"]}, ["M002", "L003"]),
        # An empty select with ignores hands them on to the next layer (ruff's rule).
        ("select: []\nignore: [A002]\n", {"select": ["A"]}, ["A006", "A010"]),
        ("select: []\n", {}, []),
    ],
)
def test_selection_follows_ruff(
    tmp_path: Path, file: str, cli: dict[str, list[str]], kept: list[str]
) -> None:
    settings = settings_from(tmp_path, file or "{}\n").with_cli(
        cli.get("select", []),
        cli.get("ignore", []),
        None,
        cli.get("extend_select", []),
        cli.get("extend_ignore", []),
    )
    assert [d.code for d in settings.apply([diag(code) for code in ALL_CODES])] == kept


def test_extend_options_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from kpack.cli import main

    write(tmp_path, ".kpack.yaml", "select: [L]\nignore: [L003]\n")
    write(tmp_path, "manifest.konnector", '{"slug": "x",}')

    def reported(*options: str) -> list[str]:
        main(["check", str(tmp_path), "-o", "json", "--exit-zero", *options])
        return [d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]

    assert reported() == []
    assert reported("--select", "L003") == ["L003"]
    assert reported("--extend-select", "L003") == ["L003"]
    assert "M" in "".join(reported("--extend-select", "M"))
    assert reported("--select", "L003", "--extend-ignore", "L003") == []


def test_a_rule_name_is_as_specific_as_its_code() -> None:
    from kpack.config import RULE_SPECIFICITY, Selection, is_selected, specificity

    assert specificity("a", "A002", "x") == 1 and specificity("all", "A002", "x") == 0
    assert specificity("A002", "A002", "x") == specificity("x", "A002", "x") == RULE_SPECIFICITY
    assert specificity("M", "A002", "x") is None
    layer = Selection(("x",), ("A",), ())
    assert is_selected("A002", "x", [layer]) and not is_selected("A006", "y", [layer])
