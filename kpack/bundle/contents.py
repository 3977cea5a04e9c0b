"""What a bundle must hold: manifest, entry point, icon, delete script, agreeing versions."""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

from kpack import spec
from kpack.bundle.select import Selection, file_diagnostic
from kpack.check import to_diagnostic
from kpack.diagnostics import Diagnostic, Finding
from kpack.documents import Document
from kpack.load.source import SourceFile
from kpack.rules import bundle as R

MANIFEST = "manifest.konnector"
ENTRY_POINT = "index.js"
PACKAGE_MAX_BYTES = 2 * 1024 * 1024
CLIENT_SIDE_ENTRY = "main.js"
_CORE_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)\.(\d+)")


def bundle_path(value: str) -> str | None:
    """A manifest path (`icon`, `on_delete_account`) as a bundle path; None when unsafe."""
    path = value.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    path = path.lstrip("/")
    normal = posixpath.normpath(path) if path else ""
    if not normal or normal == "." or normal == ".." or normal.startswith("../"):
        return None
    return normal


def core_version(value: str) -> tuple[str, str, str] | None:
    match = _CORE_VERSION.match(value)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def check_contents(
    selection: Selection, manifest: SourceFile | None, display_root: str
) -> list[Diagnostic]:
    names = selection.arcnames()
    found: list[Diagnostic] = []

    def at_root(name: str) -> str:
        return f"{display_root.rstrip('/')}/{name}" if display_root else name

    if MANIFEST not in names:
        found.append(file_diagnostic(
            R.MISSING_MANIFEST, at_root(MANIFEST), f"{MANIFEST} is missing from the bundle",
            "build the connector first (yarn build) or point --from at the folder that holds it",
        ))
    for entry in selection.files:
        if entry.arcname.endswith("/" + MANIFEST):
            found.append(file_diagnostic(
                R.NESTED_MANIFEST, at_root(entry.arcname),
                f"a second {MANIFEST} in a subfolder: cozy-stack and the registry read the "
                "first one they meet in the archive",
                f"remove it, or leave it out with .kpackignore (`{entry.arcname}`)",
            ))
    readable = manifest is not None and manifest.readable and isinstance(manifest.data, dict)
    client_side = readable and manifest is not None and manifest.data.get("clientSide") is True
    package = _package_data(selection, at_root("package.json"))
    found.extend(_check_entry(package, names, client_side, at_root))
    if manifest is None or not readable:
        return found
    document = Document(manifest, "", manifest.data)
    data: dict[str, Any] = manifest.data

    def member(rule: Any, key: str, message: str, help: str | None = None) -> None:
        found.append(to_diagnostic(document, Finding(rule, document.at(key), message, help)))

    for key, rule, what in (
        ("icon", R.MISSING_ICON, "icon"),
        ("on_delete_account", R.MISSING_ON_DELETE, "on_delete_account script"),
    ):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            continue  # absent or mistyped: the manifest rules speak about it
        path = bundle_path(value)
        if path is None:
            member(rule, key, f"the {what} {value!r} is not a path inside the bundle")
        elif path not in names:
            hint = _left_out_hint(selection, path)
            member(rule, key, f"the {what} {path!r} is missing from the bundle" + hint)
    _check_versions(package, data, member)
    return found


def _package_data(selection: Selection, display: str) -> Any:
    """The bundled package.json, parsed (None when absent or broken: not these rules'
    business, Node.js falls back to index.js). Read once, through kpack's one reader: a
    regular file, not a link (its real path was selected), at most PACKAGE_MAX_BYTES; a
    refusal ends the build (exit 2)."""
    from kpack.bundle.archive import BuildError
    from kpack.fsutil import read_file

    package = next((e for e in selection.files if e.arcname == "package.json"), None)
    if package is None:
        return None
    try:
        raw = read_file(package.path, PACKAGE_MAX_BYTES, nofollow=True)
    except OSError as exc:
        raise BuildError(f"cannot read {display}: {exc.strerror or exc}") from None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _package_main(data: Any) -> tuple[str | None, str | None]:
    """(`main` of the bundled package.json as a bundle path, the value as written)."""
    main = data.get("main") if isinstance(data, dict) else None
    if not isinstance(main, str) or not main.strip():
        return None, None
    return bundle_path(main), main


def _main_candidates(main: str) -> tuple[str, ...]:
    """The files Node.js tries for a package's `main` (LOAD_AS_FILE, then LOAD_INDEX)."""
    return (main, f"{main}.js", f"{main}.json", f"{main}.node", f"{main}/index.js")


def _check_entry(
    package: Any, names: set[str], client_side: bool, at_root: Any
) -> list[Diagnostic]:
    """B002: the file that runs the konnector. A client-side konnector is built into
    `main.js` (cozy-konnector-build's clisk config) and run by the flagship app; a
    server-side one is run as `node <folder>`: package.json's `main`, else `index.js`."""
    if client_side:
        if CLIENT_SIDE_ENTRY in names:
            return []
        return [file_diagnostic(
            R.MISSING_ENTRY, at_root(CLIENT_SIDE_ENTRY),
            f"{CLIENT_SIDE_ENTRY} is missing from the bundle of this client-side konnector "
            '("clientSide": true)',
            "build the connector first (yarn build): cozy-konnector-build bundles a "
            "client-side konnector into main.js",
        )]
    main, written = _package_main(package)
    if main is not None and any(c in names for c in _main_candidates(main)):
        return []
    if ENTRY_POINT in names:
        return []  # Node.js also falls back to index.js when `main` is not found
    if written is not None:
        where = main if main is not None else written
        return [file_diagnostic(
            R.MISSING_ENTRY, at_root("package.json"),
            f"package.json's main {where!r} is not in the bundle, nor is index.js",
            "build the connector first (yarn build), or fix `main` in package.json",
        )]
    return [file_diagnostic(
        R.MISSING_ENTRY, at_root(ENTRY_POINT), f"{ENTRY_POINT} is missing from the bundle",
        "build the connector first (yarn build): the stack runs `node <folder>`, which "
        "starts index.js or the file package.json's `main` names",
    )]


def _left_out_hint(selection: Selection, path: str) -> str:
    for excluded in selection.excluded:
        if excluded.arcname == path or path.startswith(excluded.arcname + "/"):
            return f" (left out: {excluded.reason})"
    return ""


def _check_versions(package_data: Any, data: dict[str, Any], member: Any) -> None:
    version = data.get("version")
    if package_data is None or not isinstance(version, str) or core_version(version) is None:
        return
    package_version = package_data.get("version") if isinstance(package_data, dict) else None
    if not isinstance(package_version, str):
        return
    if core_version(package_version) != core_version(version):
        member(
            R.VERSION_MISMATCH, "version",
            f"the manifest says version {version!r}, the bundled package.json {package_version!r}",
            "set the same major.minor.patch in both (or rebuild: build/ may be stale)",
        )


def archive_name(manifest: SourceFile) -> tuple[str, str, list[Diagnostic]]:
    """(slug, version, problems): the archive is `<slug>-<version>.tar.gz`."""
    data = manifest.data if isinstance(manifest.data, dict) else {}
    document = Document(manifest, "", data)
    slug, version = data.get("slug"), data.get("version")
    problems = []
    if not isinstance(slug, str) or not spec.SLUG_RE.match(slug):
        problems.append(to_diagnostic(document, Finding(
            R.UNNAMEABLE, document.at("slug") if "slug" in data else "",
            "the manifest has no usable `slug` (lowercase letters, digits and dashes) "
            "to name the archive",
        )))
    if not isinstance(version, str) or not spec.VERSION_RE.match(version):
        problems.append(to_diagnostic(document, Finding(
            R.UNNAMEABLE, document.at("version") if "version" in data else "",
            "the manifest has no `version` the registry accepts (x.y.z, x.y.z-beta.n or "
            "x.y.z-dev.<sha>) to name the archive",
        )))
    return (slug if isinstance(slug, str) else "", version if isinstance(version, str) else "",
            problems)
