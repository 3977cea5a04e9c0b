"""Apply fixes to a file: passes until nothing changes, each one verified by one check.

A pass takes the fixes that the file's last check offers, leaves out those whose edits
overlap one already taken (deferred to the next pass, as ruff does), applies all the
edits at once from the end of the text to its start, and checks the result once
(`kpack.fix.verify`): it must parse to exactly the data the fixes describe and bring no
new finding. Where it does not, the fixes of the documents at fault are taken back and
tried one at a time in the next rounds (a bad one is dropped), while the other documents
go on. So a file costs a check per pass, not a check per fix: a pass of 30,000 fixes is
one check. A file with a syntax error gets only the syntax repairs (a trailing comma, a
BOM) until it parses. At most MAX_CHECKS checks a file.

The file is written once, by `kpack.fix.write`, only if its bytes are still those the
passes started from.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from kpack.diagnostics import Diagnostic
from kpack.fix.verify import SYNTAX_CODES, Checked, fix_document, suspects
from kpack.fixes import Edit, Fix, RenameKey, applies

if TYPE_CHECKING:
    from kpack.check import FileResult
    from kpack.config import Settings
    from kpack.load.discover import FileToCheck

# Checks of one file after its first: a pass each, plus a retry for each round in which
# some documents' fixes failed. A hostile file cannot cost more.
MAX_CHECKS = 12
REPAIR_CODES = frozenset({"L003", "L004"})

__all__ = ["MAX_CHECKS", "SYNTAX_CODES", "Checker", "FileFix", "apply_edits", "choose",
           "fix_bytes", "fix_file"]


class FileFix(NamedTuple):
    file: FileToCheck
    original: bytes
    fixed: bytes
    fixes: int  # how many findings the applied fixes repaired
    checked: FileResult | None = None  # the first pass of `kpack check` on `fixed`


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with `edits` (which do not overlap) applied, as if from the end to the start
    (each edit's offsets are those of the original text). Linear: one join."""
    pieces: list[str] = []
    end = len(text)
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end), reverse=True):
        pieces.append(text[edit.end : end])
        pieces.append(edit.content)
        end = edit.start
    pieces.append(text[:end])
    return "".join(reversed(pieces))


class _Taken:
    """The edits a pass has taken, sorted and apart: is a new one in conflict with them?"""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.edits: list[Edit] = []

    def overlaps(self, edit: Edit) -> bool:
        # Taken edits do not overlap each other: only the neighbours of its place can.
        i = bisect.bisect_left(self.starts, edit.start)
        for other in self.edits[max(0, i - 1) : i + 1]:
            if edit.start < other.end and other.start < edit.end:
                return True
            if edit.start == edit.end == other.start == other.end and edit != other:
                return True  # two insertions at one place: their order is unknown
        return False

    def add(self, edit: Edit) -> None:
        i = bisect.bisect_left(self.starts, edit.start)
        self.starts.insert(i, edit.start)
        self.edits.insert(i, edit)


def choose(
    diagnostics: list[Diagnostic], unsafe_fixes: bool, dropped: set[tuple[Edit, ...]]
) -> list[Fix]:
    """The fixes of one pass: applicable, not dropped, not overlapping (first wins)."""
    fixes = [
        d.fix for d in diagnostics
        if d.fix is not None and applies(d.fix, unsafe_fixes) and d.fix.edits not in dropped
    ]
    if any(d.code in SYNTAX_CODES for d in diagnostics):
        syntax = {id(d.fix) for d in diagnostics if d.code in REPAIR_CODES}
        fixes = [f for f in fixes if id(f) in syntax]
    fixes.sort(key=lambda f: min((e.start, e.end) for e in f.edits))
    chosen: list[Fix] = []
    repairs: set[tuple[Edit, ...]] = set()
    renamed: set[tuple[str, str]] = set()  # (object, new key): two renames to one key
    taken = _Taken()
    for fix in fixes:
        if fix.edits in repairs:
            chosen.append(fix)  # the same repair found by two findings: applied once
            continue
        targets = {
            (c.pointer.rsplit("/", 1)[0], c.key) for c in fix.changes if isinstance(c, RenameKey)
        }
        if targets & renamed or any(taken.overlaps(e) for e in fix.edits):
            continue  # waits for the next pass, which sees the file as this one leaves it
        chosen.append(fix)
        repairs.add(fix.edits)
        renamed |= targets
        for e in fix.edits:
            taken.add(e)
    return chosen


def _one_each(fixes: list[Fix], alone: set[str], documents: frozenset[str]) -> list[Fix]:
    """`fixes`, but only the first repair of each document in `alone` (its fixes failed
    together: now each is tried by itself)."""
    if not alone:
        return fixes
    first: dict[str, tuple[Edit, ...]] = {}
    kept = []
    for fix in fixes:
        document = fix_document(fix, documents)
        if document in alone and first.setdefault(document, fix.edits) != fix.edits:
            continue
        kept.append(fix)
    return kept


class Checker:
    """The check `kpack check` runs on one file, on bytes instead of the file."""

    def __init__(self, file: FileToCheck, settings: Settings):
        self.file = file
        self.settings = settings

    def load(self, raw: bytes, diagnostics: list[Diagnostic]) -> Checked:
        """`raw` parsed, with the findings a check of it made before (no rule runs)."""
        from kpack.documents import split_documents
        from kpack.load.source import load_bytes

        file = self.file
        source = load_bytes(file.path, file.display, file.kind, raw)
        documents = split_documents(source) if source.readable else []
        return Checked(source, frozenset(d.pointer for d in documents), diagnostics)

    def check(self, raw: bytes) -> Checked:
        """What `kpack.check.check_file` makes of the file, were `raw` its bytes."""
        from kpack.check import FileResult, check_source, reduced
        from kpack.load.source import load_bytes
        from kpack.options import CheckOptions

        file = self.file
        source = load_bytes(file.path, file.display, file.kind, raw)
        documents, diagnostics = check_source(source, CheckOptions(target=self.settings.target))
        result = FileResult(
            diagnostics, source.text if documents else "",
            [(d.pointer, reduced(d).data) for d in documents],
        )
        return Checked(
            source, frozenset(d.pointer for d in documents), self.settings.apply(diagnostics),
            result,
        )


def decode(raw: bytes) -> str:
    return raw.decode("utf-8")  # the BOM, if any, stays as the first character


class Fixed(NamedTuple):
    fixed: bytes
    fixes: int  # findings repaired
    checked: FileResult | None = None  # `fixed` checked (when a pass changed the file)


def fix_bytes(
    checker: Checker, raw: bytes, unsafe_fixes: bool, first: Checked | None = None
) -> Fixed:
    """The file's bytes after every pass. `first`: the check of `raw`, if made already."""
    current, count = raw, 0
    state = checker.check(raw) if first is None else first
    checked = None
    dropped: set[tuple[Edit, ...]] = set()
    alone: set[str] = set()  # documents whose fixes are tried one at a time
    for _ in range(MAX_CHECKS):
        chosen = _one_each(choose(state.diagnostics, unsafe_fixes, dropped), alone,
                           state.documents)
        if not chosen:
            break
        try:
            text = decode(current)
        except UnicodeDecodeError:
            break
        edited = apply_edits(text, (e for fix in chosen for e in fix.edits)).encode("utf-8")
        after = checker.check(edited)
        failed = suspects(state, after, chosen)
        if not failed:
            current, state, checked, count = edited, after, after.result, count + len(chosen)
            continue
        for fix in chosen:
            if fix_document(fix, state.documents) in failed & alone:
                dropped.add(fix.edits)  # tried by itself, and failed
        alone |= failed
    return Fixed(current, count, checked)


def fix_file(
    file: FileToCheck, settings: Settings, unsafe_fixes: bool,
    diagnostics: list[Diagnostic] | None = None,
) -> FileFix | None:
    """What `--fix` makes of one file (nothing written); None when it cannot be read.
    `diagnostics`: the file's findings from a check of it just made, which the first pass
    uses instead of checking it again (the passes verify every edit anyway)."""
    from kpack.fix.write import read_file

    raw = read_file(file)
    if raw is None:
        return None
    checker = Checker(file, settings)
    first = None if diagnostics is None else checker.load(raw, diagnostics)
    fixed, count, checked = fix_bytes(checker, raw, unsafe_fixes, first)
    return FileFix(file, raw, fixed, count, checked)
