"""The JSON report: a stable contract (version 1) that other tools read."""

from __future__ import annotations

import json
from typing import Any

from kpack.check import count_by_severity
from kpack.diagnostics import Diagnostic, Severity
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
