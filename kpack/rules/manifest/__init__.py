"""Rules for `manifest.konnector`: what cozy-stack, the apps registry and the home app
(cozy-harvest-lib) really do with each member (see DOMAIN.md section 2).

The stack decodes the manifest with Go's `encoding/json` into typed fields (cozy-stack
`model/app/konnector.go`): a wrong JSON type on one of them fails the whole install, while
every other member is kept as raw JSON and read by the registry or the home app. Go's
decoder matches struct fields case-insensitively and ignores `null`; the checks do the
same (through `typed`'s helpers) so they never report what the stack accepts.

The families, each with its rules' definitions next to their checks:
- `typed` (M001): the members the stack decodes into typed Go fields, and how Go reads
  members (case-insensitively, nulls ignored) for every family;
- `identity` (M002-M005): slug, type, version, editor;
- `permissions` (M006-M009): permission rules, doctypes and verbs;
- `fields` (M010-M011): the schedule and the account form the home app reads;
- `store` (M012, M013, M020-M022): categories, data types, locales, vendor link, the
  template's placeholders;
- `oauth` (M014-M018): the OAuth scope and account type;
- `keys` (M019): top-level keys no consumer reads.
"""

from __future__ import annotations

from collections.abc import Iterator

from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.options import CheckOptions
from kpack.rules.manifest import fields, identity, keys, oauth, permissions, store, typed
from kpack.rules.manifest.permissions import doctype_problem

RUN_MEMBERS: tuple[str, ...] = ()  # no rule compares manifests with each other
RUN_WAITS = False


def check_run(
    documents: list[Document], options: CheckOptions
) -> Iterator[tuple[Document, Finding]]:
    return iter(())


def check_document(doc: Document, options: CheckOptions) -> Iterator[Finding]:
    typed.forget()  # one document's objects at a time (a caller may change data between)
    try:
        yield from _check_manifest(doc, options)
    finally:
        typed.forget()


def _check_manifest(doc: Document, options: CheckOptions) -> Iterator[Finding]:
    registry = options.target == "registry"
    yield from typed.check_typed_fields(doc)
    yield from identity.check_slug(doc, registry)
    yield from identity.check_type(doc, registry)
    yield from identity.check_version(doc, registry)
    yield from identity.check_editor(doc, registry)
    yield from permissions.check_permissions(doc)
    yield from fields.check_frequency(doc)
    yield from fields.check_fields(doc)
    yield from store.check_categories(doc)
    yield from store.check_data_types(doc)
    yield from oauth.check_oauth(doc)
    yield from store.check_vendor_link(doc)
    yield from store.check_template_placeholders(doc, registry)
    yield from store.check_locales(doc)
    yield from keys.check_unknown_keys(doc)


__all__ = ["RUN_MEMBERS", "RUN_WAITS", "check_document", "check_run", "doctype_problem"]
