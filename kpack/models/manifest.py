"""The konnector manifest (`manifest.konnector`), built from spec's tables.

Only what makes cozy-stack refuse the install is constrained: the members it decodes into
typed Go fields (`spec.MANIFEST_TYPED_FIELDS`), the slug, the permissions (doctype names,
verbs) and the shape of `oauth` the home app reads. Registry-only and advisory lists
(version, editor, categories, data_types, frequency, field types) are kpack warnings, not
schema errors: real manifests go outside them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema, create_model

from kpack import spec
from kpack.models.base import (
    PYTHON_TYPES,
    JsonDocument,
    go_key_matching,
    one_of,
    optional,
    required,
)

DESCRIPTION = (
    "A Cozy connector's manifest (manifest.konnector), as cozy-stack decodes it on install."
)


def _model(
    name: str, title: str, doc: str, members: dict[str, Any], extra: Any = None
) -> Any:
    """A JsonDocument subclass with these members, titled for the schema."""
    config = ConfigDict(title=title, json_schema_extra=extra)
    base = type(f"{name}Base", (JsonDocument,), {"model_config": config})
    return create_model(name, __base__=base, __module__=__name__, __doc__=doc, **members)


# Go's decoder fills a typed field from `null` by leaving it empty: typed members are
# nullable, except where a kpack error says otherwise (slug, permission type, account_type).

Permission = _model(
    "Permission", "Permission", "One permission rule: a doctype and what may be done with it.",
    {
        "type": required(
            "type", str, "A doctype, e.g. io.cozy.files.", pattern=spec.DOCTYPE_PATTERN
        ),
        "verbs": optional(
            "verbs", list[one_of(spec.PERMISSION_VERBS)],  # type: ignore[misc]
            "HTTP verbs allowed (default: all).", nullable=True,
        ),
        "values": optional(
            "values", list[str], "Restrict to these ids (or values of `selector`).",
            nullable=True,
        ),
        "selector": optional(
            "selector", str, "The field `values` apply to (default: _id).", nullable=True
        ),
        "description": optional(
            "description", str, "Why the konnector needs it.", nullable=True
        ),
    },
    extra=go_key_matching(spec.PERMISSION_KEYS),
)

Terms = _model(
    "Terms", "Terms", "Terms the user accepts before connecting.",
    {
        "url": optional("url", str, "Where the terms can be read.", nullable=True),
        "version": optional(
            "version", str, "The terms' version: a new one asks users again.", nullable=True
        ),
    },
)

# JSON Schema cannot tell `1` from `1.0` or `1e3`, which Go refuses in a time.Duration:
# the schema bounds the integer, kpack's M001 also checks how it is written. The one
# object, `templates`, is a map[string]string (`null` gives "").
_Duration = Annotated[int, Field(ge=spec.INT64_MIN, le=spec.INT64_MAX)]
_NOTIFICATION_TYPES: dict[str | None, Any] = {
    **PYTHON_TYPES, "integer": _Duration, "object": dict[str, Optional[str]],  # noqa: UP045
}
_NOTIFICATION_DESCRIPTIONS = {
    "description": "What the notification is about.",
    "collapsible": "Only the last notification of the category is of interest.",
    "multiple": "The category has sub-categories, by a dynamic identifier.",
    "stateful": "Each notification holds a state: one is sent only when it changes.",
    "default_priority": "The default priority: high or normal.",
    "time_to_live": "The notification's time to live: a time.Duration, an integer of "
                    "nanoseconds (no fraction, no exponent).",
    "templates": "Template files by channel (mail...): an object of strings.",
    "min_interval": "The minimal interval between two notifications: a time.Duration, an "
                    "integer of nanoseconds (no fraction, no exponent).",
}
Notification = _model(
    "Notification", "Notification",
    "A notification the konnector may send (cozy-stack notification.Properties).",
    {
        key: optional(key, _NOTIFICATION_TYPES[json_type], _NOTIFICATION_DESCRIPTIONS[key],
                      nullable=True)
        for key, json_type in spec.NOTIFICATION_FIELDS.items()
    },
    extra=go_key_matching(tuple(spec.NOTIFICATION_FIELDS)),
)

OAuth = _model(
    "OAuth", "OAuth", "Makes the konnector an OAuth konnector for the home app.",
    {
        "scope": optional(
            "scope",
            # The registry's shapes: array of strings, one string, or false/null for none.
            Union[list[str], str, Literal[False], None],  # noqa: UP007
            "Scopes asked for: an array of strings (joined with spaces), one string, "
            "or false/null for none.",
        ),
        "account_type": optional(
            "account_type", str, "The account type's id, when it differs from the slug.",
            pattern=spec.SLUG_PATTERN,
        ),
    },
)

# Where spec's JSON type is not precise enough.
TYPE_OVERRIDES: dict[str, Any] = {
    "permissions": dict[str, Permission],  # type: ignore[valid-type]
    "terms": Terms,
    # Names are map keys (exact); `null` leaves an empty notification.
    "notifications": dict[str, Optional[Notification]],  # type: ignore[valid-type]  # noqa: UP045
}
FIELD_DESCRIPTIONS: dict[str, str] = {
    "slug": "The konnector's id: lowercase letters, digits and dashes.",
    "source": "Where the konnector's code comes from (a git or registry URL).",
    "version": "The konnector's version (the registry wants X.Y.Z, matching package.json).",
    "name": "The konnector's name, as shown to users.",
    "icon": "The icon's path inside the build (an SVG or PNG).",
    "language": "The language the konnector is written in (node).",
    "parameters": "Parameters handed to the konnector on each run.",
    "terms": "Terms the user accepts before connecting.",
    "notifications": "The notifications the konnector may send, by name.",
    "type": "konnector (node is a legacy value); the stack refuses only webapp.",
    "clientSide": "Runs in the mobile/desktop app instead of the server.",
    "permissions": "The konnector's permissions, by name.",
    "on_delete_account": "A script of the build run when an account is deleted.",
    # Written by the stack and the registry into an installed konnector's document; typed
    # in the stack's KonnManifest, so a wrong type fails the install (issue 19).
    "state": "The install state the stack records (a string).",
    "available_version": "A newer version the stack knows of (a string).",
    "checksum": "The archive's checksum the stack records (a string).",
    "error": "The last install error the stack records (a string).",
    "created_at": "When the konnector was installed (an RFC 3339 time).",
    "updated_at": "When the konnector was last updated (an RFC 3339 time).",
    "oauth": "Present for OAuth konnectors.",
}


def _refuse_webapp(value: Any) -> Any:
    if value == "webapp":
        raise ValueError("a webapp manifest is not a konnector")
    return value


_NotWebapp = Annotated[
    Any, AfterValidator(_refuse_webapp), WithJsonSchema({"not": {"const": "webapp"}})
]


def _members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, json_type in spec.MANIFEST_TYPED_FIELDS.items():
        annotation = TYPE_OVERRIDES.get(key, PYTHON_TYPES[json_type])
        description = FIELD_DESCRIPTIONS.get(key)
        if key == "slug":
            members[key] = required(key, annotation, description, pattern=spec.SLUG_PATTERN)
        else:
            members[key] = optional(key, annotation, description, nullable=True)
    # cozy-stack reads `type` on its own and ignores a decode error: it refuses only
    # `webapp` (issue 19; a missing, legacy `node` or other type is a warning).
    members["type"] = optional("type", _NotWebapp, FIELD_DESCRIPTIONS["type"])
    # `null` is a warning (the home app then sees no OAuth); another non-object an error.
    members["oauth"] = optional("oauth", OAuth, FIELD_DESCRIPTIONS["oauth"], nullable=True)
    return members


class ManifestBase(JsonDocument):
    model_config = ConfigDict(
        title="Cozy konnector manifest",
        json_schema_extra=go_key_matching(tuple(spec.MANIFEST_TYPED_FIELDS)),
    )


Manifest = create_model(
    "Manifest", __base__=ManifestBase, __module__=__name__, __doc__=DESCRIPTION, **_members()
)
