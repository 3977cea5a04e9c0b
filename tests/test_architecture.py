"""docs/architecture.md draws the layers that import-linter checks; the two stay equal, and
the issue-21 bounds (modules and functions) hold."""

from __future__ import annotations

import ast
import re
import sys

from tests.helpers import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def contract_layers() -> list[str]:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if tomllib is not None:
        contracts = tomllib.loads(text)["tool"]["importlinter"]["contracts"]
        layers: list[str] = next(c["layers"] for c in contracts if c["type"] == "layers")
        return layers
    block = text[text.index("layers = [") :]
    return re.findall(r'^\s*"([^"]+)",$', block[: block.index("]")], re.M)


def documented_layers() -> list[str]:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("<!-- layers:", 1)[1].split("<!-- /layers -->", 1)[0]
    fenced = block.split("```", 2)[1]
    return [line for line in fenced.splitlines() if line.strip()]


def test_the_documented_layers_are_the_checked_ones() -> None:
    assert documented_layers() == contract_layers()


def test_every_kpack_package_and_module_is_in_a_layer() -> None:
    named = {m.strip() for layer in contract_layers() for m in layer.split("|")}
    top = {
        f"kpack.{p.stem}" if p.is_file() else f"kpack.{p.name}"
        for p in (REPO / "kpack").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert top - named == set(), "add these to the layers contract and docs/architecture.md"


def test_modules_and_functions_stay_small() -> None:
    too_long = []
    for path in sorted((REPO / "kpack").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(REPO)
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{where}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{where}:{node.lineno} {node.name}(): {length} lines")
    assert too_long == []
