"""Rules raised while reading a file, before any document rule can run."""

from kpack.diagnostics import Severity
from kpack.rulebook import declare_fix, define

E, W = Severity.ERROR, Severity.WARNING

JSON_SYNTAX = define(
    "L001",
    "json-syntax-error",
    E,
    None,
    "The file is not valid JSON.",
    """
    cozy-stack decodes manifests with Go's `encoding/json` and cozy-jobs-cli reads
    `konnector-dev-config.json` with `JSON.parse`: both refuse the whole file on the
    first syntax error. The position is where the parser stopped; the message says, in
    full, what was expected there and which character was found (a tab or line break
    inside a string is named, with the escape to write instead).
    """,
)
DUPLICATE_KEY = define(
    "L002",
    "duplicate-key",
    E,
    None,
    "An object has the same key twice.",
    """
    JSON parsers keep the last value and silently drop the first one, so the value you
    read at the top of the file is not the one the stack uses (Go's `encoding/json`,
    `JSON.parse` and Python's `json` all keep the last). Reported at the second
    occurrence. When both members hold the same value (a permission listed twice, as
    real manifests do), nothing is lost: the message says so and the finding is a
    warning, not an error. In YAML, a key that overrides one a merge key (`<<: *base`)
    brings in is not a duplicate: overriding is what a merge is for.
    """,
)
TRAILING_COMMA = define(
    "L003",
    "trailing-comma",
    E,
    None,
    "A comma before `}` or `]`.",
    """
    Trailing commas are a syntax error in JSON, even in `konnector-dev-config.json` whose
    comments cozy-jobs-cli strips (the seed document's own dev-config example has one).
    """,
)
BYTE_ORDER_MARK = define(
    "L004",
    "byte-order-mark",
    E,
    None,
    "The file starts with a UTF-8 byte order mark.",
    """
    Go's JSON decoder and `JSON.parse` both reject a leading BOM (U+FEFF): the stack
    refuses the manifest as malformed. Save the file as UTF-8 without BOM.
    """,
)
INVALID_ENCODING = define(
    "L005",
    "invalid-encoding",
    E,
    None,
    "The file is not UTF-8 text.",
    """
    JSON must be UTF-8. UTF-16 files, invalid byte sequences and binary content (NUL
    bytes) are refused; the position is the first offending byte.
    """,
)
EMPTY_FILE = define(
    "L006",
    "empty-file",
    E,
    None,
    "The file is empty or only whitespace.",
    "An empty file is not a JSON document: every consumer fails to parse it.",
)
TOO_DEEP = define(
    "L007",
    "nesting-too-deep",
    E,
    None,
    "Arrays and objects are nested too deeply.",
    """
    No connector document needs more than a few levels; hundreds of levels are either a
    generated mistake or hostile input, and kpack stops reading there.
    """,
)
TOO_LARGE = define(
    "L008",
    "file-too-large",
    E,
    None,
    "The file is larger than its consumer accepts.",
    """
    cozy-stack refuses a `manifest.konnector` over 2 MiB. kpack reads no file beyond
    2 MiB either, and no YAML document of more than 100,000 values or one whose aliases
    repeat more than 100,000 values: so any file is checked in bounded memory and time
    (docs/security.md).
    """,
)
YAML_SYNTAX = define(
    "L009",
    "yaml-syntax-error",
    E,
    None,
    "The YAML file cannot be parsed.",
    "Account types may be written in YAML; the position is where the parser stopped.",
)
NON_FINITE_NUMBER = define(
    "L010",
    "invalid-number",
    E,
    None,
    "`NaN`, `Infinity` or a number too long to read.",
    """
    `NaN` and `Infinity` are not JSON: Python accepts them but Go and JavaScript refuse
    the whole document. An integer of thousands of digits is refused too: Python reads
    at most 4,300 digits (its limit against slow conversions), and no field of a connector
    document holds such a number.
    """,
)
UNREADABLE = define(
    "L011",
    "unreadable-file",
    E,
    None,
    "The file cannot be read.",
    "Permission denied, not a regular file (FIFO, device) or a symbolic link loop.",
)
ROOT_SHAPE = define(
    "L012",
    "invalid-document-shape",
    E,
    None,
    "The document's root has the wrong type.",
    """
    A manifest and a dev config are JSON objects; an account-type file holds one object,
    an array of objects or a CouchDB bulk body `{"docs": [...]}`.
    """,
)
NON_JSON_VALUE = define(
    "L013",
    "non-json-value",
    E,
    None,
    "A YAML value that JSON cannot represent.",
    """
    Account types are stored as JSON in CouchDB. YAML dates, binary values, sets and
    non-string keys have no JSON form: quote them.
    """,
)

# The syntax repairs (kpack.load.source attaches them), the only fixes a file that does not
# parse gets.
declare_fix(TRAILING_COMMA, "safe", "Removes the comma; nothing else in the file changes.")
declare_fix(BYTE_ORDER_MARK, "safe", "Removes the three bytes of the BOM.")

TOO_MANY_FINDINGS = define(
    "L014",
    "too-many-findings",
    E,
    None,
    "A document has so many findings that kpack stopped checking it.",
    """
    A document gets at most 1,000 findings, and their pointers and messages at most
    16 MiB of text: past that, the document is generated or hostile, and listing every
    finding would only cost time and memory. Fix what is reported and check again.
    """,
)
TRAILING_DATA = define(
    "L015",
    "trailing-data",
    E,
    None,
    "A manifest has more after its JSON value.",
    """
    cozy-stack reads a manifest with `json.NewDecoder(io.LimitReader(r, 2 MiB)).Decode`
    (`model/app/konnector.go`, `ReadManifest`): it decodes the first JSON value and
    ignores whatever follows, so with `--target stack` this is a warning. The registry's
    reading is not documented to be as lenient: with `--target registry` it stays an
    error. Either way the rest is dead text (often a merge leftover or a second copy):
    remove it. The manifest is checked as its first value.
    """,
)
