"""M002-M005: what names the konnector, `slug`, `type`, `version` and `editor`.

The stack replaces the manifest's slug by the install slug and refuses only a `webapp`
type; the registry checks the slug and the type, and also requires a version in its format
and an editor (warnings for the stack, errors with `--target registry`).
"""

from __future__ import annotations

import re
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import did_you_mean, js, short, type_name
from kpack.rules.manifest.typed import E, Findings, K, W, go_member, go_members, severity

INVALID_SLUG = define(
    "M002", "invalid-slug", W, K, "`slug` is missing, empty or not `^[a-z0-9-]+$`.",
    """
    The slug names the konnector's registry entry, and the registry refuses a slug that
    does not match `^[a-z0-9-]+$` (lowercase ASCII letters, digits and dashes: no
    underscore, no dot, no uppercase) and requires one. cozy-stack does not read the
    manifest's slug: `Installer.ReadManifest` (model/app/installer.go) replaces it by the
    install slug, which is the one checked. Some 2017 manifests used underscores
    (`orange_mobile`): a warning for the stack, an error with `--target registry`.
    """,
)
MANIFEST_TYPE = define(
    "M003", "manifest-type", E, K, "`type` must be `konnector`.",
    """
    A `manifest.konnector` must say `"type": "konnector"`. cozy-stack reads `type` on its
    own (`Installer.ReadManifest`, model/app/installer.go: Go's member lookup, any case,
    the last member wins) and refuses only `webapp`; when that decode fails (a `type` that
    is not a string) the type is not checked at all. The registry accepts only `webapp`
    and `konnector` and requires the field. So `webapp` is an error; a missing `type`, the
    legacy `node` of 2017 manifests, another string or another JSON type is a warning for
    the stack, which installs them, and an error with `--target registry`.
    """,
)
INVALID_VERSION = define(
    "M004", "invalid-version", W, K, "`version` does not match the registry's format.",
    """
    The apps registry accepts only `X.Y.Z`, `X.Y.Z-beta.N` and `X.Y.Z-dev.<hex>` with
    numbers of at most five digits and no leading zero (its regexp:
    `^(0|[1-9][0-9]{0,4})\\.(0|[1-9][0-9]{0,4})\\.(0|[1-9][0-9]{0,4})(-dev\\.[a-f0-9]{1,40}|-beta.(0|[1-9][0-9]{0,4}))?$`);
    it also requires the field. The stack installs other versions, so this is a warning,
    and an error with `--target registry`.
    """,
)
MISSING_EDITOR = define(
    "M005", "missing-editor", W, K, "`editor` is missing or empty.",
    """
    The registry requires `editor` (the name shown in the cozy-bar, which must match the
    editor of the publishing token) and cozy-app-publish refuses a manifest without it.
    The stack does not need it: a warning, an error with `--target registry`.
    """,
)


# --- M002 slug ------------------------------------------------------------------------------


def check_slug(doc: Document, registry: bool) -> Findings:
    member = go_member(doc.data, "slug")
    if member is None:
        yield Finding(
            INVALID_SLUG, doc.pointer, 'the manifest has no "slug"',
            'add "slug": the lowercase name of the konnector (letters, digits and dashes)',
            severity=severity(registry),
        )
        return
    key, slug = member
    if not isinstance(slug, str):
        return  # M001
    if not slug:
        yield Finding(INVALID_SLUG, doc.at(key), '"slug" is empty: the registry refuses it',
                      severity=severity(registry))
    elif not spec.SLUG_RE.match(slug):
        # A slug is a short name: past 200 characters no suggestion (a 2 MB slug of escapes
        # made hundreds of MB of pieces) and the message shows its start only.
        fixed = "" if len(slug) > 200 else (
            re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", slug.lower())).strip("-")
        )
        yield Finding(
            INVALID_SLUG, doc.at(key),
            f"slug {short(slug)!r} does not match {spec.SLUG_PATTERN}: the registry refuses it",
            f'use lowercase letters, digits and dashes, e.g. "slug": {js(fixed)}' if fixed
            else None, severity=severity(registry),
        )


# --- M003 type ------------------------------------------------------------------------------


def check_type(doc: Document, registry: bool) -> Findings:
    members = go_members(doc.data, "type")
    if not members:
        yield Finding(
            MANIFEST_TYPE, doc.pointer, 'the manifest has no "type"',
            'add "type": "konnector" (the registry requires it)', severity=severity(registry),
        )
        return
    wrong = next(((k, v) for k, v in members if not isinstance(v, str)), None)
    if wrong is not None:
        # The stack's decode of {type} fails, so it checks no type at all.
        yield Finding(
            MANIFEST_TYPE, doc.at(wrong[0]),
            f'"type" must be the string "konnector", not {type_name(wrong[1])}',
            'write "type": "konnector"', severity=severity(registry),
        )
        return
    key, value = members[-1]
    pointer = doc.at(key)
    if value in spec.MANIFEST_TYPES:
        return
    if not registry and getattr(doc.source, "trailing_data", False):
        # The stack json.Unmarshals the bytes its decoder read into {type}: the trailing
        # data read along makes that fail, and then no type is checked (installer.go).
        return
    if value in spec.LEGACY_MANIFEST_TYPES:
        yield Finding(
            MANIFEST_TYPE, pointer,
            f'"type": {js(value)} is the legacy 2017 value'
            + (": the registry accepts only webapp and konnector" if registry else ""),
            'write "type": "konnector"', severity=severity(registry),
        )
    elif value == "webapp":
        yield Finding(
            MANIFEST_TYPE, pointer,
            'a "webapp" manifest is refused as a konnector',
            'a konnector\'s manifest.konnector says "type": "konnector"',
        )
    else:
        yield Finding(
            MANIFEST_TYPE, pointer, f'"type" {value!r} is not "konnector"'
            + (": the registry accepts only webapp and konnector" if registry else ""),
            did_you_mean(value, spec.MANIFEST_TYPES, cutoff=0.6) or 'write "type": "konnector"',
            severity=severity(registry),
        )


# --- M004 version, M005 editor --------------------------------------------------------------


def check_version(doc: Document, registry: bool) -> Findings:
    member = go_member(doc.data, "version")
    if member is None:
        yield Finding(
            INVALID_VERSION, doc.pointer,
            'the manifest has no "version" (the registry requires it)',
            'add "version": "1.0.0"', severity=severity(registry),
        )
        return
    key, version = member
    if not isinstance(version, str) or spec.VERSION_RE.match(version):
        return  # a wrong type is M001's
    yield Finding(
        INVALID_VERSION, doc.at(key),
        f"version {version!r} does not match the registry's X.Y.Z[-beta.N|-dev.<hex>] format",
        _version_help(version), severity=severity(registry),
    )


def _version_help(version: str) -> str | None:
    stripped = version.strip()
    if stripped[:1] in ("v", "V") and spec.VERSION_RE.match(stripped[1:]):
        return f'drop the leading v: "version": {js(stripped[1:])}'
    if stripped != version and spec.VERSION_RE.match(stripped):
        return f'remove the whitespace: "version": {js(stripped)}'
    if re.fullmatch(r"\d+(\.\d+)?", stripped):
        return "use three numbers: major.minor.patch"
    if re.fullmatch(r"\d+\.\d+\.\d+-beta\d+", stripped):
        return "write the beta number after a dot: X.Y.Z-beta.N"
    return None


def check_editor(doc: Document, registry: bool) -> Findings:
    value = doc.data.get("editor")
    if "editor" not in doc.data or value is None:
        yield Finding(
            MISSING_EDITOR, doc.pointer,
            'the manifest has no "editor" (the registry and cozy-app-publish require it)',
            'add "editor": the editor name of your registry token', severity=severity(registry),
        )
    elif not isinstance(value, str) or not value.strip():
        yield Finding(
            MISSING_EDITOR, doc.at("editor"),
            f'"editor" must be a non-empty string, not {_describe(value)}',
            severity=severity(registry),
        )


def _describe(value: Any) -> str:
    return "an empty string" if isinstance(value, str) else type_name(value)
