"""Editor integration: the shipped schemas (ids, descriptions, enums, package data), the
snippets of docs/editors.md, and the real check-jsonschema on the examples."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kpack import project, schemas, spec
from kpack.cli import main
from kpack.diagnostics import Kind
from kpack.load.discover import kind_by_name
from tests.helpers import REPO

EXAMPLES = REPO / "examples"
EDITORS = REPO / "docs" / "editors.md"
KIND_OF = {"manifest": Kind.MANIFEST, "account-type": Kind.ACCOUNT_TYPE,
           "dev-config": Kind.DEV_CONFIG}


# --- the schemas --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_package_data_is_the_generated_schema(kind: str) -> None:
    shipped = schemas.installed_path(kind)
    assert shipped.parent == schemas.installed_path()
    assert shipped.read_text(encoding="utf-8") == schemas.schema_text(kind), (
        f"{shipped} is stale: run `{schemas.REGENERATE}`"
    )
    assert shipped.read_bytes() == (REPO / "schemas" / schemas.file_name(kind)).read_bytes()


def test_package_data_holds_only_the_three_schemas() -> None:
    names = sorted(p.name for p in schemas.installed_path().iterdir())
    assert names == sorted(schemas.file_name(k) for k in schemas.KINDS)


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_id_is_the_stable_url_of_the_committed_file(kind: str) -> None:
    schema_id = schemas.schema(kind)["$id"]
    assert schema_id == f"{project.SCHEMA_BASE}{kind}.schema.json"
    assert schema_id.startswith("https://raw.githubusercontent.com/kpack-dev/kpack/main/")
    # The URL's path below the branch is the file's path in the repository.
    assert (REPO / schema_id.removeprefix(project.RAW_MAIN)).is_file()


def properties(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every declared member of every object schema, outside conditions (if/then/else/not
    restate members to constrain them, they do not declare them)."""
    if isinstance(node, dict):
        for name, member in (node.get("properties") or {}).items():
            if isinstance(member, dict):
                yield f"{where}/properties/{name}", member
        for key, value in node.items():
            if key in ("if", "then", "else", "not", "allOf"):
                continue
            yield from properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from properties(value, f"{where}/{i}")


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_every_property_has_a_description(kind: str) -> None:
    found = list(properties(schemas.schema(kind)))
    assert found
    missing = [where for where, member in found if not member.get("description")]
    assert not missing, missing


def enum_of(member: dict[str, Any]) -> list[Any]:
    for option in [member, *member.get("anyOf", [])]:
        if "enum" in option:
            return list(option["enum"])
        if option.get("type") == "array":
            return enum_of(option.get("items", {}))
    return []


def test_the_stack_s_enumerations_are_enums() -> None:
    account_type = schemas.schema("account-type")["$defs"]["AccountType"]["properties"]
    assert enum_of(account_type["grant_mode"]) == list(spec.GRANT_MODES)
    assert set(enum_of(account_type["token_mode"])) == {*spec.TOKEN_MODES, ""}
    manifest = schemas.schema("manifest")
    # The stack refuses only a webapp manifest (issue 19): the one value the schema refuses.
    assert manifest["properties"]["type"]["not"] == {"const": "webapp"}
    verbs = manifest["$defs"]["Permission"]["properties"]["verbs"]
    assert enum_of(verbs) == list(spec.PERMISSION_VERBS)


def test_kpack_schema_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--path"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert folder == schemas.installed_path() and folder.is_dir()
    assert main(["schema", "account-type", "--path"]) == 0
    file = Path(capsys.readouterr().out.strip())
    assert file == folder / "account-type.schema.json" and file.is_file()
    assert main(["schema"]) == 2
    assert "give a kind" in capsys.readouterr().err


# --- docs/editors.md ------------------------------------------------------------------------


def json_blocks() -> list[Any]:
    text = EDITORS.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL)]


def url_entries() -> list[dict[str, Any]]:
    """The `{fileMatch, url}` entries of the VS Code settings and the SchemaStore entry."""
    blocks = json_blocks()
    vscode = next(b for b in blocks if isinstance(b, dict) and "json.schemas" in b)
    catalog = next(b for b in blocks if isinstance(b, list))
    assert all({"name", "description", "fileMatch", "url"} <= set(e) for e in catalog)
    return [*vscode["json.schemas"], *catalog]


def test_editor_snippets_point_at_the_schema_ids() -> None:
    ids = {schemas.schema(k)["$id"]: k for k in schemas.KINDS}
    entries = url_entries()
    assert {e["url"] for e in entries} == set(ids)
    documented = EDITORS.read_text(encoding="utf-8")
    for schema_id in ids:
        assert f"<{schema_id}>" in documented  # the table


@pytest.mark.parametrize(
    "name",
    ["manifest.konnector", "konnector-dev-config.json", "account-types-def.json",
     "google.account-type.json", "my_account_type.json", "prod-account-type.yaml"],
)
def test_editor_file_patterns_match_what_kpack_recognises(name: str) -> None:
    """A file kpack checks gets the schema of its kind from the snippets."""
    kind = kind_by_name(Path(name))
    assert kind is not None
    ids = {schemas.schema(k)["$id"]: KIND_OF[k] for k in schemas.KINDS}
    catalog = [e for e in url_entries() if "name" in e]
    matched = {ids[e["url"]] for e in catalog
               if any(fnmatch.fnmatchcase(name, p) for p in e["fileMatch"])}
    assert matched == {kind}, (name, matched)
    for entry in url_entries():
        for pattern in entry["fileMatch"]:
            # No pattern of one kind catches a file kpack reads as another kind.
            if fnmatch.fnmatchcase(name, pattern):
                assert ids[entry["url"]] is kind, (name, pattern)


def test_the_dollar_schema_example_is_the_manifest_id() -> None:
    example = next(b for b in json_blocks() if isinstance(b, dict) and "$schema" in b)
    assert example["$schema"] == schemas.schema("manifest")["$id"]


# --- the real check-jsonschema --------------------------------------------------------------


def check_jsonschema(schema: Path, *instances: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[bench]')")
    return subprocess.run(
        [executable, "--schemafile", str(schema), *map(str, instances)],
        capture_output=True, text=True, check=False, timeout=120,
    )


def example_files(kind: Kind) -> list[Path]:
    return sorted(
        p for p in EXAMPLES.rglob("*") if p.is_file() and kind_by_name(p) is kind
    )


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_the_shipped_schemas_accept_the_clean_example(kind: str, tmp_path: Path) -> None:
    from kpack.load.json_text import blank_comments

    files = [p for p in example_files(KIND_OF[kind]) if "oauth-connector" in p.parts]
    assert files, kind
    if KIND_OF[kind] is Kind.DEV_CONFIG:
        # `//` comments, which cozy-jobs-cli strips (and editors read as jsonc) but
        # check-jsonschema does not: the same text with the comments blanked.
        files = [copy_without_comments(p, tmp_path, blank_comments) for p in files]
    result = check_jsonschema(schemas.installed_path(kind), *files)
    assert result.returncode == 0, result.stdout + result.stderr


def copy_without_comments(path: Path, folder: Path, blank: Any) -> Path:
    text = path.read_text(encoding="utf-8")
    copy = folder / path.name
    copy.write_text(blank(text), encoding="utf-8")
    assert copy.read_text(encoding="utf-8") != text  # there were comments to blank
    return copy


def test_the_shipped_schema_refuses_the_seed_s_grant_mode() -> None:
    (seed,) = [p for p in example_files(Kind.ACCOUNT_TYPE) if "seed-mistakes" in p.parts]
    result = check_jsonschema(schemas.installed_path("account-type"), seed)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "refresh_token" in result.stdout


def test_a_manifest_with_a_dollar_schema_key_validates(tmp_path: Path) -> None:
    manifest = json.loads((EXAMPLES / "oauth-connector" / "manifest.konnector").read_text())
    with_key = {"$schema": schemas.schema("manifest")["$id"], **manifest}
    path = tmp_path / "manifest.konnector"
    path.write_text(json.dumps(with_key), encoding="utf-8")
    result = check_jsonschema(schemas.installed_path("manifest"), path)
    assert result.returncode == 0, result.stdout + result.stderr


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", EDITORS.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("needle", ["kpack schema manifest", "--force-filetype json5"])
def test_the_documented_check_jsonschema_commands_pass_on_the_example(needle: str) -> None:
    """docs/editors.md's commands, run by bash in the clean example. The dev config there
    has `//` comments: read as JSON it fails to parse, read as JSON5 it validates."""
    bin_dir = Path(sys.executable).parent
    if shutil.which("check-jsonschema", path=str(bin_dir)) is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[bench]')")
    (command,) = [block for block in sh_blocks() if needle in block]
    if "json5" in needle and subprocess.run(
        [str(bin_dir / "python"), "-c", "import json5"], capture_output=True, check=False
    ).returncode:
        pytest.skip("no JSON5 parser beside check-jsonschema (pip install -e '.[bench]')")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-c", command], cwd=EXAMPLES / "oauth-connector", env=env,
                         capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    if "json5" in needle:  # the comments are there: as JSON the same file does not parse
        plain = subprocess.run(["bash", "-c", command.replace("--force-filetype json5", "")],
                               cwd=EXAMPLES / "oauth-connector", env=env,
                               capture_output=True, text=True, check=False, timeout=120)
        assert plain.returncode == 1 and "Failed to parse" in plain.stdout, plain.stdout
