"""PLACEHOLDER: being written in this session."""

from __future__ import annotations

from collections.abc import Iterator

from kpack.check import CheckOptions
from kpack.diagnostics import Finding
from kpack.documents import Document


def check(documents: list[Document], options: CheckOptions) -> Iterator[tuple[Document, Finding]]:
    return iter(())
