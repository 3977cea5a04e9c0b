"""Stage 2: the documents inside a loaded file, each with the pointer of its root.

A manifest or dev config file is one document at pointer "". An account-type file holds
one document (""), an array of them ("/0", "/1"...) or a CouchDB bulk body ("/docs/0"...).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kpack.diagnostics import Kind, join_pointer
from kpack.load import rules as R
from kpack.load.source import SourceFile


class Document(NamedTuple):
    source: SourceFile
    pointer: str  # of the document's root inside the file
    data: dict[str, Any]

    def at(self, *tokens: str | int) -> str:
        return join_pointer(self.pointer, *tokens)


MAX_SHAPE_REPORTS = 20  # items of an account-type array reported as not objects


def split_documents(source: SourceFile) -> list[Document]:
    """The documents of a readable file; a wrong root shape is reported on the source."""
    data = source.data
    if source.kind is not Kind.ACCOUNT_TYPE:
        if isinstance(data, dict):
            return [Document(source, "", data)]
        _bad_root(source, "", f"the document must be a JSON object, not {type_name(data)}")
        return []
    if isinstance(data, dict) and "docs" in data and "grant_mode" not in data:
        items, base = data["docs"], "/docs"
        if not isinstance(items, list):
            _bad_root(source, "/docs", f'"docs" must be an array, not {type_name(items)}')
            return []
    elif isinstance(data, dict):
        return [Document(source, "", data)]
    elif isinstance(data, list):
        items, base = data, ""
    else:
        _bad_root(
            source,
            "",
            f"an account-type file holds an object, an array of objects or "
            f'{{"docs": [...]}}, not {type_name(data)}',
        )
        return []
    documents = []
    bad: list[int] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            documents.append(Document(source, f"{base}/{i}", item))
        else:
            bad.append(i)
    # A hostile file (a million numbers) must not stall a hook with a million findings.
    for i in bad[:MAX_SHAPE_REPORTS]:
        message = f"an account type must be an object, not {type_name(items[i])}"
        if len(bad) > MAX_SHAPE_REPORTS and i == bad[MAX_SHAPE_REPORTS - 1]:
            message += f" (and {len(bad) - MAX_SHAPE_REPORTS:,} more items that are not objects)"
        _bad_root(source, f"{base}/{i}", message)
    return documents


def _bad_root(source: SourceFile, pointer: str, message: str) -> None:
    source.report(R.ROOT_SHAPE, message, source.span(pointer, at_value=True), pointer)


def type_name(value: Any) -> str:
    """The JSON name of a value's type, as users read it in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"
