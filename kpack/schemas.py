"""JSON Schemas of the three document kinds, generated from `kpack.models`.

`schemas/*.json` are these, committed for editors and check-jsonschema, and so are their
copies in `kpack/data/schemas/`, shipped in the wheel (`kpack schema --path` prints where);
a test fails when either drifts. Regenerate both with `python -m kpack.schemas`. Each
schema's `$id` is its stable URL on the repository's default branch (docs/editors.md).
The schemas hold only what makes cozy-stack (or a user's connection) fail, never kpack's
warnings, so that every real manifest the stack accepts validates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kpack.project import SCHEMA_BASE

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Where the committed schemas/ folder is served: editors and SchemaStore fetch it.
ID_PREFIX = SCHEMA_BASE
KINDS = ("manifest", "account-type", "dev-config")
SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
# The same files as package data: an installed kpack has them without the repository.
PACKAGE_SCHEMAS_DIR = Path(__file__).resolve().parent / "data" / "schemas"
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


def installed_path(kind: str | None = None) -> Path:
    """The shipped schema of `kind`, or the folder holding the three."""
    if kind is None:
        return PACKAGE_SCHEMAS_DIR
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    return PACKAGE_SCHEMAS_DIR / file_name(kind)


if __name__ == "__main__":
    targets = [Path(sys.argv[1])] if len(sys.argv) > 1 else [SCHEMAS_DIR, PACKAGE_SCHEMAS_DIR]
    for target in targets:
        for path in write_all(target):
            print(f"wrote {path}")
