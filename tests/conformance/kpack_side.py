"""kpack's side of the conformance tests: lint bytes as a file and read the verdicts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpack.check import check_sources
from kpack.diagnostics import Diagnostic, Kind, Severity
from kpack.load.source import read_source
from kpack.options import CheckOptions

if TYPE_CHECKING:
    from tests.conformance.conftest import Oracle

_COUNTER = itertools.count()
# What a test makes of one document: the oracle's answer against kpack's findings, as the
# lines that say how they disagree (none when they agree). The first argument is the
# document as kpack loaded it (None when kpack cannot read it): the judges compare the
# oracle's fields with what kpack's rules read from it.
Judge = Callable[[Any, dict[str, Any], list[Diagnostic]], list[str]]


def kpack_load_and_check(
    folder: Path, name: str, data: bytes, kind: Kind, target: str = "stack"
) -> tuple[Any, list[Diagnostic]]:
    """kpack check on one file holding `data` (a folder of its own: no run-wide rule
    sees another document), and the document as kpack loaded it."""
    path = folder / f"doc{next(_COUNTER)}" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    source = read_source(path, str(path), kind)
    loaded = source.data if source.readable else None
    return loaded, check_sources([source], CheckOptions(target=target))[1]


def kpack_check(
    folder: Path, name: str, data: bytes, kind: Kind, target: str = "stack"
) -> list[Diagnostic]:
    return kpack_load_and_check(folder, name, data, kind, target)[1]


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def first_token(pointer: str | None) -> str | None:
    """The top-level member a JSON pointer goes through (None for the root)."""
    if not pointer:
        return None
    token = pointer[1:].split("/", 1)[0]
    return token.replace("~1", "/").replace("~0", "~")


def describe(diagnostics: list[Diagnostic]) -> str:
    return "; ".join(f"{d.code} {d.pointer or '/'}: {d.message}" for d in diagnostics) or "none"


def assert_agree(
    oracle: Oracle, question: str, documents: list[bytes], folder: Path, name: str,
    kind: Kind, judge: Judge,
) -> None:
    """Ask the oracle about a batch of documents (one call), check each with kpack as the
    file `name`, and fail with the first disagreements `judge` finds."""
    from tests.conformance.conftest import REPRODUCE, within_budget

    if not within_budget(question):
        return
    answers = oracle.ask(question, documents)
    failures = []
    for data, answer in zip(documents, answers, strict=True):
        document, found = kpack_load_and_check(folder, name, data, kind)
        problems = judge(document, answer, found)
        if problems:
            failures.append(f"{data!r}\n  " + "\n  ".join(problems))
    assert not failures, (
        f"{len(failures)} disagreements ({REPRODUCE}):\n" + "\n".join(failures[:5])
    )


def pointer_of(tokens: list[str]) -> str:
    """The JSON pointer of a path of keys and indexes."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def related(pointer: str | None, target: str) -> bool:
    """A finding at `pointer` is about the part at `target`: one holds the other (a finding
    on the member when Go names an item of it, or on an item when Go names the member)."""
    if not pointer or not target:
        return pointer == target
    return pointer == target or pointer.startswith(target + "/") or target.startswith(
        pointer + "/"
    )

