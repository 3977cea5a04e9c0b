"""What the terminal wants: colour (NO_COLOR, FORCE_COLOR) and width (COLUMNS).

Colour, for an automatic choice (`--color auto`), in this order: `NO_COLOR` set and not
empty turns it off (no-color.org), `FORCE_COLOR` set and not empty turns it on even when
the output is not a terminal (force-color.org), else colour on a TTY unless `TERM=dumb`.
Python 3.13's own colouring and ruff's (anstream) give NO_COLOR the same precedence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from kpack.diagnostics import Rule

# Below this many columns for the summary, it goes on lines of its own.
_MIN_SUMMARY = 24


def auto_color(stream: object) -> bool:
    """Whether to colour what goes to `stream` (None: a file named by the user)."""
    if os.environ.get("NO_COLOR"):
        return False
    if stream is None:  # --output-file: colour only on request (--color always)
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def width(stream: object) -> int | None:
    """The columns of the terminal behind `stream`, `COLUMNS` first; None when `stream` is
    not a terminal (a pipe or a file gets whole lines, for grep)."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    import shutil  # here: it imports bz2 and lzma (5 ms), and `kpack check` needs no width

    return shutil.get_terminal_size().columns


def _wrap(text: str, columns: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, columns, break_on_hyphens=False) or [""]


def rules_table(rules: Iterable[Rule], columns: int | None) -> list[str]:
    """`kpack rules` as text lines: code, name, severity, summary; every line fits in
    `columns` (None: no limit). Long summaries wrap under their own column, or under
    the code when the terminal is too narrow for a column."""
    rules = list(rules)
    name_width = max((len(r.name) for r in rules), default=0)
    lines: list[str] = []
    for r in rules:
        head = f"{r.code:<5} {r.name:<{name_width}} {r.severity.value:<7} "
        if columns is None:
            lines.append(head + r.summary)
            continue
        room = columns - len(head)
        if room >= _MIN_SUMMARY:
            summary = _wrap(r.summary, room)
            lines.append(head + summary[0])
            lines.extend(" " * len(head) + rest for rest in summary[1:])
        else:
            indent = " " * 4 if columns > 8 else ""
            lines.extend(_wrap(head.rstrip(), max(columns, 1)))
            lines.extend(indent + part for part in _wrap(r.summary, max(columns - len(indent), 1)))
    return lines
