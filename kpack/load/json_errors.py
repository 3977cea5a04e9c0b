"""The JSON parser's errors in kpack's words: what was expected, what was found, where.

Imported only when a file does not parse.
"""

from __future__ import annotations

import json
import re
import sys

from kpack.diagnostics import Span
from kpack.load import rules as R
from kpack.load.source import SourceFile

_CHARACTER_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                    " ": "a space", "'": "a single quote (')", '"': 'a double quote (")'}
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def report_json_error(source: SourceFile, exc: json.JSONDecodeError) -> None:
    message, help = json_error_message(source.text, exc.msg, exc.pos)
    source.report_at_offset(R.JSON_SYNTAX, message, exc.pos, help)


def describe_character(text: str, offset: int) -> str:
    """The character at `offset` in words: printable ones quoted, others by code point."""
    if offset >= len(text):
        return "the end of the file"
    char = text[offset]
    if char in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[char]
    if not char.isprintable():
        return f"the control character U+{ord(char):04X}"
    return f"'{char}'"


def json_error_message(text: str, msg: str, pos: int) -> tuple[str, str | None]:
    """Python's JSON error in kpack's words, whole (Python's own messages end at a colon
    that its exception fills with the position): what was expected, what was found."""
    found = describe_character(text, pos)
    if msg == "Expecting value":
        if pos >= len(text.rstrip()):
            return "the file ends where a value was expected", None
        help = None
        if text.startswith("'", pos):
            help = "JSON strings are written in double quotes"
        elif text.startswith(("True", "False", "None", "undefined"), pos):
            help = "JSON writes true, false and null in lowercase; undefined does not exist"
        return (
            f"expected a value (a string, number, object, array, true, false or null), "
            f"found {found}", help,
        )
    if msg == "Expecting ',' delimiter":
        return f"expected ',' between two values, or the end of the object or array, found "\
            f"{found}", "a comma is probably missing at the end of the previous line"
    if msg == "Expecting ':' delimiter":
        return f"expected ':' after a member's name, found {found}", None
    if msg.startswith("Expecting property name"):
        help = (
            "member names are written in double quotes" if text.startswith("'", pos)
            or (pos < len(text) and (text[pos].isalpha() or text[pos] == "_"))
            else None
        )
        return f"expected a member name in double quotes, found {found}", help
    if msg == "Extra data":
        return f"found {found} after the end of the JSON value", \
            "a file holds one JSON value: wrap several in an array, or remove the rest"
    if msg.startswith("Invalid control character"):
        escape = _ESCAPES.get(text[pos]) if pos < len(text) else None
        return f"{found} inside a string: JSON strings cannot hold control characters", \
            f"write it as {escape}" if escape else "write it as a \\u escape"
    if msg.startswith("Unterminated string"):
        return "a string starts here and is never closed", \
            "add the closing double quote (a string cannot span lines)"
    if msg.startswith("Invalid \\u"):
        return "invalid \\u escape: four hexadecimal digits are expected", None
    if msg.startswith("Invalid \\escape"):
        char = text[pos + 1] if pos + 1 < len(text) else ""
        return (
            f"invalid escape \\{char} in a string",
            'JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a '
            "backslash as \\\\",
        )
    return msg[0].lower() + msg[1:], None


def report_big_integer(source: SourceFile) -> None:
    """An integer longer than Python reads (sys.get_int_max_str_digits()), in JSON or
    YAML: where it is, and what is wrong with it, in the file's terms."""
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    longest = str(max(limit, 1) + 1)
    digits = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.])(-?\d{' + longest + ",})", re.DOTALL)
    found = next((m for m in digits.finditer(source.text) if m.group(1)), None)
    if found is None:  # not where a number can be: say what is known
        source.report(
            R.NON_FINITE_NUMBER,
            f"a number has more than {limit:,} digits",
            Span(1, 1, 1, 1),
            help="no connector document needs such a number: write it as a string",
        )
        return
    count = len(found.group(1).lstrip("-"))
    source.report_at_offset(
        R.NON_FINITE_NUMBER,
        f"an integer of {count:,} digits: kpack reads numbers of at most {limit:,} digits",
        found.start(1),
        help="no connector document needs such a number: write it as a string",
    )
