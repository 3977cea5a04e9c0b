"""The secret scan: known secret values and well-known token shapes, streamed over bytes.

Files are fed chunk by chunk as they are packed (one read, constant memory). Each block is
scanned with an overlap carried over from the previous one, so a value cut by a block
boundary is still found; hits are deduplicated by their offset. A hit records where it is
and what kind of secret it is, never the value.

Binary files (a NUL byte in their first 8,000 bytes, git's test) are searched for the
repository's own secret values only: token shapes matched in compressed or encoded bytes
are noise, and secret scanners (gitleaks, detect-secrets) skip binaries the same way.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from kpack import spec
from kpack.diagnostics import Kind
from kpack.rules.placeholders import is_placeholder

# Shorter values are too likely to occur by chance in minified code ("fr", "true", a year).
MIN_LITERAL_LENGTH = 8
SCAN_BLOCK = 1024 * 1024
MIN_OVERLAP = 64 * 1024
BINARY_SNIFF = 8000  # bytes looked at for a NUL, as git does
TOKEN_FILE_MAX_BYTES = 1024 * 1024  # a `.token.json` (OAuth tokens: a few hundred bytes)

_PLACEHOLDER = re.compile(spec.PLACEHOLDER_PATTERN)
_PLAIN_URL = re.compile(r"https?://[^?#@\s]*")
# A token starts at a word boundary. That is checked on the byte before a match rather
# than with a look-behind: a pattern starting with a literal lets `re` skip ahead with a
# fast substring search, where a leading look-behind costs a try at every byte (100x).
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")

# Well-known token shapes: (label, pattern). Kept specific on purpose: a generic
# "high entropy string" detector drowns minified bundles in false positives. Compiled on
# first use (in `Scanner.find`): most bundles never need them.
TOKEN_SHAPES: tuple[tuple[str, bytes], ...] = (
    ("a GitHub token", rb"(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})"),
    ("an AWS access key id", rb"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"),
    ("a Slack token", rb"xox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}"),
    ("an npm token", rb"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    ("a Stripe live key", rb"[sr]k_live_[0-9A-Za-z]{24,}"),
    # The header alone is a constant in crypto libraries: demand a key body after it.
    ("a private key",
     rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[rn])+"
     rb"(?:Proc-Type:|[A-Za-z0-9+/=]{40})"),
    ("a signed JWT", rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
)
# What every match of a shape contains, looked for first: a block without it skips the
# shape's regex. Each probe is one pass over the block, 0.3-0.8 ms per MiB of minified JS
# (seven regexes over 20 MiB of JS took 0.35 s). A plain substring is searched with `in`
# (a skipping search); a family of them with one regex whose literal prefix `re` looks for
# (the five `gh?_` and `github_pat_` cost 4 ms/MiB as six substrings, 0.9 as one regex).
_PROBES: dict[str, bytes | re.Pattern[bytes]] = {
    "a GitHub token": re.compile(rb"g(?:h[pousr]_|ithub_pat_)"),
    "an AWS access key id": re.compile(rb"A(?:KIA|SIA)"),
    "a Slack token": b"xox",
    "an npm token": b"npm_",
    "a Stripe live key": b"k_live_",
    "a private key": b"-----BEGIN ",
    "a signed JWT": b"eyJ",
}
# Documentation examples that are not secrets (AWS's example key, jwt.io's sample token).
_KNOWN_EXAMPLES = (b"AKIAIOSFODNN7EXAMPLE",)


def _present(probe: bytes | re.Pattern[bytes], block: bytes) -> bool:
    return probe in block if isinstance(probe, bytes) else probe.search(block) is not None


class KnownSecret(NamedTuple):
    value: bytes
    origin: str  # e.g. "`client_secret` of account-types.json": says where, never what


class Hit(NamedTuple):
    line: int
    column: int
    what: str


def _b64json(segment: bytes) -> Any:
    import base64  # only for a token that looks like a JWT

    try:
        raw = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
        return json.loads(raw)
    except ValueError:
        return None


def _plausible(label: str, token: bytes) -> bool:
    """Second look at a shape match, to keep false positives out."""
    if any(example in token for example in _KNOWN_EXAMPLES):
        return False
    if label == "a signed JWT":
        header_b64, payload_b64, _ = token.split(b".", 2)
        header, payload = _b64json(header_b64), _b64json(payload_b64)
        if not isinstance(header, dict) or not isinstance(payload, dict):
            return False
        if str(header.get("alg", "")).lower() in ("", "none"):
            return False
        # jwt.io's sample token, copied into countless READMEs and tests.
        return not (payload.get("sub") == "1234567890" and payload.get("name") == "John Doe")
    return True


class Scanner:
    """Compiled once per build from the known secrets; `scan_file()` per bundled file."""

    def __init__(self, known: Iterable[KnownSecret]):
        by_value: dict[bytes, str] = {}
        for secret in known:
            if len(secret.value) >= MIN_LITERAL_LENGTH:
                by_value.setdefault(secret.value, secret.origin)
        self.known = by_value
        longest = max((len(v) for v in by_value), default=0)
        self.overlap = max(MIN_OVERLAP, longest)
        values = sorted(by_value, key=len, reverse=True)
        self.literals = re.compile(b"|".join(re.escape(v) for v in values)) if values else None

    def scan_file(self) -> FileScan:
        return FileScan(self)

    def could_find(self, block: bytes) -> bool:
        """False only when `find` yields nothing in any part of `block`. The small files of a
        bundle are tested together (their bytes joined, `kpack.bundle.archive._scan_batch`)
        and go through `FileScan` one by one only when this is True: whatever `find` or
        `FileScan` looks for must be looked for here too."""
        if self.literals is not None and self.literals.search(block) is not None:
            return True
        return any(_present(probe, block) for probe in _PROBES.values())

    def find(self, block: bytes, shapes: bool = True) -> Iterator[tuple[int, str]]:
        """(offset, what) of every hit in one block; token shapes only when `shapes`."""
        if self.literals is not None:
            for match in self.literals.finditer(block):
                yield match.start(), f"the secret value of {self.known[match.group()]}"
        for label, pattern in TOKEN_SHAPES if shapes else ():
            if not _present(_PROBES[label], block):
                continue
            # Compiled on the first block that needs it; `re` keeps it in its cache.
            for match in re.compile(pattern).finditer(block):
                start = match.start()
                if start and block[start - 1] in _WORD_BYTES and label != "a private key":
                    continue
                if _plausible(label, match.group()):
                    yield match.start(), f"what looks like {label}"


class FileScan:
    """Scans one file fed in chunks; `finish()` returns the hits."""

    def __init__(self, scanner: Scanner):
        self.scanner = scanner
        # What is not scanned yet (and the tail kept from the last block), joined once per
        # block: one copy of the bytes, where a bytearray took three.
        self.chunks: list[bytes] = []
        self.size = 0  # bytes in `chunks`
        self.base = 0  # absolute offset of chunks[0][0]
        self.line = 1  # line number there
        self.line_start = 0  # absolute offset where that line starts
        self.seen: set[tuple[int, str]] = set()
        self.hits: list[Hit] = []
        self.binary: bool | None = None  # told by the first chunk
        self.idle = False  # nothing to look for in this file

    def feed(self, chunk: bytes) -> None:
        if self.binary is None:
            self.binary = b"\0" in chunk[:BINARY_SNIFF]
            # A binary file is searched for known values only: with none, it is not kept.
            self.idle = self.binary and self.scanner.literals is None
        if self.idle:
            return
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.size >= SCAN_BLOCK + self.scanner.overlap:
            self._scan(final=False)

    def finish(self) -> list[Hit]:
        if not self.idle:
            self._scan(final=True)
        self.hits.sort()
        return self.hits

    def _scan(self, final: bool) -> None:
        block = b"".join(self.chunks)
        for offset, what in self.scanner.find(block, shapes=not self.binary):
            absolute = self.base + offset
            if (absolute, what) in self.seen:
                continue
            self.seen.add((absolute, what))
            newlines = block.count(b"\n", 0, offset)
            line = self.line + newlines
            if newlines:
                column = offset - block.rfind(b"\n", 0, offset)
            else:
                column = absolute - self.line_start + 1
            self.hits.append(Hit(line, column, what))
        if final:
            return
        # Keep the tail: a value cut at the end of this block is whole in the next one.
        cut = len(block) - self.scanner.overlap
        newlines = block.count(b"\n", 0, cut)
        if newlines:
            self.line += newlines
            self.line_start = self.base + block.rfind(b"\n", 0, cut) + 1
        self.base += cut
        self.chunks = [block[cut:]]
        self.size = len(block) - cut


# -- what the repository says is secret -----------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _from_value(
    value: Any, origin: str, environ: dict[str, str]
) -> Iterator[KnownSecret]:
    """Literal strings as they are; placeholders by the current value of their variable."""
    for text in _strings(value):
        names = [a or b for a, b in _PLACEHOLDER.findall(text)]
        if names:
            for name in names:
                if environ.get(name):
                    yield KnownSecret(environ[name].encode(), f"${name} (from {origin})")
            literal = _PLACEHOLDER.sub("", text)
            if len(literal.strip()) < MIN_LITERAL_LENGTH:
                continue
        if _PLAIN_URL.fullmatch(text):
            continue  # a service URL (COZY_URL-like) is not a secret and is often in the code
        if is_placeholder(text):
            continue  # `<ACCESS_TOKEN>`, `changeme`: what D007 calls a placeholder
        yield KnownSecret(text.encode(), origin)


# Account-type fields whose values are secret. `client_id` is not: it travels in the
# authorize URL through the user's browser, and konnectors may legitimately embed it.
ACCOUNT_TYPE_SECRET_FIELDS = (*spec.SECRET_FIELDS, "fcm_credentials")


def harvest(
    account_type_files: Iterable[tuple[Path, str]],
    dev_config_files: Iterable[tuple[Path, str]],
    token_files: Iterable[tuple[Path, str]],
    environ: dict[str, str] | None = None,
) -> list[KnownSecret]:
    """The secret values found in the repository's own files (each given as path, display)."""
    from kpack.documents import split_documents
    from kpack.load.source import read_source

    environ = dict(os.environ) if environ is None else environ
    known: list[KnownSecret] = []
    for path, display in account_type_files:
        source = read_source(path, display, Kind.ACCOUNT_TYPE)
        if not source.readable:
            continue
        for document in split_documents(source):
            for field in ACCOUNT_TYPE_SECRET_FIELDS:
                if field in document.data:
                    origin = f"`{field}` in {display}"
                    known.extend(_from_value(document.data[field], origin, environ))
    for path, display in dev_config_files:
        source = read_source(path, display, Kind.DEV_CONFIG)
        legacy = path.name.lower() == "env_fields.json"
        if source.readable and isinstance(source.data, dict) and legacy:
            # The legacy flat file: every value is one of the account's fields.
            for key, value in source.data.items():
                known.extend(_from_value(value, f"`{key}` in {display}", environ))
        elif source.readable and isinstance(source.data, dict):
            for section in ("fields", "COZY_PARAMETERS"):
                values = source.data.get(section)
                if isinstance(values, dict):
                    for key, value in values.items():
                        origin = f"`{section}.{key}` in {display}"
                        known.extend(_from_value(value, origin, environ))
    from kpack.fsutil import read_file

    for path, display in token_files:
        # Through kpack's one reader: a regular file, bounded (a link is followed: its
        # values are only looked for, never shown). A refusal is an OSError for the
        # caller (exit 2): a scan without these values would miss them.
        raw = read_file(path, TOKEN_FILE_MAX_BYTES)
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        known.extend(_from_value(data, display, environ))
    return known


# -- a password in a file named like a dev config ------------------------------------------------

# `konnector-dev-config.json` itself (in any case) never goes in; its copies and variants
# may (`dev-config.backup.json`, `Konnector_Dev_Config.old.json`, `env_fields.prod.json`).
_DEV_CONFIG_LIKE = re.compile(
    r"[^/]*(?:dev[-_. ]?config|env[-_]?fields)[^/]*\.json[c5]?", re.IGNORECASE
)
PASSWORD_MAX_HITS = 100  # per file: enough to say it, bounded


def looks_like_dev_config(name: str) -> bool:
    """A JSON file named like a dev config (the name, any case)."""
    return _DEV_CONFIG_LIKE.fullmatch(name) is not None


def _passwords(value: Any) -> Iterator[tuple[str, str]]:
    """(JSON pointer, value) of the string members whose key names a password, at any
    depth."""
    from kpack.diagnostics import join_pointer

    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                here = join_pointer(pointer, str(key))
                if "password" in str(key).lower() and isinstance(item, str):
                    yield here, item
                elif isinstance(item, (dict, list)):
                    stack.append((item, here))
        elif isinstance(value, list):
            stack.extend((item, join_pointer(pointer, str(i))) for i, item in enumerate(value))


def password_hits(path: Path, display: str) -> list[Hit]:
    """The `password` members (any key holding the word, any case, at any depth) of a JSON
    file named like a dev config whose value is a literal, not a placeholder (`$PASS`,
    `<PASSWORD>`, `changeme`: D007's test). The value is never recorded."""
    from kpack.load.source import read_source

    source = read_source(path, display, Kind.DEV_CONFIG)  # `//` comments allowed, as there
    if not source.readable:
        return []
    hits = []
    for pointer, value in _passwords(source.data):
        if is_placeholder(value):  # `$PASS`, `<PASSWORD>`, `changeme`
            continue
        span = source.span(pointer, at_value=True)
        hits.append(Hit(span[0], span[1], "a password (a `password` field in a file named "
                                          "like a dev config)"))
        if len(hits) == PASSWORD_MAX_HITS:
            break
    return sorted(hits)


# -- where hits are allowed ------------------------------------------------------------------

SETTINGS_KEY = "allow-secrets"


class AllowedSecrets:
    """`allow-secrets` of the connector's settings (`.kpack.yaml`, or the `kpack` key of
    `package.json`): gitignore-style globs of bundle paths whose hits are allowed, for
    what `--allow-secret PATH` per file does not scale to (a committed `node_modules`
    holds dozens of third-party test keys)."""

    def __init__(self, globs: list[str], where: str = "") -> None:
        # .kpackignore's matcher: gitignore syntax without a backtracking regex.
        from kpack.bundle.ignore import IgnoreFile

        self.globs = globs
        self.where = where
        self._matcher = IgnoreFile(Path(where or SETTINGS_KEY), globs)

    def match(self, arcname: str) -> str | None:
        """The glob that allows hits in `arcname`, or None."""
        found = self._matcher.matching(arcname, is_dir=False)
        return None if found is None else found.text.strip()

    @classmethod
    def load(cls, directory: Path) -> AllowedSecrets:
        """From the settings nearest to the connector's folder; ValueError when the
        setting is not a list of strings."""
        from kpack.config import _package_json_section, _read_yaml, find_config

        path = find_config(directory)
        if path is None:
            return cls([])
        raw = _package_json_section(path) if path.name == "package.json" else _read_yaml(path)
        value = raw.get(SETTINGS_KEY) if isinstance(raw, dict) else None
        if value is None:
            return cls([])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(
                f"{path}: {SETTINGS_KEY} must be a list of globs (bundle paths, gitignore "
                'syntax), e.g. ["node_modules/**/test/**"]'
            )
        return cls(list(value), path.name)
