"""Read one file into a `SourceFile`: bytes → text → data, with every problem positioned.

Nothing here raises on bad input: encoding, syntax and shape problems come back as
diagnostics, and `SourceFile.data` is None when no document could be read.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any, BinaryIO

from kpack.diagnostics import Diagnostic, Kind, Rule, Severity, Span
from kpack.fix.model import Applicability, Edit, Fix
from kpack.fsutil import TooLarge, read_file
from kpack.load import rules as R
from kpack.load.positions import PositionIndex, index_json, index_yaml

MANIFEST_MAX_BYTES = 2 * 1024 * 1024  # cozy-stack's limit for manifest.konnector
# Every input: what kpack checks within its memory and time budget (docs/security.md).
READ_MAX_BYTES = MANIFEST_MAX_BYTES
MAX_DEPTH = 128
MAX_YAML_VALUES = 100_000  # composed PyYAML nodes cost about 600 bytes each
# The findings of one document (or the duplicate keys of one file): a hostile file could
# otherwise make millions, each holding a pointer as long as the file.
FINDINGS_MAX = 1_000
FINDINGS_MAX_CHARS = 16 * 1024 * 1024  # their pointers and messages

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class SourceFile:
    """A file as read: its text, its parsed data and (lazily) positions of its values."""

    def __init__(self, path: Path, display: str, kind: Kind):
        self.path = path
        self.display = display
        self.kind = kind
        self.text = ""
        suffix = os.path.splitext(os.fspath(path))[1].lower()  # no pathlib: once per file
        self.syntax = "yaml" if suffix in (".yaml", ".yml") else "json"
        self.data: Any = None
        self.readable = False  # True once `data` holds the parsed document
        self.problems: list[Diagnostic] = []
        self.has_duplicates = False
        self._index: PositionIndex | None = None
        self._yaml_root: Any = None
        self.folder: str | None = None  # the resolved folder holding it, when known
        self.bom = False  # the bytes start with a UTF-8 BOM, which `text` leaves out

    # -- positions ---------------------------------------------------------------------

    @property
    def index(self) -> PositionIndex:
        if self._index is None:
            if self.syntax == "yaml":
                root = self._yaml_root if self._yaml_root is not None else _compose(self.text)
                self._index = index_yaml(self.text, root)
            else:
                self._index = index_json(self.text)
        return self._index

    def span(self, pointer: str, at_value: bool = False) -> Span:
        if not self.readable:
            return Span(1, 1, 1, 1)
        return self.index.span(pointer, at_value)

    @classmethod
    def located(
        cls, path: Path, display: str, kind: Kind, text: str, folder: str | None = None
    ) -> SourceFile:
        """A file read before (perhaps by another process), known to hold documents:
        its text locates pointers, its data is not kept."""
        source = cls(path, display, kind)
        source.text = text
        source.readable = True
        source.folder = folder
        return source

    # -- problems ----------------------------------------------------------------------

    def report(
        self,
        rule: Rule,
        message: str,
        span: Span,
        pointer: str | None = None,
        help: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        self.problems.append(
            Diagnostic(
                rule.code,
                rule.name,
                rule.severity,
                message,
                help,
                self.display,
                self.kind,
                pointer,
                *span,
                fix,
            )
        )

    def report_at_offset(
        self, rule: Rule, message: str, offset: int, help: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        # At the end of the file (what a parser misses) there is no character to cover.
        end = column + 1 if offset < len(self.text) else column
        self.report(rule, message, Span(line, column, line, end), None, help, fix)


def _edit_at(text: str, start: int, offset: int, content: str) -> Edit:
    """Delete the one character at `offset` of `text` (`start` in the file, BOM counted)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Edit(start, start + 1, content, (line, column, line, column + 1))


def _span_in_text(text: str, line: int, column: int) -> Span:
    """A one-character span at a parser's (line, column), kept inside `text`: PyYAML marks
    the end of the stream on a line after the last one."""
    lines = text.split("\n")
    if line > len(lines):
        line, column = len(lines), len(lines[-1]) + 1
    column = min(column, len(lines[line - 1]) + 1)
    at_end = line == len(lines) and column > len(lines[-1])
    return Span(line, column, line, column if at_end else column + 1)


def read_source(path: Path, display: str, kind: Kind) -> SourceFile:
    """Read and parse `path`. Problems are in `.problems`; never raises for bad input."""
    source = SourceFile(path, display, kind)
    raw = _read_bytes(source)
    if raw is None:
        return source
    return _load(source, raw)


def load_bytes(path: Path, display: str, kind: Kind, raw: bytes) -> SourceFile:
    """`read_source` on bytes already read (`kpack check --fix` checks its edits)."""
    return _load(SourceFile(path, display, kind), raw)


def read_stream(stream: BinaryIO, path: Path, display: str, kind: Kind) -> SourceFile:
    """`read_source` of what `stream` holds (`kpack check -`: an editor's buffer on stdin),
    as if it were the file `path`, which is not read: the same size bound (at most the
    limit plus one byte is read), decoding and parsing."""
    source = SourceFile(path, display, kind)
    limit = _limit(source)
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        source.report(R.TOO_LARGE, f"the input is over {limit:,} bytes", Span(1, 1, 1, 1))
        return source
    return _load(source, raw)


def _load(source: SourceFile, raw: bytes) -> SourceFile:
    text = _decode(source, raw)
    if text is None:
        return source
    source.text = text
    if not text.strip():
        source.report(R.EMPTY_FILE, "the file is empty", Span(1, 1, 1, 1))
        return source
    if source.syntax == "yaml":
        _parse_yaml(source)
    else:
        _parse_json(source, allow_comments=source.kind is Kind.DEV_CONFIG)
    if source.readable and source.has_duplicates:
        _report_duplicates(source)
    return source


def _report_duplicates(source: SourceFile) -> None:
    budget = Budget()
    members: dict[str, list[tuple[str, Any]]] = {}  # objects read back, by pointer
    for dup in source.index.iter_duplicates():
        key = dup.pointer.rsplit("/", 1)[-1]
        parent_pointer = dup.pointer.rsplit("/", 1)[0]
        # Inside a value that a later duplicate replaced, no pointer reaches the key.
        parent = source.index.node(parent_pointer)
        kept = parent is not None and parent.start <= dup.key_start < parent.end
        name = key.replace("~1", "/").replace("~0", "~")
        # Harmless when both members hold the same value (nothing is lost): said so, and
        # a warning, not an error.
        same = kept and _same_values(source, parent_pointer, name, members)
        message = f"duplicate key {_quote_token(key)}: " + (
            "both members have the same value" if same
            else "the earlier value is silently dropped"
        )
        if not budget.take(len(dup.pointer) + len(message)):
            budget.report(source, "duplicate keys")
            return
        source.report(
            R.DUPLICATE_KEY,
            message,
            source.index.span_of_offsets(dup.key_start, dup.key_end),
            dup.pointer if kept else None,
            "remove one of the two members",
        )
        if same:
            last = source.problems[-1]
            source.problems[-1] = last._replace(severity=Severity.WARNING)


def _same_values(
    source: SourceFile, parent: str, key: str, cache: dict[str, list[tuple[str, Any]]]
) -> bool:
    """Whether every member named `key` of the object at `parent` holds the same JSON
    value. JSON files only; False when the object cannot be read back. `cache`: the
    members of each object read back (each object is decoded once, however many
    duplicates it holds)."""
    if source.syntax != "json":
        return False
    if parent not in cache:
        cache[parent] = _members(source, parent)
    values = {json.dumps(v, sort_keys=True) for k, v in cache[parent] if k == key}
    return len(values) == 1


def _members(source: SourceFile, pointer: str) -> list[tuple[str, Any]]:
    """Every member of the object at `pointer`, duplicates included, in order."""
    node = source.index.node(pointer)
    if node is None:
        return []
    seen: list[list[tuple[str, Any]]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append(pairs)  # inner objects first: the object at `node` comes last
        return dict(pairs)

    try:
        json.JSONDecoder(object_pairs_hook=keep).raw_decode(source.text, node.start)
    except (ValueError, RecursionError):
        return []
    return seen[-1] if seen else []


class Budget:
    """Counts the findings of a document (or of a file's loading) against FINDINGS_MAX
    and FINDINGS_MAX_CHARS."""

    def __init__(self) -> None:
        self.count = 0
        self.chars = 0

    def take(self, chars: int) -> bool:
        """Whether one more finding of `chars` characters fits."""
        self.count += 1
        self.chars += chars
        return self.count <= FINDINGS_MAX and self.chars <= FINDINGS_MAX_CHARS

    def message(self, what: str) -> str:
        return (
            f"more {what} than kpack reports for one document ({FINDINGS_MAX:,}, or "
            f"{FINDINGS_MAX_CHARS // (1024 * 1024)} MiB of text): the rest is not reported"
        )

    def report(self, source: SourceFile, what: str) -> None:
        source.report(R.TOO_MANY_FINDINGS, self.message(what), Span(1, 1, 1, 1))


def _quote_token(token: str) -> str:
    return json.dumps(token.replace("~1", "/").replace("~0", "~"), ensure_ascii=False)


def _read_bytes(source: SourceFile) -> bytes | None:
    """The file's bytes through kpack's one reader (kpack.fsutil.read_file); its refusals
    become findings (L011 unreadable, L008 too large)."""
    limit = _limit(source)
    try:
        return read_file(source.path, limit)
    except TooLarge as exc:
        message = (
            f"the file is over {limit:,} bytes" if exc.size is None  # grew while read
            else f"the file is {exc.size:,} bytes; the limit is {limit:,}"
        )
        source.report(R.TOO_LARGE, message, Span(1, 1, 1, 1))
    except OSError as exc:  # NotRegularFile's reason included
        source.report(R.UNREADABLE, f"cannot read: {exc.strerror or exc}", Span(1, 1, 1, 1))
    return None


def _limit(source: SourceFile) -> int:
    return MANIFEST_MAX_BYTES if source.kind is Kind.MANIFEST else READ_MAX_BYTES


def _decode(source: SourceFile, raw: bytes) -> str | None:
    if raw.startswith(_UTF16_BOMS):
        source.report(
            R.INVALID_ENCODING,
            "the file is UTF-16 encoded",
            Span(1, 1, 1, 1),
            help="save it as UTF-8",
        )
        return None
    if raw.startswith(_UTF8_BOM):
        source.report(
            R.BYTE_ORDER_MARK,
            "the file starts with a byte order mark (U+FEFF)",
            Span(1, 1, 1, 2),
            help="save the file as UTF-8 without BOM",
            fix=Fix(
                Applicability.SAFE, "remove the byte order mark", (),
                (Edit(0, 1, "", (1, 1, 1, 2)),),
            ),
        )
        source.bom = True
        raw = raw[len(_UTF8_BOM) :]
    nul = raw.find(b"\0")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        source.text = raw[: exc.start].decode("utf-8", "replace")
        source.report_at_offset(
            R.INVALID_ENCODING,
            f"invalid UTF-8 byte 0x{raw[exc.start]:02x}" + (" (binary file)" if nul >= 0 else ""),
            len(source.text),
            help="save the file as UTF-8",
        )
        return None
    if nul >= 0:
        source.text = text
        source.report_at_offset(
            R.INVALID_ENCODING,
            "NUL byte: this is a binary file, not JSON",
            len(raw[:nul].decode("utf-8")),
        )
        return None
    return text


# -- JSON ----------------------------------------------------------------------------------

_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
_NON_FINITE = re.compile(r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity)', re.DOTALL)


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
        return obj


_DECODER = _Decoder()


def _parse_json(source: SourceFile, allow_comments: bool) -> None:
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
            comma = _trailing_comma(text, exc.pos)
            if comma is None:
                _report_json_error(source, exc)
                return
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
            text = source.text = text[:comma] + " " + text[comma + 1 :]
            decoder.duplicates = False
        except _NonFinite as exc:
            match = next(m for m in _NON_FINITE.finditer(text) if m.group(1))
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
            _report_big_integer(source)
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


def _report_big_integer(source: SourceFile) -> None:
    """An integer longer than Python reads (sys.get_int_max_str_digits()): where it is,
    and what is wrong with it, in the file's terms."""
    import sys

    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    longest = str(max(limit, 1) + 1)
    digits = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.])(-?\d{' + longest + ",})", re.DOTALL)
    found = next((m for m in digits.finditer(source.text) if m.group(1)), None)
    if found is None:  # not where a number can be: say what is known
        source.report(
            R.NON_FINITE_NUMBER,
            f"a number has more than {limit:,} digits",
            Span(1, 1, 1, 1),
            help="no connector document needs such a number: write it as a string",
        )
        return
    count = len(found.group(1).lstrip("-"))
    source.report_at_offset(
        R.NON_FINITE_NUMBER,
        f"an integer of {count:,} digits: kpack reads numbers of at most {limit:,} digits",
        found.start(1),
        help="no connector document needs such a number: write it as a string",
    )


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


_CHARACTER_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                    " ": "a space", "'": "a single quote (')", '"': 'a double quote (")'}
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def describe_character(text: str, offset: int) -> str:
    """The character at `offset` in words: printable ones quoted, others by code point."""
    if offset >= len(text):
        return "the end of the file"
    char = text[offset]
    if char in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[char]
    if not char.isprintable():
        return f"the control character U+{ord(char):04X}"
    return f"'{char}'"


def json_error_message(text: str, msg: str, pos: int) -> tuple[str, str | None]:
    """Python's JSON error in kpack's words, whole (Python's own messages end at a colon
    that its exception fills with the position): what was expected, what was found."""
    found = describe_character(text, pos)
    if msg == "Expecting value":
        if pos >= len(text.rstrip()):
            return "the file ends where a value was expected", None
        help = None
        if text.startswith("'", pos):
            help = "JSON strings are written in double quotes"
        elif text.startswith(("True", "False", "None", "undefined"), pos):
            help = "JSON writes true, false and null in lowercase; undefined does not exist"
        return (
            f"expected a value (a string, number, object, array, true, false or null), "
            f"found {found}", help,
        )
    if msg == "Expecting ',' delimiter":
        return f"expected ',' between two values, or the end of the object or array, found "\
            f"{found}", "a comma is probably missing at the end of the previous line"
    if msg == "Expecting ':' delimiter":
        return f"expected ':' after a member's name, found {found}", None
    if msg.startswith("Expecting property name"):
        help = (
            "member names are written in double quotes" if text.startswith("'", pos)
            or (pos < len(text) and (text[pos].isalpha() or text[pos] == "_"))
            else None
        )
        return f"expected a member name in double quotes, found {found}", help
    if msg == "Extra data":
        return f"found {found} after the end of the JSON value", \
            "a file holds one JSON value: wrap several in an array, or remove the rest"
    if msg.startswith("Invalid control character"):
        escape = _ESCAPES.get(text[pos]) if pos < len(text) else None
        return f"{found} inside a string: JSON strings cannot hold control characters", \
            f"write it as {escape}" if escape else "write it as a \\u escape"
    if msg.startswith("Unterminated string"):
        return "a string starts here and is never closed", \
            "add the closing double quote (a string cannot span lines)"
    if msg.startswith("Invalid \\u"):
        return "invalid \\u escape: four hexadecimal digits are expected", None
    if msg.startswith("Invalid \\escape"):
        char = text[pos + 1] if pos + 1 < len(text) else ""
        return (
            f"invalid escape \\{char} in a string",
            'JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a '
            "backslash as \\\\",
        )
    return msg[0].lower() + msg[1:], None


def _closer(text: str, comma: int) -> str:
    """The first character after the comma at `comma` that is not blank."""
    match = _NOT_BLANK.search(text, comma + 1)
    return match.group() if match else ""


_NOT_BLANK = re.compile(r"[^ \t\n\r]")


def _report_json_error(source: SourceFile, exc: json.JSONDecodeError) -> None:
    message, help = json_error_message(source.text, exc.msg, exc.pos)
    source.report_at_offset(R.JSON_SYNTAX, message, exc.pos, help)


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


# -- YAML ----------------------------------------------------------------------------------


def _compose(text: str) -> Any:
    """The node tree of YAML text that `_parse_yaml` has read before without a problem."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _parse_yaml(source: SourceFile) -> None:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if len(source.text) > MAX_YAML_VALUES and yaml_values_over(source.text, MAX_YAML_VALUES):
        source.report(
            R.TOO_LARGE,
            f"the YAML document holds more than {MAX_YAML_VALUES:,} values",
            Span(1, 1, 1, 1),
        )
        return
    loader = loader_class(source.text)
    try:
        root = loader.get_single_node()
        refused = _alias_problem(root) if root is not None else None
        if refused is not None:  # constructing (then walking) the data would never end
            rule, message, mark = refused
            source.report(rule, message, _span_in_text(source.text, mark.line + 1, mark.column + 1))
            return
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        source.report(R.YAML_SYNTAX, problem, _span_in_text(source.text, line, column))
        return
    except yaml.YAMLError as exc:
        source.report(R.YAML_SYNTAX, str(exc).splitlines()[0], Span(1, 1, 1, 1))
        return
    except RecursionError:
        source.report(R.TOO_DEEP, "arrays and objects are nested too deeply", Span(1, 1, 1, 1))
        return
    except ValueError:  # an integer beyond Python's digit limit
        _report_big_integer(source)
        return
    finally:
        loader.dispose()
    if root is None:
        source.report(R.EMPTY_FILE, "the YAML file holds no document", Span(1, 1, 1, 1))
        return
    source._yaml_root = root
    source.data = data
    source.readable = True
    source.has_duplicates = True  # the index finds them; YAML files are small and rare
    found = _non_json_values(data, "")
    budget = Budget()
    for pointer, what in found:
        if not budget.take(len(pointer) + len(what)):
            budget.report(source, "values with no JSON form")
            break
        source.report(
            R.NON_JSON_VALUE,
            f"{what} has no JSON form",
            source.span(pointer, at_value=True),
            pointer,
            help="quote the value to make it a string",
        )
    if found:
        # Rules and pointers expect JSON's string keys (`? ` is a None key, `1:` an int).
        _string_keys(data)


def yaml_values_over(text: str, limit: int) -> bool:
    """Whether the YAML text holds more than `limit` values, counted on the parser's
    events: composing nodes first would cost their memory (a 2 MiB flow sequence of
    numbers makes a million nodes, 600 MB). A syntax error stops the count: the parse
    that follows reports it."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    kinds = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
    count = 0
    try:
        while loader.check_event():
            if isinstance(loader.get_event(), kinds):
                count += 1
                if count > limit:
                    return True
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return False


def _string_keys(value: Any) -> None:
    seen: set[int] = set()
    stack = [value]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            if any(not isinstance(key, str) for key in value):
                items = [(str(key), item) for key, item in value.items()]
                value.clear()
                value.update(items)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


MAX_ALIAS_EXPANSION = 100_000  # values that aliases may add to a YAML document


def _alias_problem(root: Any) -> tuple[Rule, str, Any] | None:
    """Aliases make the node graph a DAG, or a cycle (`&x [*x]`): refuse a cycle, nesting
    beyond MAX_DEPTH, and aliases that multiply the values ("billion laughs"). One
    iterative walk with memoised sizes and depths, linear in the number of nodes."""
    import yaml

    size: dict[int, int] = {}  # node id -> values in its expanded tree (memo: done)
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        if children_done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                return (R.TOO_DEEP, f"arrays and objects are nested more than {MAX_DEPTH} "
                        "levels deep", node.start_mark)
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                return (R.TOO_DEEP, "an alias refers to a value that contains it: the "
                        "document would nest forever", child.start_mark)
            if id(child) not in size:
                stack.append((child, False))
    if size[id(root)] - len(size) > MAX_ALIAS_EXPANSION:
        return (R.TOO_LARGE, f"aliases expand the document to {size[id(root)]:,} values "
                f"(more than {MAX_ALIAS_EXPANSION:,} repeated ones)", root.start_mark)
    return None


def _non_json_values(value: Any, pointer: str) -> list[tuple[str, str]]:
    """The pointers of the values and keys that JSON cannot hold. The walk carries each
    value's path as a chain of (parent, token) pairs and spells a pointer only for what it
    reports: spelling every pointer costs the key lengths times the items below them."""
    from kpack.diagnostics import join_pointer

    Chain = tuple[Any, str] | None  # (the parent's chain, this token)

    def spell(chain: Chain) -> str:
        tokens = []
        while chain is not None:
            chain, token = chain
            tokens.append(token)
        return join_pointer(pointer, *reversed(tokens))

    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, Chain]] = [(value, None)]
    while stack:
        value, chain = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                member = (chain, str(key))
                if not isinstance(key, str):
                    found.append((spell(member), f"the key {key!r}"))
                stack.append((item, member))
        elif isinstance(value, list):
            stack.extend((item, (chain, str(i))) for i, item in enumerate(value))
        elif not (value is None or isinstance(value, (str, bool, int, float))):
            found.append((spell(chain), f"a YAML {type(value).__name__} value"))
        elif isinstance(value, float) and (
            value != value or value in (float("inf"), -float("inf"))
        ):
            found.append((spell(chain), "a non-finite number"))
        if len(found) > FINDINGS_MAX:
            break
    return sorted(found)
