"""Findings, the rules that raise them, and the diagnostics reported to users.

Data flows one way: a rule checker yields `Finding`s (a rule, a JSON pointer and a
message); the engine turns each into a `Diagnostic` by resolving the pointer to a line and
column in the source and applying the configured severity.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles a ForwardRef for
# each field annotated with a string, and these classes are built on every run's start.
import enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from kpack.fixes import Fix


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Kind(str, enum.Enum):
    """The kinds of document kpack knows."""

    MANIFEST = "manifest"
    ACCOUNT_TYPE = "account-type"
    DEV_CONFIG = "dev-config"


class Rule(NamedTuple):
    """One entry of the rule catalogue: stable code, kebab-case name, default severity."""

    code: str
    name: str
    severity: Severity
    kind: Kind | None  # None: applies to any file (loading) or to several (cross-file)
    summary: str
    doc: str
    # The program that backs the rule in tests/conformance, or the documented fact it
    # replays (kpack.oracles).
    oracle: str = ""


class Finding(NamedTuple):
    """What a rule checker yields: where (a JSON pointer) and what."""

    rule: Rule
    pointer: str
    message: str
    help: str | None = None
    # A checker may raise or lower the rule's default (e.g. `--target registry`).
    severity: Severity | None = None
    # Point at the member's key (default) or at its value (e.g. a bad array item).
    at_value: bool = False
    # The repair, when the rule knows it (kpack.fixes): `kpack check --fix`.
    fix: "Fix | None" = None


class Span(NamedTuple):
    """1-based line and column, start inclusive, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class Diagnostic(NamedTuple):
    code: str
    name: str
    severity: Severity
    message: str
    help: str | None
    file: str
    kind: Kind | None
    pointer: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    fix: "Fix | None" = None  # with its text edits (kpack.load.resolve)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.code)


def escape_pointer_token(token: str | int) -> str:
    """RFC 6901 escaping of one reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: str | int) -> str:
    if len(tokens) == 1:  # most pointers: one member below a document (22,000 a run)
        token = tokens[0]
        if isinstance(token, str) and "~" not in token and "/" not in token:
            return f"{base}/{token}"
    return base + "".join("/" + escape_pointer_token(t) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
