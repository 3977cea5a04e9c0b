"""M010-M011: what the home app sets the konnector up with, its schedule (`frequency`)
and its account form (`fields`)."""

from __future__ import annotations

from kpack import spec
from kpack.diagnostics import Finding
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import did_you_mean, js, type_name
from kpack.rules.manifest.typed import Findings, K, W

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


def check_frequency(doc: Document) -> Findings:
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


def check_fields(doc: Document) -> Findings:
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
