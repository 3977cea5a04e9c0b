"""Connector trees for the build tests, a registry-like reader and a CLI runner."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from kpack.cli import main
from tests.helpers import write

MANIFEST: dict[str, Any] = {
    "name": "Demo",
    "slug": "demo",
    "version": "1.2.0",
    "type": "konnector",
    "editor": "Cozy",
    "icon": "icon.svg",
    "language": "node",
    "fields": {},
    "permissions": {"files": {"type": "io.cozy.files"}},
}
ARCHIVE = "dist/demo-1.2.0.tar.gz"


def write_tree(root: Path, files: dict[str, str | bytes | Any]) -> Path:
    """Create files under root: text, bytes, or a JSON value (dicts and lists)."""
    for name, content in files.items():
        write(root, name, content)
    return root


def connector(root: Path, build: dict[str, Any] | None = None, **manifest: Any) -> Path:
    """A connector at `root` with a webpack-like build/ (manifest, index.js, icon)."""
    files: dict[str, Any] = {
        "build/manifest.konnector": {**MANIFEST, **manifest},
        "build/index.js": "module.exports = function run () { return 42 }\n",
        "build/icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    }
    files.update(build or {})
    return write_tree(root, files)


class Run(NamedTuple):
    code: int
    out: str
    err: str


def kpack(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    code = main(["build", *args])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


class RegistryView(NamedTuple):
    manifest: dict[str, Any]
    sha256: str
    names: list[str]


REGISTRY_MAX_BYTES = 20 * 1024 * 1024


def read_like_registry(path: Path, sha256: str) -> RegistryView:
    """What cozy-apps-registry does with a version's archive: size limit, checksum, one
    common top folder stripped, the first manifest.konnector read."""
    data = path.read_bytes()
    assert len(data) <= REGISTRY_MAX_BYTES, "the registry refuses archives over 20 MiB"
    digest = hashlib.sha256(data).hexdigest()
    assert digest == sha256 and len(bytes.fromhex(sha256)) == 32
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        tops = {n.split("/", 1)[0] for n in names}
        prefix = ""
        if len(tops) == 1:  # one common top folder (e.g. GitHub's archives): stripped
            top = tops.pop()
            if all(n.startswith(top + "/") or n == top for n in names):
                prefix = top + "/"
        manifest = None
        for member in members:
            name = member.name[len(prefix):] if member.name.startswith(prefix) else member.name
            if name == "manifest.konnector" and member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                manifest = json.loads(handle.read())
                break
    assert manifest is not None, "no manifest.konnector in the archive"
    return RegistryView(manifest, digest, names)
