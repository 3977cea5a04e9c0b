"""Pydantic models of the three document kinds, built from `kpack.spec`'s tables.

The JSON Schemas in `schemas/` are generated from them (`python -m kpack.schemas`), and
`kpack provision` validates account types with them. Importing this package imports
pydantic: keep it out of the `kpack check` hot path.
"""

from __future__ import annotations

from kpack.models.account_type import AccountType, AccountTypeBulk, AccountTypeFile
from kpack.models.base import JsonDocument
from kpack.models.dev_config import DevConfig
from kpack.models.manifest import Manifest, OAuth, Permission, Terms

__all__ = [
    "AccountType", "AccountTypeBulk", "AccountTypeFile", "DevConfig", "JsonDocument",
    "Manifest", "OAuth", "Permission", "Terms",
]
