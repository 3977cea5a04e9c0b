"""`kpack provision --format http` against a real CouchDB-API server (pouchdb-server): its
requests create a document, and updating it needs the `_rev` added by hand, as the README
says next to the format (the curl script and `--apply` fetch it themselves)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, write
from tests.provision.conftest import DB_PATH, KPACK, Server

pytestmark = pytest.mark.couchdb

DOC = {
    "_id": "service.example", "grant_mode": "authorization_code",
    "client_id": "the-client", "client_secret": "$SERVICE_SECRET",
    "auth_endpoint": "https://service.example/oauth/authorize",
    "token_endpoint": "https://service.example/oauth/token",
}


def requests(http_file: str, couchdb: str, env: dict[str, str]) -> list[tuple[str, str, Any]]:
    """(method, path, JSON body or None) of each request, as a REST client sends them
    (variables and `$processEnv` filled; the credentials left out: pouchdb-server in
    memory has none)."""
    found = []
    for block in http_file.split("\n###")[1:]:
        lines = [line for line in block.splitlines()[1:] if not line.startswith("#")]
        if not lines:
            continue
        method, url = lines[0].split(" ", 1)
        body_lines = lines[lines.index("") + 1:] if "" in lines else []
        body = "\n".join(body_lines).strip()
        body = re.sub(r"\{\{\$processEnv (\w+)\}\}", lambda m: env[m.group(1)], body)
        path = url.replace("{{couchdb}}", "").replace(couchdb, "")
        found.append((method, path, json.loads(body) if body else None))
    return found


def test_http_requests_create_and_an_update_needs_the_rev(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str]
) -> None:
    path = write(tmp_path, "account-types.json", [DOC])
    env = {**kpack_env, "SERVICE_SECRET": "s3cret"}
    printed = subprocess.run([*KPACK, "provision", str(path), "--format", "http"], env=env,
                             capture_output=True, text=True, check=True, timeout=120).stdout
    sent = requests(printed, couch.url, env)
    assert [(method, p) for method, p, _ in sent] == [
        ("PUT", DB_PATH), ("POST", f"{DB_PATH}/_all_docs"),
        ("PUT", f"{DB_PATH}/service.example"),
    ]
    answers = [couch.request(method, p, body) for method, p, body in sent]
    assert [status for status, _ in answers] == [201, 200, 201]
    assert couch.doc("service.example")["client_secret"] == "s3cret"

    # The same file again: the database exists (412, "fine"), the document conflicts.
    again = [couch.request(method, p, body)[0] for method, p, body in sent]
    assert again == [412, 200, 409]
    # What the README says to do: the `_all_docs` answer's rev, added to the body.
    _, listing = couch.request(*sent[1][:2], sent[1][2])
    method, doc_path, body = sent[2]
    rev = listing["rows"][0]["value"]["rev"]
    assert couch.request(method, doc_path, {**body, "_rev": rev})[0] == 201


def test_the_readme_says_so_next_to_the_format() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| `--format curl")]
    assert '"_rev"' in row and "409" in row
