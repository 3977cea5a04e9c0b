"""`--diff`: what `--fix` would change, as a unified diff, shown as the text report is.

The diff goes to a terminal as often as to `git apply`, and holds lines of files kpack
did not write. So, as in the text report:
- file names and lines go through `kpack.escape.printable` (a control character, a bidi
  override or a line separator is written as `\\x1b`, `\\u202e`...), except the tab and the
  line's own end (`\\n`, `\\r\\n`), which a diff needs and which cannot take a terminal over;
- secret values (an account type's `client_secret`, `secret` and `fcm_credentials`, a dev
  config's fields) are written `********`, wherever they are in the file.

A diff that escaped or masked something no longer applies with `git apply` to those
lines: `--fix` writes the real text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kpack.diagnostics import Kind, join_pointer

if TYPE_CHECKING:
    from kpack.fix.apply import FileFix
    from kpack.load.discover import FileToCheck
    from kpack.load.source import SourceFile

MASK = "********"
# As the other masks of kpack (`--apply`'s scrubber): shorter values would hide ordinary text.
MIN_SECRET = 3
# The account-type members whose values are secret, as Go folds their keys.
SECRET_MEMBERS = ("client_secret", "secret", "fcm_credentials")
DEV_CONFIG_SECTIONS = ("fields", "COZY_PARAMETERS")


def unified_diff(result: FileFix) -> str:
    import difflib

    from kpack.escape import printable

    name = printable(result.file.display)
    secrets: set[str] = set()
    before = _masked(result.file, result.original, secrets)
    after = _masked(result.file, result.fixed, secrets)
    before, after = _hide(before, secrets), _hide(after, secrets)
    # git's a/ and b/ for a relative path (`git apply` takes the diff); an absolute one
    # is written as it is.
    old, new = (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")
    lines = difflib.unified_diff(_lines(before), _lines(after), old, new)
    return "".join(
        _shown(line) if line.endswith("\n") else _shown(line) + "\n\\ No newline at end of file\n"
        for line in lines
    )


def _shown(line: str) -> str:
    """`line` escaped, but for its tabs and its end."""
    from kpack.escape import printable

    body, end = (line[:-2], "\r\n") if line.endswith("\r\n") else (
        (line[:-1], "\n") if line.endswith("\n") else (line, "")
    )
    return "\t".join(printable(part) for part in body.split("\t")) + end


def _lines(text: str) -> list[str]:
    """Lines with their ending (`\r\n` kept); only `\n` ends a line, as in git's diff."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def decode_lossy(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


# -- secrets ---------------------------------------------------------------------------------


def _masked(file: FileToCheck, raw: bytes, secrets: set[str]) -> str:
    """The file's text with every secret value written MASK, found by its place in the
    document; the secret strings are added to `secrets` (to hide them anywhere else)."""
    from kpack.load.source import load_bytes
    from kpack.rules.placeholders import is_placeholder

    text = decode_lossy(raw)
    source = load_bytes(file.path, file.display, file.kind, raw)
    if not source.readable:
        return text
    shift = 1 if source.bom else 0
    spans = []
    for pointer, value in _secret_values(source):
        if len(value) < MIN_SECRET or is_placeholder(value):
            continue  # `<ACCESS_TOKEN>`, `$TOKEN`: what the secret scan leaves too
        if not isinstance(value, _Number):  # hidden wherever else it is written too
            secrets.add(value)
        node = source.index.node(pointer)
        if node is not None:
            spans.append((node.start + shift, node.end + shift))
    for start, end in sorted(set(spans), reverse=True):
        token = text[start:end]
        quote = token[:1] if token[:1] in ("'", '"') else ""
        text = text[:start] + quote + MASK + quote + text[end:]
    return text


def _hide(text: str, secrets: set[str]) -> str:
    """Every other spelling of a secret in `text` (a comment, another member, a file that
    did not parse): as is, JSON-escaped, and in YAML's single quotes."""
    forms: set[str] = set()
    for value in secrets:
        forms.update((
            value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
            value.replace("'", "''"),
        ))
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= MIN_SECRET:
            text = text.replace(form, MASK)
    return text


def _secret_values(source: SourceFile) -> Iterator[tuple[str, str | _Number]]:
    """(pointer, value) for every string or number a secret member holds, at any depth."""
    data = source.data
    if source.kind is Kind.ACCOUNT_TYPE:
        for pointer, document in _documents(data):
            for key, value in document.items():
                folded = str(key).replace("\u017f", "s").replace("\u212a", "k").lower()
                if folded in SECRET_MEMBERS:
                    yield from _scalars(join_pointer(pointer, str(key)), value)
    elif source.kind is Kind.DEV_CONFIG and isinstance(data, dict):
        if source.path.name == "env_fields.json":  # the legacy flat file: all fields
            yield from _scalars("", data)
        for section in DEV_CONFIG_SECTIONS:
            if isinstance(data.get(section), dict):
                yield from _scalars(join_pointer("", section), data[section])


def _documents(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """The account types of a file, as kpack.documents.split_documents finds them."""
    if isinstance(data, dict) and "docs" in data and "grant_mode" not in data:
        items: Any = data["docs"] if isinstance(data["docs"], list) else []
        base = "/docs"
    elif isinstance(data, list):
        items, base = data, ""
    else:
        items, base = [data], None
    for i, item in enumerate(items):
        if isinstance(item, dict):
            yield ("" if base is None else f"{base}/{i}"), item


class _Number(str):
    """A number's text: masked where it is, not searched for elsewhere (digits are common)."""


def _scalars(pointer: str, value: Any) -> Iterator[tuple[str, str | _Number]]:
    stack = [(pointer, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            yield where, _Number(item)
        elif isinstance(item, dict):
            stack.extend((join_pointer(where, str(k)), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((join_pointer(where, i), v) for i, v in enumerate(item))
