"""Dev-config rules (D001-D008), positions included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kpack.diagnostics import Severity
from kpack.git import find_work_tree
from tests.helpers import codes, lint, only, write

NAME = "konnector-dev-config.json"
D_CODES = ("D001", "D002", "D003", "D004", "D005", "D006", "D007", "D008")

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def d_codes(diagnostics: list) -> list[str]:  # type: ignore[type-arg]
    return [c for c in codes(diagnostics) if c.startswith("D")]


# --- the seed document's example ---------------------------------------------------------


def test_seed_example_trailing_comma_is_l003_and_other_rules_still_run(tmp_path: Path) -> None:
    text = '{\n  "fields": {\n    "access_token": "<ACCESS_TOKEN>",\n  }\n}\n'
    diagnostics = lint(tmp_path, NAME, text)
    comma = only(diagnostics, "L003")
    assert comma.severity is Severity.ERROR
    assert (comma.line, comma.column) == (3, 37)
    token = only(diagnostics, "D007")  # the loader recovered: document rules ran too
    assert token.severity is Severity.WARNING
    assert token.pointer == "/fields/access_token"
    assert (token.line, token.column) == (3, 21)
    assert "<ACCESS_TOKEN>" not in token.message


def test_comments_are_allowed(tmp_path: Path) -> None:
    text = (
        "// local stack\n"
        '{\n  "COZY_URL": "http://cozy.localhost:8080", /* the template default */\n'
        '  "fields": {"login": "alice", "password": "p4ss"}\n}\n'
    )
    assert lint(tmp_path, NAME, text) == []


# --- D001 fields ------------------------------------------------------------------------


def test_missing_fields_points_at_the_document(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, '{\n  "COZY_URL": "http://cozy.tools:8080"\n}\n'), "D001")
    assert d.severity is Severity.ERROR
    assert (d.pointer, d.line, d.column) == ("", 1, 1)


def test_fields_of_the_wrong_type(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, '{\n  "fields": ["login"]\n}\n'), "D001")
    assert (d.pointer, d.line, d.column) == ("/fields", 2, 3)
    assert "an array" in d.message


def test_empty_fields_object_is_fine(tmp_path: Path) -> None:
    assert "D001" not in codes(lint(tmp_path, NAME, {"fields": {}}))


# --- D002 / D003 COZY_URL -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "cozy.tools:8080", "ftp://cozy.tools", "http://", "/relative", "",
        "https://exa mple.com:port",
    ],
)
def test_cozy_url_not_absolute_http(tmp_path: Path, url: str) -> None:
    d = only(lint(tmp_path, NAME, {"COZY_URL": url, "fields": {}}), "D002")
    assert d.severity is Severity.ERROR
    assert (d.pointer, d.line, d.column) == ("/COZY_URL", 2, 15)  # at the value
    if url not in ("", "http://"):  # the value is never echoed
        assert url not in d.message and url not in (d.help or "")


def test_cozy_url_not_a_string(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, {"COZY_URL": 8080, "fields": {}}), "D002")
    assert "a number" in d.message


def test_cozy_url_with_spaces(tmp_path: Path) -> None:
    config = {"COZY_URL": " https://alice.mycozy.cloud", "fields": {}}
    d = only(lint(tmp_path, NAME, config), "D002")
    assert "whitespace" in d.message


@pytest.mark.parametrize(
    "url",
    [
        "http://cozy.tools:8080", "http://cozy.localhost:8080", "http://localhost:8080",
        "http://alice.cozy.localhost:8080/", "https://alice.mycozy.cloud", "HTTPS://alice.mycozy.cloud",
    ],
)
def test_good_cozy_urls(tmp_path: Path, url: str) -> None:
    assert d_codes(lint(tmp_path, NAME, {"COZY_URL": url, "fields": {}})) == []


def test_cozy_url_is_optional(tmp_path: Path) -> None:
    assert d_codes(lint(tmp_path, NAME, {"fields": {}})) == []


def test_plain_http_to_a_remote_host_is_a_warning(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, {"COZY_URL": "http://alice.mycozy.cloud", "fields": {}})
    d = only(diagnostics, "D003")
    assert d.severity is Severity.WARNING
    assert (d.pointer, d.line, d.column) == ("/COZY_URL", 2, 15)
    assert "D002" not in codes(diagnostics)


# --- D006 COZY_PARAMETERS ---------------------------------------------------------------


def test_cozy_parameters_not_an_object(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, {"fields": {}, "COZY_PARAMETERS": "x=1"}), "D006")
    assert d.severity is Severity.ERROR
    assert (d.pointer, d.line, d.column) == ("/COZY_PARAMETERS", 3, 3)


def test_cozy_parameters_object(tmp_path: Path) -> None:
    assert d_codes(lint(tmp_path, NAME, {"fields": {}, "COZY_PARAMETERS": {"x": 1}})) == []


# --- D007 access_token ------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["", "   ", "<ACCESS_TOKEN>", "<your token here>", "...", "xxxxxxxx", "ACCESS_TOKEN",
     "your-access-token", "changeme", "$ACCESS_TOKEN", "${TOKEN}", None, 42],
)
def test_useless_access_tokens(tmp_path: Path, token: object) -> None:
    d = only(lint(tmp_path, NAME, {"fields": {"access_token": token}}), "D007")
    assert d.severity is Severity.WARNING
    assert (d.pointer, d.line, d.column) == ("/fields/access_token", 3, 21)
    if isinstance(token, str) and token.strip():
        assert token.strip() not in d.message and token.strip() not in (d.help or "")


@pytest.mark.parametrize("token", ["ya29.a0AfH6SMBx3-realistic_token", "EAAGm0PX4ZCpsBA"])
def test_real_looking_access_tokens(tmp_path: Path, token: str) -> None:
    assert d_codes(lint(tmp_path, NAME, {"fields": {"access_token": token}})) == []


def test_no_access_token_is_fine(tmp_path: Path) -> None:
    assert d_codes(lint(tmp_path, NAME, {"fields": {"login": "alice", "password": ""}})) == []


# --- D008 unknown keys ------------------------------------------------------------------


def test_unknown_key_with_did_you_mean(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, {"fields": {}, "cozy_url": "http://cozy.tools:8080"})
    d = only(diagnostics, "D008")
    assert d.severity is Severity.WARNING
    assert (d.pointer, d.line, d.column) == ("/cozy_url", 3, 3)
    assert d.help == "did you mean 'COZY_URL'?"


def test_unknown_key_without_a_near_miss(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, {"fields": {}, "password": "hunter2"}), "D008")
    assert "fields" in (d.help or "")
    assert "hunter2" not in d.message + (d.help or "")


def test_known_keys_only(tmp_path: Path) -> None:
    config = {"COZY_URL": "http://cozy.tools:8080", "fields": {}, "COZY_PARAMETERS": {}}
    assert d_codes(lint(tmp_path, NAME, config)) == []


# --- D004 / D005 git --------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "connector"
    root.mkdir()
    git(root, "init", "-q")
    return root


CONFIG = '{\n  "fields": {"login": "alice", "password": "s3cret-value"}\n}\n'


@needs_git
def test_tracked_dev_config(repo: Path) -> None:
    path = write(repo, NAME, CONFIG)
    git(repo, "add", NAME)
    diagnostics = lint(repo, NAME, CONFIG)
    d = only(diagnostics, "D004")
    assert d.severity is Severity.WARNING
    assert (d.pointer, d.line, d.column) == ("", 1, 1)
    assert "D005" not in codes(diagnostics)
    assert "s3cret-value" not in d.message + (d.help or "")
    assert path.exists()


@needs_git
def test_tracked_even_though_ignored(repo: Path) -> None:
    write(repo, ".gitignore", f"{NAME}\n")
    write(repo, NAME, CONFIG)
    git(repo, "add", "-f", NAME)
    assert d_codes(lint(repo, NAME, CONFIG)) == ["D004"]


@needs_git
def test_untracked_and_not_ignored(repo: Path) -> None:
    d = only(lint(repo, NAME, CONFIG), "D005")
    assert d.severity is Severity.WARNING
    assert (d.pointer, d.line, d.column) == ("", 1, 1)


@needs_git
def test_ignored_dev_config_is_fine(repo: Path) -> None:
    write(repo, ".gitignore", "node_modules\nkonnector-dev-config.json\n")
    assert d_codes(lint(repo, NAME, CONFIG)) == []


@needs_git
def test_ignored_from_a_parent_folder_gitignore(repo: Path) -> None:
    write(repo, ".gitignore", "konnector-dev-config.json\n")
    assert d_codes(lint(repo / "packages" / "one", NAME, CONFIG)) == []


@needs_git
def test_example_under_another_name_is_not_a_credentials_file(repo: Path) -> None:
    from kpack.diagnostics import Kind

    write(repo, "konnector-dev-config.example.json", CONFIG)
    git(repo, "add", "konnector-dev-config.example.json")
    diagnostics = lint(repo, "konnector-dev-config.example.json", CONFIG, kind=Kind.DEV_CONFIG)
    assert d_codes(diagnostics) == []


def test_outside_a_git_repository_no_git_rule(tmp_path: Path) -> None:
    if find_work_tree(tmp_path / NAME) is not None:
        pytest.skip("the temporary folder lies inside a git work tree")
    assert d_codes(lint(tmp_path, NAME, CONFIG)) == []


def test_without_git_installed_no_git_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert d_codes(lint(tmp_path, NAME, CONFIG)) == []


def test_every_dev_config_rule_is_tested() -> None:
    from kpack.rules.catalogue import all_rules

    assert tuple(r.code for r in all_rules() if r.code.startswith("D")) == D_CODES
