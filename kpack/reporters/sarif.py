"""SARIF 2.1.0: one run of the `kpack` driver, for GitHub code scanning and other viewers.

Columns are counted in Unicode code points (the loader counts characters of the decoded
text), which the run declares with `columnKind`. Files under the source root (`%SRCROOT%`:
the git work tree kpack runs in, else the folder it runs in) get URIs relative to it, so a
log made from a subfolder of a checkout still maps onto the repository (never `../`);
files elsewhere get absolute `file:` URIs.

Code scanning needs to recognise a finding from one run to the next: each result carries
`partialFingerprints` made of the rule code, the file's URI and the JSON pointer (not the
line, so a finding keeps its identity when lines move). `primaryLocationLineHash` holds the
same value, so github/codeql-action/upload-sarif keeps it instead of hashing source lines.
Each rule links to its section of docs/rules.md for the running version (`helpUri`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from kpack import __version__, project
from kpack.diagnostics import Diagnostic, Rule, Severity
from kpack.reporters import Report

SARIF_VERSION = "2.1.0"
# The OASIS errata 01 publication, the schema the tests validate against.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"
# Fingerprint keys: GitHub's own (kept as given by upload-sarif) and kpack's, versioned.
FINGERPRINT_KEYS = ("primaryLocationLineHash", "kpackFingerprint/v1")

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


def _text(text: str, markdown: str | None = None) -> dict[str, str]:
    message = {"text": text}
    if markdown:
        message["markdown"] = markdown
    return message


def rule_descriptor(rule: Rule, known: bool = True) -> dict[str, Any]:
    """A rule's descriptor; `known`: from the catalogue, so documented in docs/rules.md."""
    doc = rule.doc or rule.summary
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": _text(rule.summary),
        "fullDescription": _text(doc),
        "help": _text(doc, doc),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }
    if known:
        descriptor["helpUri"] = project.rule_help_uri(rule.code, rule.name)
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


def source_root() -> str:
    """The folder `%SRCROOT%` stands for: the git work tree holding the current folder,
    else the current folder (real paths, so that files compare with it)."""
    from kpack.git import find_work_tree

    cwd = os.path.realpath(os.getcwd())
    tree = find_work_tree(Path(cwd) / "-")
    return os.path.realpath(tree) if tree is not None else cwd


def artifact_location(path: str, root: str) -> dict[str, Any]:
    """A file as given on the command line → its SARIF artifact location: relative to
    `root` (`uriBaseId` %SRCROOT%) when it lies below it, else an absolute `file:` URI."""
    folder, name = os.path.split(os.path.abspath(path))
    absolute = os.path.join(os.path.realpath(folder), name)
    relative = os.path.relpath(absolute, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return {"uri": path_to_uri(absolute)[0]}
    return {"uri": path_to_uri(relative)[0], "uriBaseId": SOURCE_ROOT}


def fingerprint(code: str, uri: str, pointer: str | None) -> str:
    """What identifies a finding across runs: rule, file, place in the document."""
    key = "\0".join((code, uri, pointer or ""))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _result(
    d: Diagnostic, rule_index: int, artifact: dict[str, Any], seen: dict[str, int]
) -> dict[str, Any]:
    text = d.message if not d.help else f"{d.message}\nhelp: {d.help}"
    digest = fingerprint(d.code, artifact["uri"], d.pointer)
    # The same rule at the same place twice: numbered, as GitHub numbers line hashes.
    seen[digest] = occurrence = seen.get(digest, 0) + 1
    physical: dict[str, Any] = {"artifactLocation": dict(artifact)}
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
        "partialFingerprints": {key: f"{digest}:{occurrence}" for key in FINGERPRINT_KEYS},
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
    from kpack.rules.catalogue import all_rules

    catalogue = {rule.code: rule for rule in all_rules()}
    # Only the rules that appear, sorted by code, so ruleIndex is stable for a given set.
    first_of: dict[str, Diagnostic] = {}
    for d in report.diagnostics:
        first_of.setdefault(d.code, d)
    codes = sorted(first_of)
    descriptors = [
        rule_descriptor(catalogue[c]) if c in catalogue
        else rule_descriptor(_unknown_rule(first_of[c]), known=False)
        for c in codes
    ]
    index = {code: i for i, code in enumerate(codes)}

    driver: dict[str, Any] = {
        "name": "kpack",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": project.REPOSITORY,
        "rules": descriptors,
    }
    root = source_root() if report.diagnostics else ""
    artifacts: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    results = []
    for d in report.diagnostics:
        artifact = artifacts.get(d.file)
        if artifact is None:
            artifact = artifacts[d.file] = artifact_location(d.file, root)
        results.append(_with_fix(_result(d, index[d.code], artifact, seen), d))
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if any("uriBaseId" in artifact for artifact in artifacts.values()):
        run["originalUriBaseIds"] = {
            SOURCE_ROOT: {
                "uri": _folder_uri(root),
                "description": _text("The git work tree kpack ran in, else its folder."),
            }
        }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _folder_uri(folder: str) -> str:
    # A base URI must end with a slash for relative references to resolve under it.
    return Path(folder).as_uri().rstrip("/") + "/"


def render(report: Report) -> str:
    return json.dumps(build_log(report), indent=2, ensure_ascii=False) + "\n"
