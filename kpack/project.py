"""Where kpack lives on the web: the canonical addresses its reports and schemas point to.

pyproject.toml's [project.urls] says the same (a test keeps them equal). Documentation
links name the release tag (`vX.Y.Z`, see docs/releasing.md), so a report made by one
version links to that version's rule docs.
"""

from __future__ import annotations

from kpack import __version__

REPOSITORY = "https://github.com/kpack-dev/kpack"
# The name to `pip install`: `kpack` on PyPI belongs to an unrelated project (a "knowledge
# pack engine"), so kpack is distributed as cozy-kpack; the command and the import stay
# `kpack`. pyproject.toml's [project] name says the same (a test keeps them equal).
DISTRIBUTION = "cozy-kpack"
# Raw files of the default branch: the schemas' `$id` (editors and SchemaStore fetch them).
RAW_MAIN = "https://raw.githubusercontent.com/kpack-dev/kpack/main/"
SCHEMA_BASE = RAW_MAIN + "schemas/"


def tag(version: str = __version__) -> str:
    """The git tag of a release (semantic versioning, `v` prefix)."""
    return f"v{version}"


def docs_url(page: str, version: str = __version__) -> str:
    """A page of docs/ as published with the release `version`."""
    return f"{REPOSITORY}/blob/{tag(version)}/docs/{page}"


def rule_anchor(code: str, name: str) -> str:
    """GitHub's anchor of a rule's heading in docs/rules.md (`### A002 grant-mode-...`)."""
    return f"{code.lower()}-{name}"


def rule_help_uri(code: str, name: str, version: str = __version__) -> str:
    return f"{docs_url('rules.md', version)}#{rule_anchor(code, name)}"
