"""The text report: one line per diagnostic, a help line, a summary; colour only when asked."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from kpack.cli import ColorChoice
from kpack.commands.output import use_color
from kpack.diagnostics import Severity
from kpack.reporters import Report, get_reporter
from kpack.reporters.text import render, summary_line
from tests.reporters.samples import (
    CLEAN,
    LOADER_ONLY,
    TRAILING_COMMA,
    diag,
    run_cli,
    write_account_type,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_a_diagnostic_line_reads_path_line_col_code_severity_message() -> None:
    out = render(Report([diag(file="dir/at.json", line=3, column=14)], files=1))
    assert out.splitlines() == [
        "dir/at.json:3:14: L003 [error] trailing comma before the end of the object",
        "Found 1 error, 0 warnings in 1 file.",
    ]


def test_the_help_goes_on_an_indented_line_under_its_diagnostic() -> None:
    report = Report(
        [diag(help="remove the comma"), diag(line=9, message="second", help=None)], files=1
    )
    assert render(report).splitlines()[:3] == [
        "account-type.json:3:14: L003 [error] trailing comma before the end of the object",
        "  help: remove the comma",
        "account-type.json:9:14: L003 [error] second",
    ]


@pytest.mark.parametrize(
    ("severities", "files", "expected"),
    [
        ([], 1, "All checks passed (1 file checked)."),
        ([], 3, "All checks passed (3 files checked)."),
        ([Severity.ERROR], 1, "Found 1 error, 0 warnings in 1 file."),
        ([Severity.WARNING], 2, "Found 0 errors, 1 warning in 2 files."),
        (
            [Severity.ERROR, Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.INFO],
            2,
            "Found 2 errors, 1 warning, 2 infos in 2 files.",
        ),
    ],
)
def test_the_summary_counts_each_severity_with_plurals(
    severities: list[Severity], files: int, expected: str
) -> None:
    report = Report([diag(severity=s) for s in severities], files=files)
    assert summary_line(report) == expected
    assert render(report).splitlines()[-1] == expected


def test_no_escape_codes_without_colour() -> None:
    report = Report([diag(help="h", severity=s) for s in Severity], files=1, color=False)
    assert "\x1b" not in render(report)


def test_colour_paints_the_same_text() -> None:
    diagnostics = [diag(help="remove it", severity=s) for s in Severity]
    plain = render(Report(diagnostics, files=1))
    painted = render(Report(diagnostics, files=1, color=True))
    assert painted != plain
    assert ANSI.sub("", painted) == plain
    # Each severity has its own colour on its code: red, yellow, blue.
    for colour in ("31;1", "33;1", "34;1"):
        assert f"\x1b[{colour}mL003\x1b[0m" in painted


def test_get_reporter_finds_the_text_renderer() -> None:
    assert get_reporter("text") is render


# -- through the command line ---------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_prints_the_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    code, out, _ = run_cli(capsys, str(path), *LOADER_ONLY)
    assert code == 1
    assert out.splitlines() == [
        f"{path}:3:14: L003 [*] [error] trailing comma before the end of the object",
        "  help: remove the comma",
        "Found 1 error, 0 warnings in 1 file.",
        "[*] 1 fixable with the `--fix` option.",
    ]


def test_cli_clean_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_account_type(tmp_path, "account-type.json", CLEAN)
    code, out, _ = run_cli(capsys, str(path), *LOADER_ONLY)
    assert (code, out) == (0, "All checks passed (1 file checked).\n")


def test_cli_output_to_a_pipe_has_no_colour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    path = write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    _, out, _ = run_cli(capsys, str(path))
    assert "\x1b" not in out


def test_cli_color_always_paints_even_into_a_pipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    _, out, _ = run_cli(capsys, str(path), "--color", "always")
    assert "\x1b[31;1mL003\x1b[0m" in out


@pytest.mark.parametrize(
    ("environment", "coloured"),
    [
        ({"TERM": "xterm-256color"}, True),
        ({"TERM": "xterm-256color", "NO_COLOR": "1"}, False),
        ({"TERM": "dumb"}, False),
    ],
)
def test_cli_on_a_terminal_colours_unless_no_color_or_dumb(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    coloured: bool,
) -> None:
    from kpack.cli import main

    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stdout", terminal)
    path = write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    assert main(["check", str(path)]) == 1
    assert ("\x1b[" in terminal.getvalue()) is coloured


def test_use_color_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(ColorChoice.auto, FakeTerminal()) is True
    assert use_color(ColorChoice.auto, io.StringIO()) is False  # not a TTY
    assert use_color(ColorChoice.auto, None) is False  # writing to a file
    assert use_color(ColorChoice.never, FakeTerminal()) is False
    assert use_color(ColorChoice.always, io.StringIO()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(ColorChoice.auto, FakeTerminal()) is False


def test_cli_text_to_a_file_keeps_the_summary_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    code, out, err = run_cli(
        capsys, "account-type.json", "--output-file", "report.txt", *LOADER_ONLY
    )
    assert (code, out) == (1, "")
    assert err == "Found 1 error, 0 warnings in 1 file.\n"
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").splitlines() == [
        "account-type.json:3:14: L003 [*] [error] trailing comma before the end of the object",
        "  help: remove the comma",
        "Found 1 error, 0 warnings in 1 file.",
        "[*] 1 fixable with the `--fix` option.",
    ]


def test_cli_text_to_a_file_from_a_terminal_is_not_coloured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpack.cli import main

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("sys.stdout", FakeTerminal())
    monkeypatch.chdir(tmp_path)
    write_account_type(tmp_path, "account-type.json", TRAILING_COMMA)
    assert main(["check", "account-type.json", "--output-file", "report.txt", *LOADER_ONLY]) == 1
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert report.startswith("account-type.json:3:14: L003 [*] [error]")
    assert "\x1b" not in report
