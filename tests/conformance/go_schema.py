"""The Go oracle's binary and its own description of the stack's types (`oracle -schema`).

The generators of the conformance tests read the fields, json tags and Go types from
here: a field the stack decodes is generated even when kpack does not know it
(tests/conformance/test_schema.py fails when kpack.spec and this schema disagree).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GO_DIR = Path(__file__).resolve().parent / "go"


class GoMissing(Exception):
    """`go` is not installed: the oracle cannot be built."""


@dataclass(frozen=True)
class GoType:
    """A Go type as the oracle describes it: `kind` is the JSON its decoder accepts
    (string, bool, integer, any, object, array, struct, raw, time, set, verbs)."""

    go: str
    kind: str
    elem: GoType | None
    fields: tuple[Field, ...]

    def field(self, json_name: str) -> Field:
        return self.fields_by_json[json_name]

    @property
    def fields_by_json(self) -> dict[str, Field]:
        return {f.json: f for f in self.fields}


@dataclass(frozen=True)
class Field:
    name: str  # the Go field's name
    json: str  # its name in JSON (the json tag)
    tag: str
    type: GoType


@dataclass(frozen=True)
class Schema:
    stack_commit: str
    account_type: GoType
    manifest: GoType
    manifest_type: GoType  # the installer's separate struct for `type`
    enums: dict[str, tuple[str, ...]]
    url_fields: tuple[str, ...]
    manifest_max_bytes: int
    slug_pattern: str


def _type(data: dict[str, Any]) -> GoType:
    return GoType(
        go=data["go"], kind=data["kind"],
        elem=_type(data["elem"]) if "elem" in data else None,
        fields=tuple(
            Field(f["name"], f["json"], f["tag"], _type(f["type"])) for f in data.get("fields", ())
        ),
    )


@functools.cache
def go_oracle_binary() -> Path:
    """The oracle built once per process with the machine's `go`, standard library only:
    no module is downloaded (GOPROXY=off, GO111MODULE=off)."""
    go = shutil.which("go")
    if go is None:
        raise GoMissing("go is not installed (apt-get install golang-go)")
    folder = Path(tempfile.mkdtemp(prefix="kpack-go-oracle-"))
    atexit.register(shutil.rmtree, folder, True)
    out = folder / "oracle"
    env = {
        **os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GO111MODULE": "off",
        "GOFLAGS": "", "CGO_ENABLED": "0",
    }
    env.setdefault("GOCACHE", str(Path.home() / ".cache" / "go-build"))
    sources = sorted(str(p) for p in GO_DIR.glob("*.go"))
    build = subprocess.run(
        [go, "build", "-o", str(out), *sources], capture_output=True, text=True, env=env,
        timeout=300, check=False,
    )
    if build.returncode != 0:
        raise AssertionError(f"the Go oracle does not build:\n{build.stderr}")
    return out


@functools.cache
def schema() -> Schema:
    run = subprocess.run(
        [str(go_oracle_binary()), "-schema"], capture_output=True, text=True, timeout=60,
        check=True,
    )
    data = json.loads(run.stdout)
    roots = data["roots"]
    return Schema(
        stack_commit=data["stack_commit"],
        account_type=_type(roots["account-type"]),
        manifest=_type(roots["manifest"]),
        manifest_type=_type(roots["manifest-type"]),
        enums={name: tuple(values) for name, values in data["enums"].items()},
        url_fields=tuple(data["url_fields"]),
        manifest_max_bytes=data["manifest_max_bytes"],
        slug_pattern=data["slug_pattern"],
    )


def json_type(go_type: GoType) -> str | None:
    """The JSON type kpack.spec writes for a Go type (None: any JSON value)."""
    return {
        "string": "string", "time": "string", "bool": "boolean", "integer": "integer",
        "object": "object", "struct": "object", "set": "object", "array": "array",
        "verbs": "array", "any": None, "raw": None,
    }[go_type.kind]
