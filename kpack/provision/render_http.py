"""`--format http`: raw HTTP/1.1 requests in the `.http` file style of editor REST clients
(VS Code REST Client, JetBrains HTTP Client): `###` separates requests, `@name = value`
defines a variable.

Placeholders and credentials are `{{$processEnv NAME}}` references (REST Client's syntax),
so neither is printed. The REST Client cannot JSON-escape a value: a value holding `"` or
`\\` needs the curl script or `--apply`. Updates need the current `_rev` (shown by the
second request): this format is for reading and trying, the curl script and `--apply`
do the upsert.
"""

from __future__ import annotations

import json

from kpack.provision.env import Var
from kpack.provision.payload import DATABASE, json_parts
from kpack.provision.render_curl import url_segment


def render_http(
    documents: list[tuple[str, dict[str, object], list[str]]], default_url: str,
) -> str:
    db = "{{couchdb}}/" + url_segment(DATABASE)
    auth = "Authorization: Basic {{$processEnv COUCHDB_USER}}:{{$processEnv COUCHDB_PASSWORD}}"
    ids = [doc_id for doc_id, _, _ in documents]
    out = [
        f"# kpack provision: {len(ids)} account type{'s' if len(ids) != 1 else ''} for the "
        f"CouchDB database {DATABASE}.",
        "# Placeholders and credentials are read from the environment ({{$processEnv NAME}}).",
        f"@couchdb = {default_url}",
        "",
        "### Create the database (412 Precondition Failed: it already exists, which is fine)",
        f"PUT {db}",
        auth,
        "",
        "### Current revisions: add \"_rev\" to a document below to update it",
        f"POST {db}/_all_docs",
        auth,
        "Content-Type: application/json",
        "",
        json.dumps({"keys": ids}, ensure_ascii=False),
    ]
    for doc_id, body, masked in documents:
        out += ["", f"### {json.dumps(doc_id, ensure_ascii=False)}"]
        out += [f"# {field} is masked: this request will not work as printed" for field in masked]
        out += [f"PUT {db}/{url_segment(doc_id)}", auth, "Content-Type: application/json", ""]
        text = "".join(
            "{{$processEnv " + part.name + "}}" if isinstance(part, Var) else part
            for part in json_parts(body)
        )
        out.append(text)
    return "\n".join(out) + "\n"
