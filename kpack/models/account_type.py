"""The account-type document (`secrets/io-cozy-account_types`), built from spec's tables.

Members and their JSON types come from `spec.ACCOUNT_TYPE_FIELDS` (what cozy-stack's Go
struct decodes: a wrong type breaks the whole document, `null` leaves the field empty),
the enumerations from `spec.GRANT_MODES` / `spec.TOKEN_MODES`, and what each grant mode
needs from `spec.GRANT_MODE_REQUIREMENTS`. Unknown members are kept (the stack ignores
them; kpack warns about them, which is not the schema's business).

The model and its schema enforce the error-level shape rules of
`kpack.rules.account_type`: A001 (grant_mode), A002, A003, A004 (what the grant mode
needs), A008 (types) and A019 (`_id`). The others (URLs, redirect ids, duplicates across
documents, misspelt keys) need more than a schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

from pydantic import ConfigDict, Field, RootModel, create_model, model_validator

from kpack import spec
from kpack.models.base import (
    PYTHON_TYPES,
    JsonDocument,
    go_key_matching,
    one_of,
    optional,
    other_cases,
    python_name,
    required,
)

DESCRIPTION = (
    f"An OAuth or secret account type, as stored in CouchDB ({spec.ACCOUNT_TYPES_DB}) and "
    "read by cozy-stack."
)

# Where spec's JSON type is not precise enough for the Go decoder.
TYPE_OVERRIDES: dict[str, Any] = {
    "grant_mode": one_of(spec.GRANT_MODES),
    # "" is Go's zero value: the default (form), like an absent token_mode.
    "token_mode": one_of((*spec.TOKEN_MODES, "")),
    "extras": dict[str, Union[str, None]],  # noqa: UP007 - map[string]string
}

# A CouchDB id the stack can find: not empty, not `_`-prefixed (reserved by CouchDB), and
# with a context prefix (`<context>/<id>`, split at the first `/`) both parts non-empty.
ID_PATTERN = r"^(?!_)(?!/)(?![^/]*/$)[\s\S]*\S[\s\S]*$"

# Grant modes with a server-side code exchange: without `token_endpoint` the konnector
# exchanges the code itself (a kpack warning, A005), so the exchange fields are needed only
# once `token_endpoint` is set.
CODE_GRANT_MODES = spec.CODE_GRANT_MODES
CODE_EXCHANGE_FIELDS = spec.CODE_EXCHANGE_FIELDS

# Members Go's encoding/json also reads in another case (CouchDB refuses `_` members other
# than its own, so `_id` and `_rev` are exact).
GO_FOLDED_MEMBERS = tuple(k for k in spec.ACCOUNT_TYPE_FIELDS if not k.startswith("_"))

# Hover help for editors: every member has one (tests/test_schemas.py).
FIELD_DESCRIPTIONS: dict[str, str] = {
    "_id": "The account type's id; `<context>/<id>` overrides <id> for one context.",
    "_rev": "CouchDB's revision of the document (set by CouchDB; needed to update it).",
    "slug": "The konnector's slug (secret grants hand `secret` to this konnector).",
    "grant_mode": "How the stack obtains the credentials (OAuth flow or a plain secret).",
    "client_id": "The OAuth client id registered at the provider.",
    "client_secret": "The OAuth client secret registered at the provider: keep it out of "
    "git, fill it from the environment (`$VAR`).",
    "auth_endpoint": "The provider's authorization URL, where the user is sent to connect.",
    "token_endpoint": "The provider's token URL, where the stack exchanges the code and "
    "refreshes tokens (without it the konnector exchanges the code itself).",
    "token_mode": "How the token request authenticates: form (default), basic or get. "
    "Any other value silently behaves like form.",
    "redirect_uri": "One URL, exactly as registered at the provider; default "
    "https://<instance>/accounts/<_id>/redirect.",
    "manage_endpoint": "Budget Insight webview: the URL that manages the user's connections.",
    "reconnect_endpoint": "Budget Insight: the URL that reconnects a connection in error.",
    "extras": "Extra query parameters of the authorize URL (string values).",
    "skip_redirect_uri_on_authorize": "Leave redirect_uri out of the authorize URL.",
    "skip_state_on_token": "Leave state out of the token request.",
    "secret": "Handed to the konnector for secret grants (string or object).",
    "fcm_credentials": "Firebase credentials (notification documents, without grant_mode).",
}


def _members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, json_type in spec.ACCOUNT_TYPE_FIELDS.items():
        annotation = TYPE_OVERRIDES.get(key, PYTHON_TYPES[json_type])
        description = FIELD_DESCRIPTIONS.get(key)
        if key == "_id":
            members[python_name(key)] = required(key, annotation, description, pattern=ID_PATTERN)
        else:
            members[python_name(key)] = optional(key, annotation, description, nullable=True)
    return members


def is_set(data: Mapping[str, Any], key: str) -> bool:
    """Present and usable: not null, not blank, and a secret not an empty {} or []."""
    value = data.get(key)
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (key == "secret" and value in ({}, []))


def needs(grant_mode: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The members `grant_mode` needs, given what `data` holds."""
    fields = spec.GRANT_MODE_REQUIREMENTS.get(grant_mode, ())
    if grant_mode in CODE_GRANT_MODES and not is_set(data, "token_endpoint"):
        return tuple(f for f in fields if f not in CODE_EXCHANGE_FIELDS)
    return fields


def missing_for_grant_mode(data: Mapping[str, Any]) -> list[str]:
    """The members `data`'s grant mode needs and lacks (none for an unknown grant mode)."""
    return [key for key in needs(str(data.get("grant_mode")), data) if not is_set(data, key)]


def _set_schema(key: str) -> dict[str, Any]:
    """JSON Schema of `is_set(data, key)` for a present member."""
    if spec.ACCOUNT_TYPE_FIELDS[key] == "string":
        return {"type": "string", "pattern": r"\S"}
    return {"not": {"enum": [None, {}, []]}, "pattern": r"\S"}  # pattern: strings only


def _all_set(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"required": list(keys), "properties": {k: _set_schema(k) for k in keys}}


def _document_schema(schema: dict[str, Any]) -> None:
    """What a field-by-field schema cannot say: grant_mode is required (except on
    notification documents) and each grant mode needs its members."""
    spelt_otherwise = {"not": {"propertyNames": {"not": {"pattern": other_cases("grant_mode")}}}}
    rules: list[dict[str, Any]] = [{
        "if": {"required": ["fcm_credentials"]},
        "else": {"anyOf": [
            {"required": ["grant_mode"], "properties": {"grant_mode": {"type": "string"}}},
            spelt_otherwise,  # Grant_Mode: Go's encoding/json reads keys in any case
        ]},
    }]
    for mode, fields in spec.GRANT_MODE_REQUIREMENTS.items():
        then = _all_set(tuple(f for f in fields if f not in CODE_EXCHANGE_FIELDS
                              or mode not in CODE_GRANT_MODES))
        if mode in CODE_GRANT_MODES:
            then = {"allOf": [then, {"if": _all_set(("token_endpoint",)),
                                     "then": _all_set(("client_secret",))}]}
        rules.append({"if": {"properties": {"grant_mode": {"const": mode}},
                             "required": ["grant_mode"]}, "then": then})
    schema["allOf"] = rules
    # Other spellings of a member (`Skip_State_On_Token`) get the member's schema, as Go
    # decodes them into it. (The requirements of each grant mode above follow the exact
    # key `grant_mode` only; kpack's rules follow every spelling.)
    go_key_matching(GO_FOLDED_MEMBERS)(schema)


class AccountTypeBase(JsonDocument):
    model_config = ConfigDict(title="Cozy account type", json_schema_extra=_document_schema)

    @model_validator(mode="after")
    def _whole_document(self) -> AccountTypeBase:
        data = self.to_json()
        if data.get("grant_mode") is None and "fcm_credentials" not in data:
            raise ValueError("grant_mode is required")
        missing = missing_for_grant_mode(data)
        if missing:
            raise ValueError(f"grant_mode {data['grant_mode']} needs {', '.join(missing)}")
        return self


AccountType = create_model(
    "AccountType", __base__=AccountTypeBase, __module__=__name__, __doc__=DESCRIPTION,
    **_members(),
)


class AccountTypeBulk(JsonDocument):
    """A CouchDB `_bulk_docs` body: `{"docs": [...]}`."""

    model_config = ConfigDict(
        title="Cozy account types (CouchDB bulk body)",
        # Mirrors kpack.documents.split_documents: with `grant_mode` it is one document.
        json_schema_extra={"not": {"required": ["grant_mode"]}},
    )

    docs: list[AccountType] = Field(  # type: ignore[valid-type]
        description="The account-type documents, each written as is."
    )


class AccountTypeFile(
    RootModel[Union[AccountType, list[AccountType], AccountTypeBulk]]  # type: ignore[valid-type]  # noqa: UP007
):
    """A file of account types: one document, an array of them, or a bulk body."""

    model_config = ConfigDict(title="Cozy account-type file")
