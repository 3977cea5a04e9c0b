"""The documents as they will be stored: ids, context, placeholders, masking, serialisation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpack.diagnostics import Kind
from kpack.documents import split_documents
from kpack.load.source import read_source
from kpack.provision.env import ProvisionError, Template, Var
from kpack.provision.payload import (
    MASK,
    Prepared,
    json_parts,
    mask,
    missing_variables,
    prepare,
    resolve,
    variables,
)
from tests.helpers import write


def prepared(tmp_path: Path, content: Any, context: str | None = None) -> list[Prepared]:
    path = write(tmp_path, "account-types.json", content)
    source = read_source(path, "account-types.json", Kind.ACCOUNT_TYPE)
    return prepare(split_documents(source), context)


def test_context_prefixes_ids_and_rev_is_dropped(tmp_path: Path) -> None:
    docs = prepared(tmp_path, [{"_id": "google", "_rev": "3-abc", "grant_mode": "token"}], "ctx")
    assert [d.id for d in docs] == ["ctx/google"]
    assert docs[0].body == {"_id": "ctx/google", "grant_mode": "token"}
    assert docs[0].where == "account-types.json#/0"


@pytest.mark.parametrize(
    ("content", "context", "message"),
    [
        ({"grant_mode": "token"}, None, 'account-types.json: the document has no "_id"'),
        ({"_id": "$ID"}, None, 'placeholders are not allowed in "_id"'),
        ({"_id": "ctx/google"}, "other", "already has a context"),
        ({"_id": "google"}, "a/b", "--context must be a non-empty name without '/'"),
        ([{"_id": "x"}, {"_id": "x"}], None, r'account-types.json#/1: "_id" "x" is also in '
                                             r"account-types.json#/0"),
    ],
)
def test_what_provisioning_refuses(
    tmp_path: Path, content: Any, context: str | None, message: str,
) -> None:
    with pytest.raises(ProvisionError, match=message):
        prepared(tmp_path, content, context)


def test_variables_and_resolution(tmp_path: Path) -> None:
    docs = prepared(tmp_path, {
        "_id": "fb", "client_id": "$ID", "client_secret": "${SECRET}",
        "extras": {"a": "x-$ID-y"}, "secret": {"nested": ["$TOKEN"]},
    })
    assert variables(docs) == ["ID", "SECRET", "TOKEN"]
    assert missing_variables(docs, {"ID": "1"}) == ["SECRET", "TOKEN"]
    with pytest.raises(ProvisionError) as error:
        resolve(docs, {"ID": "the-id-value"})
    assert str(error.value) == (
        "environment variables not set: SECRET, TOKEN (export them or use --env-file)"
    )
    assert "the-id-value" not in str(error.value)
    [body] = resolve(docs, {"ID": "1", "SECRET": "s", "TOKEN": "t"})
    assert body == {
        "_id": "fb", "client_id": "1", "client_secret": "s", "extras": {"a": "x-1-y"},
        "secret": {"nested": ["t"]},
    }


def test_mask_hides_literal_secrets_keeps_references() -> None:
    body = {
        "_id": "fb", "client_id": "public", "client_secret": "literal-s3cret",
        "secret": {"token": Template((Var("TOKEN"),)), "pin": 1234},
    }
    masked = mask("fb", body, keep_templates=True, reveal=False)
    assert masked.body["client_id"] == "public"
    assert masked.body["client_secret"] == MASK
    assert masked.body["secret"] == {"token": Template((Var("TOKEN"),)), "pin": MASK}
    assert masked.fields == ["fb: client_secret", "fb: secret"]
    # Resolved documents (json format): everything under a secret key is hidden.
    resolved = {"_id": "fb", "client_secret": "from-env"}
    assert mask("fb", resolved, keep_templates=False, reveal=False).body["client_secret"] == MASK
    assert mask("fb", body, keep_templates=True, reveal=True).body is body


def test_json_parts_interleaves_references() -> None:
    body = {"_id": "a\"b", "v": Template(("pre \"", Var("X"), "\\ post")), "n": 1}
    parts = json_parts(body, indent=None)
    assert parts == ['{"_id": "a\\"b", "v": "pre \\"', Var("X"), '\\\\ post", "n": 1}']
    # With a JSON-safe value in place of the reference, the text is the document.
    text = "".join("value" if isinstance(p, Var) else p for p in parts)
    assert json.loads(text) == {"_id": 'a"b', "v": 'pre "value\\ post', "n": 1}
