"""The account-type document (`secrets/io-cozy-account_types`), built from spec's tables.

Members and their JSON types come from `spec.ACCOUNT_TYPE_FIELDS` (what cozy-stack's Go
struct decodes: a wrong type breaks the whole document), the enumerations from
`spec.GRANT_MODES` / `spec.TOKEN_MODES`, and what each grant mode needs from
`spec.GRANT_MODE_REQUIREMENTS`. Unknown members are kept (the stack ignores them; kpack
warns about them, which is not the schema's business).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

from pydantic import ConfigDict, Field, RootModel, create_model, model_validator

from kpack import spec
from kpack.models.base import PYTHON_TYPES, JsonDocument, one_of, optional, python_name

DESCRIPTION = (
    f"An OAuth or secret account type, as stored in CouchDB ({spec.ACCOUNT_TYPES_DB}) and "
    "read by cozy-stack. An account-type file holds one document, an array of documents or "
    'a CouchDB bulk body {"docs": [...]}.'
)

# Where spec's JSON type is not precise enough for the Go decoder.
TYPE_OVERRIDES: dict[str, Any] = {
    "grant_mode": one_of(spec.GRANT_MODES),
    "token_mode": one_of(spec.TOKEN_MODES),
    "extras": dict[str, str],  # map[string]string: a number breaks the document
}

# Members whose absence makes every use of the document fail.
REQUIRED = ("grant_mode",)

# Hover help for editors (members without one are self-explanatory or rare).
FIELD_DESCRIPTIONS: dict[str, str] = {
    "_id": "The account type's id; `<context>/<id>` overrides <id> for one context.",
    "grant_mode": "How the stack obtains the credentials (OAuth flow or a plain secret).",
    "token_mode": "How the token request authenticates: form (default), basic or get. "
    "Any other value silently behaves like form.",
    "redirect_uri": "One URL, exactly as registered at the provider; default "
    "https://<instance>/accounts/<_id>/redirect.",
    "extras": "Extra query parameters of the authorize URL (string values).",
    "slug": "The konnector's slug (secret grants hand `secret` to this konnector).",
    "secret": "Handed to the konnector for secret grants (string or object).",
    "fcm_credentials": "Firebase credentials (notifications only).",
}


def _members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, json_type in spec.ACCOUNT_TYPE_FIELDS.items():
        annotation = TYPE_OVERRIDES.get(key, PYTHON_TYPES[json_type])
        if key in REQUIRED:
            field = Field(alias=key, description=FIELD_DESCRIPTIONS.get(key))
            members[python_name(key)] = (annotation, field)
        else:
            members[python_name(key)] = optional(key, annotation, FIELD_DESCRIPTIONS.get(key))
    return members


def is_set(data: Mapping[str, Any], key: str) -> bool:
    """Present and not Go's zero value: the stack treats `""` like an absent member."""
    return key in data and data[key] is not None and data[key] != ""


def missing_for_grant_mode(data: Mapping[str, Any]) -> list[str]:
    """The members `data`'s grant mode needs and lacks (none for an unknown grant mode)."""
    needs = spec.GRANT_MODE_REQUIREMENTS.get(str(data.get("grant_mode")), ())
    return [key for key in needs if not is_set(data, key)]


def _grant_mode_schema(schema: dict[str, Any]) -> None:
    """One `if grant_mode is X then these members are set` per grant mode."""
    rules = []
    for mode, needs in spec.GRANT_MODE_REQUIREMENTS.items():
        # `is_set`: a string must not be empty; an untyped member neither null nor "".
        set_values = {
            key: {"minLength": 1}
            if spec.ACCOUNT_TYPE_FIELDS[key] == "string"
            else {"not": {"enum": [None, ""]}}
            for key in needs
        }
        then = {"required": list(needs), "properties": set_values}
        rules.append({
            "if": {"properties": {"grant_mode": {"const": mode}}, "required": ["grant_mode"]},
            "then": then,
        })
    schema["allOf"] = rules


class AccountTypeBase(JsonDocument):
    model_config = ConfigDict(
        title="Cozy account type", json_schema_extra=_grant_mode_schema
    )

    @model_validator(mode="after")
    def _needs_of_grant_mode(self) -> AccountTypeBase:
        missing = missing_for_grant_mode(self.to_json())
        if missing:
            raise ValueError(
                f"grant_mode {self.get('grant_mode')} needs {', '.join(missing)}"
            )
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

    docs: list[AccountType]  # type: ignore[valid-type]


class AccountTypeFile(
    RootModel[Union[AccountType, list[AccountType], AccountTypeBulk]]  # type: ignore[valid-type]  # noqa: UP007
):
    """A file of account types: one document, an array of them, or a bulk body."""

    model_config = ConfigDict(title="Cozy account-type file")
