"""Per-environment account types: which files go to the same CouchDB.

A repository may keep a dev and a prod account type with the same `_id` (they are written
into different CouchDBs). kpack's convention: an account-type file whose name has an
environment word as one of its parts (`account-types.dev.json`, `prod-account-type.yaml`)
or that sits in a folder named after one (`prod/account-types.json`) belongs to that
environment (`spec.ENVIRONMENTS`); any other file belongs to every environment. The rules
across account types (A017, A018) compare the files of one environment at a time.
"""

from __future__ import annotations

import os
import re

from kpack.documents import Document
from kpack.spec import ENVIRONMENTS

_PARTS = re.compile(r"[.\-_ ]+")


def environment_of(path: str) -> str | None:
    """The environment a file's name (then its folder's name) says, or None."""
    name = os.path.basename(path).lower()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    named = {ENVIRONMENTS[p] for p in _PARTS.split(stem) if p in ENVIRONMENTS}
    if len(named) == 1:
        return named.pop()
    if named:
        return None  # `dev-to-prod.json`: no single environment
    folder = os.path.basename(os.path.dirname(path))
    if folder in ("", ".", ".."):  # only then ask the file system's view of the path
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
    folder = folder.lower()
    return ENVIRONMENTS.get(folder)


def environment_views(documents: list[Document]) -> list[list[Document]]:
    """The documents as each environment's CouchDB would hold them: for each environment
    named in the run, its own documents and those of no environment (in the run's
    order); the whole run when no environment is named."""
    tagged = [(environment_of(os.fspath(d.source.path)), d) for d in documents]
    names = sorted({env for env, _ in tagged if env is not None})
    if not names:
        return [documents]
    return [[d for env, d in tagged if env in (None, name)] for name in names]
