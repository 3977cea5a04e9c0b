"""The check pipeline: files → sources → documents → findings → diagnostics.

`cli.py` calls `run_check`; `provision` and `build` reuse `check_sources` on the files they
read, so every command applies the same rules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from kpack.diagnostics import Diagnostic, Finding, Kind, Severity

if TYPE_CHECKING:
    from kpack.config import Settings
from kpack.documents import Document, split_documents
from kpack.load.discover import FileToCheck
from kpack.load.source import SourceFile, read_source


class CheckOptions(NamedTuple):
    # "stack" (what cozy-stack accepts) or "registry" (what the apps registry demands).
    target: str = "stack"


# A rule module's entry point: all the run's documents of its kind → findings on them.
Checker = Callable[[list[Document], CheckOptions], Iterator[tuple[Document, Finding]]]

CHECKERS: dict[Kind | None, str] = {
    Kind.ACCOUNT_TYPE: "kpack.rules.account_type",
    Kind.MANIFEST: "kpack.rules.manifest",
    Kind.DEV_CONFIG: "kpack.rules.dev_config",
    None: "kpack.rules.cross_file",  # sees every document of the run
}


class CheckResult(NamedTuple):
    sources: list[SourceFile]
    documents: list[Document]
    diagnostics: list[Diagnostic]


def _checker(kind: Kind | None) -> Checker:
    module = importlib.import_module(CHECKERS[kind])
    check: Checker = module.check
    return check


def to_diagnostic(document: Document, finding: Finding) -> Diagnostic:
    source = document.source
    rule = finding.rule
    span = source.span(finding.pointer, finding.at_value)
    return Diagnostic(
        rule.code,
        rule.name,
        finding.severity or rule.severity,
        finding.message,
        finding.help,
        source.display,
        source.kind,
        finding.pointer,
        *span,
    )


def check_sources(
    sources: Iterable[SourceFile], options: CheckOptions
) -> tuple[list[Document], list[Diagnostic]]:
    sources = list(sources)
    documents: list[Document] = []
    for source in sources:
        if source.readable:
            documents.extend(split_documents(source))
    diagnostics = [problem for source in sources for problem in source.problems]
    by_kind: dict[Kind, list[Document]] = {}
    for document in documents:
        by_kind.setdefault(document.source.kind, []).append(document)
    for kind, docs in by_kind.items():
        diagnostics.extend(to_diagnostic(d, f) for d, f in _checker(kind)(docs, options))
    if len(by_kind) > 1:
        diagnostics.extend(to_diagnostic(d, f) for d, f in _checker(None)(documents, options))
    diagnostics.sort(key=lambda d: d.sort_key)
    return documents, diagnostics


def run_check(files: list[FileToCheck], options: CheckOptions) -> CheckResult:
    sources = [read_source(f.path, f.display, f.kind) for f in files]
    documents, diagnostics = check_sources(sources, options)
    return CheckResult(sources, documents, diagnostics)


def run_configured(groups: list[tuple[Settings, list[FileToCheck]]]) -> list[Diagnostic]:
    """Check each group of files that share settings, and apply those settings.

    Files under different `.kpack.yaml` files belong to different connectors (or
    repositories), so rules across files only pair files within one group.
    """
    diagnostics: list[Diagnostic] = []
    for settings, files in groups:
        result = run_check(files, CheckOptions(target=settings.target))
        diagnostics.extend(settings.apply(result.diagnostics))
    diagnostics.sort(key=lambda d: d.sort_key)
    return diagnostics


def count_by_severity(diagnostics: Iterable[Diagnostic]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
    return counts
