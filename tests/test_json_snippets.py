"""Every snippet a user may paste is JSON, never a Python repr (issue 12 item 14): the
help used to print `"oauth": {"account_type": 'enedis'}`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import lint_files, only, write

MANIFEST: dict[str, Any] = {
    "slug": "enedis", "name": "Enedis", "type": "konnector", "version": "1.0.0",
    "editor": "Me", "language": "node", "permissions": {"files": {"type": "io.cozy.files"}},
    "oauth": {"scope": ["read"]},
}
ACCOUNT_TYPE: dict[str, Any] = {
    "_id": "enedis-oauth", "grant_mode": "authorization_code", "client_id": "$CLIENT_ID",
    "client_secret": "$CLIENT_SECRET", "auth_endpoint": "https://auth.example.com/authorize",
    "token_endpoint": "https://auth.example.com/token",
}


def parses(snippet: str) -> Any:
    """A `"key": value` snippet, as JSON (raises when it is not)."""
    return json.loads("{" + snippet + "}")


def test_x001_help_is_pasteable_json(tmp_path: Path) -> None:
    manifest = write(tmp_path, "manifest.konnector", MANIFEST)
    account_type = write(tmp_path, "account-types.json", ACCOUNT_TYPE)
    d = only(lint_files(manifest, account_type), "X001")
    assert d.help is not None
    assert '"oauth": {"account_type": "enedis-oauth"}' in d.help
    assert "'" not in d.help.replace("context's", "")
    assert d.help == (
        'set "_id": "enedis" (keeping any context prefix), or set '
        '"oauth": {"account_type": "enedis-oauth"} in the manifest'
    )
    assert parses('"_id": "enedis"') and parses('"oauth": {"account_type": "enedis-oauth"}')


def test_field_and_category_snippets_quote_as_json(tmp_path: Path) -> None:
    data = {**MANIFEST, "fields": {'say "hi"': "password"}, "categories": "energy"}
    found = lint_files(write(tmp_path, "manifest.konnector", data))
    helps = {d.code: d.help or "" for d in found}
    snippet = helps["M011"].removeprefix("e.g. ")
    assert parses(snippet) == {'say "hi"': {"type": "password"}}
    assert parses(helps["M012"].removeprefix("write ")) == {"categories": ["energy"]}
