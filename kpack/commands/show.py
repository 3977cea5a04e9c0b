"""`kpack check --show-files` and `--show-settings`: what a check would read, and how.

ruff's two options: the files it would check (here with the kind each is checked as), and
the settings one file is checked with, resolved (the file they come from, the target,
the selection layers, the severities, the per-file-ignores) down to the rules that would
be reported for that file and at which severity. Neither checks anything: exit 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from kpack.commands.output import write_output
from kpack.status import ExitStatus

if TYPE_CHECKING:
    from kpack.config import Settings
    from kpack.load.discover import FileToCheck


def show_files(files: Iterable[FileToCheck]) -> tuple[ExitStatus, int]:
    """One line per file, `kind<TAB>path`, in the order a check reads them; the exit
    status and how many files there were."""
    from kpack.escape import printable

    count = 0
    lines = []
    for file in files:
        lines.append(f"{file.kind.value}\t{printable(file.display)}\n")
        count += 1
    write_output("".join(lines), None)
    return ExitStatus.CLEAN, count


def show_settings(file: FileToCheck, settings: Settings) -> ExitStatus:
    write_output("".join(line + "\n" for line in settings_lines(file, settings)), None)
    return ExitStatus.CLEAN


# The settings shown first, in this order, under their names in .kpack.yaml; any other
# field of Settings follows, under its own name.
_SHOWN = (
    ("target", "target"),
    ("select", "select"),
    ("ignore", "ignore"),
    ("extend_select", "extend-select"),
    ("extend_ignore", "extend-ignore"),
    ("severity", "severity"),
    ("per_file_ignores", "per-file-ignores"),
    ("ignore_pointers", "ignore-pointers"),
)
_NOT_SHOWN = frozenset({"root", "source", "cli"})  # shown their own way


def settings_lines(file: FileToCheck, settings: Settings) -> Iterator[str]:
    yield f"Resolved settings for: {_value(file.display)}"
    yield f"Settings path: {_value(settings.source)}" + (
        "" if settings.source else " (none found: the defaults)"
    )
    yield f"root = {_value(str(settings.root))}"
    for field, name in _SHOWN:
        value = getattr(settings, field)
        if field == "select" and value is None:
            yield "select = null (not set: every rule)"
        elif field in ("severity", "per_file_ignores"):
            yield f"{name} = {_value(dict(value))}"
        else:
            yield f"{name} = {_value(value)}"
    for field in type(settings)._fields:
        if field not in _NOT_SHOWN and field not in dict(_SHOWN):
            yield f"{field.replace('_', '-')} = {_value(getattr(settings, field))}"
    for layer in settings.cli:
        yield f"command-line = {_value(layer)}"
    rules = list(enabled_rules(file, settings))
    yield f"rules.enabled = [  # {len(rules)}: reported for this file, at this severity"
    for code, name, severity in rules:
        yield f"\t{code}\t{severity}\t{name}"
    yield "]"


def enabled_rules(file: FileToCheck, settings: Settings) -> Iterator[tuple[str, str, str]]:
    """The rules whose findings `kpack check` would report in `file`, with their severity:
    each rule's finding put through `Settings.apply` as the check does (selection,
    per-file-ignores, severity overrides), so this says what the check does."""
    from kpack.diagnostics import Diagnostic
    from kpack.rules.catalogue import all_rules

    for rule in all_rules():
        if rule.code.startswith("B") or rule.kind not in (None, file.kind):
            continue  # B: `kpack build`'s; other kinds' rules never run on this file
        probe = Diagnostic(
            rule.code, rule.name, rule.severity, "", None, file.display, file.kind, None,
            1, 1, 1, 1,
        )
        for kept in settings.apply([probe]):
            yield kept.code, kept.name, kept.severity.value


def _value(value: Any) -> str:
    """A setting as JSON, on one line that cannot move the cursor (kpack.escape: a glob
    or a path may hold any character)."""
    from kpack.escape import printable

    return printable(json.dumps(_plain(value), ensure_ascii=False))


def _plain(value: Any) -> Any:
    from enum import Enum
    from pathlib import PurePath

    if hasattr(value, "_asdict"):  # a NamedTuple: PointerIgnore, Selection
        return {k.replace("_", "-"): _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
