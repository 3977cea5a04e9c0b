"""The JSON report: a stable contract (version 1) that other tools read."""

from __future__ import annotations

import json
from typing import Any

from kpack.check import count_by_severity
from kpack.diagnostics import Diagnostic, Severity
from kpack.fixes import Fix
from kpack.reporters import Report

FORMAT_VERSION = 1


def diagnostic_to_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "message": d.message,
        "help": d.help,
        "file": d.file,
        "kind": d.kind.value if d.kind else None,
        "pointer": d.pointer,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "fix": fix_to_dict(d.fix) if d.fix is not None and d.fix.edits else None,
    }


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    """ruff's shape: applicability, a message and the edits, positions as diagnostics'."""
    return {
        "applicability": fix.applicability.value,
        "message": fix.message,
        "edits": [
            {
                "start": {"line": e.location[0], "column": e.location[1]},
                "end": {"line": e.location[2], "column": e.location[3]},
                "content": e.content,
            }
            for e in fix.edits
        ],
    }


def render(report: Report) -> str:
    counts = count_by_severity(report.diagnostics)
    body = {
        "version": FORMAT_VERSION,
        "summary": {
            "files": report.files,
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "infos": counts[Severity.INFO],
        },
        "diagnostics": [diagnostic_to_dict(d) for d in report.diagnostics],
        # Added in version 1 (additive): the files checked, as displayed, sorted.
        "files": sorted(report.paths),
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
