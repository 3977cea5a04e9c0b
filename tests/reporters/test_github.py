"""GitHub Actions annotations: one workflow command per diagnostic, escaped like the toolkit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpack.diagnostics import Severity
from kpack.escape import UNSAFE_PATTERN, printable
from kpack.reporters import Report
from kpack.reporters.github import annotation, escape_data, escape_property, render
from tests.reporters.samples import (
    CLEAN,
    LOADER_ONLY,
    TRAILING_COMMA,
    diag,
    run_cli,
    write_account_type,
)

UNSAFE = re.compile(UNSAFE_PATTERN)


def _unescape_data(text: str) -> str:
    # As the Actions runner does: %25 last, so an escaped `%` cannot start another escape.
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command the way the runner does: `::name k=v,k=v::data`."""
    assert line.startswith("::")
    head, separator, data = line[2:].partition("::")
    assert separator
    name, _, props = head.partition(" ")
    properties = {}
    for pair in props.split(","):
        key, _, value = pair.partition("=")
        properties[key] = _unescape_property(value)
    return name, properties, _unescape_data(data)


def test_escape_data_like_the_toolkit() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"


def test_escape_property_also_escapes_colon_and_comma() -> None:
    assert escape_property("C:\\a, b%\n") == "C%3A\\a%2C b%25%0A"


def test_an_error_annotation() -> None:
    d = diag(file="connector/account-type.json", help="remove the comma")
    assert annotation(d) == (
        "::error file=connector/account-type.json,line=3,col=14,endLine=3,endColumn=15,"
        "title=L003 trailing-comma"
        "::trailing comma before the end of the object%0Ahelp: remove the comma"
    )


@pytest.mark.parametrize(
    ("severity", "command"),
    [(Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice")],
)
def test_severity_picks_the_command(severity: Severity, command: str) -> None:
    assert annotation(diag(severity=severity)).startswith(f"::{command} file=")


def test_a_message_with_newlines_stays_on_one_line() -> None:
    out = render(Report([diag(message="first\nsecond\r\nthird", help="a\nb")], files=1))
    assert out.count("\n") == 1
    _, _, data = parse_command(out.rstrip("\n"))
    # The message's own line breaks are escaped (issue 11 item 12); the help stays on
    # the annotation's second line.
    assert data == "first\\x0asecond\\x0d\\x0athird\nhelp: a\\x0ab"


def test_commas_colons_and_percents_in_file_names_do_not_split_properties() -> None:
    line = annotation(diag(file="a, b/c:d/100%.json"))
    assert "file=a%2C b/c%3Ad/100%25.json,line=3," in line
    _, properties, _ = parse_command(line)
    assert properties["file"] == "a, b/c:d/100%.json"
    assert properties["line"] == "3"


def test_one_line_per_diagnostic_and_nothing_else() -> None:
    diagnostics = [diag(line=n) for n in (1, 2, 3)]
    lines = render(Report(diagnostics, files=1)).splitlines()
    assert len(lines) == 3
    assert all(line.startswith("::error ") for line in lines)


def test_a_clean_run_prints_nothing() -> None:
    assert render(Report([], files=4)) == ""


@given(
    message=st.text(min_size=1),
    file=st.text(min_size=1),
)
def test_messages_and_file_names_survive_the_round_trip(message: str, file: str) -> None:
    line = annotation(diag(message=message, file=file))
    assert "\n" not in line and "\r" not in line
    command, properties, data = parse_command(line)
    assert command == "error"
    assert properties == {
        "file": printable(file), "line": "3", "col": "14", "endLine": "3", "endColumn": "15",
        "title": "L003 trailing-comma",
    }
    # Exact, once the runner decoded it, but for control characters (escaped).
    assert data == printable(message)
    assert UNSAFE.search(data) is None and UNSAFE.search(properties["file"]) is None


# -- through the command line ---------------------------------------------------------------


def test_cli_github_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "a, b/account-type.json", TRAILING_COMMA)
    code, out, err = run_cli(capsys, "a, b/account-type.json", "--format", "github", *LOADER_ONLY)
    assert code == 1
    assert out == (
        "::error file=a%2C b/account-type.json,line=3,col=14,endLine=3,endColumn=15,"
        "title=L003 trailing-comma"
        "::trailing comma before the end of the object%0Ahelp: remove the comma\n"
    )
    assert err == ""


def test_cli_github_clean_run_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_account_type(tmp_path, "account-type.json", CLEAN)
    assert run_cli(capsys, str(path), "--format", "github", *LOADER_ONLY) == (0, "", "")
