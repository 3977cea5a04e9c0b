"""Whatever the input, `kpack check` never raises and every diagnostic lands in the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic, split_pointer
from tests.helpers import lint_files, write

KEYS = st.sampled_from(
    [
        "_id",
        "grant_mode",
        "client_id",
        "client_secret",
        "auth_endpoint",
        "token_endpoint",
        "token_mode",
        "redirect_uri",
        "redirect_url",
        "extras",
        "secret",
        "slug",
        "docs",
        "skip_state_on_token",
        "type",
        "version",
        "permissions",
        "oauth",
        "scope",
        "fields",
        "access_token",
        "COZY_URL",
        "verbs",
        "frequency",
        "categories",
        "a/b",
        "~",
        "",
    ]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            "authorization_code",
            "secret",
            "token",
            "basic",
            "Basic",
            "https://a.example/x",
            "http://localhost/accounts/x/redirect",
            "https://oauthcallback.cozy.tools/accounts/x/redirect",
            "io.cozy.files",
            "GET",
            "$VAR",
            "...",
            "1.0.0",
            "ctx/x",
            "",
        ]
    )
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=30,
)
NAMES = [
    "manifest.konnector",
    "account-types.json",
    "konnector-dev-config.json",
    "account-types.yaml",
]


def resolves(document: Any, pointer: str) -> bool:
    value = document
    for token in split_pointer(pointer):
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return False
    return True


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
