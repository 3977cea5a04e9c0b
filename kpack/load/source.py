"""Read one file into a `SourceFile`: bytes → text → data, with every problem positioned.

Nothing here raises on bad input: encoding, syntax and shape problems come back as
diagnostics, and `SourceFile.data` is None when no document could be read. The bytes are
read (within the size limits) and decoded here; `json_text` and `yaml_text` parse them,
`duplicates` reports the keys the position index finds twice, and `Budget` bounds the
findings of one document.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from kpack.diagnostics import Diagnostic, Kind, Rule, Span
from kpack.fixes import Applicability, Edit, Fix
from kpack.fsutil import TooLarge, read_file
from kpack.load import rules as R
from kpack.load.json_text import parse_json
from kpack.load.positions import PositionIndex, index_json, index_yaml

if TYPE_CHECKING:
    from kpack.load.yaml_text import OwnKeys

MANIFEST_MAX_BYTES = 2 * 1024 * 1024  # cozy-stack's limit for manifest.konnector
# Every input: what kpack checks within its memory and time budget (docs/security.md).
READ_MAX_BYTES = MANIFEST_MAX_BYTES
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
        self.trailing_data = False  # a manifest's data after its first JSON value (L015)
        self._index: PositionIndex | None = None
        self.yaml_root: Any = None  # a YAML file's composed nodes, kept to index them
        self.yaml_own_keys: dict[int, OwnKeys] = {}  # kpack.load.yaml_text.own_keys
        self.folder: str | None = None  # the resolved folder holding it, when known
        self.bom = False  # the bytes start with a UTF-8 BOM, which `text` leaves out

    # -- positions ---------------------------------------------------------------------

    @property
    def index(self) -> PositionIndex:
        if self._index is None:
            if self.syntax == "yaml":
                from kpack.load.yaml_text import compose

                if self.yaml_root is None:
                    self.yaml_root, self.yaml_own_keys = compose(self.text)
                self._index = index_yaml(self.text, self.yaml_root, self.yaml_own_keys)
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
        from kpack.load.yaml_text import parse_yaml

        parse_yaml(source)
    else:
        parse_json(source, allow_comments=source.kind is Kind.DEV_CONFIG)
    if source.readable and source.has_duplicates:
        from kpack.load.duplicates import report_duplicates

        report_duplicates(source)
    return source


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
