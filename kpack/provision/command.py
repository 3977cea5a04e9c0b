"""PLACEHOLDER: `kpack provision`, being written in this session."""

from __future__ import annotations


def provision() -> None:
    """Provision account types into CouchDB (not yet available)."""
