"""SARIF 2.1.0: one run of the `kpack` driver, for GitHub code scanning and other viewers.

Columns are counted in Unicode code points (the loader counts characters of the decoded
text), which the run declares with `columnKind`. Relative paths stay relative to the
folder kpack ran in (`%SRCROOT%`), so a log made in a checkout maps onto the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from kpack import __version__
from kpack.diagnostics import Diagnostic, Rule, Severity
from kpack.reporters import Report

SARIF_VERSION = "2.1.0"
# The OASIS errata 01 publication, the schema the tests validate against.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def path_to_uri(path: str) -> tuple[str, bool]:
    """A file path as given → (URI, is_relative). Posix separators, percent-encoded.

    Every character outside RFC 3986's unreserved set and `/` is escaped (`:` too, so a
    first segment like `c:d` cannot read as a scheme); non-ASCII goes out as UTF-8.
    """
    pure = PurePath(path)
    if pure.is_absolute():
        return Path(pure).as_uri(), False
    return quote(pure.as_posix(), safe="/"), True


def _information_uri() -> str | None:
    """The project's homepage from the installed metadata, if it declares one."""
    from importlib import metadata

    try:
        urls: list[str] = metadata.metadata("kpack").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source"):
            return url.strip()
    return None


def _text(text: str, markdown: str | None = None) -> dict[str, str]:
    message = {"text": text}
    if markdown:
        message["markdown"] = markdown
    return message


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    doc = rule.doc or rule.summary
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": _text(rule.summary),
        "fullDescription": _text(doc),
        "help": _text(doc, doc),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }
    if rule.kind:
        descriptor["properties"] = {"documentKind": rule.kind.value}
    return descriptor


def _unknown_rule(d: Diagnostic) -> Rule:
    """A diagnostic whose code the catalogue lacks still gets a descriptor."""
    return Rule(d.code, d.name, d.severity, d.kind, d.name, "")


def _region(d: Diagnostic) -> dict[str, int] | None:
    if d.line < 1 or d.column < 1:
        return None
    region = {"startLine": d.line, "startColumn": d.column}
    # An end before the start (or unknown) is dropped rather than made up.
    if (d.end_line, d.end_column) >= (d.line, d.column) and d.end_column >= 1:
        region["endLine"] = d.end_line
        region["endColumn"] = d.end_column
    return region


def _result(d: Diagnostic, rule_index: int) -> dict[str, Any]:
    text = d.message if not d.help else f"{d.message}\nhelp: {d.help}"
    uri, relative = path_to_uri(d.file)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = SOURCE_ROOT
    physical: dict[str, Any] = {"artifactLocation": artifact}
    region = _region(d)
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if d.pointer:
        # The JSON pointer is the precise address inside the document.
        location["logicalLocations"] = [{"fullyQualifiedName": d.pointer}]
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVELS[d.severity],
        "message": _text(text),
        "locations": [location],
        "properties": {
            "name": d.name,
            "pointer": d.pointer,
            "documentKind": d.kind.value if d.kind else None,
        },
    }


def _with_fix(result: dict[str, Any], d: Diagnostic) -> dict[str, Any]:
    """The result with `fixes` when the finding has one (kpack check --fix applies it)."""
    if d.fix is None or not d.fix.edits:
        return result
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    replacements = [
        {
            "deletedRegion": {
                "startLine": e.location[0], "startColumn": e.location[1],
                "endLine": e.location[2], "endColumn": e.location[3],
            },
            "insertedContent": {"text": e.content},
        }
        for e in d.fix.edits
    ]
    fix = {
        "description": _text(d.fix.message),
        "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
        "properties": {"applicability": d.fix.applicability.value},
    }
    return {**result, "fixes": [fix]}


def build_log(report: Report) -> dict[str, Any]:
    from kpack.rules.registry import all_rules

    catalogue = {rule.code: rule for rule in all_rules()}
    # Only the rules that appear, sorted by code, so ruleIndex is stable for a given set.
    first_of: dict[str, Diagnostic] = {}
    for d in report.diagnostics:
        first_of.setdefault(d.code, d)
    codes = sorted(first_of)
    descriptors = [rule_descriptor(catalogue.get(c) or _unknown_rule(first_of[c])) for c in codes]
    index = {code: i for i, code in enumerate(codes)}

    driver: dict[str, Any] = {
        "name": "kpack",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": descriptors,
    }
    information_uri = _information_uri()
    if information_uri:
        driver["informationUri"] = information_uri

    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_with_fix(_result(d, index[d.code]), d) for d in report.diagnostics],
    }
    if any(path_to_uri(d.file)[1] for d in report.diagnostics):
        run["originalUriBaseIds"] = {SOURCE_ROOT: {"uri": _cwd_uri()}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _cwd_uri() -> str:
    # A base URI must end with a slash for relative references to resolve under it.
    return Path(os.getcwd()).as_uri().rstrip("/") + "/"


def render(report: Report) -> str:
    return json.dumps(build_log(report), indent=2, ensure_ascii=False) + "\n"
