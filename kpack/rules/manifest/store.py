"""M012, M013, M020-M022: what the store shows of the konnector (registry metadata), its
`categories`, `data_types`, `locales`, `vendor_link` and the template's placeholders.

Nothing enforces these members: a mistake is a warning, with the closest documented value
when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding, Rule
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import did_you_mean, js, type_name
from kpack.rules.manifest.typed import Findings, K, W

UNKNOWN_CATEGORY = define(
    "M012", "unknown-category", W, K, "A category is outside the registry's documented list.",
    """
    `categories` sorts konnectors in the store; the cozy-apps-registry README ("Categories
    and Data types") lists the accepted slugs: `banking clouds cozy education energy
    finance health host_provider insurance isp mes_infos online_services partners press
    pro productivity ptnb public_service shopping social tech telecom transport`, and
    `others` is the default for an empty list. Nothing enforces the list, so real
    manifests go outside it (`other`, `contacts`): a warning, with the closest documented
    slug when there is one. A qualification label (`phone_invoice`, `isp_invoice`,
    `tax_notice`: cozy-client's document qualifications) belongs in
    `qualification_labels`, and the help says so.
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

TEMPLATE_PLACEHOLDER = define(
    "M022", "template-placeholder", W, K,
    "`developer` or `source` still holds the konnector template's placeholder.",
    """
    The konnector template (`konnectors/template`) ships `"developer": {"name": "Your name
    or organization", "url": "http://your-homepage-here.org"}` and `"source":
    "git@github.com:konnectors/template.git"`. Left as is, the store shows the
    placeholder as the konnector's author and links to the template's repository (real
    published manifests still do). Nothing refuses them: a warning with `--target
    registry`, nothing for the stack, which does not read them.
    """,
)
# The template's values (konnectors/template manifest.konnector), compared without case,
# surrounding spaces or a trailing slash.
_TEMPLATE_VALUES = {
    ("developer", "name"): "your name or organization",
    ("developer", "url"): "http://your-homepage-here.org",
    ("source",): "git@github.com:konnectors/template.git",
}

# A language code as used for `locales` keys: `en`, `fr`, `pt-BR`, `zh_Hans`.
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# Members of a locale object: a top-level object holding these is a misplaced locale.
_LOCALE_MEMBERS = frozenset(
    ("name", "short_description", "long_description", "description", "changes",
     "permissions", "fields", "screenshots", "folders")
)


# --- M012/M013 listed values ----------------------------------------------------------------


def check_categories(doc: Document) -> Findings:
    yield from _listed_values(doc, "categories", spec.CATEGORIES, UNKNOWN_CATEGORY, "category")


def check_data_types(doc: Document) -> Findings:
    yield from _listed_values(doc, "data_types", spec.DATA_TYPES, UNKNOWN_DATA_TYPE, "data type")


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
                _qualification_help(key, value) or did_you_mean(value, allowed),
                at_value=True,
            )


def _qualification_help(key: str, value: str) -> str | None:
    """A qualification label in `categories` (seen in real manifests): where it belongs."""
    if key != "categories" or not spec.QUALIFICATION_LABEL_RE.match(value):
        return None
    return f'{js(value)} is a qualification label: move it to "qualification_labels"'


# --- M022 template placeholders -------------------------------------------------------------


def check_template_placeholders(doc: Document, registry: bool) -> Findings:
    if not registry:
        return
    for path, placeholder in _TEMPLATE_VALUES.items():
        value: Any = doc.data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip().rstrip("/").lower() == placeholder:
            yield Finding(
                TEMPLATE_PLACEHOLDER, doc.at(*path),
                f'"{".".join(path)}" is still the konnector template\'s placeholder',
                "write the konnector's own value (the store shows it)", at_value=True,
            )


# --- M021 vendor_link -----------------------------------------------------------------------


def check_vendor_link(doc: Document) -> Findings:
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


# --- M020 locales ---------------------------------------------------------------------------


def is_misplaced_locale(key: str, value: Any) -> bool:
    """Whether the top-level member `key` is a locale that belongs under `locales`."""
    return (
        isinstance(value, dict) and bool(_LANGUAGE_RE.match(key))
        and bool(_LOCALE_MEMBERS.intersection(value))
    )


def check_locales(doc: Document) -> Findings:
    for key, value in doc.data.items():
        if is_misplaced_locale(key, value):
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
