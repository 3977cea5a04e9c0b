"""What the three document models share: JSON types from spec's tables, the base class, and
the JSON Schema generator that keeps the published schemas free of pydantic noise."""

from __future__ import annotations

import re
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from kpack import spec

# spec.py names JSON types; these are the Python types pydantic maps back to them.
PYTHON_TYPES: dict[str | None, Any] = {
    "string": str,
    "boolean": bool,
    "object": dict[str, Any],
    "array": list[Any],
    None: Any,
}


def one_of(values: tuple[str, ...]) -> Any:
    """`Literal[...]` of a spec tuple: `Literal[("a", "b")]` is `Literal["a", "b"]`."""
    return Literal[values]


def python_name(key: str) -> str:
    """A field name pydantic accepts for a JSON key (`_id` → `id`)."""
    return key.lstrip("_")


def optional(
    key: str, annotation: Any, description: str | None = None, nullable: bool = False,
    **constraints: Any,
) -> tuple[Any, FieldInfo]:
    """A member that may be absent; when present it has the declared type, or is `null`
    when `nullable` (Go's decoder leaves a typed field empty on `null`).

    The default is never validated nor published: absent is not the same as `null`.
    """
    hidden = key in spec.SECRET_FIELDS  # never in a repr, hence never in a log
    if nullable:
        annotation = Optional[annotation]  # noqa: UP045 - a runtime type expression
    return annotation, Field(
        None, alias=key, description=description, repr=not hidden, **constraints
    )


def required(
    key: str, annotation: Any, description: str | None = None, **constraints: Any
) -> tuple[Any, FieldInfo]:
    """A member that must be present, with the declared type (never `null`)."""
    return annotation, Field(alias=key, description=description, **constraints)


def other_cases(key: str) -> str:
    """A regex matching `key` in any other case (`ClientSide`, `CLIENTSIDE`...), the way
    Go's encoding/json matches object keys to struct fields. Portable: no inline flags."""
    letters = "".join(
        f"[{c.lower()}{c.upper()}]" if c.lower() != c.upper() else re.escape(c) for c in key
    )
    return f"^(?!{re.escape(key)}$){letters}$"


def go_key_matching(keys: tuple[str, ...]) -> Any:
    """A `json_schema_extra` for members Go decodes with case-insensitive keys: every other
    spelling (`ClientSide`, `Type`) gets the member's schema, and a required member may be
    spelt in any case (the Python model still wants the exact key)."""

    def extra(schema: dict[str, Any]) -> None:
        properties = schema["properties"]
        schema["patternProperties"] = {
            other_cases(key): {k: v for k, v in properties[key].items() if k != "description"}
            for key in keys
        }
        for key in [k for k in schema.get("required", []) if k in keys]:
            schema["required"].remove(key)
            spelt_otherwise = {"not": {"propertyNames": {"not": {"pattern": other_cases(key)}}}}
            schema.setdefault("allOf", []).append(
                {"anyOf": [{"required": [key]}, spelt_otherwise]}
            )
        if not schema.get("required"):
            schema.pop("required", None)

    return extra


class JsonDocument(BaseModel):
    """A JSON object whose listed members are typed and whose other members are kept."""

    # Strict: JSON types as the Go decoders see them (no "true" for true, no 1 for "1").
    # Inputs stay out of error messages: they may hold client secrets.
    # Python's re, not the Rust engine: the same patterns as kpack's rules and the schemas
    # (look-aheads included).
    model_config = ConfigDict(
        extra="allow", populate_by_name=True, strict=True, hide_input_in_errors=True,
        regex_engine="python-re",
    )

    def get(self, key: str, default: Any = None) -> Any:
        """A member by its JSON key, typed or not (`doc.get("_id")`)."""
        data = self.to_json()
        return data.get(key, default)

    def to_json(self) -> dict[str, Any]:
        """The document as given (JSON keys, members that were absent stay absent)."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class SchemaGenerator(GenerateJsonSchema):
    """Schemas for people and editors: no per-field titles made up from Python names, no
    `"default": null` for members that are simply optional."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default", ...) is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)
