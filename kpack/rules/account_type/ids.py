"""Ids: the document's `_id` is the account type's name, with an optional context.
"""

from __future__ import annotations

from collections.abc import Iterator

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import q, short

E = Severity.ERROR
K = Kind.ACCOUNT_TYPE

ID_MISSING = define(
    "A019", "id-missing", E, K, "An account type has no usable `_id`.",
    """
    The stack finds an account type by its document id (`TypeInfo(id)`), which is the
    account type name the manifest's `oauth.account_type` (or slug) refers to, with an
    optional `<context>/` prefix. A document without `_id` gets a random id from
    CouchDB and can never be found; kpack's provisioning needs it to know where to
    write. The id must be a non-empty string, must not start with `_` (CouchDB reserves
    those ids) and, when it has a context prefix, both parts must be non-empty.
    """,
)


def split_id(doc_id: str) -> tuple[str | None, str]:
    """(context, id without context): the context is what comes before the first `/`."""
    context, sep, rest = doc_id.partition("/")
    return (context, rest) if sep else (None, doc_id)


def check_id(doc: Document) -> Iterator[Finding]:
    data = doc.data
    if "_id" not in data or data["_id"] is None:
        yield Finding(
            ID_MISSING, doc.pointer, 'the account type has no "_id"',
            'add "_id": the account type name the manifest refers to (its slug or '
            "oauth.account_type), optionally prefixed by a context: \"<context>/<name>\"",
        )
        return
    doc_id = data["_id"]
    if not isinstance(doc_id, str):
        return  # A008
    problem = None
    if not doc_id.strip():
        problem = '"_id" is empty'
    elif doc_id.startswith("_"):
        problem = '"_id" starts with "_": CouchDB reserves such ids and refuses the document'
    else:
        context, name = split_id(doc_id)
        if context is not None and (not context or not name):
            problem = f'"_id" {q(short(doc_id))} has an empty ' + (
                "context before" if not context else "name after"
            ) + ' the "/"'
    if problem:
        yield Finding(ID_MISSING, doc.at("_id"), problem, None, at_value=True)
