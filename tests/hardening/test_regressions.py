"""Bugs the fuzzing found, each pinned by the smallest input that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpack.diagnostics import Kind
from tests.helpers import lint, only


# -- spans at the end of the file stayed one character past it --------------------------------


@pytest.mark.parametrize(
    ("name", "text", "code", "span"),
    [
        ("account-types.json", "[[", "L001", (1, 3, 1, 3)),
        ("account-types.json", "[\n", "L001", (2, 1, 2, 1)),
        ("account-types.yaml", "[I\\E", "L009", (1, 5, 1, 5)),
        ("account-types.yaml", "'", "L009", (1, 2, 1, 2)),
        ("account-types.yaml", "{{}", "L009", (1, 4, 1, 4)),
    ],
)
def test_errors_at_the_end_of_the_file_stay_inside_it(
    tmp_path: Path, name: str, text: str, code: str, span: tuple[int, int, int, int]
) -> None:
    d = only(lint(tmp_path, name, text, kind=Kind.ACCOUNT_TYPE), code)
    assert (d.line, d.column, d.end_line, d.end_column) == span


def test_an_error_inside_the_text_keeps_its_one_character_span(tmp_path: Path) -> None:
    d = only(lint(tmp_path, "account-types.json", '{"a" 1}'), "L001")
    assert (d.line, d.column, d.end_line, d.end_column) == (1, 6, 1, 7)
