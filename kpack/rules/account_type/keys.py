"""Rules for OAuth account types (`secrets/io-cozy-account_types` documents).

The stack validates nothing when an account type is written into CouchDB: mistakes show
up only when a user tries to connect, or never (a misspelt key silently falls back to a
default). These rules replay what cozy-stack's `model/account/type.go` and
`web/accounts/accounts.go` do with each field. See DOMAIN.md §1.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from kpack.diagnostics import Finding, Kind, Rule, Severity
from kpack.documents import Document, type_name
from kpack.fixes import Fix, RenameKey, SetValue, safe, unsafe
from kpack.options import CheckOptions
from kpack.rulebook import declare_fix, define
from kpack.rules.common import (
    GoUrlError,
    closest,
    did_you_mean,
    go_fold,
    go_url_parse,
    is_local_dev_host,
    is_type,
)
from kpack.spec import (
    ACCOUNT_TYPE_FIELDS,
    CODE_EXCHANGE_FIELDS,
    CODE_GRANT_MODES,
    COUCHDB_MEMBERS,
    ENDPOINT_FIELDS,
    GRANT_MODE_REQUIREMENTS,
    GRANT_MODES,
    IMPLICIT_GRANT_MODES,
    OAUTH_GRANT_MODES,
    PLACEHOLDER_PATTERN,
    SECRET_GRANT_MODES,
    STANDARD_AUTHORIZE_PARAMETERS,
    TOKEN_MODES,
)

E, W = Severity.ERROR, Severity.WARNING
K = Kind.ACCOUNT_TYPE

# --- Rules --------------------------------------------------------------------------------

GRANT_MODE_MISSING = define(
    "A001", "grant-mode-missing", E, K, "An account type has no `grant_mode`.",
    """
    cozy-stack picks the whole OAuth flow from `grant_mode`: `/accounts/<id>/start`
    answers "Wrong account type" when it is absent or empty, and a secret is handed to
    a konnector only for the secret grant modes. An empty string or `null` counts as
    missing (Go decodes both as the empty string).

    Exception: the notification documents of cozy-stack's `docs/notifications.md`
    carry `fcm_credentials` and no `grant_mode`; they are not OAuth account types and
    are accepted as they are.
    """,
)
GRANT_MODE_UNKNOWN = define(
    "A002", "grant-mode-unknown", E, K, "`grant_mode` is not one of the nine the stack knows.",
    """
    Exactly nine values exist: `authorization_code`, `authorization_code+secret`,
    `token`, `token_redirect_url`, `bi_webauth`, `bi_webauth+secret`, `bi_webview`,
    `bi_webview+secret` and `secret`. The comparison is exact (case and separators
    matter); any other value makes `/accounts/<id>/start` fail with "Wrong account
    type" when a user tries to connect.

    `refresh_token` is a classic mistake (the seed document lists it): it is the OAuth
    grant type the stack itself sends to `token_endpoint` when it refreshes an access
    token, not a grant mode. The authorization code flow is what yields refresh tokens.
    """,
)
TOKEN_MODE_UNKNOWN = define(
    "A003", "token-mode-unknown", E, K, "`token_mode` is not `form`, `basic` or `get`.",
    """
    `token_mode` tells how the stack sends the client credentials to `token_endpoint`:
    `form` (the default: a POSTed form body), `basic` (an HTTP Basic header) or `get`
    (a GET with query parameters). The stack compares the value exactly and treats
    anything else as `form`, without a word: `Basic` or `GET` quietly send the secret
    the wrong way and the provider refuses the exchange. `post` is not needed: the
    default already POSTs a form body.
    """,
)
REQUIRED_FIELD_MISSING = define(
    "A004", "required-field-missing", E, K, "A field the grant mode needs is missing or empty.",
    """
    Each grant mode reads its own fields (DOMAIN.md's table): `auth_endpoint` and
    `client_id` to build the authorize URL, `reconnect_endpoint` and `manage_endpoint`
    for Budget Insight's webviews, `slug` and `secret` for the secret grants (the
    secret is found by the konnector's slug and handed in `COZY_PARAMETERS`). Go
    decodes a missing field as the empty string and the stack goes on with it: the
    user lands on a broken URL or the konnector gets no secret. An empty string or
    `null` counts as missing.

    For `authorization_code` (and `+secret`), `client_secret` is required once
    `token_endpoint` is set: the stack sends it with the code in the server-side
    exchange. A missing `token_endpoint` is not an error but rule A005. The finding
    points at the object that lacks the field, or at the member when it is present
    but empty.
    """,
)
TOKEN_ENDPOINT_MISSING = define(
    "A005", "token-endpoint-missing", W, K,
    "An authorization-code account type has no `token_endpoint`.",
    """
    This is a legitimate but unusual setup, hence a warning and not an error. When
    `token_endpoint` is empty, the stack's OAuth redirect handler does not exchange the
    authorization code: it stores the query it received together with `client_id` and
    `client_secret` in the account, and the konnector must exchange the code (and
    later refresh the token) itself. Most account types want the server-side exchange,
    and forgetting `token_endpoint` gives accounts without any access token. If the
    konnector really does the exchange, silence this rule for the file.
    """,
)
MISSPELLED_KEY = define(
    "A006", "misspelled-key", E, K, "A key that is a misspelling of one the stack reads.",
    """
    The stack decodes account types into a Go struct and ignores every other key. A
    misspelt key (`redirect_url`, `redirectUri`, `redirect_uris`, `client-secret`,
    `grantMode`, `token_url`...) is therefore dropped without a word and the stack uses
    its default instead: for `redirect_url` (the seed document's curl example) it sends
    `https://<instance>/accounts/<id>/redirect`, which the provider does not know, and
    every connection fails with a redirect URI mismatch.

    Case is not a misspelling: the stack decodes account types with Go's
    `encoding/json`, which matches keys case-insensitively (`Grant_Mode` is read as
    `grant_mode`; the long s U+017F and the Kelvin sign U+212A fold to `s` and `k`, but
    `ß` is not `ss`). Such a key is a warning: it works, but other tools and readers
    expect the exact key. When several keys fold to one field, the stack reads them in
    order and the last one wins (objects in `extras` are merged): the earlier ones get a
    warning. One exception is an error: `Slug` (any case but `slug`) is decoded, yet the
    konnector's secret is found by a CouchDB Mango query on the exact key `slug`
    (`FindAccountTypesBySlug`), so the secret is never delivered.
    """,
)
UNKNOWN_KEY = define(
    "A007", "unknown-key", W, K, "A key the stack does not read.",
    """
    Account types are decoded into a fixed Go struct: any other key is ignored. It is
    harmless but often a sign of confusion (for example `scope`, which belongs to the
    manifest's `oauth.scope`). CouchDB's own members (`_id`, `_rev`, `_deleted`,
    `_attachments`, `_conflicts`...) are known; CouchDB refuses any other member
    starting with `_`.
    """,
)
WRONG_FIELD_TYPE = define(
    "A008", "wrong-field-type", E, K, "A field has a JSON type the stack cannot decode.",
    """
    Go's `encoding/json` refuses a value of the wrong JSON type for a typed field, and
    then the whole account type fails to load: every connection with it fails. All
    fields are strings except `extras` (an object of string to string), the `skip_*`
    options (booleans), `fcm_credentials` (an object) and `secret` (any JSON). `null`
    is accepted (Go leaves the field empty). Keys match fields case-insensitively (see
    A006) and Go decodes every key that matches: a wrong type in any of them fails the
    document, even when a later key of the right type replaces it.

    `redirect_uri` is one string: one public documentation page shows an array of
    redirect URIs, but the stack's struct holds a single string.
    """,
)
URL_NOT_ABSOLUTE = define(
    "A009", "url-not-absolute", E, K,
    "An endpoint or `redirect_uri` is not an absolute http(s) URL.",
    """
    The stack redirects the browser to `auth_endpoint`, `manage_endpoint` and
    `reconnect_endpoint`, posts to `token_endpoint` and gives `redirect_uri` to the
    provider as is: each must be an absolute `https://host/...` URL. A value without a
    scheme is taken as a path on the instance, and surrounding whitespace makes Go's
    URL parser fail. A `$VAR` placeholder filled from the environment is accepted.

    URLs are parsed as Go's `net/url` parses them (`url.Parse`, which the stack calls in
    `MakeOauthStartURL`), not as Python's urllib does: a host may not hold `{`, `}`, a
    space, `|`, `^`, a backslash or a backquote, nor escape an ASCII byte (`%41`); every
    `%` must start a two-hex-digit escape; the userinfo has its own character set. The
    stack's Budget Insight docs write `https://{domain}.biapi.pro/2.0/webauth`: a
    template, not a URL, and the start of every connection fails. kpack is stricter than
    Go in two places: surrounding whitespace (Go keeps it in the path and sends a URL the
    provider does not know) and a port above 65535 (Go parses it; nothing connects).
    """,
)
URL_NOT_HTTPS = define(
    "A010", "url-not-https", W, K, "An endpoint or `redirect_uri` uses plain http.",
    """
    Authorization codes, access tokens and the client secret travel through these
    URLs: over plain http anyone on the path can read them, and most providers refuse
    http redirect URIs. Local development hosts (`localhost`, `*.localhost`,
    `cozy.tools`, `*.cozy.tools`) are exempt.
    """,
)
REDIRECT_URI_WRONG_ID = define(
    "A011", "redirect-uri-wrong-id", E, K,
    "`redirect_uri` names another account type than the document's `_id`.",
    """
    The OAuth callback route is `/accounts/<account type id>/redirect`, on the instance
    or on the shared callback host `oauthcallback.<domain>`. The handler looks up the
    state of the flow and answers "bad state" when its account type differs from the
    id in the path; `<id>` is the `_id` without its context prefix
    (`ctx/google` → `google`). On a shared callback host, any other path is not
    served at all.
    """,
)
IMPLICIT_SHARED_CALLBACK = define(
    "A012", "implicit-grant-shared-callback", E, K,
    "An implicit-grant account type redirects to the shared `oauthcallback.` host.",
    """
    With the implicit grant (`token`, and `token_redirect_url` which works the same
    way) the provider returns the access token as a query parameter to the redirect
    URI, and the stack can only store it on the instance itself: on the instance-less
    `oauthcallback.` host the handler refuses it ("using ?access_token with
    instance-less redirect"). Leave `redirect_uri` out (the default is the instance's
    own `/accounts/<id>/redirect`) or use a per-instance URL.
    """,
)
CONTEXT_WITHOUT_REDIRECT_URI = define(
    "A013", "context-without-redirect-uri", E, K,
    "A context-prefixed OAuth account type has no `redirect_uri`.",
    """
    An `_id` of the form `<context>/<id>` overrides `<id>` for the instances of that
    context. Without `redirect_uri` the stack builds the default
    `https://<instance>/accounts/<context>/<id>/redirect`, a path the callback route
    never matches: the connection cannot complete. Set `redirect_uri` to the shared
    callback `https://oauthcallback.<domain>/accounts/<id>/redirect`.
    """,
)
ENDPOINTS_DIFFERENT_DOMAINS = define(
    "A014", "endpoints-different-domains", W, K,
    "`auth_endpoint` and `token_endpoint` are on different registrable domains.",
    """
    cozy-stack's security rules for account types: with the server-side flow, an
    account type with a genuine `auth_endpoint` but a foreign `token_endpoint` would
    hand a valid authorization code and the client secret to a third party; reviewers
    must make sure both endpoints belong to the service provider. Hosts are compared
    by registrable domain (`www.facebook.com` and `graph.facebook.com` agree), using
    the Public Suffix List, and providers known to use several domains are one family
    (kpack's `spec.PROVIDER_FAMILIES`, from each provider's OAuth documentation: Google's
    `accounts.google.com` with `oauth2.googleapis.com` or `www.googleapis.com`, as in
    cozy-stack's `docs/konnectors-workflow.md`; Microsoft's `login.microsoftonline.com`,
    `login.live.com`, `graph.microsoft.com`; Facebook's `facebook.com`, `fb.com`;
    Twitter/X, Dropbox's `dropboxapi.com`, Withings' `withings.net`). A warning: other
    providers may use two domains too.
    """,
)
EXTRAS_STANDARD_PARAMETER = define(
    "A015", "extras-standard-parameter", W, K,
    "An `extras` key repeats a parameter the stack already sets.",
    """
    `extras` is appended to the authorize URL after the parameters the stack sets
    itself (`scope`, `client_id`, `redirect_uri`, `state`, `response_type`; with
    `token_redirect_url`: `redirect_url` instead of `redirect_uri` and no
    `client_id`). A duplicate becomes a repeated query parameter, which providers
    reject or resolve in their own way. Scopes belong to the manifest's `oauth.scope`.
    """,
)
PLACEHOLDER_SECRET = define(
    "A016", "placeholder-secret", W, K,
    "`client_id`, `client_secret` or `secret` holds a placeholder.",
    """
    Values such as `...`, `<CLIENT_SECRET>`, `changeme`, `xxx`, `TODO` or
    `your-client-secret` come from documentation and would be stored as the real
    credentials: the provider then refuses every connection. The convention of real
    konnectors (`account-types-def.json` of cozy-konnector-facebook) is an environment
    placeholder, `$COZY_FB_CLIENT_SECRET` or `${COZY_FB_CLIENT_SECRET}`, filled when
    provisioning: those are accepted. The value itself is never printed.
    """,
)
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

REDIRECT_URI_TRAILING_SLASH = define(
    "A020", "redirect-uri-trailing-slash", W, K,
    "`redirect_uri` ends with a slash after `/redirect`.",
    """
    The stack's callback route is `/accounts/<id>/redirect` (its default redirect URI,
    cozy-stack `model/account/type.go`, has no trailing slash), and providers compare
    the `redirect_uri` of the authorize request with the registered one character for
    character (RFC 6749 section 3.1.2, OAuth 2.0 Security BCP): `.../redirect/` is
    another URI, which a real account type carried. Write the path without the slash,
    as registered at the provider.
    """,
)

# --- Tables -------------------------------------------------------------------------------

STACK_FIELDS = tuple(ACCOUNT_TYPE_FIELDS)
KNOWN_KEYS = frozenset(STACK_FIELDS) | frozenset(COUCHDB_MEMBERS)

# Other names people give the keys the stack reads (after `_canonical`).
KEY_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ("redirect_url", "redirect_uris", "redirect_urls", "redirection_uri", "redirection_url",
         "callback_url", "callback_uri", "oauth_callback", "redirect"), "redirect_uri"),
    **dict.fromkeys(
        ("token_url", "token_uri", "access_token_url", "access_token_endpoint",
         "token_endpoint_url", "oauth_token_url"), "token_endpoint"),
    **dict.fromkeys(
        ("auth_url", "auth_uri", "authorize_url", "authorize_uri", "authorize_endpoint",
         "authorization_url", "authorization_uri", "authorization_endpoint",
         "authorisation_endpoint", "authorisation_url", "auth_endpoint_url",
         "oauth_url"), "auth_endpoint"),
    **dict.fromkeys(("grant_type", "grant", "oauth_grant_mode"), "grant_mode"),
    **dict.fromkeys(("token_auth_mode", "token_method", "token_auth_method"), "token_mode"),
    **dict.fromkeys(("extra", "extra_params", "extra_auth_query", "extra_parameters"), "extras"),
    **dict.fromkeys(("manage_url",), "manage_endpoint"),
    **dict.fromkeys(("reconnect_url",), "reconnect_endpoint"),
    **dict.fromkeys(("skip_redirect_uri",), "skip_redirect_uri_on_authorize"),
    **dict.fromkeys(("skip_state",), "skip_state_on_token"),
    **dict.fromkeys(("app_id", "consumer_key"), "client_id"),
    **dict.fromkeys(("app_secret", "consumer_secret"), "client_secret"),
    "id": "_id",
    "rev": "_rev",
}

# Explanations for unknown keys that are not misspellings.
UNKNOWN_KEY_HELP = {
    "scope": "the scope is not read from the account type: put it in the manifest's "
             "`oauth.scope`",
    "scopes": "the scope is not read from the account type: put it in the manifest's "
              "`oauth.scope`",
    "account_type": "the account type is the document's `_id`; the manifest names it in "
                    "`oauth.account_type`",
}

GRANT_MODE_ALIASES = {
    "implicit": "token", "implicit_grant": "token", "code": "authorization_code",
    "authorization": "authorization_code", "webauth": "bi_webauth", "webview": "bi_webview",
}

WHY_NEEDED = {
    "auth_endpoint": "the stack sends the user there to log in",
    "client_id": "the stack puts it on the authorize URL",
    "token_endpoint": "the stack exchanges the authorization code there",
    "client_secret": "the stack sends it with the code to `token_endpoint`; without it "
                     "the provider refuses the exchange",
    "reconnect_endpoint": "Budget Insight's reconnection webview is opened there",
    "manage_endpoint": "Budget Insight's management webview is opened there",
    "slug": "the stack finds the secret by the konnector's slug",
    "secret": "it is what the stack hands to the konnector in `COZY_PARAMETERS`",
}

URL_FIELDS = ("redirect_uri", *ENDPOINT_FIELDS)
PLACEHOLDER_FIELDS = ("client_id", "client_secret", "secret")

_ENV_PLACEHOLDER = re.compile(PLACEHOLDER_PATTERN)
_PLACEHOLDER = re.compile(
    r"""
    [.\u2026\s]*[.\u2026][.\u2026\s]*        # ..., …
    | <[^<>]*> | \[[^\[\]]*\] | \{\{[^{}]*\}\} | %[A-Za-z_]+%   # <X>, [X], {{X}}, %X%
    | x{3,} | \*{3,} | \?{2,} | -{3,}
    | change[-_ ]?me | replace[-_ ]?me | todo | tbd | fixme | placeholder | redacted
    | (?:client[-_ ]?)?(?:id|secret) | password | secret[-_ ]?here
    | (?:your|my)[-_ ]?(?:[a-z0-9]+[-_ ])*?(?:client[-_ ]?)?(?:id|secret|key|token|password)
    | insert[-_ ].* | put[-_ ].*[-_ ]here | .*[-_ ]goes[-_ ]here
    """,
    re.IGNORECASE | re.VERBOSE,
)
_CALLBACK_PATH = re.compile(r"/accounts/([^/]+)/redirect/?")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


# --- Checker ------------------------------------------------------------------------------


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
        for doc, finding in (*_duplicate_ids(view), *_duplicate_secret_slugs(view)):
            if (id(doc), finding) not in seen:
                seen.add((id(doc), finding))
                yield doc, finding


def check_document(doc: Document, options: CheckOptions | None = None) -> Iterator[Finding]:
    members = go_members(doc.data)
    view, keys = go_decoded(doc.data)
    yield from _keys(doc, members, view.get("slug"))
    yield from _types(doc, members)
    renamed = {field: key for field, key in keys.items() if key != field}
    decoded = doc._replace(data=view)
    for finding in _decoded_checks(decoded):
        yield _at_member(doc, finding, renamed) if renamed else finding


def _decoded_checks(doc: Document) -> Iterator[Finding]:
    """The rules on the document as the stack decodes it (`doc.data` is that view)."""
    data = doc.data

    def text(field: str) -> str | None:
        """The field's string value; None when absent, null or of a wrong type."""
        value = data.get(field)
        return value if isinstance(value, str) else None

    grant_mode = text("grant_mode")
    yield from _grant_mode(doc, grant_mode)
    yield from _token_mode(doc, text("token_mode"))
    if grant_mode in GRANT_MODE_REQUIREMENTS:
        yield from _requirements(doc, grant_mode)
    yield from _id(doc)
    urls: dict[str, Any] = {}
    for field in URL_FIELDS:
        value = text(field)
        if value is not None and value.strip() and not _ENV_PLACEHOLDER.fullmatch(value):
            finding, parts = _url(doc, field, value)
            if finding is not None:
                yield finding
            if parts is not None:  # usable, even when only a warning was raised
                urls[field] = parts
    yield from _redirect_uri(doc, grant_mode, urls.get("redirect_uri"))
    if "auth_endpoint" in urls and "token_endpoint" in urls:
        yield from _endpoint_domains(doc, urls["auth_endpoint"], urls["token_endpoint"])
    yield from _extras(doc, grant_mode)
    yield from _placeholders(doc)


def _at_member(doc: Document, finding: Finding, renamed: dict[str, str]) -> Finding:
    """A finding on a decoded field, pointed at the member that holds it in the file
    (`Grant_Mode` rather than `grant_mode`)."""
    for field, key in renamed.items():
        base = doc.at(field)
        if finding.pointer == base or finding.pointer.startswith(base + "/"):
            return finding._replace(pointer=doc.at(key) + finding.pointer[len(base):])
    return finding


# --- Go's decoding ------------------------------------------------------------------------
#
# cozy-stack decodes account types with encoding/json, which matches a member to a struct
# field case-insensitively (the long s U+017F and the Kelvin sign U+212A fold to `s` and `k`, as
# in Unicode's simple folding); when several members match one field, each is decoded in
# turn: the last one wins, `null` leaves a string or boolean as it was, and objects decoded
# into the `extras` map are merged. CouchDB, before it, refuses any `_` member but its own,
# so `_id` and `_rev` are matched exactly. Checked against Go itself in tests/conformance.

_GO_FIELDS = frozenset(STACK_FIELDS)
_MAP_FIELDS = ("extras", "fcm_credentials")  # Go maps: decoded objects merge, null clears


# Keys repeat from document to document: their fields are remembered (short keys only, and
# a bounded number of them, so a hostile run cannot grow it).
_GO_FIELD_OF: dict[str, str | None] = {}
_GO_FIELD_CACHE_MAX = 4096
_GO_FIELD_KEY_MAX = 64


def go_field(key: str) -> str | None:
    """The account-type field Go's encoding/json decodes member `key` into, if any."""
    try:
        return _GO_FIELD_OF[key]
    except KeyError:
        pass
    if key.startswith("_"):
        field = key if key in _GO_FIELDS else None
    else:
        folded = go_fold(key)
        field = folded if folded in _GO_FIELDS else None
    if len(key) <= _GO_FIELD_KEY_MAX and len(_GO_FIELD_OF) < _GO_FIELD_CACHE_MAX:
        _GO_FIELD_OF[key] = field
    return field


def go_members(data: dict[str, Any]) -> dict[str, list[str]]:
    """The members Go decodes into each field, in document order."""
    members: dict[str, list[str]] = {}
    for raw_key in data:
        field = go_field(str(raw_key))
        if field is not None:
            members.setdefault(field, []).append(str(raw_key))
    return members


def go_decoded(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields as Go decodes them (`null` members kept as None when nothing else set
    the field), and for each the member that gave its value."""
    view: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        field = go_field(key)
        if field is None:
            continue
        current = view.get(field)
        if value is None and current is not None and field not in (*_MAP_FIELDS, "secret"):
            continue  # null leaves a string or a boolean as it was
        if field in _MAP_FIELDS and isinstance(value, dict) and isinstance(current, dict):
            value = {**current, **value}
        view[field] = value
        keys[field] = key
    return view, keys


# --- Keys and types -----------------------------------------------------------------------


def _canonical(key: str) -> str:
    """`redirectURL` → `redirect_url`, `client-Secret` → `client_secret`."""
    key = _CAMEL.sub("_", key.strip())
    key = re.sub(r"[-\s.]+", "_", key.lower())
    return re.sub(r"_+", "_", key)


def misspelling_of(key: str) -> str | None:
    """The field the stack reads that `key` most likely meant, if it is a misspelling."""
    if key in KNOWN_KEYS:
        return None
    canon = _canonical(key)
    if canon in KNOWN_KEYS:
        return canon
    squashed = canon.replace("_", "")
    for field in STACK_FIELDS:
        if field.replace("_", "") == squashed:
            return field
    for candidate in (canon, canon[:-1] if canon.endswith("s") else canon):
        if candidate in ACCOUNT_TYPE_FIELDS:
            return candidate
        if candidate in KEY_ALIASES:
            return KEY_ALIASES[candidate]
    if len(canon) >= 4:
        for field in STACK_FIELDS:
            if _edit_distance(canon, field) <= (1 if len(field) < 10 else 2):
                return field
    return None


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent transpositions count as one edit)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]


declare_fix(
    MISSPELLED_KEY, "safe",
    """
    Renames the key to the one the stack reads (`redirect_url` → `redirect_uri`,
    `client-secret` → `client_secret`), when the key has exactly one candidate and that
    key is not already present.
    """,
)
declare_fix(
    GRANT_MODE_UNKNOWN, "safe or unsafe",
    """
    Safe: a value that is one grant mode but for case and separators
    (`Authorization_Code`, `authorization-code`) is written as that mode. Unsafe:
    `refresh_token` becomes `authorization_code`, which changes the flow.
    """,
)
declare_fix(TOKEN_MODE_UNKNOWN, "safe", "`Basic` → `basic`, `GET` → `get`: case only.")
declare_fix(
    REDIRECT_URI_WRONG_ID, "unsafe",
    """
    Rewrites the path's account-type id to the document's `_id` (without its context);
    the provider must know the new URL.
    """,
)


def _key_fix(doc: Document, key: str, right: str) -> Fix | None:
    """Rename `key` to `right` when it is the one candidate and `right` is absent."""
    if right in doc.data:
        return None
    canon = _canonical(key)
    near = {
        field for field in STACK_FIELDS
        if len(canon) >= 4 and _edit_distance(canon, field) <= (1 if len(field) < 10 else 2)
    }
    if near - {right}:
        return None
    return safe(f"rename {_q(key)} to {_q(right)}", RenameKey(doc.at(key), right))


def _grant_mode_fix(doc: Document, grant_mode: str) -> Fix | None:
    """A grant mode spelt with other case or separators: the one mode it names."""
    norm = re.sub(r"[-\s_]+", "_", grant_mode.strip().lower())
    modes = [mode for mode in GRANT_MODES if mode == norm]
    if len(modes) != 1:
        return None
    return safe(f"write {_q(modes[0])}", SetValue(doc.at("grant_mode"), modes[0]))


def _keys(doc: Document, members: dict[str, list[str]], slug: Any) -> Iterator[Finding]:
    for raw_key in doc.data:
        key = str(raw_key)
        field = go_field(key)
        if field is not None:
            lost_secret = (
                field == "slug" and isinstance(slug, str) and slug != ""
                and doc.data.get("slug") != slug
            )
            yield from _decoded_key(doc, key, field, members[field], lost_secret)
            continue
        if key in KNOWN_KEYS:
            continue
        right = misspelling_of(key)
        if right is not None:
            present = right in members
            yield Finding(
                MISSPELLED_KEY, doc.at(key),
                f"{_q(key)} is not a key the stack reads: it is ignored"
                + ("" if present else _default_note(right)),
                f"did you mean {_q(right)}?"
                + (" (it is also present: remove this one)" if present else ""),
                fix=_key_fix(doc, key, right),
            )
            continue
        if key.startswith("_"):
            yield Finding(
                UNKNOWN_KEY, doc.at(key),
                f"unknown member {_q(key)}: CouchDB refuses members starting with `_` "
                "other than its own",
                did_you_mean(key, COUCHDB_MEMBERS),
            )
            continue
        yield Finding(
            UNKNOWN_KEY, doc.at(key), f"unknown key {_q(key)}: the stack ignores it",
            UNKNOWN_KEY_HELP.get(_canonical(key)) or did_you_mean(key, KNOWN_KEYS),
        )


def _decoded_key(
    doc: Document, key: str, field: str, keys: list[str], lost_secret: bool
) -> Iterator[Finding]:
    """A member Go decodes into `field`: fine when it is spelt `field` and alone.
    `lost_secret`: the decoded slug is not what a Mango query on the key `slug` sees."""
    if len(keys) > 1 and key != keys[-1]:
        what = (
            "the stack merges both objects" if field in _MAP_FIELDS
            else f"the last one, {_q(keys[-1])}, wins"
        )
        yield Finding(
            MISSPELLED_KEY, doc.at(key),
            f"{_q(key)} and {_q(keys[-1])} are the same field for the stack, which matches keys "
            f"case-insensitively: {what}",
            f"keep one {_q(field)}", severity=W,
        )
    elif key == field:
        return
    elif field == "slug" and lost_secret:
        yield Finding(
            MISSPELLED_KEY, doc.at(key),
            f"{_q(key)} is decoded as \"slug\", but the konnector's secret is found by a CouchDB "
            "query on the exact key \"slug\" (FindAccountTypesBySlug): with "
            f"{_q(key)} the secret is never handed to the konnector",
            'write "slug"',
        )
    else:
        yield Finding(
            MISSPELLED_KEY, doc.at(key),
            f"{_q(key)} is read as {_q(field)} (the stack matches keys case-insensitively), but "
            "other tools and readers expect the exact key",
            f"write {_q(field)}", severity=W,
        )


def _default_note(field: str) -> str:
    if field == "redirect_uri":
        return " and the default redirect URI `https://<instance>/accounts/<_id>/redirect` is used"
    if field == "token_mode":
        return " and the default `form` is used"
    return f" and {_q(field)} stays empty"


def _types(doc: Document, members: dict[str, list[str]]) -> Iterator[Finding]:
    # Go decodes every member that matches a field: one of the wrong type fails the whole
    # document even when a later member of the right type replaces it.
    for field, expected in ACCOUNT_TYPE_FIELDS.items():
        for key in members.get(field, ()):
            yield from _member_type(doc, key, field, expected, doc.data[key])


def _member_type(
    doc: Document, key: str, field: str, expected: str | None, value: Any
) -> Iterator[Finding]:
    if expected is not None and value is not None and not is_type(value, expected):
        message = (
            f"{_q(key)} must be {_article(expected)}, not {type_name(value)}: "
            "the stack then fails to load the whole account type"
        )
        help = None
        if field == "redirect_uri" and isinstance(value, list):
            message = (
                f"{_q(key)} must be one string, not an array: a documentation page shows "
                "an array, but the stack decodes a single string and fails to load the whole "
                "account type"
            )
            strings = [v for v in value if isinstance(v, str)]
            help = (
                f"write the one registered callback URL: \"redirect_uri\": {_q(strings[0])}"
                if len(strings) == 1 else "keep the one callback URL registered at the provider"
            )
        elif expected == "boolean" and str(value).lower() in ("true", "false"):
            help = f"write {value.lower()} without quotes"
        elif expected == "string" and isinstance(value, (int, float)) and field not in (
            "client_secret", "client_id"
        ):
            help = f"write it as a string: {_q(json.dumps(value))}"
        elif expected == "string" and isinstance(value, (int, float)):
            help = "write it between quotes"
        yield Finding(WRONG_FIELD_TYPE, doc.at(key), message, help)
    if field in ("secret", "fcm_credentials"):
        pointer = _number_out_of_range(value, (key,))
        if pointer is not None:
            yield Finding(
                WRONG_FIELD_TYPE, doc.at(*pointer),
                f"{_q(key)} holds a number beyond the range of a double: Go decodes its "
                "numbers as float64, fails, and the stack then fails to load the whole "
                "account type",
                "write it as a string", at_value=True,
            )
    if field == "extras" and isinstance(value, dict):
        for item, item_value in value.items():
            if item_value is not None and not isinstance(item_value, str):
                yield Finding(
                    WRONG_FIELD_TYPE, doc.at(key, str(item)),
                    f"extras item {_q(str(item))} must be a string, not "
                    f"{type_name(item_value)}: `extras` is an object of string to string and "
                    "the stack fails to load the whole account type",
                    at_value=True,
                )


def _number_out_of_range(value: Any, pointer: tuple[str, ...]) -> tuple[str, ...] | None:
    """Where, inside a value Go decodes into interface{}, a number overflows float64."""
    stack = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, float):
            if math.isinf(item):
                return where
        elif isinstance(item, int):
            if abs(item) > _FLOAT64_MAX:
                return where
        elif isinstance(item, dict):
            stack.extend((v, (*where, str(k))) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, (*where, str(i))) for i, v in reversed(list(enumerate(item))))
    return None


_FLOAT64_MAX = sys.float_info.max


def _article(json_type: str) -> str:
    return {"object": "an object", "array": "an array"}.get(json_type, f"a {json_type}")


# --- grant_mode, token_mode, required fields ----------------------------------------------


def _grant_mode(doc: Document, grant_mode: str | None) -> Iterator[Finding]:
    data = doc.data
    raw = data.get("grant_mode")
    if raw is not None and not isinstance(raw, str):
        return  # A008
    if grant_mode is None or not grant_mode.strip():
        if "fcm_credentials" in data and raw is None:
            return  # a notification document, not an OAuth account type
        present = "grant_mode" in data
        yield Finding(
            GRANT_MODE_MISSING, doc.at("grant_mode") if present else doc.pointer,
            '"grant_mode" is empty' if present else 'the account type has no "grant_mode"',
            f"set one of {_list(GRANT_MODES)}; for a konnector secret without OAuth use "
            '"secret"',
        )
        return
    if grant_mode in GRANT_MODES:
        return
    value = _q(_short(grant_mode))
    if grant_mode.strip().lower() == "refresh_token":
        yield Finding(
            GRANT_MODE_UNKNOWN, doc.at("grant_mode"),
            f"{value} is not a grant mode: it is the grant type the stack itself sends to "
            "token_endpoint when it refreshes a token",
            'you probably want "authorization_code": the authorization code flow is what '
            "gives refresh tokens, and the stack refreshes them on its own",
            fix=unsafe(
                'write "authorization_code"', SetValue(doc.at("grant_mode"), "authorization_code")
            ),
        )
        return
    suggestion = GRANT_MODE_ALIASES.get(_canonical(grant_mode)) or closest(grant_mode, GRANT_MODES)
    yield Finding(
        GRANT_MODE_UNKNOWN, doc.at("grant_mode"),
        f"unknown grant_mode {value}: the stack answers \"Wrong account type\" when a user "
        "connects",
        f"did you mean {_q(suggestion)}?" if suggestion else f"use one of {_list(GRANT_MODES)}",
        fix=_grant_mode_fix(doc, grant_mode),
    )


def _token_mode(doc: Document, token_mode: str | None) -> Iterator[Finding]:
    if token_mode is None or token_mode == "" or token_mode in TOKEN_MODES:
        return
    lowered = token_mode.strip().lower()
    if lowered == "post":
        help = (
            'the default ("form") already POSTs a form body to token_endpoint: remove '
            'token_mode or write "form"'
        )
    else:
        suggestion = closest(token_mode, TOKEN_MODES)
        help = (
            f"did you mean {_q(suggestion)}?" if suggestion
            else f"use one of {_list(TOKEN_MODES)}, or leave it out for \"form\""
        )
    yield Finding(
        TOKEN_MODE_UNKNOWN, doc.at("token_mode"),
        f"unknown token_mode {_q(_short(token_mode))}: the stack silently falls back to "
        '"form"',
        help,
        fix=_token_mode_fix(doc, token_mode),
    )


def _token_mode_fix(doc: Document, token_mode: str) -> Fix | None:
    lowered = token_mode.lower()
    if lowered not in TOKEN_MODES:
        return None
    return safe(f"write {_q(lowered)}", SetValue(doc.at("token_mode"), lowered))


def _is_missing(data: dict[str, Any], field: str) -> bool:
    value = data.get(field)
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return field == "secret" and value in ({}, [])


def _requirements(doc: Document, grant_mode: str) -> Iterator[Finding]:
    data = doc.data
    required = list(GRANT_MODE_REQUIREMENTS[grant_mode])
    if grant_mode in CODE_GRANT_MODES and _is_missing(data, "token_endpoint"):
        required = [f for f in required if f not in CODE_EXCHANGE_FIELDS]
        yield Finding(
            TOKEN_ENDPOINT_MISSING, doc.pointer,
            f'grant_mode "{grant_mode}" without "token_endpoint": the stack will not exchange '
            "the authorization code",
            "the code, client_id and client_secret are then stored in the account and the "
            "konnector must exchange the code itself; add token_endpoint"
            + ("" if not _is_missing(data, "client_secret") else " and client_secret")
            + " for the usual server-side exchange",
        )
    for field in required:
        if not _is_missing(data, field):
            continue
        present = field in data
        yield Finding(
            REQUIRED_FIELD_MISSING, doc.at(field) if present else doc.pointer,
            f'grant_mode "{grant_mode}" needs {_q(field)}'
            + (", but it is empty" if present else ""),
            WHY_NEEDED.get(field),
        )


# --- _id ----------------------------------------------------------------------------------


def _split_id(doc_id: str) -> tuple[str | None, str]:
    """(context, id without context): the context is what comes before the first `/`."""
    context, sep, rest = doc_id.partition("/")
    return (context, rest) if sep else (None, doc_id)


def _id(doc: Document) -> Iterator[Finding]:
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
        context, name = _split_id(doc_id)
        if context is not None and (not context or not name):
            problem = f'"_id" {_q(_short(doc_id))} has an empty ' + (
                "context before" if not context else "name after"
            ) + ' the "/"'
    if problem:
        yield Finding(ID_MISSING, doc.at("_id"), problem, None, at_value=True)


# --- URLs ---------------------------------------------------------------------------------


def _url(doc: Document, field: str, value: str) -> tuple[Finding | None, Any]:
    if value != value.strip():
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field), f"{_q(field)} has surrounding whitespace",
            "remove the spaces: the stack's URL parser fails on them", at_value=True,
        ), None
    try:
        parts = go_url_parse(value)
    except GoUrlError as exc:
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{_q(field)} is not a URL the stack can parse ({exc}): {_q(_short(value))}",
            _go_url_help(value), at_value=True,
        ), None
    if not parts.scheme or not parts.hostname:
        help = None
        if not parts.scheme and not value.startswith("/"):
            help = f"write {_q('https://' + _short(value))}"
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{_q(field)} is not an absolute URL: {_q(_short(value))}",
            help, at_value=True,
        ), None
    if parts.port is not None and parts.port > 65535:
        # Go's parser accepts any digits; no connection can be made to such a port.
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{_q(field)} has the port {parts.port}, above 65535: {_q(_short(value))}",
            None, at_value=True,
        ), None
    if parts.scheme.lower() not in ("http", "https"):
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{_q(field)} must be an http(s) URL, not {parts.scheme}:", None, at_value=True,
        ), None
    if parts.scheme.lower() == "http" and not is_local_dev_host(parts.hostname):
        return Finding(
            URL_NOT_HTTPS, doc.at(field), f"{_q(field)} uses plain http: {_q(_short(value))}",
            "use https: codes, tokens and secrets travel through this URL", at_value=True,
        ), parts
    return None, parts


def _go_url_help(value: str) -> str | None:
    if re.search(r"\{[^{}]*\}", value):
        return (
            "a {placeholder} is a template, not a URL: write the real host (Go's url.Parse, "
            "which the stack uses, refuses `{` in a host name)"
        )
    if " " in value.strip():
        return "encode spaces as %20 (and never put one in a host name)"
    if "%" in value:
        return "a `%` must start an escape of two hex digits (%20); a host may not escape ASCII"
    return None


def _redirect_uri(doc: Document, grant_mode: str | None, parts: Any) -> Iterator[Finding]:
    data = doc.data
    doc_id = data.get("_id") if isinstance(data.get("_id"), str) else None
    context, name = _split_id(doc_id) if doc_id else (None, None)
    if parts is None:
        if (
            context is not None and name and grant_mode in OAUTH_GRANT_MODES
            and _is_missing(data, "redirect_uri") and not isinstance(data.get("redirect_uri"), list)
        ):
            yield Finding(
                CONTEXT_WITHOUT_REDIRECT_URI, doc.pointer,
                f"the context override {_q(doc_id or '')} has no \"redirect_uri\": the default "
                f"redirect URI /accounts/{doc_id}/redirect matches no route",
                'set "redirect_uri": '
                + _q(f"https://oauthcallback.<domain>/accounts/{name}/redirect"),
            )
        return
    host = (parts.hostname or "").lower()
    shared = host.startswith("oauthcallback.")
    match = _CALLBACK_PATH.fullmatch(parts.path)
    expected = f"{parts.scheme}://{parts.netloc}/accounts/{name}/redirect" if name else None
    if match and name and unquote(match.group(1)) != name:
        yield Finding(
            REDIRECT_URI_WRONG_ID, doc.at("redirect_uri"),
            f"redirect_uri names the account type {_q(unquote(match.group(1)))}, but this "
            f"document is {_q(name)}: the callback answers \"bad state\"",
            f"write {_q(expected or '')}", at_value=True,
            fix=_redirect_fix(doc, parts, match, name),
        )
    elif shared and not match:
        yield Finding(
            REDIRECT_URI_WRONG_ID, doc.at("redirect_uri"),
            "a shared callback redirect_uri must have the path /accounts/<id>/redirect",
            f"write {_q(expected)}" if expected else None, at_value=True,
        )
    if match and parts.path.endswith("/"):
        yield Finding(
            REDIRECT_URI_TRAILING_SLASH, doc.at("redirect_uri"),
            "redirect_uri ends with a slash after /redirect: the stack's callback route and "
            "its default redirect URI have none, and providers compare redirect URIs "
            "character for character",
            f"write {_q(parts.scheme + '://' + parts.netloc + parts.path.rstrip('/'))} (and "
            "register that one at the provider)" if not (parts.query or parts.fragment)
            else "remove the slash after /redirect",
            at_value=True,
        )
    if shared and grant_mode in IMPLICIT_GRANT_MODES:
        yield Finding(
            IMPLICIT_SHARED_CALLBACK, doc.at("redirect_uri"),
            f'grant_mode "{grant_mode}" cannot use the shared callback host {host}: the token '
            "comes back as a query parameter that only the instance itself can store",
            "leave redirect_uri out (the instance's own /accounts/<id>/redirect is the default)",
            at_value=True,
        )


def _redirect_fix(doc: Document, parts: Any, match: Any, name: str) -> Fix | None:
    """The redirect URI with its path's id replaced by `name` (query and all kept)."""
    value = doc.data.get("redirect_uri")
    if not isinstance(value, str):
        return None
    at = value.find("//") + 2 + len(parts.netloc)
    if value[at : at + len(parts.path)] != parts.path:
        return None
    start, end = at + match.start(1), at + match.end(1)
    fixed = value[:start] + quote(name, safe="-._~+@") + value[end:]
    return unsafe(f"write {_q(fixed)}", SetValue(doc.at("redirect_uri"), fixed))


# Registrable domains: the Public Suffix List is loaded only when two hosts share their
# last two labels but differ (e.g. www.facebook.com / graph.facebook.com). Building it
# costs 0.03 s without the punycode variants of IDN rules (0.11 s with them): endpoint
# hosts are plain ASCII; a punycode (`xn--`) suffix then falls back to the default rule.
# Only the rules ending with the host's top-level label are parsed (1 ms for most labels,
# 10 ms for "com"): no other rule can match the host, so the answers are the same.
_PSL: dict[str, Any] | None = None  # by top-level label, once one is needed
_RULE_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_.*!")  # ASCII in a rule


def _public_suffix_list(top_label: str) -> Any:
    global _PSL
    if _PSL is None:
        _PSL = {}
    psl = _PSL.get(top_label)
    if psl is None:
        from publicsuffixlist import PublicSuffixList

        lines = _psl_lines_mentioning(top_label)
        psl = _PSL[top_label] = PublicSuffixList(lines, accept_encoded_idn=False)
    return psl


def _psl_lines_mentioning(label: str) -> list[bytes] | None:
    """The lines of the bundled list whose rule may end with `label` (None: all lines)."""
    if not label.isascii() or not label:
        return None
    from publicsuffixlist import PSLFILE

    with open(PSLFILE, "rb") as handle:
        raw = handle.read()
    # A rule is the first word of its line: `label` itself, or ending with ".label".
    lowered, word = b"\n" + raw.lower(), label.lower().encode()
    lines: list[bytes] = []
    for needle in (b"." + word, b"\n" + word):
        start = 0
        while (hit := lowered.find(needle, start)) >= 0:
            start = hit + len(needle)
            if start == len(lowered) or lowered[start] not in _RULE_BYTES:
                begin = lowered.rfind(b"\n", 0, hit + 1) + 1
                end = lowered.find(b"\n", start)
                lines.append(lowered[begin : len(lowered) if end < 0 else end])
    return lines


def _is_ip(host: str) -> bool:
    # Most hosts are names: a name has a character that is neither a digit nor a dot,
    # and no colon (an IPv6 host has one); ip_address would parse it twice to say so.
    if ":" not in host and not host.replace(".", "").isdigit():
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """The registrable domain of `host` (itself for IPs and single labels)."""
    host = host.lower().rstrip(".")
    if _is_ip(host) or "." not in host:
        return host
    return str(_public_suffix_list(host.rsplit(".", 1)[-1]).privatesuffix(host) or host)


def same_site(host_a: str, host_b: str) -> bool:
    """Whether two hosts share a registrable domain, consulting the PSL only if needed."""
    a, b = host_a.lower().rstrip("."), host_b.lower().rstrip(".")
    if a == b:
        return True
    if _is_ip(a) or _is_ip(b) or "." not in a or "." not in b:
        return False
    if a.split(".")[-2:] != b.split(".")[-2:]:
        return False  # a registrable domain has at least two labels
    return registrable_domain(a) == registrable_domain(b)


def _family_of(host: str) -> str | None:
    from kpack.spec import PROVIDER_FAMILIES  # a few lookups, only for differing hosts

    # By suffix, not by registrable domain: the Public Suffix List's private section
    # lists `googleapis.com`, so `oauth2.googleapis.com` is its own registrable domain.
    host = host.lower().rstrip(".")
    for family, domains in PROVIDER_FAMILIES.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return family
    return None


def same_provider(host_a: str, host_b: str) -> bool:
    """Whether two hosts are on the registrable domains of one provider family
    (`accounts.google.com` and `oauth2.googleapis.com`): spec.PROVIDER_FAMILIES."""
    family = _family_of(host_a)
    return family is not None and family == _family_of(host_b)


def _endpoint_domains(doc: Document, auth: Any, token: Any) -> Iterator[Finding]:
    auth_host, token_host = auth.hostname or "", token.hostname or ""
    if is_local_dev_host(auth_host) and is_local_dev_host(token_host):
        return
    if same_site(auth_host, token_host) or same_provider(auth_host, token_host):
        return
    yield Finding(
        ENDPOINTS_DIFFERENT_DOMAINS, doc.at("token_endpoint"),
        f"token_endpoint ({token_host}) is not on the domain of auth_endpoint ({auth_host})",
        "both endpoints must belong to the service provider: token_endpoint receives the "
        "authorization code and the client secret",
        at_value=True,
    )


# --- extras and placeholders --------------------------------------------------------------


def _extras(doc: Document, grant_mode: str | None) -> Iterator[Finding]:
    extras = doc.data.get("extras")
    if not isinstance(extras, dict):
        return
    standard: tuple[str, ...] = STANDARD_AUTHORIZE_PARAMETERS
    if grant_mode == "token_redirect_url":
        standard = ("scope", "state", "response_type", "redirect_url")
    for raw_key in extras:
        key = str(raw_key)
        if key not in standard:
            continue
        help = {
            "scope": "set the scope in the manifest's oauth.scope",
            "client_id": 'set the "client_id" field',
            "redirect_uri": 'set the "redirect_uri" field',
        }.get(key, "remove it: the stack sets it")
        yield Finding(
            EXTRAS_STANDARD_PARAMETER, doc.at("extras", key),
            f"extras {_q(key)} duplicates a parameter the stack already puts on the authorize "
            "URL",
            help,
        )


def is_placeholder(value: str, field: str) -> bool:
    """A documentation placeholder rather than a real credential (`$VAR` is fine)."""
    stripped = value.strip()
    if not stripped or _ENV_PLACEHOLDER.fullmatch(stripped):
        return False  # empty: A004's business
    if _PLACEHOLDER.fullmatch(stripped):
        return True
    # OAuth client ids and secrets are tokens: words with spaces are a description.
    return field in ("client_id", "client_secret") and len(stripped.split()) >= 3


def _placeholders(doc: Document) -> Iterator[Finding]:
    for field in PLACEHOLDER_FIELDS:
        value = doc.data.get(field)
        items: list[tuple[tuple[str, ...], Any]] = [((field,), value)]
        if field == "secret" and isinstance(value, dict):
            items = [((field, str(k)), v) for k, v in value.items()]
        for tokens, item in items:
            if isinstance(item, str) and is_placeholder(item, field):
                yield Finding(
                    PLACEHOLDER_SECRET, doc.at(*tokens),
                    f"{_q(field)} holds a placeholder, not a real value",
                    f'fill it when provisioning, or write "${field.upper()}" and let kpack take '
                    "it from the environment",
                    at_value=True,
                )


# --- Across documents ---------------------------------------------------------------------


def _where(doc: Document, pointer: str) -> str:
    span = doc.source.span(pointer)
    return f"{doc.source.display}:{span.line}:{span.column} ({pointer or '/'})"


def _duplicate_ids(documents: list[Document]) -> Iterator[tuple[Document, Finding]]:
    first: dict[str, Document] = {}
    for doc in documents:
        doc_id = doc.data.get("_id")
        if not isinstance(doc_id, str) or not doc_id:
            continue
        if doc_id in first:
            yield doc, Finding(
                DUPLICATE_ID, doc.at("_id"),
                f"another account type has the same _id {_q(_short(doc_id))}: CouchDB keeps "
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


def _duplicate_secret_slugs(documents: list[Document]) -> Iterator[tuple[Document, Finding]]:
    by_slug: dict[str, list[_Slugged]] = {}
    for index, doc in enumerate(documents):
        slug = doc.data.get("slug")
        if not isinstance(slug, str) or not slug:
            continue
        doc_id = doc.data.get("_id")
        context, name = _split_id(doc_id) if isinstance(doc_id, str) else (None, None)
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
            where = "without a context" if context is None else f"in the context {_q(context)}"
            for entry in visible[1:]:
                if entry.order in reported:
                    continue
                reported.add(entry.order)
                yield entry.doc, Finding(
                    DUPLICATE_SECRET_SLUG, entry.doc.at("slug"),
                    f"another account type with slug {_q(slug)} is visible {where}: the stack "
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


# --- Formatting ---------------------------------------------------------------------------


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(_q(v) for v in values)


__all__ = [
    "RUN_MEMBERS", "RUN_WAITS", "check_document", "check_run", "go_decoded", "go_field",
    "go_members", "misspelling_of",
    "registrable_domain", "same_site",
]
_RULES: tuple[Rule, ...] = (
    GRANT_MODE_MISSING, GRANT_MODE_UNKNOWN, TOKEN_MODE_UNKNOWN, REQUIRED_FIELD_MISSING,
    TOKEN_ENDPOINT_MISSING, MISSPELLED_KEY, UNKNOWN_KEY, WRONG_FIELD_TYPE, URL_NOT_ABSOLUTE,
    URL_NOT_HTTPS, REDIRECT_URI_WRONG_ID, IMPLICIT_SHARED_CALLBACK, CONTEXT_WITHOUT_REDIRECT_URI,
    ENDPOINTS_DIFFERENT_DOMAINS, EXTRAS_STANDARD_PARAMETER, PLACEHOLDER_SECRET,
    DUPLICATE_SECRET_SLUG, DUPLICATE_ID, ID_MISSING, REDIRECT_URI_TRAILING_SLASH,
)
