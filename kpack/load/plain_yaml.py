"""Settings files in the plainest YAML, read without importing PyYAML.

Importing PyYAML takes longer than the rest of a `kpack check` of one connector (7-8 ms
of 50: the C extension, then datetime, base64 and twenty modules), for a `.kpack.yaml` of
a few lines of keys, rule codes and file names. `read_plain(text)` reads those itself:

- block mappings, nested by indentation, and block sequences of scalars;
- one-line flow sequences and flow mappings of scalars (`[A, M]`, `{L003: warning}`);
- scalars that YAML can only read as strings: plain words (a letter, then letters,
  digits and `_-./`; not a YAML 1.1 boolean or null word in any case), or quoted
  without escapes;
- comments and blank lines; printable ASCII only.

It returns what `yaml.safe_load` returns for such a text, and NOT_PLAIN for any other
text, when in doubt, and for every mistake: PyYAML then reads it, with its own answers
and messages. tests/test_plain_yaml.py holds the two readers equal.
"""

from __future__ import annotations

from typing import Any, Final

NOT_PLAIN: Final = object()  # the text is left to PyYAML
# Longer texts go to PyYAML, which bounds what they may hold (kpack.load.yaml_text's
# MAX_YAML_VALUES, above this).
PLAIN_MAX_CHARS: Final = 65_536

_WORD_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD_REST = _WORD_FIRST | frozenset("0123456789_-./")
# YAML 1.1 booleans and nulls (PyYAML's resolver reads three spellings of each; any
# spelling is left to it), and y/n that other readers take for booleans.
_NOT_STRINGS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
_PRINTABLE = frozenset(chr(code) for code in range(0x20, 0x7F)) | {"\n"}


class _NotPlain(Exception):
    pass


def read_plain(text: str) -> Any:
    """`yaml.safe_load(text)` for the plainest settings files, else NOT_PLAIN."""
    if len(text) > PLAIN_MAX_CHARS or not set(text) <= _PRINTABLE:  # tabs, CR, non-ASCII...
        return NOT_PLAIN
    lines: list[tuple[int, str]] = []  # (indent, content) of the lines that hold something
    for line in text.split("\n"):
        content = line.strip(" ")
        if content and not content.startswith("#"):
            lines.append((len(line) - len(line.lstrip(" ")), content))
    if not lines:
        return None  # comments only: no document
    if lines[0][0] != 0:
        return NOT_PLAIN
    try:
        data, end = _mapping(lines, 0, 0)
    except _NotPlain:
        return NOT_PLAIN
    return data if end == len(lines) else NOT_PLAIN


def _mapping(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[dict[str, Any], int]:
    """The block mapping whose keys are at `indent` from line `start`; the next line."""
    mapping: dict[str, Any] = {}
    index = start
    while index < len(lines) and lines[index][0] == indent:
        key, rest = _scalar(lines[index][1])
        value: Any
        if key in mapping or not rest.startswith(":"):
            raise _NotPlain
        rest = rest[1:]
        index += 1
        if _ends(rest):  # the value is on the lines below
            if index < len(lines) and lines[index][1].startswith("- ") and (
                lines[index][0] >= indent
            ):
                value, index = _sequence(lines, index, lines[index][0])
            elif index < len(lines) and lines[index][0] > indent:
                value, index = _mapping(lines, index, lines[index][0])
            else:
                raise _NotPlain  # null
        elif rest.startswith(" "):
            value, rest = _value(rest.lstrip(" "))
            if not _ends(rest):
                raise _NotPlain
        else:
            raise _NotPlain  # `key:value` is one plain scalar
        mapping[key] = value
    if index < len(lines) and lines[index][0] > indent:
        raise _NotPlain
    return mapping, index


def _sequence(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    index = start
    while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
        value, rest = _value(lines[index][1][2:].lstrip(" "))
        if not _ends(rest):
            raise _NotPlain
        items.append(value)
        index += 1
    if index < len(lines) and lines[index][0] > indent:
        raise _NotPlain
    return items, index


def _ends(rest: str) -> bool:
    """Nothing but blanks and a comment (which needs a blank before its `#`)."""
    stripped = rest.lstrip(" ")
    return not stripped or (stripped.startswith("#") and stripped != rest)


def _value(text: str) -> tuple[Any, str]:
    """A flow collection or a scalar at the start of `text`, and what follows it."""
    if text.startswith("["):
        items, rest = _flow(text[1:], "]")
        return [_whole_scalar(item) for item in items], rest
    if text.startswith("{"):
        entries, rest = _flow(text[1:], "}")
        mapping: dict[str, str] = {}
        for entry in entries:
            key, after = _scalar(entry)
            if key in mapping or not after.startswith(": "):
                raise _NotPlain
            mapping[key] = _whole_scalar(after[2:].lstrip(" "))
        return mapping, rest
    if text.startswith("- "):
        raise _NotPlain  # `key: - x` is an error
    return _scalar(text)


def _flow(text: str, closer: str) -> tuple[list[str], str]:
    """The comma-separated items of a one-line flow collection (no quote holds a comma or
    a bracket), and what follows its closer."""
    end = text.find(closer)
    if end < 0:
        raise _NotPlain
    inside = text[:end]
    if any(mark in inside for mark in "[]{}"):
        raise _NotPlain
    items = [item.strip(" ") for item in inside.split(",")]
    if items == [""]:
        return [], text[end + 1 :]
    if "" in items:
        raise _NotPlain  # `[a,,b]`, `[a,]`
    return items, text[end + 1 :]


def _whole_scalar(text: str) -> str:
    value, rest = _scalar(text)
    if rest.strip(" "):
        raise _NotPlain
    return value


def _scalar(text: str) -> tuple[str, str]:
    """A string scalar at the start of `text`, and what follows it."""
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 1)
        value = text[1:end]
        if end < 0 or "\\" in value or (quote == "'" and text[end + 1 : end + 2] == "'"):
            raise _NotPlain  # escapes: PyYAML's business
        return value, text[end + 1 :]
    end = 0
    while end < len(text) and text[end] in _WORD_REST:
        end += 1
    word = text[:end]
    if not word or word[0] not in _WORD_FIRST or word.lower() in _NOT_STRINGS:
        raise _NotPlain
    return word, text[end:]
