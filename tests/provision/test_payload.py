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
from kpack.provision.payload import MASK, Prepared, json_parts, prepare, variables
from kpack.provision.substitute import environment, substitute
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
    with pytest.raises(ProvisionError) as error:
        substitute(docs, environment({"ID": "the-id-value"}, allowed=["ID"]), True, False)
    assert str(error.value) == (
        "environment variables not set: SECRET, TOKEN (export them or use --env-file)"
    )
    assert "the-id-value" not in str(error.value)
    env = environment({"ID": "1", "SECRET": "s", "TOKEN": "t"}, allowed=["ID"])
    [filled] = substitute(docs, env, True, True).documents
    assert filled.body == filled.shown == {
        "_id": "fb", "client_id": "1", "client_secret": "s", "extras": {"a": "x-1-y"},
        "secret": {"nested": ["t"]},
    }


def test_mask_hides_literal_secrets_keeps_references() -> None:
    body = {
        "_id": "fb", "client_id": "public", "client_secret": "literal-s3cret",
        "secret": {"token": Template((Var("TOKEN"),)), "pin": 1234},
    }
    doc = Prepared("fb", "f.json", body)
    env = environment({"TOKEN": "from-env"})
    [kept] = substitute([doc], env, now=False, reveal=False).documents
    assert kept.shown["client_id"] == "public"
    assert kept.shown["client_secret"] == MASK
    assert kept.shown["secret"] == {"token": Template((Var("TOKEN"),)), "pin": MASK}
    assert kept.masked == ["fb: client_secret", "fb: secret"]
    assert kept.body is body
    # Filled documents (json format): everything under a secret key is hidden.
    [filled] = substitute([doc], env, now=True, reveal=False).documents
    assert filled.shown["secret"] == {"token": MASK, "pin": MASK}
    assert filled.body["secret"] == {"token": "from-env", "pin": 1234}
    assert substitute([doc], env, now=False, reveal=True).documents[0].shown is body


def test_json_parts_interleaves_references() -> None:
    body = {"_id": "a\"b", "v": Template(("pre \"", Var("X"), "\\ post")), "n": 1}
    parts = json_parts(body, indent=None)
    assert parts == ['{"_id": "a\\"b", "v": "pre \\"', Var("X"), '\\\\ post", "n": 1}']
    # With a JSON-safe value in place of the reference, the text is the document.
    text = "".join("value" if isinstance(p, Var) else p for p in parts)
    assert json.loads(text) == {"_id": 'a"b', "v": 'pre "value\\ post', "n": 1}
