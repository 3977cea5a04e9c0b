"""PLACEHOLDER: `kpack build`, being written in this session."""

from __future__ import annotations


def build() -> None:
    """Build the connector bundle (not yet available)."""
