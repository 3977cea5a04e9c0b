"""L001 in kpack's words (issue 12 item 13): Python's messages stop at a colon that its
exception fills with the position ("invalid control character at"); kpack's say which
character and what was expected, and the diagnostic says where."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpack.diagnostics import Kind
from kpack.load.source import read_source
from tests.helpers import write


def l001(tmp_path: Path, text: str) -> tuple[int, int, str, str | None]:
    path = write(tmp_path, "manifest.konnector", text)
    source = read_source(path, "manifest.konnector", Kind.MANIFEST)
    (d,) = [p for p in source.problems if p.code in ("L001", "L015")]  # L015: trailing data
    return d.line, d.column, d.message, d.help


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "help"),
    [
        ('{\n  "name": "a\tb"\n}', 2, 13,
         "a tab inside a string: JSON strings cannot hold control characters", "write it as \\t"),
        ('{\n  "name": "a\x01"\n}', 2, 13,
         "the control character U+0001 inside a string: JSON strings cannot hold control "
         "characters", "write it as a \\u escape"),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3,
         "expected ',' between two values, or the end of the object or array, found a double "
         'quote (")', "a comma is probably missing at the end of the previous line"),
        ("{'slug': 'x'}", 1, 2,
         "expected a member name in double quotes, found a single quote (')",
         "member names are written in double quotes"),
        ('{"slug": "x"', 1, 13, "expected ',' between two values, or the end of the object or "
         "array, found the end of the file",
         "a comma is probably missing at the end of the previous line"),
        ('{"slug": }', 1, 10, "expected a value (a string, number, object, array, true, false "
         "or null), found '}'", None),
        ('{"clientSide": True}', 1, 16, "expected a value (a string, number, object, array, "
         "true, false or null), found 'T'",
         "JSON writes true, false and null in lowercase; undefined does not exist"),
        ('{"slug": "x"}\n{"slug": "y"}', 2, 1,
         "found '{' after the end of the manifest's JSON value",
         "remove it: the stack reads the first value only, the registry may refuse it"),
        ('{"slug": "x', 1, 10, "a string starts here and is never closed",
         "add the closing double quote (a string cannot span lines)"),
        ('{"slug": "C:\\dir"}', 1, 13, "invalid escape \\d in a string",
         'JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a backslash as '
         "\\\\"),
    ],
)
def test_whole_messages(
    tmp_path: Path, text: str, line: int, column: int, message: str, help: str | None
) -> None:
    assert l001(tmp_path, text) == (line, column, message, help)
    assert not message.endswith(" at")
