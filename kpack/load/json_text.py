"""JSON text to data: the C decoder of the standard library, kept going past the mistakes
a file may be read without (comments in a dev config, a trailing comma), and the bounds
it does not know (nesting depth, non-finite numbers)."""

from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING, Any

from kpack.diagnostics import Kind, Span
from kpack.fixes import Applicability, Edit, Fix
from kpack.load import rules as R

if TYPE_CHECKING:
    from kpack.load.source import SourceFile

MAX_DEPTH = 128  # arrays and objects, in JSON and YAML documents

_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
# Compiled on first use (re's cache): only a text with a problem needs them.
_NON_FINITE = r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity)'
_NOT_BLANK = r"[^ \t\n\r]"


def blank_comments(text: str) -> str:
    """Replace `//` and `/* */` comments by spaces, keeping newlines (so positions hold)."""

    def blank(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)

    return _COMMENT_OR_STRING.sub(blank, text)


class _NonFinite(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


class _Decoder(threading.local):
    """A JSON decoder per thread, built once: `json.loads(text, object_pairs_hook=...)`
    builds a new decoder on every call, which costs as much as parsing a manifest."""

    def __init__(self) -> None:
        self.duplicates = False  # set when an object of the current parse repeats a key
        self.decode = json.JSONDecoder(
            object_pairs_hook=self._pairs_hook, parse_constant=_reject_constant
        ).decode

    def _pairs_hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            self.duplicates = True
            # A repeated key sits where its last occurrence is, as Go's decoder meets it
            # last: `{"source": "", "SOURCE": "0", "source": ""}` decodes `source` to "".
            # (dict() keeps the first position, which would put SOURCE last.)
            obj = {}
            for key, value in pairs:
                obj.pop(key, None)
                obj[key] = value
        return obj


_DECODER = _Decoder()


def parse_json(source: SourceFile, allow_comments: bool) -> None:
    """Parse `source.text` into `source.data`, or report why not."""
    text = source.text
    # Comments are blanked out only once the parser stops on something: most files have
    # none, and a `//` in every URL would otherwise send each file through the blanking.
    blanked = not allow_comments or "/" not in text
    decoder = _DECODER
    decoder.duplicates = False
    # A trailing comma is reported, blanked out and parsing goes on, so that one stray
    # comma (the seed's dev-config example) does not hide every other finding.
    data: Any = None
    for _attempt in range(100):
        try:
            data = decoder.decode(text)
            break
        except json.JSONDecodeError as exc:
            if not blanked:
                blanked = True
                text = blank_comments(text)
                if text != source.text:
                    source.text = text  # positions are unchanged; comments are now blanks
                    decoder.duplicates = False
                    continue
            if exc.msg == "Extra data" and source.kind is Kind.MANIFEST:
                data = _first_value(source, text, exc.pos)
                break
            comma = _trailing_comma(text, exc.pos)
            if comma is None:
                from kpack.load.json_errors import report_json_error

                report_json_error(source, exc)
                return
            text = source.text = _blank_trailing_comma(source, text, comma)
            decoder.duplicates = False
        except _NonFinite as exc:
            match = next(m for m in re.finditer(_NON_FINITE, text, re.DOTALL) if m.group(1))
            source.report_at_offset(
                R.NON_FINITE_NUMBER,
                f"{exc} is not a JSON number",
                match.start(1),
                help="use a string or null",
            )
            return
        except RecursionError:
            source.report(R.TOO_DEEP, "arrays and objects are nested too deeply", Span(1, 1, 1, 1))
            return
        except ValueError:  # an integer beyond Python's digit limit
            from kpack.load.json_errors import report_big_integer

            report_big_integer(source)
            return
    else:
        return
    if _too_deep(text, data):
        source.report(
            R.TOO_DEEP,
            f"arrays and objects are nested more than {MAX_DEPTH} levels deep",
            Span(1, 1, 1, 1),
        )
        return
    source.data = data
    source.readable = True
    source.has_duplicates = decoder.duplicates


def _first_value(source: SourceFile, text: str, end: int) -> Any:
    """A manifest's first JSON value, the data after it reported: the stack's json.Decoder
    reads that value and ignores the rest. `end` is where Python's "Extra data" stopped,
    so the text before it is that value (and blanks), which parsed already."""
    from kpack.load.json_errors import describe_character

    source.report_at_offset(
        R.TRAILING_DATA,
        f"found {describe_character(text, end)} after the end of the manifest's JSON value",
        end,
        help="remove it: the stack reads the first value only, the registry may refuse it",
    )
    source.trailing_data = True
    _DECODER.duplicates = False
    return _DECODER.decode(text[:end])


def _blank_trailing_comma(source: SourceFile, text: str, comma: int) -> str:
    """Report the trailing comma at `comma` with its fix; `text` with the comma blanked."""
    closer = "object" if _closer(text, comma) == "}" else "array"
    source.report_at_offset(
        R.TRAILING_COMMA,
        f"trailing comma before the end of the {closer}",
        comma,
        help="remove the comma",
        fix=Fix(
            Applicability.SAFE, "remove the comma", (),
            (_edit_at(text, comma + source.bom, comma, ""),),
        ),
    )
    return text[:comma] + " " + text[comma + 1 :]


def _edit_at(text: str, start: int, offset: int, content: str) -> Edit:
    """Delete the one character at `offset` of `text` (`start` in the file, BOM counted)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Edit(start, start + 1, content, (line, column, line, column + 1))


def _trailing_comma(text: str, pos: int) -> int | None:
    """The offset of the comma when the parser stopped at `,}` or `,]`: on the bracket
    (Python 3.12 and older) or, from Python 3.13 ("Illegal trailing comma before end of
    object"), on the comma itself."""
    if text[pos : pos + 1] == ",":
        return pos if _closer(text, pos) in ("}", "]") else None
    before = text[:pos].rstrip()
    if text[pos : pos + 1] in ("}", "]") and before.endswith(","):
        return len(before) - 1
    return None


def _closer(text: str, comma: int) -> str:
    """The first character after the comma at `comma` that is not blank."""
    match = re.compile(_NOT_BLANK).search(text, comma + 1)
    return match.group() if match else ""


def _too_deep(text: str, data: Any) -> bool:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False
