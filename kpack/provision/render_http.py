"""`--format http`: raw HTTP/1.1 requests in the `.http` file style of editor REST clients
(VS Code REST Client, JetBrains HTTP Client): `###` separates requests, `@name = value`
defines a variable, `{{...}}` is a template.

Placeholders and credentials are `{{$processEnv NAME}}` references (REST Client's syntax),
so neither is printed. The REST Client cannot JSON-escape a value: a value holding `"` or
`\\` needs the curl script or `--apply`. Updates need the current `_rev` (shown by the
second request): this format is for reading and trying, the curl script and `--apply`
do the upsert.

Values from the files never start a line, a header or a template: in URLs they are
percent-encoded (`url_segment`, `http_url`); everywhere else (request titles, comments,
JSON bodies) they are JSON strings through `http_string`/`http_escape`, where `{`, `}`,
line and paragraph separators and C1 controls are written as `\\uXXXX` (the server decodes
the same text; the client sees no newline and no `{{`). A document holding a masked secret
gets no request at all: it would store the mask.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from kpack.provision.env import Var
from kpack.provision.payload import DATABASE, json_parts
from kpack.provision.render_curl import url_segment

# Inside a JSON string: template braces, and what an editor may take as a line break.
_UNSAFE = re.compile("[{}\x7f-\x9f\u2028\u2029]")


def http_escape(inside: str) -> str:
    """The inside of a JSON string (already JSON-escaped) made safe for a .http file."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", inside)


def http_string(value: str) -> str:
    """`value` as one JSON string literal that cannot break a line or open a template."""
    return '"' + http_escape(json.dumps(value, ensure_ascii=False)[1:-1]) + '"'


def http_url(url: str) -> str:
    """A URL with every character outside RFC 3986's sets percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")


def _json(value: object) -> str:
    return "".join(
        "{{$processEnv " + part.name + "}}" if isinstance(part, Var) else part
        for part in json_parts(value, escape=http_escape)
    )


def render_http(
    documents: list[tuple[str, dict[str, object], list[str]]], default_url: str,
) -> str:
    db = "{{couchdb}}/" + url_segment(DATABASE)
    auth = "Authorization: Basic {{$processEnv COUCHDB_USER}}:{{$processEnv COUCHDB_PASSWORD}}"
    ids = [doc_id for doc_id, _, _ in documents]
    out = [
        f"# kpack provision: {len(ids)} account type{'s' if len(ids) != 1 else ''} for the "
        f"CouchDB database {DATABASE}.",
        "# Placeholders and credentials are read from the environment (REST Client's $processEnv).",
        f"@couchdb = {http_url(default_url)}",
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
        _json({"keys": ids}),
    ]
    for doc_id, body, masked in documents:
        out += ["", f"### {http_string(doc_id)}"]
        if masked:
            out += [
                f"# {http_string(field)} is masked (********): no request for this document, "
                "it would store the mask." for field in masked
            ]
            out.append("# Write the secret as a $VAR placeholder, or print with --reveal-secrets.")
            continue
        out += [f"PUT {db}/{url_segment(doc_id)}", auth, "Content-Type: application/json", ""]
        out.append(_json(body))
    return "\n".join(out) + "\n"
