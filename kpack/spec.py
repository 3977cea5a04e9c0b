"""Domain facts about cozy-stack and the registry: the single source of truth.

The rules read these tables; the pydantic models in `kpack.models` are built from them and
the JSON Schemas in `schemas/` are generated from the models (a test fails when they
drift). Sources: cozy-stack `model/account/type.go`, `model/app/konnector.go`,
`model/permission/doctype.go`; cozy-apps-registry; see DOMAIN.md.
"""

from __future__ import annotations

import re
from typing import Final

# --- Account types (secrets/io-cozy-account_types) ---------------------------------------

ACCOUNT_TYPES_DB: Final = "secrets/io-cozy-account_types"

# Fields the Go struct decodes, with their JSON type (None: any JSON value).
ACCOUNT_TYPE_FIELDS: Final[dict[str, str | None]] = {
    "_id": "string",
    "_rev": "string",
    "slug": "string",
    "grant_mode": "string",
    "client_id": "string",
    "client_secret": "string",
    "auth_endpoint": "string",
    "token_endpoint": "string",
    "token_mode": "string",
    "redirect_uri": "string",
    "manage_endpoint": "string",
    "reconnect_endpoint": "string",
    "extras": "object",
    "skip_redirect_uri_on_authorize": "boolean",
    "skip_state_on_token": "boolean",
    "secret": None,
    "fcm_credentials": None,  # json.RawMessage: any JSON value decodes
}

ENDPOINT_FIELDS: Final = (
    "auth_endpoint", "token_endpoint", "manage_endpoint", "reconnect_endpoint",
)

# What each grant mode needs, exactly as the stack's code paths use the fields.
GRANT_MODE_REQUIREMENTS: Final[dict[str, tuple[str, ...]]] = {
    "authorization_code": ("auth_endpoint", "client_id", "token_endpoint", "client_secret"),
    "authorization_code+secret": (
        "auth_endpoint", "client_id", "token_endpoint", "client_secret", "slug", "secret",
    ),
    "token": ("auth_endpoint", "client_id"),
    "token_redirect_url": ("auth_endpoint",),
    "bi_webauth": ("auth_endpoint", "client_id", "reconnect_endpoint"),
    "bi_webauth+secret": ("auth_endpoint", "client_id", "reconnect_endpoint", "slug", "secret"),
    "bi_webview": ("auth_endpoint", "client_id", "manage_endpoint", "reconnect_endpoint"),
    "bi_webview+secret": (
        "auth_endpoint", "client_id", "manage_endpoint", "reconnect_endpoint", "slug", "secret",
    ),
    "secret": ("slug", "secret"),
}
GRANT_MODES: Final = tuple(GRANT_MODE_REQUIREMENTS)
# Grant modes whose `secret` is handed to the konnector (one document per slug and context).
SECRET_GRANT_MODES: Final = tuple(m for m in GRANT_MODES if m == "secret" or m.endswith("+secret"))
OAUTH_GRANT_MODES: Final = tuple(m for m in GRANT_MODES if m != "secret")

TOKEN_MODES: Final = ("form", "basic", "get")

# Grant modes with a server-side code exchange. Without `token_endpoint` the stack hands
# the code, client_id and client_secret to the konnector, which exchanges it itself (a
# warning, A005): the exchange fields are needed only once `token_endpoint` is set.
CODE_GRANT_MODES: Final = ("authorization_code", "authorization_code+secret")
CODE_EXCHANGE_FIELDS: Final = ("token_endpoint", "client_secret")
# Implicit grants: the token comes back in the query, only the instance can store it.
IMPLICIT_GRANT_MODES: Final = ("token", "token_redirect_url")

# Members CouchDB itself puts on documents; it refuses any other member starting with `_`.
COUCHDB_MEMBERS: Final = (
    "_id", "_rev", "_deleted", "_attachments", "_conflicts", "_deleted_conflicts",
    "_local_seq", "_revisions", "_revs_info",
)

# Parameters the stack itself puts on the authorize URL: `extras` must not repeat them.
STANDARD_AUTHORIZE_PARAMETERS: Final = (
    "scope", "client_id", "redirect_uri", "state", "response_type",
)

# `$VAR` and `${VAR}` placeholders, filled from the environment when provisioning (the
# convention of konnectors/cozy-konnector-facebook's account-types-def.json).
ENV_NAME_PATTERN: Final = r"[A-Za-z_][A-Za-z0-9_]*"
PLACEHOLDER_PATTERN: Final = rf"\$\{{({ENV_NAME_PATTERN})\}}|\$({ENV_NAME_PATTERN})"

# Providers whose official OAuth endpoints sit on several registrable domains (A014
# accepts an auth_endpoint and a token_endpoint of the same family). Sources: each
# provider's OAuth documentation, and the account types of the stack's docs
# (cozy-stack `docs/konnectors-workflow.md`: Google's `accounts.google.com` with
# `www.googleapis.com`).
PROVIDER_FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    # accounts.google.com/o/oauth2/v2/auth; oauth2.googleapis.com/token (formerly
    # www.googleapis.com/oauth2/v4/token)
    "Google": ("google.com", "googleapis.com"),
    # login.microsoftonline.com (Entra ID), login.live.com (personal accounts),
    # graph.microsoft.com (the API the tokens are for)
    "Microsoft": ("microsoftonline.com", "microsoft.com", "live.com"),
    # www.facebook.com/vX/dialog/oauth; graph.facebook.com/vX/oauth/access_token; fb.com
    "Facebook/Meta": ("facebook.com", "fb.com"),
    # appleid.apple.com/auth/authorize and /auth/token: one domain, listed for the record
    "Apple": ("apple.com",),
    # twitter.com/i/oauth2/authorize or x.com/...; api.twitter.com/2/oauth2/token or api.x.com
    "Twitter/X": ("twitter.com", "x.com"),
    # www.dropbox.com/oauth2/authorize; api.dropboxapi.com/oauth2/token
    "Dropbox": ("dropbox.com", "dropboxapi.com"),
    # account.withings.com/oauth2_user/authorize2; wbsapi.withings.net/v2/oauth2
    "Withings": ("withings.com", "withings.net"),
}

# Per-environment account types (kpack's convention, see docs/connectors.md): an
# account-type file whose name has one of these words as a part (`account-types.dev.json`,
# `prod-account-type.yaml`), or that sits in a folder of that name (`prod/account-types.json`),
# goes to that environment's CouchDB; files of different environments may share `_id`s
# and slugs. Synonyms map to one name.
ENVIRONMENTS: Final[dict[str, str]] = {
    "dev": "dev", "development": "dev", "local": "local", "test": "test", "testing": "test",
    "int": "int", "integration": "int", "qa": "qa", "recette": "recette",
    "sandbox": "sandbox", "staging": "staging", "stage": "staging", "preprod": "preprod",
    "prod": "prod", "production": "prod",
}

# Fields holding credentials: never printed, masked in payloads, scanned for in bundles.
SECRET_FIELDS: Final = ("client_secret", "secret")

# --- Manifests (manifest.konnector) ---------------------------------------------------------

MANIFEST_MAX_BYTES: Final = 2 * 1024 * 1024

# Fields cozy-stack decodes into typed Go fields: a wrong type fails the whole install.
MANIFEST_TYPED_FIELDS: Final[dict[str, str]] = {
    "slug": "string",
    "source": "string",
    "version": "string",
    "name": "string",
    "icon": "string",
    "language": "string",
    "on_delete_account": "string",
    "clientSide": "boolean",
    "parameters": "object",
    "permissions": "object",
    "terms": "object",
    "notifications": "object",
    "state": "string",
    "available_version": "string",
    "checksum": "string",
    "error": "string",
    "created_at": "string",
    "updated_at": "string",
}
# Of those, the `time.Time` fields: Go's UnmarshalJSON reads an RFC 3339 string.
MANIFEST_TIME_FIELDS: Final = ("created_at", "updated_at")
# `notifications` is a map[string]notification.Properties (`model/app/webapp.go`): each
# notification, by name, decodes into these typed fields (`model/notification/
# notifications.go`), a wrong type failing the install too. "integer": a time.Duration,
# an int64 of nanoseconds, read from a JSON integer only (no fraction, no exponent).
NOTIFICATION_FIELDS: Final[dict[str, str]] = {
    "description": "string",
    "collapsible": "boolean",
    "multiple": "boolean",
    "stateful": "boolean",
    "default_priority": "string",
    "time_to_live": "integer",
    "templates": "object",  # map[string]string: strings (or null) by channel
    "min_interval": "integer",
}
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

SLUG_PATTERN: Final = r"^[a-z0-9-]+$"
VERSION_PATTERN: Final = (
    r"^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})"
    r"(-dev\.[a-f0-9]{1,40}|-beta.(0|[1-9][0-9]{0,4}))?$"
)
SLUG_RE: Final = re.compile(SLUG_PATTERN)
VERSION_RE: Final = re.compile(VERSION_PATTERN)

MANIFEST_TYPES: Final = ("konnector",)
LEGACY_MANIFEST_TYPES: Final = ("node",)

PERMISSION_VERBS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE", "ALL")
PERMISSION_KEYS: Final = ("type", "verbs", "values", "selector", "description")
# CheckDoctypeName (cozy-stack model/permission/doctype.go): lowercase letters, digits,
# `.` and `_`, no leading, trailing or double dot; a trailing `.*` wildcard when the whole
# name has at least three dots (`io.cozy.calendar.*`). The stack tests letters with Go's
# unicode.IsLower: this ASCII pattern (for schemas) is the common case, the manifest rule
# applies the exact test.
DOCTYPE_PATTERN: Final = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$|^[a-z0-9_]+(\.[a-z0-9_]+){2,}\.\*$"
DOCTYPE_WILDCARD_MIN_DOTS: Final = 3

FREQUENCIES: Final = ("hourly", "daily", "weekly", "monthly")
FIELD_TYPES: Final = ("text", "password", "email", "dropdown", "hidden", "checkbox", "date")

# cozy-apps-registry README ("Categories and Data types", current list: 23 slugs; older
# copies of the README listed 15, without `clouds`, `education`, `finance`, `tech`...);
# enforced nowhere (warnings only). `others` is the README's documented default for an
# empty list ("it will be `['others']` by default if empty").
CATEGORIES: Final = (
    "banking", "clouds", "cozy", "education", "energy", "finance", "health",
    "host_provider", "insurance", "isp", "mes_infos", "online_services", "others",
    "partners", "press", "pro", "productivity", "ptnb", "public_service", "shopping",
    "social", "tech", "telecom", "transport",
)
# cozy-client's document qualifications, as real manifests list them in
# `qualification_labels` (`phone_invoice`, `tax_notice`, `national_health_insurance_right_
# certificate`): put in `categories`, the help points there. The common shapes, not the list.
QUALIFICATION_LABEL_RE: Final = re.compile(
    r"^[a-z]+(_[a-z]+)*_(invoice|certificate|notice|return|timetable|tax|contract|"
    r"statement|slip|bill|attestation|card)$"
)
# The same README's data types (31 slugs; its current copy lists the same ones).
DATA_TYPES: Final = (
    "activity", "appointment", "bankAccounts", "bankTransactions", "bill", "bloodPressure",
    "calendar", "certificate", "commit", "consumption", "contact", "contract",
    "courseMaterial", "document", "event", "family", "geopoint", "heartbeat", "home",
    "phonecommunicationlog", "podcast", "profile", "refund", "sinister", "sleepTime",
    "stepsNumber", "temperature", "travelDate", "tweet", "videostream", "weight",
)

OAUTH_KEYS: Final = ("scope", "account_type")

# Top-level keys of manifests: the stack's fields, the registry's documented ones and the
# keys real konnectors use (see ../shared/corpus). Anything else gets a did-you-mean. A
# top-level language code (`"en": {...}`, seen in the corpus) is a misplaced locale: the
# locales rule reports it.
MANIFEST_KEYS: Final = (
    # `$schema`: editors (VS Code, JetBrains) read it to validate the file; the stack keeps
    # unknown keys as raw JSON, so it is harmless.
    "$schema",
    "aggregator", "banksTransactionRegExp", "categories", "clientSide", "cookie_domains",
    "data_types", "description", "developer", "doctypes", "editor", "features",
    "fields", "folders", "frequency", "icon", "langs", "language", "license", "locales",
    # `short_description`, `long_description`: the registry README's `locales` override
    # top-level properties, which are the fallback.
    "long_description", "manifest_version", "messages", "name", "name_prefix",
    "notifications", "oauth", "on_delete_account", "parameters", "partnership",
    "permissions", "platforms", "qualification_labels", "screenshots", "serverSide",
    "short_description", "slug", "source", "tags", "terms",
    "time_interval", "type", "uuid", "vendor_link", "version",
)

# --- konnector-dev-config.json --------------------------------------------------------------

DEV_CONFIG_KEYS: Final = ("COZY_URL", "fields", "COZY_PARAMETERS")
