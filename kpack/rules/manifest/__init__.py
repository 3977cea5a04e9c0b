"""Rules for `manifest.konnector`: what cozy-stack, the apps registry and the home app
(cozy-harvest-lib) really do with each member (see DOMAIN.md section 2).

The stack decodes the manifest with Go's `encoding/json` into typed fields (cozy-stack
`model/app/konnector.go`): a wrong JSON type on one of them fails the whole install, while
every other member is kept as raw JSON and read by the registry or the home app. Go's
decoder matches struct fields case-insensitively and ignores `null`; the checks below do
the same so they never report what the stack accepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding, Kind, Rule, Severity
from kpack.documents import Document
from kpack.fixes import Fix, RenameKey, SetValue, safe, unsafe
from kpack.options import CheckOptions
from kpack.rulebook import declare_fix, define
from kpack.rules.common import did_you_mean, go_fold, is_type, js, type_name

E, W = Severity.ERROR, Severity.WARNING
K = Kind.MANIFEST

FIELD_TYPE = define(
    "M001", "manifest-field-type", E, K, "A field the stack decodes has the wrong JSON type.",
    """
    cozy-stack decodes `slug`, `source`, `version`, `name`, `icon`, `language`,
    `on_delete_account` (strings), `clientSide` (boolean), `parameters`, `permissions`,
    `terms` and `notifications` (objects) into typed Go fields (`model/app/konnector.go`).
    One wrong type, such as `"clientSide": "true"` or `"version": 1.2`, makes Go's JSON
    decoder fail and the whole install stops with "Application manifest is invalid or
    malformed". The same holds for `terms.url` and `terms.version` (strings). `null` is
    accepted (Go leaves the field empty), and Go matches keys case-insensitively, so
    `"ClientSide"` is decoded (and checked) too.
    """,
)
INVALID_SLUG = define(
    "M002", "invalid-slug", E, K, "`slug` is missing, empty or not `^[a-z0-9-]+$`.",
    """
    The slug names the konnector everywhere: its install URL, its triggers, its registry
    entry and the default account type. cozy-stack refuses a slug that does not match
    `^[a-z0-9-]+$` (lowercase ASCII letters, digits and dashes: no underscore, no dot, no
    uppercase), and the registry requires one. Some 2017 manifests used underscores
    (`orange_mobile`): they cannot be installed by a current stack.
    """,
)
MANIFEST_TYPE = define(
    "M003", "manifest-type", E, K, "`type` must be `konnector`.",
    """
    A `manifest.konnector` must say `"type": "konnector"`. A `webapp` manifest is refused
    as a konnector, and the registry accepts only `webapp` and `konnector` (so anything
    else fails publication). A missing `type` or the legacy `node` of 2017 manifests is a
    warning for the stack, which installs them; with `--target registry` it is an error,
    since the registry requires `type` and knows no `node`.
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
INVALID_PERMISSION = define(
    "M006", "invalid-permission", E, K, "A permission is not `{type, verbs?, values?, ...}`.",
    """
    Each member of `permissions` is a rule that cozy-stack decodes into a typed struct:
    an object with a `type` string (required: the doctype the rule grants), optional
    `verbs` and `values` (arrays of strings), `selector` and `description` (strings).
    Any other shape fails the install ("Application manifest is invalid or malformed"),
    and a rule without `type` grants nothing.
    """,
)
INVALID_DOCTYPE = define(
    "M007", "invalid-doctype", E, K, "A permission's `type` is not a valid doctype name.",
    """
    cozy-stack checks every permission type with `CheckDoctypeName`
    (`model/permission/doctypes.go`): lowercase letters, digits, `.` and `_` only, no dot
    at the start or the end, no two dots in a row. A trailing `.*` wildcard is allowed
    only when the whole name has at least three dots (`io.cozy.calendar.*`, not
    `io.cozy.*`): wildcards on too large domains are refused. An invalid name makes the
    install fail.
    """,
)
INVALID_VERB = define(
    "M008", "invalid-permission-verb", E, K,
    "A permission verb is not an HTTP verb the stack knows.",
    """
    `verbs` lists the HTTP methods the rule allows: `GET`, `POST`, `PUT`, `PATCH`,
    `DELETE`, or `ALL` (an empty or missing list also means all). Verbs are uppercase;
    anything else is not a permission the stack can grant.
    """,
)
UNKNOWN_PERMISSION_KEY = define(
    "M009", "unknown-permission-key", W, K, "A permission has a key the stack ignores.",
    """
    A permission rule has only `type`, `verbs`, `values`, `selector` and `description`.
    Other keys are silently dropped: a misspelled `verb` or `selectors` means the rule
    grants more than intended.
    """,
)
UNKNOWN_FREQUENCY = define(
    "M010", "unknown-frequency", W, K, "`frequency` is not hourly, daily, weekly or monthly.",
    """
    The home app schedules the konnector's trigger from `frequency`; the documented values
    are `hourly`, `daily`, `weekly` (the default) and `monthly`. Another value is not
    understood and the konnector runs at the default frequency.
    """,
)
UNKNOWN_FIELD_TYPE = define(
    "M011", "unknown-field-type", W, K, "A `fields.*.type` is outside the documented list.",
    """
    The home app builds the account form from `fields`; the registry documents the types
    `text`, `password`, `email`, `dropdown`, `hidden` and `checkbox`, and real manifests
    also use `date`. An unknown type renders as a plain text input at best. Fields without
    a `type` (the `advancedFields` group, legacy v1 `account` descriptors) are left alone.
    """,
)
UNKNOWN_CATEGORY = define(
    "M012", "unknown-category", W, K, "A category is outside the registry's documented list.",
    """
    `categories` sorts konnectors in the store; the cozy-apps-registry README ("Categories
    and Data types") lists the accepted slugs: `banking clouds cozy education energy
    finance health host_provider insurance isp mes_infos online_services partners press
    pro productivity ptnb public_service shopping social tech telecom transport`, and
    `others` is the default for an empty list. Nothing enforces the list, so real
    manifests go outside it (`other`, `contacts`): a warning, with the closest documented
    slug when there is one.
    """,
)
UNKNOWN_DATA_TYPE = define(
    "M013", "unknown-data-type", W, K, "A data type is outside the registry's documented list.",
    """
    `data_types` tells the store what a konnector collects; the cozy-apps-registry README
    lists the documented slugs (`bill`, `contact`, `document`, `geopoint`, ...). Nothing
    enforces the list and real manifests use others (`geojson`, `picture`): a warning,
    with the closest documented slug (`contacts` → `contact`).
    """,
)
INVALID_OAUTH = define(
    "M014", "invalid-oauth", E, K, "`oauth` is not an object.",
    """
    The presence of `oauth` makes the konnector an OAuth konnector for the home app
    (cozy-harvest-lib), which reads `oauth.scope` and `oauth.account_type` from it. Any
    other value than an object (`true`, a string) breaks the connection flow. `null` is
    only a warning: the home app then treats the konnector as a non-OAuth one.
    """,
)
INVALID_OAUTH_SCOPE = define(
    "M015", "invalid-oauth-scope", E, K, "`oauth.scope` is not strings, a string, false or null.",
    """
    The home app accepts `oauth.scope` as an array of strings (joined with a space, the
    seed document's shape `["scope1 scope2"]`), as one string, or `false`/`null` to send no
    scope at all (cozy-apps-registry README). A number, an object, `true` or a non-string
    item ends up as garbage in the authorize URL (`[object Object]`, `true`).
    """,
)
OAUTH_SCOPE_FORMAT = define(
    "M016", "oauth-scope-format", W, K,
    "`oauth.scope` has empty items, duplicates or stray separators.",
    """
    Scope items are joined with one space and sent as the `scope` parameter. Empty items,
    leading, trailing or doubled whitespace produce extra spaces, duplicates ask twice for
    the same right, and commas (`"a,b"`) are taken by most providers as part of one scope
    name (RFC 6749 separates scopes with spaces; check your provider if it documents
    commas). A `+` inside an item is a real convention, not a mistake: the home app turns
    it into a space (`"openid+profile+offline_access"`).
    """,
)
UNKNOWN_OAUTH_KEY = define(
    "M017", "unknown-oauth-key", W, K, "`oauth` has a key the home app does not read.",
    """
    The home app reads `oauth.scope` and `oauth.account_type` only. A misspelling such as
    `scopes` is silently ignored, and the authorize request is sent without the scopes you
    meant.
    """,
)
INVALID_OAUTH_ACCOUNT_TYPE = define(
    "M018", "invalid-oauth-account-type", E, K, "`oauth.account_type` is not a slug-like string.",
    """
    `oauth.account_type` names the account-type document (`secrets/io-cozy-account_types`)
    used to start the OAuth flow when it differs from the konnector's slug
    (`/accounts/<account_type>/start`). It must be a non-empty string following the slug
    rule (`^[a-z0-9-]+$`), the default it replaces; a context prefix (`ctx/google`) does
    not belong here: the stack picks the context's override itself.
    """,
)
UNKNOWN_KEY = define(
    "M019", "unknown-manifest-key", W, K, "A top-level key no consumer of the manifest reads.",
    """
    Besides the stack's typed fields, manifests carry the keys the registry documents and
    those real konnectors use (`fields`, `locales`, `folders`, `features`...). Any other
    key is silently ignored by every consumer: a typo such as `permisions` or `catgories`
    loses the whole member without a word. A key that belongs inside an object
    (`oauth_scope`, `account_type`) gets the JSON to write instead (`"oauth": {"scope":
    [...]}`). `$schema` is accepted: editors read it, and the stack keeps unknown keys as
    raw JSON (cozy-stack `model/app/konnector.go`).
    """,
)
INVALID_LOCALES = define(
    "M020", "invalid-locales", W, K, "`locales` is not an object of language → object.",
    """
    `locales` maps a language code (`en`, `fr`) to the translated members
    (`short_description`, `long_description`, `permissions`, `fields`...) that the store
    and the home app display. Members placed directly under `locales`, or a language
    object at the top level of the manifest, are never found: users see the untranslated
    text.
    """,
)
VENDOR_LINK_NO_SCHEME = define(
    "M021", "vendor-link-no-scheme", W, K, "`vendor_link` is not an absolute http(s) URL.",
    """
    The store and the home app show `vendor_link` ("URL to editor or service website",
    cozy-apps-registry README) as a link. Without a scheme, `www.trainline.fr` (the
    README's own example once wrote it so) is a path relative to the app and leads
    nowhere. Write the whole URL, `https://www.trainline.fr`.
    """,
)

# A language code as used for `locales` keys: `en`, `fr`, `pt-BR`, `zh_Hans`.
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# Members of a locale object: a top-level object holding these is a misplaced locale.
_LOCALE_MEMBERS = frozenset(
    ("name", "short_description", "long_description", "description", "changes",
     "permissions", "fields", "screenshots", "folders")
)

Findings = Iterator[Finding]


RUN_MEMBERS: tuple[str, ...] = ()  # no rule compares manifests with each other
RUN_WAITS = False


def check_run(
    documents: list[Document], options: CheckOptions
) -> Iterator[tuple[Document, Finding]]:
    return iter(())


def check_document(doc: Document, options: CheckOptions) -> Findings:
    _FOLDED.clear()  # one document's objects at a time (a caller may change data between)
    try:
        yield from _check_manifest(doc, options)
    finally:
        _FOLDED.clear()


def _check_manifest(doc: Document, options: CheckOptions) -> Findings:
    registry = options.target == "registry"
    yield from _typed_fields(doc)
    yield from _slug(doc)
    yield from _type(doc, registry)
    yield from _version(doc, registry)
    yield from _editor(doc, registry)
    yield from _permissions(doc)
    yield from _frequency(doc)
    yield from _fields(doc)
    yield from _listed_values(doc, "categories", spec.CATEGORIES, UNKNOWN_CATEGORY, "category")
    yield from _listed_values(doc, "data_types", spec.DATA_TYPES, UNKNOWN_DATA_TYPE, "data type")
    yield from _oauth(doc)
    yield from _vendor_link(doc)
    yield from _locales(doc)
    yield from _unknown_keys(doc)


# --- helpers ---------------------------------------------------------------------------------


# The non-null members of each object looked up, by their key's case-folded form (in
# document order), so each key is folded once and not once per field looked up. Keyed by
# id(): each entry holds its object, which keeps the id from being reused meanwhile.
_FOLDED: dict[int, tuple[dict[str, Any], dict[str, list[tuple[str, Any]]]]] = {}
_NONE: list[tuple[str, Any]] = []


def _go_members(obj: dict[str, Any], name: str) -> list[tuple[str, Any]]:
    """Every member Go's decoder decodes into the field `name`: each key equal to it
    ignoring case, in document order, leaving out nulls (Go ignores them). The list is
    shared: read it, do not change it."""
    return _folded(obj).get(name.lower(), _NONE)


def _folded(obj: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """`obj`'s non-null members by case-folded key: loops over many fields take it once
    and look each (already folded) field up, with no call per field."""
    entry = _FOLDED.get(id(obj))
    if entry is None or entry[0] is not obj:
        index: dict[str, list[tuple[str, Any]]] = {}
        for key, value in obj.items():
            if value is not None:
                folded = go_fold(key)  # Go's folding, not Python's casefold
                if folded is not None:
                    index.setdefault(folded, []).append((key, value))
        entry = _FOLDED[id(obj)] = (obj, index)
    return entry[1]


def _go_member(obj: dict[str, Any], name: str) -> tuple[str, Any] | None:
    """The member whose value the field ends up with (the last one decoded), or None."""
    members = _go_members(obj, name)
    return members[-1] if members else None


def _severity(registry: bool) -> Severity:
    return E if registry else W


def _expected(json_type: str) -> str:
    return {"string": "a string", "boolean": "a boolean", "object": "an object",
            "array": "an array"}[json_type]


# --- M001 typed fields ----------------------------------------------------------------------


def _typed_fields(doc: Document) -> Findings:
    data = doc.data
    members = _folded(data)
    for folded_name, json_type in _TYPED_FIELDS_FOLDED:
        for key, value in members.get(folded_name, _NONE):
            if not is_type(value, json_type):
                yield Finding(
                    FIELD_TYPE, doc.at(key),
                    f'"{key}" must be {_expected(json_type)}, not {type_name(value)}: the '
                    f"stack refuses the whole manifest",
                    _type_help(value, json_type),
                )
    for terms_key, terms in _go_members(data, "terms"):
        if not isinstance(terms, dict):
            continue
        for name in ("url", "version"):
            for key, value in _go_members(terms, name):
                if not isinstance(value, str):
                    yield Finding(
                        FIELD_TYPE, doc.at(terms_key, key),
                        f'"terms.{key}" must be a string, not {type_name(value)}',
                    )


_TYPED_FIELDS_FOLDED = [
    (name.lower(), json_type) for name, json_type in spec.MANIFEST_TYPED_FIELDS.items()
]


def _type_help(value: Any, json_type: str) -> str | None:
    if json_type == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return f"write {value.lower()} without quotes"
    if json_type == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'write it as a string: "{value}"'
    return None


# --- M002 slug ------------------------------------------------------------------------------


def _slug(doc: Document) -> Findings:
    member = _go_member(doc.data, "slug")
    if member is None:
        yield Finding(
            INVALID_SLUG, doc.pointer, 'the manifest has no "slug"',
            'add "slug": the lowercase name of the konnector (letters, digits and dashes)',
        )
        return
    key, slug = member
    if not isinstance(slug, str):
        return  # M001
    if not slug:
        yield Finding(INVALID_SLUG, doc.at(key), '"slug" is empty')
    elif not spec.SLUG_RE.match(slug):
        fixed = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", slug.lower())).strip("-")
        yield Finding(
            INVALID_SLUG, doc.at(key),
            f"slug {slug!r} does not match {spec.SLUG_PATTERN}: the stack refuses it",
            f'use lowercase letters, digits and dashes, e.g. "slug": {js(fixed)}' if fixed
            else None,
        )


# --- M003 type ------------------------------------------------------------------------------


def _type(doc: Document, registry: bool) -> Findings:
    if "type" not in doc.data or doc.data["type"] is None:
        yield Finding(
            MANIFEST_TYPE, doc.pointer, 'the manifest has no "type"',
            'add "type": "konnector" (the registry requires it)', severity=_severity(registry),
        )
        return
    value = doc.data["type"]
    pointer = doc.at("type")
    if value in spec.MANIFEST_TYPES:
        return
    if value in spec.LEGACY_MANIFEST_TYPES:
        yield Finding(
            MANIFEST_TYPE, pointer,
            f'"type": {js(value)} is the legacy 2017 value'
            + (": the registry accepts only webapp and konnector" if registry else ""),
            'write "type": "konnector"', severity=_severity(registry),
        )
    elif value == "webapp":
        yield Finding(
            MANIFEST_TYPE, pointer,
            'a "webapp" manifest is refused as a konnector',
            'a konnector\'s manifest.konnector says "type": "konnector"',
        )
    elif isinstance(value, str):
        yield Finding(
            MANIFEST_TYPE, pointer, f'"type" {value!r} is not "konnector"',
            did_you_mean(value, spec.MANIFEST_TYPES, cutoff=0.6) or 'write "type": "konnector"',
        )
    else:
        yield Finding(
            MANIFEST_TYPE, pointer,
            f'"type" must be the string "konnector", not {type_name(value)}',
        )


# --- M004 version, M005 editor --------------------------------------------------------------


def _version(doc: Document, registry: bool) -> Findings:
    member = _go_member(doc.data, "version")
    if member is None:
        yield Finding(
            INVALID_VERSION, doc.pointer,
            'the manifest has no "version" (the registry requires it)',
            'add "version": "1.0.0"', severity=_severity(registry),
        )
        return
    key, version = member
    if not isinstance(version, str) or spec.VERSION_RE.match(version):
        return  # a wrong type is M001's
    yield Finding(
        INVALID_VERSION, doc.at(key),
        f"version {version!r} does not match the registry's X.Y.Z[-beta.N|-dev.<hex>] format",
        _version_help(version), severity=_severity(registry),
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


def _editor(doc: Document, registry: bool) -> Findings:
    value = doc.data.get("editor")
    if "editor" not in doc.data or value is None:
        yield Finding(
            MISSING_EDITOR, doc.pointer,
            'the manifest has no "editor" (the registry and cozy-app-publish require it)',
            'add "editor": the editor name of your registry token', severity=_severity(registry),
        )
    elif not isinstance(value, str) or not value.strip():
        yield Finding(
            MISSING_EDITOR, doc.at("editor"),
            f'"editor" must be a non-empty string, not {_describe(value)}',
            severity=_severity(registry),
        )


def _describe(value: Any) -> str:
    return "an empty string" if isinstance(value, str) else type_name(value)


# --- M006-M009 permissions ------------------------------------------------------------------


def _permissions(doc: Document) -> Findings:
    # Go decodes every member spelt `permissions` in any case, one after the other: a bad
    # rule in an earlier one fails the install although a later one replaces it.
    for key, permissions in _go_members(doc.data, "permissions"):
        if isinstance(permissions, dict):  # else M001
            yield from _permission_rules(doc, key, permissions)


def _permission_rules(doc: Document, key: str, permissions: dict[str, Any]) -> Findings:
    for name, rule in permissions.items():
        pointer = doc.at(key, name)
        if not isinstance(rule, dict):
            yield Finding(
                INVALID_PERMISSION, pointer,
                f"permission {name!r} must be an object with a \"type\", not {type_name(rule)}",
                'e.g. {"type": "io.cozy.files"}',
            )
            continue
        yield from _permission(doc, pointer, name, rule)


def _permission(doc: Document, pointer: str, name: str, rule: dict[str, Any]) -> Findings:
    doctype = _go_member(rule, "type")
    if doctype is None:
        yield Finding(
            INVALID_PERMISSION, pointer, f'permission {name!r} has no "type"',
            'add the doctype it grants, e.g. "type": "io.cozy.files"',
        )
    for key, value in _go_members(rule, "type"):
        if not isinstance(value, str):
            yield Finding(
                INVALID_PERMISSION, f"{pointer}/{_token(key)}",
                f'"type" must be a doctype string, not {type_name(value)}',
            )
            continue
        problem = doctype_problem(value)
        if problem is not None:
            yield Finding(
                INVALID_DOCTYPE, f"{pointer}/{_token(key)}",
                f"{value!r} is not a valid doctype name: {problem}", _doctype_help(value),
            )
    members = _folded(rule)
    for field in ("selector", "description"):
        for key, value in members.get(field, _NONE):
            if not isinstance(value, str):
                yield Finding(
                    INVALID_PERMISSION, f"{pointer}/{_token(key)}",
                    f'"{key}" must be a string, not {type_name(value)}',
                )
    for field in ("verbs", "values"):
        for key, value in members.get(field, _NONE):
            yield from _permission_list(pointer, field, key, value)
    for field in rule:
        if field in spec.PERMISSION_KEYS:
            continue
        if field.lower() in _PERMISSION_KEYS_LOWERED:
            message = f'"{field}" is read by the stack (case-insensitively) but not by other tools'
        else:
            message = f'permission {name!r} has an unknown key "{field}": the stack ignores it'
        yield Finding(
            UNKNOWN_PERMISSION_KEY, f"{pointer}/{_token(field)}", message,
            did_you_mean(field, spec.PERMISSION_KEYS),
        )


_PERMISSION_KEYS_LOWERED = frozenset(k.lower() for k in spec.PERMISSION_KEYS)


def _permission_list(pointer: str, field: str, key: str, value: Any) -> Findings:
    """`verbs` and `values`: arrays of strings; verbs within the stack's list."""
    field_pointer = f"{pointer}/{_token(key)}"
    if not isinstance(value, list):
        yield Finding(
            INVALID_PERMISSION, field_pointer,
            f'"{key}" must be an array of strings, not {type_name(value)}',
            f'e.g. {js(field)}: [{js(value)}]' if isinstance(value, str) else None,
        )
        return
    for i, item in enumerate(value):
        if not isinstance(item, str):
            yield Finding(
                INVALID_PERMISSION, f"{field_pointer}/{i}",
                f'"{key}" items must be strings, not {type_name(item)}', at_value=True,
            )
        elif field == "verbs" and item not in spec.PERMISSION_VERBS:
            yield Finding(
                INVALID_VERB, f"{field_pointer}/{i}",
                f"{item!r} is not a permission verb ({', '.join(spec.PERMISSION_VERBS)})",
                did_you_mean(item, spec.PERMISSION_VERBS), at_value=True,
            )


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def doctype_problem(doctype: str) -> str | None:
    """Why cozy-stack's CheckDoctypeName(doctype, authorizeWildcard=true) refuses a name,
    or None when it accepts it."""
    if not doctype:
        return "it is empty"
    name = doctype
    if name.endswith(".*"):
        if name.count(".") < spec.DOCTYPE_WILDCARD_MIN_DOTS:
            return (
                f"a .* wildcard needs at least {spec.DOCTYPE_WILDCARD_MIN_DOTS} dots in the "
                "whole name (wildcards on too large domains are refused)"
            )
        name = name[:-2]
    if _ASCII_DOCTYPE.fullmatch(name) is None:  # else every character is allowed
        problem = _character_problem(name)
        if problem is not None:
            return problem
    if name.startswith(".") or name.endswith("."):
        return "it starts or ends with a dot"
    if ".." in name:
        return "it has two dots in a row"
    return None


# Lowercase ASCII letters, digits, dots and underscores: what nearly every doctype is made
# of, and all allowed. Other characters go through Go's unicode tests one by one.
_ASCII_DOCTYPE = re.compile(r"[a-z0-9._]*")


def _character_problem(name: str) -> str | None:
    for char in name:
        # Go: unicode.IsLower(c) || unicode.IsDigit(c) || c == '.' || c == '_'
        if char in "._" or unicodedata.category(char) in ("Ll", "Nd"):
            continue
        if char.isupper():
            return "doctypes are lowercase"
        return f"{char!r} is not allowed (lowercase letters, digits, . and _ only)"
    return None


def _doctype_help(doctype: str) -> str | None:
    candidate = re.sub(r"\.{2,}", ".", doctype.strip().lower().replace("-", "_")).strip(".")
    if doctype.endswith(".*") and doctype.count(".") < spec.DOCTYPE_WILDCARD_MIN_DOTS:
        return "name the doctype itself (io.cozy.files) or a narrower family (io.cozy.calendar.*)"
    if candidate and candidate != doctype and doctype_problem(candidate) is None:
        return f"did you mean {candidate!r}?"
    return None


# --- M010 frequency, M011 fields, M012/M013 listed values ----------------------------------


def _frequency(doc: Document) -> Findings:
    if "frequency" not in doc.data:
        return
    value = doc.data["frequency"]
    if isinstance(value, str) and value in spec.FREQUENCIES:
        return
    if isinstance(value, str):
        message = f"frequency {value!r} is not one of {', '.join(spec.FREQUENCIES)}"
        help_ = did_you_mean(value, spec.FREQUENCIES, cutoff=0.6)
    else:
        message = (
            f'"frequency" must be a string ({", ".join(spec.FREQUENCIES)}), '
            f"not {type_name(value)}"
        )
        help_ = None
    yield Finding(UNKNOWN_FREQUENCY, doc.at("frequency"), message, help_)


def _fields(doc: Document) -> Findings:
    if "fields" not in doc.data:
        return
    fields = doc.data["fields"]
    if not isinstance(fields, dict):
        yield Finding(
            UNKNOWN_FIELD_TYPE, doc.at("fields"),
            f'"fields" must be an object of field name → description, not {type_name(fields)}',
        )
        return
    for name, field in fields.items():
        if not isinstance(field, dict):
            yield Finding(
                UNKNOWN_FIELD_TYPE, doc.at("fields", name),
                f"field {name!r} must be an object, not {type_name(field)}",
                f'e.g. {js(name)}: {{"type": {js(field)}}}' if field in spec.FIELD_TYPES
                else None,
            )
            continue
        if "type" not in field:
            continue  # advancedFields groups, legacy v1 account descriptors
        field_type = field["type"]
        if isinstance(field_type, str) and field_type in spec.FIELD_TYPES:
            continue
        if isinstance(field_type, str):
            message = f"field type {field_type!r} is not one of {', '.join(spec.FIELD_TYPES)}"
            help_ = did_you_mean(field_type, spec.FIELD_TYPES, cutoff=0.6)
        else:
            message = f"a field type must be a string, not {type_name(field_type)}"
            help_ = None
        yield Finding(UNKNOWN_FIELD_TYPE, doc.at("fields", name, "type"), message, help_)


def _listed_values(
    doc: Document, key: str, allowed: Iterable[str], rule: Rule, what: str
) -> Findings:
    if key not in doc.data or doc.data[key] is None:
        return
    values = doc.data[key]
    allowed = tuple(allowed)
    if isinstance(values, str):
        yield Finding(
            rule, doc.at(key), f'"{key}" must be an array of strings, not a string',
            f'write {js(key)}: [{js(values)}]',
        )
        return
    if not isinstance(values, list):
        yield Finding(
            rule, doc.at(key), f'"{key}" must be an array of strings, not {type_name(values)}'
        )
        return
    for i, value in enumerate(values):
        if not isinstance(value, str):
            yield Finding(
                rule, doc.at(key, i), f"a {what} must be a string, not {type_name(value)}",
                at_value=True,
            )
        elif value not in allowed:
            yield Finding(
                rule, doc.at(key, i),
                f"{what} {value!r} is not in the registry's documented list",
                did_you_mean(value, allowed), at_value=True,
            )


# --- M014-M018 oauth ------------------------------------------------------------------------


def _oauth(doc: Document) -> Findings:
    if "oauth" not in doc.data:
        return
    oauth = doc.data["oauth"]
    pointer = doc.at("oauth")
    if oauth is None:
        yield Finding(
            INVALID_OAUTH, pointer,
            '"oauth" is null: the home app treats the konnector as a non-OAuth one',
            'remove "oauth", or make it an object such as {"scope": [...]}', severity=W,
        )
        return
    if not isinstance(oauth, dict):
        yield Finding(
            INVALID_OAUTH, pointer, f'"oauth" must be an object, not {type_name(oauth)}',
            'e.g. "oauth": {"scope": ["openid profile"]}',
        )
        return
    if "scope" in oauth:
        yield from _scope(doc, oauth["scope"])
    if "account_type" in oauth:
        yield from _oauth_account_type(doc, oauth["account_type"])
    for key in oauth:
        if key not in spec.OAUTH_KEYS:
            yield Finding(
                UNKNOWN_OAUTH_KEY, doc.at("oauth", key),
                f'"oauth.{key}" is not read by the home app (it reads scope and account_type)',
                did_you_mean(key, spec.OAUTH_KEYS),
            )


def _scope(doc: Document, scope: Any) -> Findings:
    pointer = doc.at("oauth", "scope")
    if scope is None or scope is False:
        return
    if isinstance(scope, str):
        fix = _scope_fix(pointer, scope)
        for finding in (*_scope_item(pointer, scope, single=True),
                        *_duplicate_scopes([(pointer, scope)])):
            yield finding._replace(fix=fix)
        return
    if not isinstance(scope, list):
        yield Finding(
            INVALID_OAUTH_SCOPE, pointer,
            f'"oauth.scope" must be an array of strings, a string, false or null, '
            f"not {_scope_type(scope)}",
            'e.g. "scope": ["openid profile"]',
        )
        return
    if not scope:
        yield Finding(
            OAUTH_SCOPE_FORMAT, pointer, '"oauth.scope" is an empty array: an empty scope is sent',
            "use false to send no scope, or list the scopes", at_value=True,
        )
        return
    items: list[tuple[str, str]] = []
    for i, item in enumerate(scope):
        item_pointer = doc.at("oauth", "scope", i)
        if not isinstance(item, str):
            yield Finding(
                INVALID_OAUTH_SCOPE, item_pointer,
                f"scope items must be strings, not {_scope_type(item)}", at_value=True,
            )
            continue
        yield from _scope_item(item_pointer, item, single=False)
        items.append((item_pointer, item))
    yield from _duplicate_scopes(items)


declare_fix(
    OAUTH_SCOPE_FORMAT, "unsafe",
    """
    A scope given as one string becomes an array of its words, each once
    (`"openid, profile"` → `["openid", "profile"]`): unsafe, since the words are then
    joined with spaces, which a provider reading commas may take differently.
    """,
)


def _scope_fix(pointer: str, scope: str) -> Fix | None:
    words = list(dict.fromkeys(w for w in re.split(r"[\s,]+", scope) if w))
    if not words:
        return None
    return unsafe(f"write {js(words)}", SetValue(pointer, words))


def _scope_type(value: Any) -> str:
    return "true" if value is True else type_name(value)


def _scope_item(pointer: str, item: str, single: bool) -> Findings:
    if not item.strip():
        yield Finding(
            OAUTH_SCOPE_FORMAT, pointer,
            "the scope is empty" if single else "empty scope item",
            "use false to send no scope" if single else "remove the empty item",
            at_value=True,
        )
        return
    problems = []
    if item != item.strip():
        problems.append("leading or trailing whitespace")
    if re.search(r"\s{2,}|[^\S ]", item.strip()):
        problems.append("doubled whitespace or tabs")
    if "," in item:
        problems.append("commas (scopes are separated by spaces)")
    if problems:
        fixed = " ".join(part for part in re.split(r"[\s,]+", item) if part)
        yield Finding(
            OAUTH_SCOPE_FORMAT, pointer, f"scope {item!r} has {' and '.join(problems)}",
            f"write {js(fixed)}", at_value=True,
        )


def _duplicate_scopes(items: list[tuple[str, str]]) -> Findings:
    """One warning per scope asked for twice (items split on spaces, `+` and commas)."""
    seen: set[str] = set()
    for pointer, item in items:
        reported: set[str] = set()
        for scope in re.split(r"[\s+,]+", item):
            if not scope:
                continue
            if scope in seen and scope not in reported:
                reported.add(scope)
                yield Finding(
                    OAUTH_SCOPE_FORMAT, pointer, f"scope {scope!r} is asked for twice",
                    "remove the duplicate", at_value=True,
                )
            seen.add(scope)


def _oauth_account_type(doc: Document, value: Any) -> Findings:
    pointer = doc.at("oauth", "account_type")
    if not isinstance(value, str):
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer,
            f'"oauth.account_type" must be a string, not {type_name(value)}',
            "name the account-type document, or remove the key to use the slug",
        )
    elif not value:
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer, '"oauth.account_type" is empty',
            "remove the key to use the konnector's slug",
        )
    elif not spec.SLUG_RE.match(value):
        help_ = None
        if "/" in value:
            help_ = (f'drop the context prefix: "account_type": {js(value.rsplit("/", 1)[1])} '
                     "(the stack picks the context's override itself)")
        elif spec.SLUG_RE.match(value.strip().lower()):
            help_ = f'did you mean "account_type": {js(value.strip().lower())}?'
        yield Finding(
            INVALID_OAUTH_ACCOUNT_TYPE, pointer,
            f"account type {value!r} does not match {spec.SLUG_PATTERN}", help_,
        )


# --- M021 vendor_link -------------------------------------------------------------------------


def _vendor_link(doc: Document) -> Findings:
    value = doc.data.get("vendor_link")
    if not isinstance(value, str) or not value.strip():
        return
    scheme, sep, rest = value.strip().partition("://")
    if sep and scheme.lower() in ("http", "https") and rest:
        return
    if not sep and re.match(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(?:[/:?#]|$)", value.strip()):
        help_ = f'write "vendor_link": {js("https://" + value.strip())}'
    else:
        help_ = "write the whole URL, https:// included"
    yield Finding(
        VENDOR_LINK_NO_SCHEME, doc.at("vendor_link"),
        "vendor_link has no http(s) scheme: the link would be relative to the app and lead "
        "nowhere", help_, at_value=True,
    )


# --- M019 unknown keys, M020 locales --------------------------------------------------------


def _is_misplaced_locale(key: str, value: Any) -> bool:
    return (
        isinstance(value, dict) and bool(_LANGUAGE_RE.match(key))
        and bool(_LOCALE_MEMBERS.intersection(value))
    )


_KNOWN_KEYS = frozenset(spec.MANIFEST_KEYS) | frozenset(spec.MANIFEST_TYPED_FIELDS)
_TYPED_LOWERED = frozenset(name.lower() for name in spec.MANIFEST_TYPED_FIELDS)


# Top-level keys that belong inside an object (normalised: lowercase letters only).
_NESTED = {
    "oauthscope": ("oauth", "scope"), "oauthscopes": ("oauth", "scope"),
    "scope": ("oauth", "scope"), "scopes": ("oauth", "scope"),
    "oauthaccounttype": ("oauth", "account_type"), "accounttype": ("oauth", "account_type"),
}


def _nested_help(key: str, value: Any) -> str | None:
    """`oauth_scope` → `"oauth": {"scope": [...]}`: where the member belongs."""
    place = _NESTED.get(re.sub(r"[^a-z]", "", key.lower()))
    if place is None:
        return None
    parent, member = place
    return f"did you mean {parent}.{member}? write {js(parent)}: {{{js(member)}: {js(value)}}}"


def _unknown_keys(doc: Document) -> Findings:
    known = _KNOWN_KEYS
    for key, value in doc.data.items():
        if key in known or _is_misplaced_locale(key, value):
            continue
        if key.lower() in _TYPED_LOWERED:
            message = (f'"{key}" is read by the stack (Go ignores case) but not by the '
                       "registry nor the home app")
        else:
            message = f'unknown key "{key}": no consumer of the manifest reads it'
        help_ = _nested_help(key, value) or did_you_mean(key, known)
        yield Finding(UNKNOWN_KEY, doc.at(key), message, help_, fix=_key_case_fix(doc, key))


declare_fix(
    UNKNOWN_KEY, "safe",
    """
    A key that differs from a manifest key only by case (`ClientSide` → `clientSide`)
    is renamed to it, when the manifest does not already have that key.
    """,
)
_CANONICAL_BY_LOWER: dict[str, list[str]] = {}
for _key in sorted(_KNOWN_KEYS):
    _CANONICAL_BY_LOWER.setdefault(_key.lower(), []).append(_key)


def _key_case_fix(doc: Document, key: str) -> Fix | None:
    canonical = _CANONICAL_BY_LOWER.get(key.lower(), [])
    if len(canonical) != 1 or canonical[0] in doc.data:
        return None
    return safe(f'rename "{key}" to "{canonical[0]}"', RenameKey(doc.at(key), canonical[0]))


def _locales(doc: Document) -> Findings:
    for key, value in doc.data.items():
        if _is_misplaced_locale(key, value):
            yield Finding(
                INVALID_LOCALES, doc.at(key),
                f'"{key}" looks like a locale at the top level of the manifest: it is never read',
                f'move it under "locales": {{{js(key)}: {{...}}}}',
            )
    if "locales" not in doc.data or doc.data["locales"] is None:
        return
    locales = doc.data["locales"]
    if not isinstance(locales, dict):
        yield Finding(
            INVALID_LOCALES, doc.at("locales"),
            f'"locales" must be an object of language → translations, not {type_name(locales)}',
        )
        return
    for lang, translations in locales.items():
        if not _LANGUAGE_RE.match(lang):
            yield Finding(
                INVALID_LOCALES, doc.at("locales", lang),
                f'"locales.{lang}" is not a language code: translations go under '
                f'"locales.<lang>"',
                f'e.g. "locales": {{"en": {{{js(lang)}: ...}}}}' if lang in _LOCALE_MEMBERS
                else None,
            )
        elif not isinstance(translations, dict):
            yield Finding(
                INVALID_LOCALES, doc.at("locales", lang),
                f'"locales.{lang}" must be an object of translated members, not '
                f"{type_name(translations)}",
            )


__all__ = ["RUN_MEMBERS", "RUN_WAITS", "check_document", "check_run", "doctype_problem"]
