"""The documents to provision, as they will be stored: ids with their context, placeholders
parsed, secrets masked for display.

A document body is a JSON tree whose strings may be `Template`s (values with placeholders).
`kpack.provision.substitute` fills them (json format, --apply) or keeps them, under its
policy; `json_parts` serialises the tree to JSON text interleaved with `Var`s, which the
curl and http renderers turn into run-time references, so a secret given as a placeholder
never has to be printed.
"""

from __future__ import annotations

import json
import re
import secrets as _random
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from kpack.documents import Document
from kpack.provision.env import ProvisionError, Template, Var, parse_template
from kpack.spec import ACCOUNT_TYPES_DB, SECRET_FIELDS

DATABASE = ACCOUNT_TYPES_DB
MASK = "********"
# Values never printed: the stack's secret fields, and the Firebase service-account key.
SECRET_KEYS = (*SECRET_FIELDS, "fcm_credentials")
# Managed by CouchDB and by kpack: never taken from the files.
DROPPED_KEYS = ("_rev",)


class Prepared(NamedTuple):
    id: str  # with the context prefix
    where: str  # file and pointer, for messages
    body: dict[str, Any]  # JSON tree; strings with placeholders are Templates


def prepare(documents: Iterable[Document], context: str | None) -> list[Prepared]:
    """Check what provisioning needs beyond the rules: ids, their uniqueness, the context."""
    if context is not None and (not context or "/" in context):
        raise ProvisionError("--context must be a non-empty name without '/'")
    if context is not None and _SURROGATE.search(context):
        raise ProvisionError("--context is not valid UTF-8 text")
    prepared: list[Prepared] = []
    seen: dict[str, str] = {}
    for document in documents:
        where = document.source.display + (f"#{document.pointer}" if document.pointer else "")
        raw_id = document.data.get("_id")
        if not isinstance(raw_id, str) or not raw_id:
            raise ProvisionError(f"{where}: the document has no \"_id\" (a non-empty string)")
        doc_id = parse_template(raw_id, where)
        if isinstance(doc_id, Template):
            raise ProvisionError(f"{where}: placeholders are not allowed in \"_id\"")
        if context is not None:
            if "/" in doc_id:
                raise ProvisionError(
                    f"{where}: \"_id\" {json.dumps(doc_id)} already has a context; "
                    "drop --context or the prefix"
                )
            doc_id = f"{context}/{doc_id}"
        if doc_id in seen:
            raise ProvisionError(f"{where}: \"_id\" {json.dumps(doc_id)} is also in {seen[doc_id]}")
        seen[doc_id] = where
        _check_text(document.data, where)
        body: dict[str, Any] = {"_id": doc_id}
        for key, value in document.data.items():
            if key != "_id" and key not in DROPPED_KEYS:
                body[key] = _templates(value, f"{where}: {key}")
        prepared.append(Prepared(doc_id, where, body))
    return prepared


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(value: Any, where: str) -> None:
    """Refuse lone surrogates (`"\\ud800"` in JSON): not Unicode text, so no UTF-8 payload
    or request can carry them, and CouchDB could not store them."""
    strings = [s for v in _walk(value) for s in _strings(v)]
    for text in strings:
        match = _SURROGATE.search(text)
        if match:
            raise ProvisionError(
                f"{where}: a string holds a lone surrogate (\\u{ord(match.group()):04x}), "
                "which is not Unicode text: it cannot be provisioned"
            )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)]
    return []


def _templates(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return parse_template(value, where)
    if isinstance(value, list):
        return [_templates(v, where) for v in value]
    if isinstance(value, dict):
        return {k: _templates(v, where) for k, v in value.items()}
    return value


def _walk(value: Any) -> Iterable[Any]:
    yield value
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)


def variables(prepared: Iterable[Prepared]) -> list[str]:
    """Every placeholder name, in order of first use."""
    names: dict[str, None] = {}
    for doc in prepared:
        for value in _walk(doc.body):
            if isinstance(value, Template):
                names.update(dict.fromkeys(value.names))
    return list(names)


# --- serialisation with references ------------------------------------------------------


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_parts(
    body: Any, indent: int | None = 2, escape: Callable[[str], str] | None = None,
) -> list[str | Var]:
    """JSON text of `body` split around placeholder references.

    Each `Var` stands inside a JSON string, where the renderer puts the variable's value
    JSON-escaped (the curl script escapes it at run time). `escape` rewrites the inside of
    every JSON string (keys and values, already JSON-escaped) for formats that need more
    (the .http file's `{{`).
    """
    nonce = _random.token_hex(8)
    templates: list[Template] = []

    def substitute(value: Any) -> Any:
        if isinstance(value, Template):
            templates.append(value)
            return f"\ue000{nonce}:{len(templates) - 1}\ue001"
        if isinstance(value, list):
            return [substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: substitute(v) for k, v in value.items()}
        return value

    text = json.dumps(substitute(body), indent=indent, ensure_ascii=False)
    if escape is not None:
        rewrite = escape
        text = _STRING.sub(lambda m: '"' + rewrite(m.group()[1:-1]) + '"', text)
    parts: list[str | Var] = []
    position = 0
    for match in re.finditer(f'"\ue000{nonce}:(\\d+)\ue001"', text):
        parts.append(text[position:match.start()] + '"')
        for part in templates[int(match.group(1))].parts:
            if isinstance(part, Var):
                parts.append(part)
            else:
                inside = json.dumps(part, ensure_ascii=False)[1:-1]
                parts.append(escape(inside) if escape is not None else inside)
        parts.append('"')
        position = match.end()
    parts.append(text[position:])
    # Merge adjacent literal chunks.
    merged: list[str | Var] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def plain_json(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)
