"""Issue 11 item 12: no control, bidi or line-separator character from a checked file
reaches a terminal; JSON and SARIF keep the data exact."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpack.cli import main
from kpack.diagnostics import Diagnostic, Kind, Severity
from kpack.escape import UNSAFE_PATTERN, printable
from kpack.reporters import Report
from kpack.reporters.text import render
from tests.helpers import write

UNSAFE = re.compile(UNSAFE_PATTERN)

HOSTILE = "\x1b]0;pwned\x07\x1b[2K\r\n\u2028\u2029\u202e\u2066\x85\x7f\x00\t"
# Hypothesis text with the hostile characters well represented.
TEXT = st.text(st.sampled_from(list(HOSTILE) + list("ab\\ é/%:,\"'"))) | st.text()


def unescape(text: str) -> str:
    return re.sub(
        r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1) or m.group(2), 16)), text
    )


@given(TEXT)
def test_printable_escapes_exactly_the_unsafe_characters(text: str) -> None:
    shown = printable(text)
    assert UNSAFE.search(shown) is None
    assert not any(c in shown for c in "\n\r\x1b\u2028\u202e")
    if "\\" not in text:  # the escapes are the only backslashes: nothing is lost
        assert unescape(shown) == text
    if UNSAFE.search(text) is None:
        assert shown == text


def test_the_characters_of_the_issue() -> None:
    assert printable("id\x1b]0;title\x07") == "id\\x1b]0;title\\x07"
    assert printable("a\u2028b\u2029c\u202ed\x85e\x7f") == (
        "a\\u2028b\\u2029c\\u202ed\\x85e\\x7f"
    )


def diag(file: str, message: str, help: str | None) -> Diagnostic:
    return Diagnostic(
        "A006", "name", Severity.ERROR, message, help, file, Kind.ACCOUNT_TYPE, "/0", 1, 1, 1, 2
    )


@given(file=TEXT, message=TEXT, help=st.none() | TEXT, color=st.booleans())
def test_the_text_report_holds_one_line_per_line_it_means(
    file: str, message: str, help: str | None, color: bool
) -> None:
    out = render(Report([diag(file, message, help)], files=1, color=color))
    lines = out.split("\n")
    assert lines[-1] == "" and len(lines) == (4 if help else 3)
    body = "".join(lines)
    if color:  # the only escape sequences are kpack's own colours
        body = re.sub(r"\x1b\[[0-9;]*m", "", body)
    assert UNSAFE.search(body) is None
    assert printable(message) in body and printable(file) in body


def test_cli_text_escapes_and_json_stays_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "conn\x1b]0;pwned\x07\u202e\u2028"
    write(tmp_path, f"{folder}/account-types.json", '{"grant_mode": "token",}')
    monkeypatch.chdir(tmp_path)
    assert main(["check", folder, "--select", "L003"]) == 1
    out = capsys.readouterr().out
    assert UNSAFE.search(out.replace("\n", "")) is None
    assert printable(folder) + "/account-types.json:1:23: L003" in out
    assert main(["check", folder, "--select", "L003", "-o", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["diagnostics"][0]["file"] == f"{folder}/account-types.json"
    assert main(["check", folder, "--select", "L003", "-o", "sarif"]) == 1
    assert "L003" in capsys.readouterr().out


def test_error_lines_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "A\x1b[2J\u202e"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and UNSAFE.search(err.rstrip("\n")) is None
    assert main(["check", "missing\x1b]0;x\x07\u2028"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing\\x1b]0;x\\x07\\u2028" in err


def test_rules_listing_and_rule_doc_hold_no_control_character(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules"]) == 0
    assert main(["rule", "A002"]) == 0
    out = capsys.readouterr().out
    assert "A002" in out and UNSAFE.search(out.replace("\n", "")) is None
