"""`kpack check --statistics`: a count per rule instead of the findings (ruff's layout).

Text: `count<TAB>code<TAB>[*] name`, most frequent first (then by code); the mark says
whether `--fix` repairs all (`[*]`), some (`[~]`) or none (`[ ]`) of them, and is left
out when nothing is fixable; then the summary lines (not with `--quiet`). JSON: a list of
`{code, name, count, fixable, fixable_count}`.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from kpack.fixes import applies
from kpack.reporters import Report


class Statistic(NamedTuple):
    code: str
    name: str
    found: int  # findings of this rule (`count` is a tuple's method)
    fixable_count: int


def statistics(report: Report) -> list[Statistic]:
    counts: dict[tuple[str, str], list[int]] = {}
    for d in report.diagnostics:
        tally = counts.setdefault((d.code, d.name), [0, 0])
        tally[0] += 1
        tally[1] += applies(d.fix, report.unsafe_fixes)
    rows = [Statistic(code, name, n, fixable) for (code, name), (n, fixable) in counts.items()]
    rows.sort(key=lambda s: (-s.found, s.code, s.name))
    return rows


def render_json(report: Report) -> str:
    rows = [
        {"code": s.code, "name": s.name, "count": s.found, "fixable": s.fixable_count > 0,
         "fixable_count": s.fixable_count}
        for s in statistics(report)
    ]
    return json.dumps(rows, indent=2) + "\n"


def render_text(report: Report) -> str:
    from kpack.reporters.text import fixable_line, summary_line

    rows = statistics(report)
    lines = []
    if rows:
        count_width = max(len(str(s.found)) for s in rows)
        code_width = max(len(s.code) for s in rows)
        any_fixable = any(s.fixable_count for s in rows)
        for s in rows:
            mark = ""
            if any_fixable:
                mark = "[*] " if s.fixable_count == s.found else (
                    "[~] " if s.fixable_count else "[ ] "
                )
            lines.append(f"{s.found:>{count_width}}\t{s.code:<{code_width}}\t{mark}{s.name}")
    if report.summary:
        lines.append(summary_line(report))
        fixable = fixable_line(report)
        if fixable:
            lines.append(fixable)
    return "".join(line + "\n" for line in lines)


def render(report: Report, output_format: str) -> str:
    """JSON for `--format json`; the text table for every other format (as ruff does)."""
    return render_json(report) if output_format == "json" else render_text(report)
