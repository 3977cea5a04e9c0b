"""`path:line:col: CODE [severity] message`, a help line, and a summary (ruff's layout)."""

from __future__ import annotations

from kpack.check import count_by_severity
from kpack.diagnostics import Severity
from kpack.escape import printable
from kpack.fixes import applies
from kpack.reporters import Report

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "34"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    counts = count_by_severity(report.diagnostics)
    files = _plural(report.files, "file")
    fixed = f"Fixed {_plural(report.fixed, 'finding')}. " if report.fixed else ""
    if not report.diagnostics:
        return f"{fixed}All checks passed ({files} checked)."
    parts = [
        _plural(counts[Severity.ERROR], "error"),
        _plural(counts[Severity.WARNING], "warning"),
    ]
    if counts[Severity.INFO]:
        parts.append(_plural(counts[Severity.INFO], "info"))
    return f"{fixed}Found {', '.join(parts)} in {files}."


def fixable_line(report: Report) -> str | None:
    """ruff's hint: how many findings `--fix` would repair, and the hidden unsafe ones."""
    fixable = sum(applies(d.fix, report.unsafe_fixes) for d in report.diagnostics)
    hidden = sum(applies(d.fix, True) for d in report.diagnostics) - fixable
    hint = (
        f"{hidden} hidden fix{'' if hidden == 1 else 'es'} can be enabled with the "
        "`--unsafe-fixes` option"
    )
    if fixable:
        line = f"[*] {fixable} fixable with the `--fix` option"
        return f"{line} ({hint})." if hidden else f"{line}."
    return f"No fixes available ({hint})." if hidden else None


def render(report: Report) -> str:
    color = report.color
    lines = []
    for d in report.diagnostics:
        # What comes from the checked files is escaped (kpack.escape): no control
        # character reaches the terminal but the colours painted here.
        location = _paint(f"{printable(d.file)}:{d.line}:{d.column}:", "1", color)
        code = _paint(printable(d.code), _COLORS[d.severity] + ";1", color)
        severity = _paint(f"[{d.severity.value}]", _COLORS[d.severity], color)
        mark = "[*] " if report.fix_hints and applies(d.fix, report.unsafe_fixes) else ""
        lines.append(f"{location} {code} {mark}{severity} {printable(d.message)}")
        if d.help:
            lines.append(f"  {_paint('help:', '36', color)} {printable(d.help)}")
    if report.summary:
        lines.append(summary_line(report))
        fixable = fixable_line(report) if report.fix_hints else None
        if fixable:
            lines.append(fixable)
    return "".join(line + "\n" for line in lines)
