"""What a wheel of kpack declares: licence, project URLs, runtime dependencies.

The dependencies are read from the installed metadata (what pip resolved for this
environment: scripts/test.sh reinstalls kpack first), the imports from kpack's source.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

from kpack import project
from tests.helpers import REPO

PACKAGE = REPO / "kpack"


def runtime_requirements() -> list[str]:
    """The distribution names kpack needs at run time (no extra's)."""
    names = []
    for requirement in metadata.requires(project.DISTRIBUTION) or []:
        if "extra ==" in requirement:
            continue
        names.append(normalise(re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]))
    return names


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_levels() -> set[str]:
    """Every module kpack's code imports (top-level names, lazy imports included)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"kpack", "__future__"}


def top_levels(distribution: str) -> set[str]:
    """The importable top-level names a distribution installs, from its file list
    (Python 3.10's packages_distributions reads only top_level.txt, which modern wheels
    leave out)."""
    names = set((metadata.distribution(distribution).read_text("top_level.txt") or "").split())
    for file in metadata.files(distribution) or []:
        first = file.parts[0] if file.parts else ""
        if first and first != ".." and not first.endswith((".dist-info", ".data", ".pth")):
            names.add(first.removesuffix(".py").split(".")[0])
    return names


def owners() -> dict[str, set[str]]:
    """Top-level module → the installed distributions providing it."""
    found: dict[str, set[str]] = {}
    for dist in metadata.distributions():
        name = normalise(dist.metadata["Name"] or "")
        if name:
            for module in top_levels(name):
                found.setdefault(module, set()).add(name)
    return found


def distributions_of(modules: set[str]) -> set[str]:
    providing = owners()
    return {dist for module in modules for dist in providing.get(module, set())}


def requirements_of(distribution: str) -> set[str]:
    return {
        normalise(re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0])
        for r in metadata.requires(distribution) or []
        if "extra ==" not in r
    }


def test_licence_file_matches_the_declared_licence() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert metadata.metadata(project.DISTRIBUTION)["License-Expression"] == "MIT"


def test_project_urls_are_the_canonical_ones() -> None:
    urls = dict(
        entry.split(", ", 1)
        for entry in metadata.metadata(project.DISTRIBUTION).get_all("Project-URL") or []
    )
    assert urls["Homepage"] == project.REPOSITORY
    assert urls["Repository"] == project.REPOSITORY
    assert all(url.startswith(project.REPOSITORY) for url in urls.values()), urls
    assert {"Documentation", "Issues", "Changelog"} <= set(urls)


def test_every_runtime_dependency_is_imported_by_kpack() -> None:
    """A dependency kpack never imports is dead weight on every install, unless it only
    bounds the version of another dependency's requirement (click, for Typer)."""
    declared = runtime_requirements()
    imported = distributions_of(imported_top_levels())
    unused = [
        name for name in declared
        if name not in imported
        and not any(name in requirements_of(other) for other in declared if other != name)
    ]
    assert not unused, f"declared but never imported by kpack: {unused}"


def test_kpack_imports_only_what_it_declares() -> None:
    """A third-party import must come with a runtime dependency (or one of theirs): a module
    only the dev extra installs (jsonschema, pytest) would fail on a user's install."""
    declared = set(runtime_requirements())
    allowed = declared | {dep for name in declared for dep in requirements_of(name)}
    providing = owners()
    stray = {
        module: providing.get(module)
        for module in imported_top_levels()
        if not providing.get(module, set()) & allowed
    }
    assert not stray, f"imported by kpack but not a runtime dependency: {stray}"


@pytest.mark.parametrize("module", ["jsonschema", "pytest", "hypothesis"])
def test_test_only_libraries_are_not_runtime_dependencies(module: str) -> None:
    assert normalise(module) not in runtime_requirements()


def test_release_tag_scheme() -> None:
    assert project.tag("1.2.3") == "v1.2.3"
    assert project.docs_url("rules.md", "1.2.3") == (
        "https://github.com/kpack-dev/kpack/blob/v1.2.3/docs/rules.md"
    )


def test_package_sources_are_under_the_package() -> None:
    # Guards the walk above: it must see the lazily imported modules too.
    assert Path(PACKAGE / "reporters" / "sarif.py").is_file()
    assert "yaml" in imported_top_levels()


def test_trove_classifiers_and_authors() -> None:
    """What PyPI shows and filters on: the Pythons tested (scripts/test-pythons.sh), typed,
    authors as the licence names them; no licence classifier beside PEP 639's expression."""
    meta = metadata.metadata(project.DISTRIBUTION)
    classifiers = meta.get_all("Classifier") or []
    script = (REPO / "scripts" / "test-pythons.sh").read_text(encoding="utf-8")
    listed = re.search(r"^versions=\$\{KPACK_PYTHONS:-([0-9. ]+)\}$", script, re.MULTILINE)
    assert listed, "scripts/test-pythons.sh: no default list of versions"
    tested = listed.group(1).split()
    assert tested == ["3.10", "3.11", "3.12", "3.13"]
    pythons = [c.rsplit(" :: ", 1)[1] for c in classifiers
               if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert pythons == tested
    assert meta["Requires-Python"] == f">={tested[0]}"
    assert "Typing :: Typed" in classifiers
    assert (PACKAGE / "py.typed").is_file()
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert not [c for c in classifiers if c.startswith("License ::")]
    assert "the kpack authors" in (meta["Author"] or "")
    assert "Copyright (c) 2026 the kpack authors" in (REPO / "LICENSE").read_text()


def test_the_distribution_name_is_project_distribution() -> None:
    """`pip install cozy-kpack`: PyPI's `kpack` is another project (kpack/project.py)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'\nname = "{project.DISTRIBUTION}"\n' in text
    assert metadata.metadata(project.DISTRIBUTION)["Name"] == project.DISTRIBUTION
