"""The konnector manifest (`manifest.konnector`), built from spec's tables.

Only what makes cozy-stack refuse the install is constrained: the members it decodes into
typed Go fields (`spec.MANIFEST_TYPED_FIELDS`), the slug, the permissions (doctype names,
verbs) and the shape of `oauth` the home app reads. Registry-only and advisory lists
(version, editor, categories, data_types, frequency, field types) are kpack warnings, not
schema errors: real manifests go outside them.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import ConfigDict, Field, create_model

from kpack import spec
from kpack.models.base import PYTHON_TYPES, JsonDocument, one_of, optional

DESCRIPTION = (
    "A Cozy connector's manifest (manifest.konnector), as cozy-stack decodes it on install."
)


def _model(
    name: str, title: str, doc: str, keys: tuple[str, ...],
    types: dict[str, Any], descriptions: dict[str, str], required: tuple[str, ...] = (),
) -> Any:
    """A JsonDocument subclass whose members are `keys` (from spec) typed by `types`."""
    members: dict[str, Any] = {}
    for key in keys:
        annotation, constraints = types[key]
        if key in required:
            field = Field(alias=key, description=descriptions.get(key), **constraints)
            members[key] = (annotation, field)
        else:
            members[key] = optional(key, annotation, descriptions.get(key), **constraints)
    base = type(f"{name}Base", (JsonDocument,), {"model_config": ConfigDict(title=title)})
    return create_model(name, __base__=base, __module__=__name__, __doc__=doc, **members)


Permission = _model(
    "Permission", "Permission", "One permission rule: a doctype and what may be done with it.",
    spec.PERMISSION_KEYS,
    {
        "type": (str, {"pattern": spec.DOCTYPE_PATTERN}),
        "verbs": (list[one_of(spec.PERMISSION_VERBS)], {}),  # type: ignore[misc]
        "values": (list[str], {}),
        "selector": (str, {}),
        "description": (str, {}),
    },
    {
        "type": "A doctype, e.g. io.cozy.files.",
        "verbs": "HTTP verbs allowed (default: all).",
        "values": "Restrict to these ids (or values of `selector`).",
        "selector": "The field `values` apply to (default: _id).",
        "description": "Why the konnector needs it.",
    },
    required=("type",),
)

Terms = _model(
    "Terms", "Terms", "Terms the user accepts before connecting.", ("url", "version"),
    {"url": (str, {}), "version": (str, {})}, {},
)

OAuth = _model(
    "OAuth", "OAuth", "Makes the konnector an OAuth konnector for the home app.",
    spec.OAUTH_KEYS,
    {
        # The registry's shapes: array of strings, one string, or false/null for none.
        "scope": (Union[list[str], str, Literal[False], None], {}),  # noqa: UP007
        "account_type": (str, {}),
    },
    {
        "scope": "Scopes asked for: an array of strings (joined with spaces), one string, "
        "or false/null for none.",
        "account_type": "The account type's id, when it differs from the slug.",
    },
)


# Where spec's JSON type is not precise enough.
TYPE_OVERRIDES: dict[str, Any] = {
    "permissions": dict[str, Permission],  # type: ignore[valid-type]
    "terms": Terms,
}
CONSTRAINTS: dict[str, dict[str, Any]] = {
    "slug": {"pattern": spec.SLUG_PATTERN},
}
FIELD_DESCRIPTIONS: dict[str, str] = {
    "slug": "The konnector's id: lowercase letters, digits and dashes.",
    "clientSide": "Runs in the mobile/desktop app instead of the server.",
    "permissions": "The konnector's permissions, by name.",
    "on_delete_account": "A script of the build run when an account is deleted.",
}


def _members() -> dict[str, Any]:
    members = {
        key: optional(
            key, TYPE_OVERRIDES.get(key, PYTHON_TYPES[json_type]), FIELD_DESCRIPTIONS.get(key),
            **CONSTRAINTS.get(key, {}),
        )
        for key, json_type in spec.MANIFEST_TYPED_FIELDS.items()
    }
    members["oauth"] = optional("oauth", OAuth, "Present for OAuth konnectors.")
    return members


class ManifestBase(JsonDocument):
    model_config = ConfigDict(title="Cozy konnector manifest")


Manifest = create_model(
    "Manifest", __base__=ManifestBase, __module__=__name__, __doc__=DESCRIPTION, **_members()
)
