"""PLACEHOLDER: JSON Schemas of the document kinds, being written in this session."""

from __future__ import annotations


def schema_text(kind: str) -> str:
    raise NotImplementedError(kind)
