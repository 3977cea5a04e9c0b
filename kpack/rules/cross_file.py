"""Rules across files: a manifest and the account types that go with it.

The stack never reads the manifest's `oauth`; the home app (cozy-harvest-lib) does: when
it is there, the home app starts the OAuth flow with the account type named
`oauth.account_type`, else the konnector's `slug`, and the stack looks that id up in
`secrets/io-cozy-account_types`. Nothing checks that the two agree until a user clicks
"connect". These rules run when one `kpack check` sees several kinds of file.

Pairing: an account-type document belongs to the manifest whose folder is its nearest
ancestor; one under no manifest's folder belongs to the run's only manifest, if there is
exactly one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.options import CheckOptions
from kpack.realpath import ancestors, string_resolver
from kpack.rulebook import define
from kpack.rules.common import js

OAUTH_ACCOUNT_TYPE_MISMATCH = define(
    "X001", "oauth-account-type-mismatch", Severity.ERROR, None,
    "An OAuth manifest's account type id differs from the account type's `_id`.",
    """
    For a manifest with `oauth`, the home app asks the stack for the account type whose
    id is `oauth.account_type`, or the konnector's `slug` when that is absent. The stack
    looks the id up in `secrets/io-cozy-account_types` (a context-prefixed `_id` such as
    `ctx/google` serves `google` for that context). When the connector's own account
    type has another `_id`, the lookup fails and the user gets an error instead of the
    provider's login page.

    Reported on the account type's `_id`, for each OAuth account type paired with the
    manifest, when none of them has the expected id. Fix one side: rename the `_id`, or
    set `oauth.account_type` in the manifest.
    """,
)
OAUTH_MISSING_IN_MANIFEST = define(
    "X002", "oauth-account-type-without-oauth-manifest", Severity.WARNING, None,
    "An OAuth account type matches a manifest that has no `oauth`.",
    """
    The connector ships an account type with an OAuth grant mode named after the
    konnector's slug, but its manifest has no `oauth` member: the home app shows the
    manifest's login form instead of starting the OAuth flow, so the account type is
    never used. Add `"oauth": {"scope": [...]}` to the manifest (or remove the unused
    account type).
    """,
)

# What these rules read of each document (see kpack.check).
RUN_MEMBERS = {Kind.MANIFEST: ("slug", "oauth"), Kind.ACCOUNT_TYPE: ("_id", "grant_mode")}


def check_run(
    documents: list[Document], options: CheckOptions
) -> Iterator[tuple[Document, Finding]]:
    manifests = [d for d in documents if d.source.kind is Kind.MANIFEST]
    account_types = [d for d in documents if d.source.kind is Kind.ACCOUNT_TYPE]
    if not manifests or not account_types:
        return
    paired = pair_account_types(manifests, account_types)
    for manifest in manifests:
        yield from _check_pair(manifest, paired.get(id(manifest), []))


def pair_account_types(
    manifests: list[Document], account_types: list[Document]
) -> dict[int, list[Document]]:
    """Account-type documents by the `id()` of the manifest document they belong to."""
    real = string_resolver()  # each folder resolved once, not each file
    by_folder: dict[str, list[Document]] = {}
    for manifest in manifests:
        by_folder.setdefault(_folder(manifest, real), []).append(manifest)
    paired: dict[int, list[Document]] = {}
    for account_type in account_types:
        owners = next(
            (by_folder[f] for f in ancestors(_folder(account_type, real)) if f in by_folder),
            manifests if len(manifests) == 1 else [],
        )
        for owner in owners:
            paired.setdefault(id(owner), []).append(account_type)
    return paired


def _folder(document: Document, real: Callable[[str], str]) -> str:
    """The resolved folder of the document's file (strings: one per file of a run)."""
    known = document.source.folder  # found by discovery
    return known or real(os.path.dirname(os.path.abspath(document.source.path)))


def has_oauth(manifest: dict[str, Any]) -> bool:
    """Whether the home app treats the konnector as OAuth (a JS truthiness test)."""
    return manifest.get("oauth") not in (None, False)


def expected_account_type(manifest: dict[str, Any]) -> tuple[str, str] | None:
    """The account type id the home app asks for, and the manifest field it comes from."""
    oauth = manifest.get("oauth")
    if isinstance(oauth, dict):
        account_type = oauth.get("account_type")
        if isinstance(account_type, str) and account_type:
            return account_type, "oauth.account_type"
    slug = manifest.get("slug")
    if isinstance(slug, str) and slug:
        return slug, "slug"
    return None


def bare_id(document_id: str) -> str:
    """An account type `_id` without its context prefix (`ctx/google` → `google`)."""
    return document_id.split("/", 1)[-1]


def _is_oauth_account_type(document: Document) -> bool:
    return document.data.get("grant_mode") in spec.OAUTH_GRANT_MODES and isinstance(
        document.data.get("_id"), str
    )


def _check_pair(
    manifest: Document, account_types: list[Document]
) -> Iterator[tuple[Document, Finding]]:
    expected = expected_account_type(manifest.data)
    oauth_types = [d for d in account_types if _is_oauth_account_type(d)]
    if expected is None or not oauth_types:
        return
    expected_id, origin = expected
    where = manifest.source.display
    if not has_oauth(manifest.data):
        matching = [d for d in oauth_types if bare_id(d.data["_id"]) == expected_id]
        if matching:
            account_type = matching[0]
            pointer = manifest.at("oauth") if "oauth" in manifest.data else manifest.pointer
            yield manifest, Finding(
                OAUTH_MISSING_IN_MANIFEST, pointer,
                f"the account type {expected_id!r} ({account_type.source.display}) uses "
                f"the OAuth grant mode {account_type.data['grant_mode']!r}, but the "
                "manifest has no `oauth`: the home app will show a login form, not the "
                "OAuth flow",
                'add "oauth": {"scope": [...]} to the manifest',
            )
        return
    matching = [d for d in oauth_types if bare_id(d.data["_id"]) == expected_id]
    if not matching:
        for account_type in oauth_types:
            actual = bare_id(account_type.data["_id"])
            yield account_type, Finding(
                OAUTH_ACCOUNT_TYPE_MISMATCH, account_type.at("_id"),
                f"account type {actual!r} is not the one the manifest {where} uses: the "
                f"home app asks the stack for {expected_id!r} (its {origin}) and will not "
                "find it",
                f'set "_id": {js(expected_id)} (keeping any context prefix), or set '
                f'"oauth": {{"account_type": {js(actual)}}} in the manifest',
                at_value=True,
            )
        return
    # A matching account type whose redirect_uri names another id is the account-type
    # rule on redirect URIs (the id in the path must be the document's own `_id`).
