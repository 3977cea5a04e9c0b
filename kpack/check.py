"""The check pipeline: files → sources → documents → findings → diagnostics.

Two passes. First each file alone: it is read, split into documents, and the document
rules (most rules) run on each document. Then the run rules, which compare documents
(duplicate ids, a manifest and its account type, git's view of dev configs), run once
over all the documents of a settings group. The run rules see each document reduced to
the members they read (`run_members`), so the first pass can run in worker processes
(`--jobs`) and send back little; serial or parallel, the same code gives the same report.

`cli.py` calls `check_files` on files as discovery finds them; `provision` and `build`
reuse `check_sources` on the files they read, so every command applies the same rules.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Container, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

from kpack.diagnostics import Diagnostic, Finding, Kind, Severity
from kpack.options import CheckOptions

if TYPE_CHECKING:
    from kpack.config import Settings
from kpack.documents import Document, split_documents
from kpack.load.discover import FileToCheck
from kpack.load.rules import TOO_MANY_FINDINGS, TRAILING_DATA
from kpack.load.source import Budget, SourceFile, read_source


class KindRules(Protocol):
    """A rule module for one kind of document."""

    # The members of a document that this module's run rules read.
    RUN_MEMBERS: tuple[str, ...]
    # Whether the run rules mostly wait on other processes (git): they then run on a
    # thread while the other modules' run rules run.
    RUN_WAITS: bool

    def check_document(self, doc: Document, options: CheckOptions) -> Iterator[Finding]:
        """The rules that need only this document."""

    def check_run(
        self, documents: list[Document], options: CheckOptions
    ) -> Iterator[tuple[Document, Finding]]:
        """The rules across the group's documents of this kind (reduced to RUN_MEMBERS)."""


class CrossFileRules(Protocol):
    """The rules across kinds; they run when a group holds several kinds of file."""

    RUN_MEMBERS: Mapping[Kind, tuple[str, ...]]

    def check_run(
        self, documents: list[Document], options: CheckOptions
    ) -> Iterator[tuple[Document, Finding]]: ...


# `kpack check --jobs 0` (the default) starts worker processes from this many files.
PARALLEL_FROM_FILES = 400
# Files per chunk sent to a worker: small enough for the processes to finish together,
# large enough that the round trips do not count.
CHUNK_FILES = 100


_KIND_RULES: dict[Kind, KindRules] = {}


def _import_kind_rules(kind: Kind) -> KindRules:
    # Static imports, one per kind, made on first use: a run loads only the families of
    # the kinds it meets, and import-linter and `-X importtime` see every edge.
    if kind is Kind.ACCOUNT_TYPE:
        from kpack.rules import account_type

        return cast(KindRules, account_type)
    if kind is Kind.MANIFEST:
        from kpack.rules import manifest

        return cast(KindRules, manifest)
    from kpack.rules import dev_config

    return cast(KindRules, dev_config)


def kind_rules(kind: Kind) -> KindRules:
    # Asked once per file: a dict lookup, not the import machinery each time.
    rules = _KIND_RULES.get(kind)
    if rules is None:
        rules = _KIND_RULES[kind] = _import_kind_rules(kind)
    return rules


def cross_file_rules() -> CrossFileRules:
    from kpack.rules import cross_file

    return cast(CrossFileRules, cross_file)


_RUN_MEMBERS: dict[Kind, tuple[str, ...]] = {}


def run_members(kind: Kind) -> tuple[str, ...]:
    """The members of a `kind` document that any run rule reads."""
    members = _RUN_MEMBERS.get(kind)
    if members is None:
        own = kind_rules(kind).RUN_MEMBERS
        across = cross_file_rules().RUN_MEMBERS.get(kind, ())
        members = _RUN_MEMBERS[kind] = own + tuple(m for m in across if m not in own)
    return members


def reduced(document: Document) -> Document:
    """The document as the run rules see it: only the members they read."""
    data = document.data
    members = run_members(document.source.kind)
    return document._replace(data={m: data[m] for m in members if m in data})


def to_diagnostic(document: Document, finding: Finding) -> Diagnostic:
    source = document.source
    rule = finding.rule
    span = source.span(finding.pointer, finding.at_value)
    fix = finding.fix
    if fix is not None:  # rare: only the findings a rule knows how to repair
        from kpack.load.resolve import resolve

        fix = resolve(source, fix)
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
        fix,
    )


def check_source(
    source: SourceFile, options: CheckOptions
) -> tuple[list[Document], list[Diagnostic]]:
    """First pass on one file: its documents, its problems and its document findings."""
    # Splitting may report a wrong root shape on the source.
    documents = split_documents(source) if source.readable else []
    diagnostics = list(source.problems)
    if options.target == "stack" and source.kind is Kind.MANIFEST:
        # The stack's json.Decoder ignores what follows a manifest's first value.
        diagnostics = [
            d._replace(severity=Severity.WARNING) if d.code == TRAILING_DATA.code else d
            for d in diagnostics
        ]
    for document in documents:
        diagnostics.extend(document_diagnostics(document, options))
    return documents, diagnostics


def document_diagnostics(document: Document, options: CheckOptions) -> list[Diagnostic]:
    """The document rules' findings on `document`, within the budget of a document: a
    hostile one (100,000 unknown keys, pointers of a megabyte) must not cost minutes and
    gigabytes. The rules yield findings one by one, so the checking stops there too."""
    budget = Budget()
    found = []
    for finding in kind_rules(document.source.kind).check_document(document, options):
        size = len(finding.pointer) + len(finding.message) + len(finding.help or "")
        if not budget.take(size):
            stop = Finding(TOO_MANY_FINDINGS, document.pointer, budget.message("findings"))
            found.append(to_diagnostic(document, stop))
            break
        found.append(to_diagnostic(document, finding))
    return found


def check_run(documents: list[Document], options: CheckOptions) -> list[Diagnostic]:
    """Second pass: the run rules over one group's (reduced) documents."""
    by_kind: dict[Kind, list[Document]] = {}
    for document in documents:
        by_kind.setdefault(document.source.kind, []).append(document)
    waiting = {
        kind: _Waiting(kind_rules(kind), docs, options)
        for kind, docs in by_kind.items()
        if kind_rules(kind).RUN_WAITS and len(by_kind) > 1
    }
    found: dict[Kind, list[tuple[Document, Finding]]] = {}
    for kind, docs in by_kind.items():
        if kind not in waiting:
            found[kind] = list(kind_rules(kind).check_run(docs, options))
    across = list(cross_file_rules().check_run(documents, options)) if len(by_kind) > 1 else []
    for kind, job in waiting.items():
        found[kind] = job.findings()
    # In the order of the kinds, as if each had run here in turn.
    diagnostics = [to_diagnostic(d, f) for kind in by_kind for d, f in found[kind]]
    diagnostics.extend(to_diagnostic(d, f) for d, f in across)
    return diagnostics


class _Waiting:
    """Run rules that wait on other processes, running on a thread meanwhile."""

    def __init__(self, rules: KindRules, documents: list[Document], options: CheckOptions):
        self._found: list[tuple[Document, Finding]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(rules, documents, options), daemon=True
        )
        self._thread.start()

    def _run(self, rules: KindRules, documents: list[Document], options: CheckOptions) -> None:
        try:
            self._found = list(rules.check_run(documents, options))
        except BaseException as exc:  # raised in the caller's thread, by findings()
            self._error = exc

    def findings(self) -> list[tuple[Document, Finding]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._found


def check_documents(documents: list[Document], options: CheckOptions) -> list[Diagnostic]:
    """Both passes over documents already split (provision rewrites ids, then checks)."""
    diagnostics = [d for document in documents for d in document_diagnostics(document, options)]
    diagnostics.extend(check_run([reduced(d) for d in documents], options))
    return diagnostics


def check_sources(
    sources: Iterable[SourceFile], options: CheckOptions
) -> tuple[list[Document], list[Diagnostic]]:
    """Both passes over sources already read: their documents and sorted diagnostics."""
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    for source in sources:
        found_documents, found = check_source(source, options)
        documents.extend(found_documents)
        diagnostics.extend(found)
    diagnostics.extend(check_run([reduced(d) for d in documents], options))
    diagnostics.sort(key=lambda d: d.sort_key)
    return documents, diagnostics


class FileResult(NamedTuple):
    """What the first pass keeps of a file: all a worker process sends back. Plain data,
    cheap to send: no parsed document, no Path, no SourceFile."""

    diagnostics: list[Diagnostic]  # the file's problems and its documents' findings
    text: str  # to locate the run rules' findings ("" when there is no document)
    documents: list[tuple[str, dict[str, Any]]]  # pointer, members the run rules read


def check_file(file: FileToCheck, options: CheckOptions) -> FileResult:
    source = read_source(file.path, file.display, file.kind)
    documents, diagnostics = check_source(source, options)
    if not documents:
        return FileResult(diagnostics, "", [])
    return FileResult(
        diagnostics, source.text, [(d.pointer, reduced(d).data) for d in documents]
    )


def run_documents(file: FileToCheck, result: FileResult) -> list[Document]:
    """The documents of a checked file as the run rules see them."""
    if not result.documents:
        return []
    source = SourceFile.located(file.path, file.display, file.kind, result.text, file.folder)
    return [Document(source, pointer, data) for pointer, data in result.documents]


Task = tuple[FileToCheck, CheckOptions]


def _check_files(tasks: Iterable[Task]) -> list[FileResult]:
    return [check_file(file, options) for file, options in tasks]


class CheckedRun(NamedTuple):
    diagnostics: list[Diagnostic]  # sorted, settings applied
    files: int  # how many files were checked
    paths: tuple[str, ...] = ()  # the files checked, as displayed (companions left out)


def check_files(
    configured: Iterable[tuple[Settings, FileToCheck]], jobs: int = 0,
    context: Container[str] = (), known: Mapping[str, FileResult] | None = None,
) -> CheckedRun:
    """Check files as they come (discovery may still be walking), each with its settings.

    Files whose settings are the same object (one config file) form a group: the run
    rules compare files within a group only, since files under different configs belong
    to different connectors or repositories. `jobs`: processes for the first pass (0: as
    many as the CPUs for a large run, one for a small one).

    `context`: the real paths of companion files, read only for the rules across files
    (the connector's other files when only some were given, as pre-commit does). Their
    own findings are not reported, nor the run findings they give without the given
    files; the run findings the given files bring (on any file) are.

    `known`: first-pass results already made, by real path (`--fix` checked the files it
    wrote): those files are not read again.
    """
    seen: list[tuple[Settings, FileToCheck]] = []
    # One options object per settings: sent to workers, each is pickled once per chunk.
    options_of: dict[int, CheckOptions] = {}

    def tasks() -> Iterator[Task]:
        for settings, file in configured:
            seen.append((settings, file))
            if known and file.real in known:
                continue
            options = options_of.get(id(settings))
            if options is None:
                options = options_of[id(settings)] = CheckOptions(target=settings.target)
            yield file, options

    checked_now = iter(first_pass(tasks(), jobs))
    results = [
        known[file.real] if known and file.real in known else next(checked_now)
        for _, file in seen
    ]
    groups: dict[int, tuple[Settings, list[tuple[FileToCheck, FileResult]]]] = {}
    for (settings, file), result in zip(seen, results, strict=True):
        groups.setdefault(id(settings), (settings, []))[1].append((file, result))
    diagnostics: list[Diagnostic] = []
    paths: list[str] = []
    for settings, checked in groups.values():
        given = [(file, result) for file, result in checked if file.real not in context]
        if not given:
            continue  # only companions (under other settings): nothing was asked of them
        paths.extend(file.display for file, _ in given)
        found = [d for _, result in given for d in result.diagnostics]
        documents = [doc for file, result in checked for doc in run_documents(file, result)]
        options = CheckOptions(target=settings.target)
        across = check_run(documents, options)
        if len(given) < len(checked):
            across = _brought_by_given(checked, across, options, context)
        found.extend(across)
        diagnostics.extend(settings.apply(found))
    diagnostics.sort(key=lambda d: d.sort_key)
    return CheckedRun(diagnostics, len(paths), tuple(paths))


def _brought_by_given(
    checked: list[tuple[FileToCheck, FileResult]], found: list[Diagnostic],
    options: CheckOptions, context: Container[str],
) -> list[Diagnostic]:
    """The run findings of a group with companions, less those the companions give alone
    (findings of files that were not given and did not change)."""
    from collections import Counter

    companions = [(f, r) for f, r in checked if f.real in context]
    alone = Counter(check_run(
        [doc for file, result in companions for doc in run_documents(file, result)], options
    ))
    kept = []
    for diagnostic in found:
        if alone[diagnostic] > 0:
            alone[diagnostic] -= 1
        else:
            kept.append(diagnostic)
    return kept


def run_configured(
    groups: list[tuple[Settings, list[FileToCheck]]], jobs: int = 1
) -> list[Diagnostic]:
    """`check_files` on files already grouped by their settings."""
    configured = ((settings, file) for settings, files in groups for file in files)
    return check_files(configured, jobs).diagnostics


def first_pass(tasks: Iterable[Task], jobs: int) -> list[FileResult]:
    """`check_file` on each task, in order: here, or on `jobs` processes.

    Tasks are taken as they come, in chunks, so the workers start while discovery is
    still walking. `jobs` 0: as many processes as CPUs once a run reaches
    PARALLEL_FROM_FILES files (below, starting processes costs more than it saves).
    """
    tasks = iter(tasks)
    if jobs <= 0:
        head = list(itertools.islice(tasks, PARALLEL_FROM_FILES))
        if len(head) < PARALLEL_FROM_FILES:  # a pre-commit run: a few files
            return _check_files(head)
        jobs = available_cpus()
        tasks = itertools.chain(head, tasks)
    if jobs < 2:
        return _check_files(tasks)
    from kpack.parallel import map_in_order

    for kind in Kind:  # imported once, before the workers fork
        kind_rules(kind)
    cross_file_rules()
    chunks = _chunks(tasks, CHUNK_FILES)
    return [result for chunk in map_in_order(_check_files, chunks, jobs) for result in chunk]


def _chunks(tasks: Iterator[Task], size: int) -> Iterator[list[Task]]:
    while chunk := list(itertools.islice(tasks, size)):
        yield chunk


def available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def count_by_severity(diagnostics: Iterable[Diagnostic]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
    return counts
