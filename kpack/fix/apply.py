"""Apply fixes to a file: passes until nothing changes, each one verified, then one write.

A pass checks the file's current text (the same rules and settings as `kpack check`), takes
the fixes that apply, leaves out those whose edits overlap one already taken (deferred to
the next pass, as ruff does), applies the edits from the end of the text to its start and
checks the result: it must parse to exactly the data the fixes describe, else the fixes are
tried one by one and those that fail are dropped. A file with a syntax error gets only the
syntax repairs (a trailing comma, a BOM) until it parses. At most MAX_PASSES passes.

The file is written once, atomically, and only if its bytes are still those the passes
started from (a file changed meanwhile is left alone).
"""

from __future__ import annotations

import bisect
import copy
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kpack.diagnostics import Diagnostic, split_pointer
from kpack.fixes import Change, Edit, Fix, RenameKey, applies

if TYPE_CHECKING:
    from kpack.config import Settings
    from kpack.load.discover import FileToCheck
    from kpack.load.source import SourceFile

MAX_PASSES = 10
# When the fixes of a pass fail the check together, this many are tried one by one (the
# others wait for the next pass): a hostile file must not cost a check per finding.
MAX_TRIED_ALONE = 20

# Findings that mean the file could not be (fully) parsed, and the fixes that repair them.
SYNTAX_CODES = frozenset({"L001", "L003", "L004", "L005", "L007", "L008", "L009", "L010"})
REPAIR_CODES = frozenset({"L003", "L004"})


class FileFix(NamedTuple):
    file: FileToCheck
    original: bytes
    fixed: bytes
    fixes: int  # how many findings the applied fixes repaired


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


def choose(diagnostics: list[Diagnostic], unsafe_fixes: bool, dropped: set[Any]) -> list[Fix]:
    """The fixes of one pass: applicable, not dropped, not overlapping (first wins)."""
    fixes = [
        d.fix for d in diagnostics
        if d.fix is not None and applies(d.fix, unsafe_fixes) and _key(d.fix) not in dropped
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


def _key(fix: Fix) -> tuple[Edit, ...]:
    return fix.edits


class _Conflict(Exception):
    pass


def expected_data(data: Any, fixes: Iterable[Fix]) -> Any:
    """`data` as the fixes' changes describe it (raises _Conflict if they collide)."""
    result = copy.deepcopy(data)
    changes: list[Change] = []
    for fix in fixes:  # the same repair found by two findings counts once
        changes.extend(c for c in fix.changes if c not in changes)
    # Values first, then renames from the deepest: every pointer still names what it did.
    ordered = sorted(changes, key=lambda c: (isinstance(c, RenameKey), -c.pointer.count("/")))
    for change in ordered:
        *parents, last = split_pointer(change.pointer)
        container = result
        for token in parents:
            container = container[int(token)] if isinstance(container, list) else container[token]
        if isinstance(change, RenameKey):
            if not isinstance(container, dict) or change.key in container:
                raise _Conflict(change.pointer)
            items = [(change.key if k == last else k, v) for k, v in container.items()]
            container.clear()
            container.update(items)
        elif isinstance(container, list):
            container[int(last)] = change.value
        else:
            container[last] = change.value
    return result


def same(a: Any, b: Any) -> bool:
    """JSON equality, types included (1, 1.0 and True are three values)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Checker:
    """The check `kpack check` runs on one file, on bytes instead of the file."""

    def __init__(self, file: FileToCheck, settings: Settings):
        self.file = file
        self.settings = settings

    def check(self, raw: bytes) -> tuple[SourceFile, list[Diagnostic]]:
        from kpack.check import check_source
        from kpack.load.source import load_bytes
        from kpack.options import CheckOptions

        file = self.file
        source = load_bytes(file.path, file.display, file.kind, raw)
        _, diagnostics = check_source(source, CheckOptions(target=self.settings.target))
        return source, self.settings.apply(diagnostics)


def _verified(checker: Checker, before: SourceFile, fixes: list[Fix], raw: bytes) -> bool:
    after, diagnostics = checker.check(raw)
    if not before.readable:  # only syntax repairs: the file must not get worse
        return True
    if not after.readable or any(d.code in SYNTAX_CODES for d in diagnostics):
        return False
    try:
        return same(after.data, expected_data(before.data, fixes))
    except (_Conflict, KeyError, IndexError, ValueError, TypeError):
        return False


def decode(raw: bytes) -> str:
    return raw.decode("utf-8")  # the BOM, if any, stays as the first character


def fix_bytes(checker: Checker, raw: bytes, unsafe_fixes: bool) -> tuple[bytes, int]:
    """The file's bytes after every pass, and how many findings the fixes repaired."""
    current, count = raw, 0
    dropped: set[Any] = set()
    for _ in range(MAX_PASSES):
        source, diagnostics = checker.check(current)
        chosen = choose(diagnostics, unsafe_fixes, dropped)
        if not chosen:
            break
        try:
            text = decode(current)
        except UnicodeDecodeError:
            break
        edited = apply_edits(text, (e for fix in chosen for e in fix.edits)).encode("utf-8")
        if not _verified(checker, source, chosen, edited):
            good = []
            for fix in chosen[:MAX_TRIED_ALONE]:
                alone = apply_edits(text, fix.edits).encode("utf-8")
                if _verified(checker, source, [fix], alone):
                    good.append(fix)
                else:
                    dropped.add(_key(fix))
            if not good:
                continue
            chosen = good
            edited = apply_edits(text, (e for fix in good for e in fix.edits)).encode("utf-8")
            if not _verified(checker, source, good, edited):
                chosen = [f for f in good if f.edits == good[0].edits]  # one, then re-check
                edited = apply_edits(text, chosen[0].edits).encode("utf-8")
        current = edited
        count += len(chosen)
    return current, count


def read_file(file: FileToCheck) -> bytes | None:
    """The file's bytes, as the loader would read them; None for what it would refuse
    (not a regular file, such as a FIFO that would block; over its size limit)."""
    from kpack.diagnostics import Kind
    from kpack.fsutil import read_file as read_bytes
    from kpack.load.source import MANIFEST_MAX_BYTES, READ_MAX_BYTES

    limit = MANIFEST_MAX_BYTES if file.kind is Kind.MANIFEST else READ_MAX_BYTES
    try:
        return read_bytes(file.real, limit)
    except OSError:
        return None


def fix_file(file: FileToCheck, settings: Settings, unsafe_fixes: bool) -> FileFix | None:
    """What `--fix` makes of one file (nothing written); None when it cannot be read."""
    raw = read_file(file)
    if raw is None:
        return None
    fixed, count = fix_bytes(Checker(file, settings), raw, unsafe_fixes)
    return FileFix(file, raw, fixed, count)


def write_fixed(result: FileFix) -> str | None:
    """Write a fixed file atomically; a message instead when it changed meanwhile."""
    from kpack.fsutil import atomic_write_bytes

    path = result.file.real  # a link's target: the link itself stays a link
    if read_file(result.file) != result.original:
        return f"{result.file.display} changed while kpack was fixing it: left alone"
    try:
        mode = os.stat(path).st_mode & 0o7777
        atomic_write_bytes(Path(path), result.fixed, mode)
    except OSError as exc:
        return f"cannot write {result.file.display}: {exc.strerror or exc}"
    return None


def unified_diff(result: FileFix) -> str:
    import difflib

    name = result.file.display
    before = _lines(decode_lossy(result.original))
    after = _lines(decode_lossy(result.fixed))
    # git's a/ and b/ for a relative path (`git apply` takes the diff); an absolute one
    # is written as it is.
    old, new = (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")
    lines = difflib.unified_diff(before, after, old, new)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def _lines(text: str) -> list[str]:
    """Lines with their ending (`\r\n` kept); only `\n` ends a line, as in git's diff."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def decode_lossy(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
