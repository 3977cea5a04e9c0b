"""GitHub Actions workflow commands: one annotation per diagnostic, nothing else.

Like ruff's `--output-format github`, a clean run prints nothing and there is no summary
line: every line of stdout is a command the runner consumes. Escaping follows the Actions
toolkit (`@actions/core`'s command.ts), so a newline in a message or a comma in a file name
cannot end the annotation early or start a new property.
"""

from __future__ import annotations

from kpack.diagnostics import Diagnostic, Severity
from kpack.escape import printable
from kpack.reporters import Report

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part, after `::`."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property: `:` and `,` would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    # Control characters escaped first (kpack.escape: the runner's log is a terminal
    # too), then the toolkit's percent-encoding of the command syntax.
    properties = {
        "file": printable(d.file),
        "line": str(d.line),
        "col": str(d.column),
        "endLine": str(d.end_line),
        "endColumn": str(d.end_column),
        "title": printable(f"{d.code} {d.name}"),
    }
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = printable(d.message)
    if d.help:
        message += f"\nhelp: {printable(d.help)}"
    return f"::{COMMANDS[d.severity]} {props}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(annotation(d) + "\n" for d in report.diagnostics)
