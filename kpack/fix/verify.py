"""Did the edits do what the fixes promised, and nothing else? Which documents did not?

After a pass the edited file is checked once, and compared with the file before:
- it must parse, to the data the fixes' changes describe (a renamed key keeps its value
  and place; nothing else changes);
- it must have no finding the file did not have before (pointers followed through the
  renames), but what the stack now says about a member a fix repaired, or about the
  document that holds it: a fix makes the stack read a member it ignored (a renamed
  `redirect_url`) or understand a value it did not (a grant mode), and that member, or
  the fields its grant mode needs, are then checked. Never tolerated: a finding on another
  member (the fix changed what the stack reads there), one that says the document no
  longer loads (a type the stack cannot decode, DECODE_FAILURES), a syntax error.

Each failure is pinned to a document (an account-type file holds many): only the fixes of
those documents are taken back, so one bad fix costs its document a retry, not the file a
check per fix.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from kpack.diagnostics import Diagnostic, escape_pointer_token, split_pointer
from kpack.fixes import Edit, Fix, RenameKey
from kpack.load.resolve import value_at

if TYPE_CHECKING:
    from kpack.check import FileResult
    from kpack.load.source import SourceFile

# Findings that mean the file could not be (fully) parsed.
SYNTAX_CODES = frozenset({"L001", "L003", "L004", "L005", "L007", "L008", "L009", "L010"})
# Findings that say the stack cannot decode the document at all (a wrong JSON type in a
# typed field): no fix may bring one, even on the member it repaired.
DECODE_FAILURES = frozenset({"A008", "M001"})
# The key of fixes and findings that are the whole file's (syntax repairs, a wrong root).
WHOLE_FILE = "\0file"


class Checked(NamedTuple):
    """One check of the file's bytes, as `kpack check` makes it."""

    source: SourceFile
    documents: frozenset[str]  # the pointers of its documents
    diagnostics: list[Diagnostic]  # the settings applied
    # What `kpack check`'s first pass keeps of the file (None when the findings came from
    # elsewhere): the report after `--fix` uses it instead of checking the file again.
    result: FileResult | None = None


def document_of(pointer: str | None, documents: Collection[str]) -> str:
    """The document holding `pointer`: "" (the file is one), "/3" or "/docs/3"."""
    if pointer is None:
        return WHOLE_FILE
    tokens = pointer.split("/", 3)
    for size in (3, 2, 1):
        candidate = "/".join(tokens[:size])
        if candidate in documents:
            return candidate
    return WHOLE_FILE


def fix_document(fix: Fix, documents: Collection[str]) -> str:
    if not fix.changes:
        return WHOLE_FILE
    return document_of(fix.changes[0].pointer, documents)


def suspects(before: Checked, after: Checked, fixes: list[Fix]) -> set[str]:
    """The documents where the edited file is not what `fixes` promised (empty: all is
    well). WHOLE_FILE among them when the failure cannot be pinned to a document."""
    if not before.source.readable:
        return set()  # only syntax repairs (a comma, a BOM): the file can only get better
    everything = {fix_document(f, before.documents) for f in fixes} | {WHOLE_FILE}
    if (
        not after.source.readable or after.documents != before.documents
        or any(d.code in SYNTAX_CODES for d in after.diagnostics)
    ):
        return everything
    found = _data_suspects(before, after, fixes)
    if WHOLE_FILE in found:
        return everything
    found |= _new_findings(before, after, fixes)
    return everything if WHOLE_FILE in found else found


def _data_suspects(before: Checked, after: Checked, fixes: list[Fix]) -> set[str]:
    documents = before.documents
    expected, conflicts = expected_data(before.source.data, fixes, documents)
    if same(after.source.data, expected):
        return conflicts
    differ = {
        d for d in documents
        if not same(_at(after.source.data, d), _at(expected, d))
    }
    return (differ or {WHOLE_FILE}) | conflicts


def _new_findings(before: Checked, after: Checked, fixes: list[Fix]) -> set[str]:
    """The documents of the findings the edits brought (and may not)."""
    renames: dict[str, str] = {}
    repaired: set[str] = set()
    for fix in fixes:
        for change in fix.changes:
            if isinstance(change, RenameKey):
                parent = change.pointer.rsplit("/", 1)[0]
                renames[change.pointer] = new = f"{parent}/{escape_pointer_token(change.key)}"
                repaired.add(new)
            else:
                repaired.add(change.pointer)
    fixed = {document_of(p, before.documents) for p in repaired}
    # A repaired grant mode decides which fields the stack now reads: what those fields
    # lack (A004, a blank URL...) is what the mode now means, not damage done by the fix.
    moded = {document_of(p, before.documents) for p in repaired if _is_grant_mode(p)}
    old = Counter((d.code, _renamed(d.pointer, renames)) for d in before.diagnostics)
    found: set[str] = set()
    for diagnostic in after.diagnostics:
        key = (diagnostic.code, diagnostic.pointer)
        if old[key] > 0:
            old[key] -= 1
            continue
        pointer = diagnostic.pointer
        if diagnostic.code not in DECODE_FAILURES and (
            _on(pointer, repaired) or (pointer in fixed and pointer in before.documents)
            or document_of(pointer, before.documents) in moded
        ):
            continue  # what the repaired member, or its document, now says
        found.add(document_of(pointer, before.documents))
    return found


def _is_grant_mode(pointer: str) -> bool:
    from kpack.rules.account_type import go_field

    return go_field(split_pointer(pointer)[-1] if pointer else "") == "grant_mode"


def _renamed(pointer: str | None, renames: dict[str, str]) -> str | None:
    """`pointer` after the renames (of itself or of a member above it)."""
    if pointer is None or not renames:
        return pointer
    end = len(pointer)
    while end > 0:
        new = renames.get(pointer[:end])
        if new is not None:
            return new + pointer[end:]
        end = pointer.rfind("/", 0, end)
    return pointer


def _on(pointer: str | None, repaired: set[str]) -> bool:
    if pointer is None:
        return False
    end = len(pointer)
    while end > 0:
        if pointer[:end] in repaired:
            return True
        end = pointer.rfind("/", 0, end)
    return False


# -- the data the fixes describe --------------------------------------------------------------


def expected_data(
    data: Any, fixes: Iterable[Fix], documents: Collection[str] = ()
) -> tuple[Any, set[str]]:
    """`data` as the fixes' changes describe it, and the documents where two changes
    collide (a rename onto a key that is there) or a change names nothing."""
    result = copy.deepcopy(data)
    changes: list[Any] = []
    seen: set[tuple[Edit, ...]] = set()
    for fix in fixes:  # the same repair found by two findings counts once
        if fix.edits not in seen:
            seen.add(fix.edits)
            changes.extend(fix.changes)
    # Values first, then renames from the deepest: every pointer still names what it did.
    changes.sort(key=lambda c: (isinstance(c, RenameKey), -c.pointer.count("/")))
    conflicts: set[str] = set()
    for change in changes:
        *parents, last = split_pointer(change.pointer)
        container = value_at(result, parents)
        if isinstance(change, RenameKey):
            if not isinstance(container, dict) or change.key in container or last not in container:
                conflicts.add(document_of(change.pointer, documents))
                continue
            items = [(change.key if k == last else k, v) for k, v in container.items()]
            container.clear()
            container.update(items)
        elif isinstance(container, list) and last.isdigit() and int(last) < len(container):
            container[int(last)] = change.value
        elif isinstance(container, dict):
            container[last] = change.value
        else:
            conflicts.add(document_of(change.pointer, documents))
    return result, conflicts


def _at(data: Any, pointer: str) -> Any:
    return value_at(data, split_pointer(pointer))


def same(a: Any, b: Any) -> bool:
    """JSON equality, types included (1, 1.0 and True are three values), key order too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
