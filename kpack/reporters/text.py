"""`path:line:col: CODE [severity] message`, a help line, and a summary (ruff's layout)."""

from __future__ import annotations

from kpack.check import count_by_severity
from kpack.diagnostics import Severity
from kpack.escape import printable
from kpack.reporters import Report

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "34"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    counts = count_by_severity(report.diagnostics)
    files = _plural(report.files, "file")
    if not report.diagnostics:
        return f"All checks passed ({files} checked)."
    parts = [
        _plural(counts[Severity.ERROR], "error"),
        _plural(counts[Severity.WARNING], "warning"),
    ]
    if counts[Severity.INFO]:
        parts.append(_plural(counts[Severity.INFO], "info"))
    return f"Found {', '.join(parts)} in {files}."


def render(report: Report) -> str:
    color = report.color
    lines = []
    for d in report.diagnostics:
        # What comes from the checked files is escaped (kpack.escape): no control
        # character reaches the terminal but the colours painted here.
        location = _paint(f"{printable(d.file)}:{d.line}:{d.column}:", "1", color)
        code = _paint(printable(d.code), _COLORS[d.severity] + ";1", color)
        severity = _paint(f"[{d.severity.value}]", _COLORS[d.severity], color)
        lines.append(f"{location} {code} {severity} {printable(d.message)}")
        if d.help:
            lines.append(f"  {_paint('help:', '36', color)} {printable(d.help)}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
