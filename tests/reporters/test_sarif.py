"""SARIF 2.1.0: valid against the official OASIS schema, and faithful to the diagnostics."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import jsonschema
import pytest

from kpack import __version__
from kpack.diagnostics import Severity
from kpack.reporters import Report
from kpack.reporters.sarif import build_log, path_to_uri, render
from kpack.rules.catalogue import get_rule
from tests.reporters.samples import LOADER_ONLY, TRAILING_COMMA, diag, run_cli, write_account_type

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "sarif" / "sarif-schema-2.1.0.json"

# RFC 3986: only unreserved, reserved and well-formed percent-escapes. jsonschema checks
# `uri`/`uri-reference` only with optional extras, so the test brings its own check.
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or _URI_CHARS.fullmatch(value) is not None


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return _is_uri_reference(value) and _SCHEME.fullmatch(urlsplit(value).scheme) is not None


@functools.cache
def _validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)  # draft-04, as its $schema says
    cls.check_schema(schema)
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(_is_uri)
    checker.checks("uri-reference")(_is_uri_reference)
    return cls(schema, format_checker=checker)


def assert_valid_sarif(log: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_vendored_schema_is_the_official_one() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_the_validator_rejects_what_the_schema_forbids() -> None:
    """A guard that the validation below can fail."""
    log = build_log(Report([diag()], files=1))
    log["runs"][0]["results"][0]["level"] = "info"  # not a SARIF level
    with pytest.raises(AssertionError, match="is not one of"):
        assert_valid_sarif(log)
    log = build_log(Report([diag()], files=1))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ] = "a b.json"  # a raw space is not a URI
    with pytest.raises(AssertionError, match="uri-reference"):
        assert_valid_sarif(log)


def test_an_empty_report_is_a_valid_log_with_one_run() -> None:
    log = json.loads(render(Report([], files=2)))
    assert_valid_sarif(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["results"] == []
    assert run["tool"]["driver"]["name"] == "kpack"
    assert run["tool"]["driver"]["version"] == __version__
    assert run["columnKind"] == "unicodeCodePoints"


def test_several_results_are_valid_and_keep_their_order() -> None:
    diagnostics = [
        diag(code="L003", severity=Severity.ERROR, help="remove the comma"),
        diag(code="L002", name="duplicate-key", severity=Severity.WARNING, line=5),
        diag(code="L001", name="json-syntax-error", severity=Severity.INFO, line=7, pointer=None),
        diag(code="L003", severity=Severity.ERROR, line=9, file="other/at.json"),
    ]
    log = build_log(Report(diagnostics, files=2))
    assert_valid_sarif(log)
    run = log["runs"][0]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("L003", "error"), ("L002", "warning"), ("L001", "note"), ("L003", "error"),
    ]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [
        3, 5, 7, 9,
    ]
    rules = run["tool"]["driver"]["rules"]
    # Each rule once, sorted by code, and every result's ruleIndex points at its rule.
    assert [rule["id"] for rule in rules] == ["L001", "L002", "L003"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_rule_descriptors_come_from_the_catalogue() -> None:
    log = build_log(Report([diag(code="L003")], files=1))
    (descriptor,) = log["runs"][0]["tool"]["driver"]["rules"]
    rule = get_rule("L003")
    assert rule is not None
    assert descriptor["id"] == "L003"
    assert descriptor["name"] == rule.name == "trailing-comma"
    assert descriptor["shortDescription"] == {"text": rule.summary}
    assert descriptor["fullDescription"]["text"] == rule.doc
    assert descriptor["help"] == {"text": rule.doc, "markdown": rule.doc}
    assert descriptor["defaultConfiguration"] == {"level": "error"}


def test_a_code_missing_from_the_catalogue_still_gets_a_descriptor() -> None:
    log = build_log(Report([diag(code="Z999", name="made-up", severity=Severity.INFO)], 1))
    assert_valid_sarif(log)
    (descriptor,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert (descriptor["id"], descriptor["name"]) == ("Z999", "made-up")
    assert descriptor["defaultConfiguration"] == {"level": "note"}


def test_result_message_location_and_pointer() -> None:
    d = diag(help="remove the comma", line=3, column=14, end_line=3, end_column=15)
    result = build_log(Report([d], files=1))["runs"][0]["results"][0]
    assert result["message"] == {
        "text": "trailing comma before the end of the object\nhelp: remove the comma"
    }
    location = result["locations"][0]
    assert location["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 14, "endLine": 3, "endColumn": 15,
    }
    assert location["logicalLocations"] == [{"fullyQualifiedName": "/slug"}]
    assert result["properties"]["pointer"] == "/slug"


def test_no_logical_location_without_a_pointer() -> None:
    result = build_log(Report([diag(pointer=None)], 1))["runs"][0]["results"][0]
    assert "logicalLocations" not in result["locations"][0]
    assert result["properties"]["pointer"] is None


def test_a_region_that_ends_before_it_starts_keeps_only_its_start() -> None:
    d = diag(line=4, column=5, end_line=4, end_column=2)
    log = build_log(Report([d], 1))
    assert_valid_sarif(log)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 5}


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("manifest.konnector", "manifest.konnector"),
        ("my connector/account type.json", "my%20connector/account%20type.json"),
        ("dossier é/clé.json", "dossier%20%C3%A9/cl%C3%A9.json"),
        ("100%/a,b#c?.json", "100%25/a%2Cb%23c%3F.json"),
        ("c:d.json", "c%3Ad.json"),  # not a scheme
        ("../up/at.json", "../up/at.json"),
    ],
)
def test_relative_paths_become_relative_uris(path: str, uri: str) -> None:
    assert path_to_uri(path) == (uri, True)
    assert urlsplit(uri).scheme == ""
    assert unquote(uri) == path


def test_absolute_paths_become_file_uris() -> None:
    uri, relative = path_to_uri("/srv/my konnector/é.json")
    assert (uri, relative) == ("file:///srv/my%20konnector/%C3%A9.json", False)


def test_relative_uris_resolve_against_the_source_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    log = build_log(Report([diag(file="dossier é/my at.json")], 1))
    assert_valid_sarif(log)
    run = log["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uriBaseId"] == "%SRCROOT%"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.endswith("/")
    assert urljoin(base, artifact["uri"]) == (tmp_path / "dossier é" / "my at.json").as_uri()


def test_absolute_paths_need_no_source_root() -> None:
    log = build_log(Report([diag(file="/srv/at.json")], 1))
    assert_valid_sarif(log)
    run = log["runs"][0]
    assert "originalUriBaseIds" not in run
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///srv/at.json"}


# -- through the command line ---------------------------------------------------------------


def test_cli_sarif_report_is_valid_and_points_at_the_comma(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "mon dossier/account-type.json", TRAILING_COMMA)
    code, out, _ = run_cli(
        capsys, "mon dossier/account-type.json", "--format", "sarif", *LOADER_ONLY
    )
    assert code == 1
    log = json.loads(out)
    assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("L003", "error")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "mon%20dossier/account-type.json"
    assert (physical["region"]["startLine"], physical["region"]["startColumn"]) == (3, 14)


def test_cli_sarif_clean_run_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_account_type(tmp_path, "account-type.json", '{"grant_mode": "secret"}')
    code, out, _ = run_cli(capsys, str(path), "--format", "sarif", *LOADER_ONLY)
    assert code == 0
    log = json.loads(out)
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == []


def test_cli_sarif_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    code, out, _ = run_cli(
        capsys, "account-type.json", "--format", "sarif", "--output-file", "kpack.sarif"
    )
    assert (code, out) == (1, "")
    assert_valid_sarif(json.loads((tmp_path / "kpack.sarif").read_text(encoding="utf-8")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["account-type.json", "kpack.sarif"]


def test_cli_sarif_with_every_rule_of_a_real_run_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever rules others add, their descriptors (docs, names) must stay schema-valid."""
    path = write_account_type(
        tmp_path, "account-type.json",
        '{"grant_mode": "authorisation_code", "redirect_url": "http://x", "a": 1, "a": 2}',
    )
    _, out, _ = run_cli(capsys, str(path), "--format", "sarif")
    assert_valid_sarif(json.loads(out))


def test_every_rule_of_the_catalogue_makes_a_valid_descriptor() -> None:
    from kpack.rules.catalogue import all_rules

    rules = all_rules()
    diagnostics = [diag(code=r.code, name=r.name, severity=r.severity) for r in rules]
    log = build_log(Report(diagnostics, files=1))
    assert_valid_sarif(log)
    assert [d["id"] for d in log["runs"][0]["tool"]["driver"]["rules"]] == [r.code for r in rules]


# -- code scanning: help links, fingerprints, the source root ------------------------------


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lowercase, punctuation dropped, spaces → -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_rule_links_to_its_section_of_the_rule_docs() -> None:
    from kpack import project
    from kpack.rules.catalogue import all_rules

    docs = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    anchors = {github_anchor(line.lstrip("#")) for line in docs.splitlines()
               if line.startswith("### ")}
    rules = all_rules()
    log = build_log(Report([diag(code=r.code, name=r.name) for r in rules], files=1))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == project.REPOSITORY
    for descriptor in driver["rules"]:
        uri = descriptor["helpUri"]
        page, _, anchor = uri.partition("#")
        assert page == f"{project.REPOSITORY}/blob/v{__version__}/docs/rules.md"
        assert anchor in anchors, f"{descriptor['id']}: no heading #{anchor} in docs/rules.md"


def test_a_rule_missing_from_the_catalogue_gets_no_help_link() -> None:
    log = build_log(Report([diag(code="Z999", name="made-up")], files=1))
    (descriptor,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert "helpUri" not in descriptor
    assert_valid_sarif(log)


def fingerprints(log: dict[str, Any]) -> list[dict[str, str]]:
    return [r["partialFingerprints"] for r in log["runs"][0]["results"]]


def test_fingerprints_follow_code_file_and_pointer_not_lines() -> None:
    before = build_log(Report([diag(line=3, column=14)], 1))
    moved = build_log(Report([diag(line=40, column=2, end_line=40, end_column=9)], 1))
    assert_valid_sarif(before)
    assert fingerprints(before) == fingerprints(moved)
    (prints,) = fingerprints(before)
    assert set(prints) == {"primaryLocationLineHash", "kpackFingerprint/v1"}
    assert re.fullmatch(r"[0-9a-f]{32}:1", prints["kpackFingerprint/v1"])
    others = [
        diag(pointer="/client_id"), diag(code="L002", name="duplicate-key"),
        diag(file="other/account-type.json"), diag(pointer=None),
    ]
    for other in others:
        (changed,) = fingerprints(build_log(Report([other], 1)))
        assert changed != prints, other


def test_the_same_finding_twice_is_numbered() -> None:
    log = build_log(Report([diag(line=3), diag(line=9)], 1))
    first, second = (p["kpackFingerprint/v1"] for p in fingerprints(log))
    assert first.split(":")[0] == second.split(":")[0]
    assert (first[-2:], second[-2:]) == (":1", ":2")


def git_repository(path: Path) -> Path:
    import subprocess

    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)
    return path


def test_a_run_from_a_subfolder_is_relative_to_the_work_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repository(tmp_path / "repo")
    write_account_type(repo, "secrets/account-type.json", TRAILING_COMMA)
    (repo / "tools").mkdir()
    logs = []
    for cwd, path in ((repo, "secrets/account-type.json"),
                      (repo / "tools", "../secrets/account-type.json"),
                      (repo / "secrets", "account-type.json")):
        monkeypatch.chdir(cwd)
        code, out, _ = run_cli(capsys, path, "--format", "sarif", *LOADER_ONLY)
        assert code == 1
        log = json.loads(out)
        assert_valid_sarif(log)
        logs.append(log)
    for log in logs:
        run = log["runs"][0]
        (result,) = run["results"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "secrets/account-type.json", "uriBaseId": "%SRCROOT%"}
        base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        assert urljoin(base, artifact["uri"]) == (
            (repo.resolve() / "secrets" / "account-type.json").as_uri()
        )
    assert fingerprints(logs[0]) == fingerprints(logs[1]) == fingerprints(logs[2])


def test_a_file_outside_the_source_root_gets_an_absolute_uri(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repository(tmp_path / "repo")
    outside = write_account_type(tmp_path / "elsewhere", "account-type.json", TRAILING_COMMA)
    monkeypatch.chdir(repo)
    code, out, _ = run_cli(capsys, "../elsewhere/account-type.json", "--format", "sarif",
                           *LOADER_ONLY)
    assert code == 1
    log = json.loads(out)
    assert_valid_sarif(log)
    run = log["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": outside.resolve().as_uri()}
    assert "originalUriBaseIds" not in run
