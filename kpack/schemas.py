"""JSON Schemas of the three document kinds, generated from `kpack.models`.

`schemas/*.json` are these, committed for editors and check-jsonschema; a test fails when
they drift. Regenerate with `python -m kpack.schemas`. The schemas hold only what makes
cozy-stack (or a user's connection) fail, never kpack's warnings, so that every real
manifest the stack accepts validates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A URN, not a made-up web address: editors map files to schemas by path or by `$schema`.
ID_PREFIX = "urn:kpack:schema:"
KINDS = ("manifest", "account-type", "dev-config")
SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
REGENERATE = "python -m kpack.schemas"

_TITLES = {
    "manifest": "Cozy konnector manifest (manifest.konnector)",
    "account-type": "Cozy account types (secrets/io-cozy-account_types)",
    "dev-config": "Cozy konnector dev config (konnector-dev-config.json)",
}


def file_name(kind: str) -> str:
    return f"{kind}.schema.json"


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a document kind: a file of that kind validates."""
    from kpack.models import AccountTypeFile, DevConfig, Manifest
    from kpack.models.base import SchemaGenerator

    models: dict[str, Any] = {
        "manifest": Manifest, "account-type": AccountTypeFile, "dev-config": DevConfig,
    }
    if kind not in models:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    generated: dict[str, Any] = models[kind].model_json_schema(
        schema_generator=SchemaGenerator, mode="validation"
    )
    head = {
        "$schema": DIALECT,
        "$id": ID_PREFIX + file_name(kind),
        "title": _TITLES[kind],
        "description": generated.pop("description", ""),
    }
    generated.pop("title", None)
    # Keywords first, then definitions last: easier to read from the top.
    defs = generated.pop("$defs", None)
    result = {**head, **generated}
    if defs is not None:
        result["$defs"] = dict(sorted(defs.items()))
    return result


def schema_text(kind: str) -> str:
    """`schema(kind)` as committed in schemas/: stable, indent 2, trailing newline."""
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def write_all(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = directory / file_name(kind)
        path.write_text(schema_text(kind), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMAS_DIR
    for path in write_all(target):
        print(f"wrote {path}")
