"""Whatever the input, `kpack check` never raises and every diagnostic lands in the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic
from tests.hardening.fuzzing import JSON_VALUES, KEYS, resolves
from tests.helpers import lint_files, write

NAMES = [
    "manifest.konnector",
    "account-types.json",
    "konnector-dev-config.json",
    "account-types.yaml",
]


def assert_well_placed(
    diagnostics: list[Diagnostic], documents: dict[str, Any], texts: dict[str, str]
) -> None:
    for d in diagnostics:
        lines = texts[d.file].count("\n") + 1
        assert 1 <= d.line <= d.end_line <= lines + 1, d
        assert d.column >= 1 and d.end_column >= 1, d
        if d.pointer is not None and d.file in documents:
            # A missing member is reported on the object that lacks it: it must resolve.
            assert resolves(documents[d.file], d.pointer), d


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(JSON_VALUES, min_size=4, max_size=4))
def test_any_json_in_every_kind_of_file(
    tmp_path_factory: pytest.TempPathFactory, values: list[Any]
) -> None:
    tmp = tmp_path_factory.mktemp("any")
    paths, documents, texts = [], {}, {}
    for name, value in zip(NAMES, values, strict=False):
        text = json.dumps(value, indent=1)  # YAML is a superset of JSON
        path = write(tmp, name, text)
        paths.append(path)
        documents[str(path)] = value
        texts[str(path)] = text
    diagnostics = lint_files(*paths)
    assert_well_placed(diagnostics, documents, texts)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(KEYS, JSON_VALUES, max_size=8))
def test_account_type_bulk_bodies(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any]
) -> None:
    tmp = tmp_path_factory.mktemp("bulk")
    body = {"docs": [document, document]}
    text = json.dumps(body)
    path = write(tmp, "io-cozy-account_types.json", text)
    assert_well_placed(lint_files(path), {str(path): body}, {str(path): text})


def test_corpus_never_crashes(corpus: Path) -> None:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    assert len(files) >= 36
    for path in files:
        if path.suffix in (".json", ".konnector"):
            lint_files(path)  # kind by name, else account type
