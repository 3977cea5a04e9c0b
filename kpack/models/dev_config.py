"""`konnector-dev-config.json`, as cozy-jobs-cli reads it in dev and standalone mode."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, create_model

from kpack import spec
from kpack.models.base import PYTHON_TYPES, JsonDocument, optional, required

DESCRIPTION = (
    "The dev config of a Cozy konnector (konnector-dev-config.json), read by cozy-jobs-cli: "
    "`fields` become the account's credentials in standalone mode. It holds live "
    "credentials: keep it out of git and out of builds."
)

# JSON types of spec.DEV_CONFIG_KEYS, as cozy-jobs-cli uses them.
MEMBER_TYPES: dict[str, str] = {
    "COZY_URL": "string",
    "fields": "object",
    "COZY_PARAMETERS": "object",
}
FIELD_DESCRIPTIONS: dict[str, str] = {
    "COZY_URL": "The Cozy instance used in dev mode, e.g. http://cozy.tools:8080.",
    "fields": "The account's fields (login, password, or access_token for OAuth).",
    "COZY_PARAMETERS": "The job's parameters, as the stack would pass them.",
}

# An absolute http(s) URL with a host and no surrounding whitespace (rule D002).
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://([^\s/?#@]*@)?([^\s/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\])(:[0-9]*)?([/?#]\S*)?$"
CONSTRAINTS: dict[str, dict[str, Any]] = {"COZY_URL": {"pattern": URL_PATTERN}}
# Without `fields` the konnector starts without credentials (rule D001).
REQUIRED = ("fields",)


def _members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key in spec.DEV_CONFIG_KEYS:
        make = required if key in REQUIRED else optional
        members[key] = make(
            key, PYTHON_TYPES[MEMBER_TYPES[key]], FIELD_DESCRIPTIONS.get(key),
            **CONSTRAINTS.get(key, {}),
        )
    return members


class DevConfigBase(JsonDocument):
    model_config = ConfigDict(title="Cozy konnector dev config")


DevConfig = create_model(
    "DevConfig", __base__=DevConfigBase, __module__=__name__, __doc__=DESCRIPTION, **_members()
)
