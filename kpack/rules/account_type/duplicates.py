"""Duplicates across the documents of a run: ids CouchDB keeps once, and slugs that
leave a konnector without its secret. These are the run rules (see kpack.check).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.options import CheckOptions
from kpack.rulebook import define
from kpack.rules.account_type.ids import split_id
from kpack.rules.common import q, short
from kpack.spec import SECRET_GRANT_MODES

E = Severity.ERROR
K = Kind.ACCOUNT_TYPE

DUPLICATE_SECRET_SLUG = define(
    "A017", "duplicate-secret-slug", E, K,
    "Two account types with the same `slug` are visible in one context with a secret grant.",
    """
    The konnector worker hands a secret only when exactly one account type with the
    konnector's `slug` remains after context filtering (`FindAccountTypesBySlug`: the
    documents of the instance's context, then the global ones they do not override).
    With two, the konnector gets no secret at all, silently. Reported on the second
    document, naming the first; checked across every account-type file of the run.
    """,
)
DUPLICATE_ID = define(
    "A018", "duplicate-id", E, K, "Two account types have the same `_id`.",
    """
    CouchDB keeps one document per id: the second write conflicts (or, with a `_rev`,
    replaces the first), so one of the two account types is lost. Reported on the
    second document, naming the first; checked across every account-type file of the
    run. Files of different environments (`account-types.dev.json` and
    `account-types.prod.json`, or `dev/` and `prod/` folders: kpack's convention, see
    docs/connectors.md) go to different CouchDBs and may share ids; a file without an
    environment goes to every one.
    """,
)


# What the run rules below read of each account type (see kpack.check).
RUN_MEMBERS = ("_id", "slug", "grant_mode")
RUN_WAITS = False


def check_run(
    documents: list[Document], options: CheckOptions
) -> Iterator[tuple[Document, Finding]]:
    # Per environment: files of different environments go to different CouchDBs.
    from kpack.rules.environments import environment_views

    seen: set[tuple[int, Finding]] = set()
    for view in environment_views(documents):
        for doc, finding in (*duplicate_ids(view), *duplicate_secret_slugs(view)):
            if (id(doc), finding) not in seen:
                seen.add((id(doc), finding))
                yield doc, finding


def _where(doc: Document, pointer: str) -> str:
    span = doc.source.span(pointer)
    return f"{doc.source.display}:{span.line}:{span.column} ({pointer or '/'})"


def duplicate_ids(documents: list[Document]) -> Iterator[tuple[Document, Finding]]:
    first: dict[str, Document] = {}
    for doc in documents:
        doc_id = doc.data.get("_id")
        if not isinstance(doc_id, str) or not doc_id:
            continue
        if doc_id in first:
            yield doc, Finding(
                DUPLICATE_ID, doc.at("_id"),
                f"another account type has the same _id {q(short(doc_id))}: CouchDB keeps "
                "only one",
                f"the first is at {_where(first[doc_id], first[doc_id].at('_id'))}",
            )
        else:
            first[doc_id] = doc


class _Slugged(NamedTuple):
    order: int  # in the run, to report on the later document
    doc: Document
    context: str | None
    name: str | None  # the _id without context; None when there is no _id


def duplicate_secret_slugs(documents: list[Document]) -> Iterator[tuple[Document, Finding]]:
    by_slug: dict[str, list[_Slugged]] = {}
    for index, doc in enumerate(documents):
        slug = doc.data.get("slug")
        if not isinstance(slug, str) or not slug:
            continue
        doc_id = doc.data.get("_id")
        context, name = split_id(doc_id) if isinstance(doc_id, str) else (None, None)
        by_slug.setdefault(slug, []).append(_Slugged(index, doc, context, name))
    reported: set[int] = set()
    for slug, group in by_slug.items():
        if len(group) < 2:
            continue
        contexts = sorted({e.context for e in group if e.context is not None})
        for context in [None, *contexts]:
            visible = _visible(group, context)
            if len(visible) < 2 or not any(_is_secret_grant(e.doc) for e in visible):
                continue
            visible.sort(key=lambda e: e.order)
            head = visible[0]
            where = "without a context" if context is None else f"in the context {q(context)}"
            for entry in visible[1:]:
                if entry.order in reported:
                    continue
                reported.add(entry.order)
                yield entry.doc, Finding(
                    DUPLICATE_SECRET_SLUG, entry.doc.at("slug"),
                    f"another account type with slug {q(slug)} is visible {where}: the stack "
                    "then hands the konnector no secret at all",
                    f"the first is at {_where(head.doc, head.doc.at('slug'))}; keep one per "
                    "slug and context",
                )


def _visible(group: list[_Slugged], context: str | None) -> list[_Slugged]:
    """What cozy-stack's filterByContext keeps for an instance of `context`."""
    if context is None:
        return [e for e in group if e.context is None]
    specific = [e for e in group if e.context == context]
    overridden = {e.name for e in specific}
    return specific + [e for e in group if e.context is None and e.name not in overridden]


def _is_secret_grant(doc: Document) -> bool:
    return doc.data.get("grant_mode") in SECRET_GRANT_MODES
