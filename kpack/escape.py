"""The one escaping function of human-readable output (text reports, GitHub annotations,
error lines, `kpack rules` and `kpack rule`).

Ids, keys, values and file names come from files kpack did not write: printed raw, an
`_id` holding `\\x1b]0;...\\x07` retitles the terminal, `\\x1b[2K\\r` erases the line above,
a newline or U+2028 forges a line of the report, U+202E reverses what follows. Each such
character is written as a Python-style escape (`\\x1b`, `\\u202e`) instead. JSON and SARIF
reports are not escaped: JSON escapes control characters itself and keeps the data exact.
"""

from __future__ import annotations

import re

# C0 controls (newline and tab included), DEL, C1 controls; the Arabic letter mark, the
# left-to-right and right-to-left marks; the line and paragraph separators; the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
UNSAFE_PATTERN = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control, bidi and line-separator character escaped: one line
    that shows what it holds and cannot move the cursor or reorder what follows."""
    if text.isascii() and text.isprintable():
        # The ASCII characters that are not printable are exactly the unsafe ones (C0
        # controls and DEL): most texts never need the pattern (compiled on first use).
        return text
    return re.compile(UNSAFE_PATTERN).sub(_escape, text)


def printable_lines(text: str) -> str:
    """`printable` on each line of a multi-line text of kpack's own (a rule's doc)."""
    return "\n".join(printable(line) for line in text.split("\n"))
