"""The secret scrubber: hides every form of a credential a server or proxy may quote back.

A server, a proxy or a validator may echo the request in an error: the password as typed,
JSON-escaped (a document's secret inside the body), percent-encoded (a URL, a form), or in
base64 (an `Authorization: Basic` header is base64 of `user:password`). Each secret is
hidden in all of these forms:
- as is, and JSON-escaped (ASCII-only or not);
- percent-encoded, any mixture of raw and `%XX` characters, hex in either case, `+` for a
  space (what `quote`, `quote_plus` and every URL encoder produce);
- base64 and base64url, at each of the three byte alignments the secret can have inside a
  longer encoded text (`user:password`): the characters that depend only on the secret's
  bytes are hidden, so at most a few bits next to the edges stay visible.
Secrets shorter than 3 characters are not hidden (they would hide common text).

The scrubber is the second line. The first is structural: of a server's answer, kpack
repeats only CouchDB's own fixed words (`server_words`), never free text, which may quote
the request in an encoding no scrubber can list (hex, upper case, HTML entities, double
percent-encoding, base32...).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any

MASK = "****"
MIN_LENGTH = 3
MIN_BASE64 = 4  # shortest base64 core hidden

def _percent_pattern(secret: str) -> str:
    """A regex matching `secret` with any of its characters percent-encoded."""
    parts = []
    for char in secret:
        encoded = "".join(
            "%" + "".join(f"[{h.upper()}{h.lower()}]" if h.isalpha() else h for h in f"{b:02x}")
            for b in char.encode("utf-8", "surrogatepass")
        )
        options = [encoded, re.escape(char)]  # the longer first: `%` must not stop at "%"
        if char == " ":
            options.append(r"\+")
        parts.append("(?:" + "|".join(options) + ")")
    return "".join(parts)


def _base64_cores(data: bytes) -> set[str]:
    cores = set()
    for offset, lead in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        end = 8 * (offset + len(data)) // 6  # characters made of the secret's bits only
        core = encoded[lead:end]
        if len(core) >= MIN_BASE64:
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))
    return cores


def forms(secret: str) -> set[str]:
    """The literal forms of `secret` hidden besides its percent-encodings."""
    found = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    found |= _base64_cores(secret.encode("utf-8", "surrogatepass"))
    return {form for form in found if len(form) >= MIN_LENGTH}


class Scrubber:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._literals: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str | None]) -> None:
        for value in values:
            if value and len(value) >= MIN_LENGTH and value not in self._secrets:
                self._secrets.add(value)
                self._literals |= forms(value)
                self._pattern = None

    def add_basic(self, user: str, password: str) -> None:
        """The `Authorization: Basic` value of this pair, whole (a short password's own
        base64 core may be too short to hide)."""
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        if password:
            self._literals.add(token)
            self._literals.add(token.rstrip("="))
            self._pattern = None

    def scrub(self, text: str) -> str:
        if not self._literals:
            return text
        if self._pattern is None:
            # Longest first: at one position, the first alternative that matches wins.
            alternatives = [(len(s), _percent_pattern(s)) for s in self._secrets]
            alternatives += [(len(s), re.escape(s)) for s in self._literals]
            alternatives.sort(key=lambda item: item[0], reverse=True)
            self._pattern = re.compile("|".join(pattern for _, pattern in alternatives))
        # Twice: hiding one form may join the pieces of another around it.
        for _ in range(2):
            text = self._pattern.sub(MASK, text)
        return text


# The only words of an answer kpack repeats: CouchDB's (and PouchDB's) `error` tokens, and
# their fixed `reason`s. Anything else a server, proxy or validation function says is free
# text that may quote the request (the password, a document's secret) in any encoding
# (hex, upper case, HTML entities, double percent-encoding, base32...): it is not printed.
KNOWN_ERRORS = frozenset({
    "bad_request", "unauthorized", "forbidden", "not_found", "conflict", "file_exists",
    "illegal_database_name", "illegal_docid", "doc_validation", "missing_stub",
    "bad_content_type", "method_not_allowed", "not_acceptable", "precondition_failed",
    "request_entity_too_large", "unsupported_media_type", "query_parse_error",
    "no_usable_index", "invalid_json", "unknown_error", "internal_server_error", "timeout",
    "too_many_requests", "service_unavailable", "db_not_found", "database_does_not_exist",
})
KNOWN_REASONS = frozenset({
    "missing", "deleted", "no_db_file", "Database does not exist.",
    "Document update conflict.", "You are not a server admin.",
    "Name or password is incorrect.", "You are not allowed to access this db.",
    "function_clause", "Only reserved document ids may start with underscore.",
    "Invalid rev format", "Document must be a JSON object",
    "The database could not be created, the file already exists.",
})


def server_words(data: Any) -> str:
    """CouchDB's `error` token and its `reason` when each is a known fixed word or phrase;
    `(reason withheld)` for any other reason; "" when the answer has neither."""
    if not isinstance(data, dict):
        return ""
    error, reason = data.get("error"), data.get("reason")
    words = [error] if isinstance(error, str) and error in KNOWN_ERRORS else []
    if isinstance(reason, str) and reason in KNOWN_REASONS:
        words.append(reason)
    elif reason not in (None, ""):
        words.append("(reason withheld: it may quote what was sent)")
    return ", ".join(words)
