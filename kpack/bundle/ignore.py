"""`.kpackignore`: gitignore patterns, matched without backtracking.

The syntax and meaning are git's (gitignore(5)): blank lines and `#` comments are skipped,
trailing spaces dropped unless escaped, `!` re-includes, `\\` escapes the next character, a
trailing `/` matches folders only, a `/` at the start or in the middle anchors the pattern
at the bundle's root (else it matches at any depth), `*` and `?` never match `/`, `[...]`
is a character class (`[!...]` or `[^...]` negated), `**/`, `/**/` and `/**` span folders.
The last matching pattern wins, and nothing inside an ignored folder can be re-included.

Why not a regular expression (pathspec): a pattern such as `*a*a*a*a*a*a*a*a*a*a*a*a*b`
makes a backtracking regex engine take exponential time on one 60-character name, and
`**/a/**/a/**/b` polynomial time in the depth. Here a segment glob is cut at its stars
into fixed-length pieces, and the classic greedy wildcard algorithm places each piece at
its leftmost position after the previous one (a piece of literals by `str.find`, one
with `?` or classes by a regular expression without any repetition, which cannot
backtrack): at most len(pattern) x len(name) steps, run by C code. Folders are matched by
a walk over (pattern segment, path segment) pairs: the time is bounded by the sizes of
the pattern and the path, whatever they hold.

Many patterns (a generated list of every file to leave out): each path is tried only
against the patterns that can match it (`_Index`: plain paths and names by themselves,
globs by the longest literal run of their last segment, `*.map` -> `.map`), so 10,000
plain patterns cost about what a few do. The file is read through kpack's one reader (a
regular file, not a link, at most 1 MiB) and holds at most 10,000 patterns, of which at
most 500 globs and 100 with no literal character to index them by: more is a usage
error (exit 2), since no hand-written file comes near. The worst case left is 500 globs
sharing one literal character, each tried on every path holding it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple, Union

IGNORE_FILE = ".kpackignore"
MAX_PATTERN = 4096  # characters: longer lines are not patterns anyone writes
MAX_PATTERNS = 10_000  # patterns in one file (exit 2 beyond)
MAX_BYTES = 1024 * 1024  # the file's size (exit 2 beyond)
MAX_GLOBS = 500  # patterns with wildcards (exit 2 beyond): each may be tried on many paths
MAX_UNINDEXED = 100  # of them, with no literal character to index them by (exit 2 beyond)
INDEX_FROM = 32  # patterns: with fewer, trying each one costs less than the index


class IgnoreError(ValueError):
    """`.kpackignore` cannot be used (unreadable, too large, too many patterns): the
    message is one line, for exit 2."""

_STAR = "*"
_ANY = "?"
# A token of a segment glob: a literal character, _STAR, _ANY, or a class
# (negated, ((low, high), ...)).
_Class = tuple[bool, tuple[tuple[str, str], ...]]
_Token = Union[str, _Class]  # noqa: UP007 - a type alias evaluated at run time on 3.10
_DSTAR: tuple[_Token, ...] = ("**",)  # a `**` segment


class _Literal(str):
    """One literal character (so that an escaped `*` is not the wildcard)."""


class Pattern(NamedTuple):
    line: int
    text: str  # as written, trailing spaces removed
    negated: bool
    dir_only: bool
    segments: tuple[tuple[_Token, ...], ...]
    globs: tuple[_Glob | None, ...]  # each segment compiled (None for `**`)


def _parse_class(glob: str, start: int) -> tuple[_Class, int] | None:
    """The class opening at glob[start] == '[' and the index after it; None if unclosed."""
    i = start + 1
    negated = i < len(glob) and glob[i] in "!^"
    if negated:
        i += 1
    ranges: list[tuple[str, str]] = []
    first = True
    while i < len(glob):
        char = glob[i]
        if char == "]" and not first:
            return (negated, tuple(ranges)), i + 1
        first = False
        if char == "\\" and i + 1 < len(glob):
            i += 1
            char = glob[i]
        if i + 2 < len(glob) and glob[i + 1] == "-" and glob[i + 2] != "]":
            high = glob[i + 2]
            if high == "\\" and i + 3 < len(glob):
                high = glob[i + 3]
                i += 1
            ranges.append((char, high))
            i += 3
        else:
            ranges.append((char, char))
            i += 1
    return None


def _tokens(glob: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "\\" and i + 1 < len(glob):
            tokens.append(_Literal(glob[i + 1]))
            i += 2
        elif char == "*":
            if not tokens or tokens[-1] != _STAR or isinstance(tokens[-1], _Literal):
                tokens.append(_STAR)  # a run of stars is one star
            i += 1
        elif char == "?":
            tokens.append(_ANY)
            i += 1
        elif char == "[":
            parsed = _parse_class(glob, i)
            if parsed is None:
                tokens.append(_Literal("["))
                i += 1
            else:
                tokens.append(parsed[0])
                i = parsed[1]
        else:
            tokens.append(_Literal(char))
            i += 1
    return tuple(tokens)


def _is_star(token: _Token) -> bool:
    return token == _STAR and not isinstance(token, _Literal)


def _char(char: str) -> str:
    return f"\\U{ord(char):08x}"  # any character, safely written in a regex or a class


def _piece_regex(tokens: list[_Token]) -> str:
    """A regular expression of fixed length (no repetition) for star-free tokens."""
    out = []
    for token in tokens:
        if isinstance(token, tuple):
            negated, ranges = token
            spans = "".join(
                _char(low) if low == high else f"{_char(low)}-{_char(high)}"
                for low, high in ranges if low <= high  # git: an inverted range is empty
            )
            if spans:
                out.append(f"[{'^' if negated else ''}{spans}]")
            else:
                out.append("(?s:.)" if negated else "(?!)")
        elif isinstance(token, _Literal):
            out.append(_char(token))
        else:  # `?`
            out.append("(?s:.)")
    return "".join(out)


class _Glob:
    """One segment glob, cut at its stars into fixed-length pieces: a literal string, or a
    compiled regular expression without repetition (it cannot backtrack)."""

    def __init__(self, tokens: tuple[_Token, ...]):
        pieces: list[list[_Token]] = [[]]
        for token in tokens:
            if _is_star(token):
                pieces.append([])
            else:
                pieces[-1].append(token)
        self.starred = len(pieces) > 1
        self.lengths = [len(piece) for piece in pieces]
        self.pieces: list[str | re.Pattern[str]] = [
            "".join(t for t in piece if isinstance(t, _Literal))
            if all(isinstance(t, _Literal) for t in piece)
            else re.compile(_piece_regex(piece))
            for piece in pieces
        ]

    @staticmethod
    def _at(piece: str | re.Pattern[str], name: str, position: int, length: int) -> bool:
        if isinstance(piece, str):
            return name.startswith(piece, position)
        return piece.match(name, position, position + length) is not None

    def match(self, name: str) -> bool:
        pieces, lengths = self.pieces, self.lengths
        if not self.starred:
            return len(name) == lengths[0] and self._at(pieces[0], name, 0, lengths[0])
        end = len(name) - lengths[-1]  # the last piece ends the name
        if end < lengths[0] or not self._at(pieces[0], name, 0, lengths[0]):
            return False
        if not self._at(pieces[-1], name, end, lengths[-1]):
            return False
        position = lengths[0]
        for piece, length in zip(pieces[1:-1], lengths[1:-1], strict=True):
            # The leftmost place leaves the most room to the pieces after it.
            if isinstance(piece, str):
                found = name.find(piece, position, end)
                if found < 0:
                    return False
            else:
                match = piece.search(name, position, end)
                if match is None:
                    return False
                found = match.start()
            position = found + length
        return True


def glob_match(tokens: tuple[_Token, ...], name: str) -> bool:
    """Does one segment glob match one name? (`_Glob`: at most len(tokens) * len(name)
    steps, no backtracking.)"""
    return _Glob(tokens).match(name)


def _strip_trailing_spaces(line: str) -> str:
    end = len(line)
    while end > 0 and line[end - 1] == " ":
        backslashes = 0
        k = end - 2
        while k >= 0 and line[k] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2:  # `\ `: an escaped space stays
            break
        end -= 1
    return line[:end]


def parse_line(number: int, line: str) -> Pattern | None:
    line = _strip_trailing_spaces(line.rstrip("\r"))
    if not line or line.startswith("#") or len(line) > MAX_PATTERN:
        return None
    text = line
    negated = line.startswith("!")
    if negated or line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    line = line.rstrip("/") if dir_only else line
    if not line:
        return None
    anchored = "/" in line
    parts = [part for part in line.split("/") if part != ""] if anchored else [line]
    if not parts:
        return None
    segments = [_DSTAR if part == "**" else _tokens(part) for part in parts]
    if not anchored:
        segments.insert(0, _DSTAR)
    globs = tuple(None if segment is _DSTAR else _Glob(segment) for segment in segments)
    return Pattern(number, text, negated, dir_only, tuple(segments), globs)


def pattern_matches(pattern: Pattern, parts: tuple[str, ...], is_dir: bool) -> bool:
    """Does the pattern match the path itself (its segments `parts`)? The set of path
    positions each pattern segment can reach is carried forward (an NFA, no backtracking):
    at most len(segments) x len(parts) segment matches."""
    if pattern.dir_only and not is_dir:
        return False
    globs = pattern.globs
    if len(globs) == 2 and globs[0] is None and globs[1] is not None:
        return globs[1].match(parts[-1])  # `name` at any depth: the common case
    last = len(globs) - 1
    states = {0}
    for p, glob in enumerate(globs):
        if glob is None:
            if p == last and p > 0:  # `a/**`: everything inside a, not a itself
                return any(s < len(parts) for s in states)
            states = set(range(min(states), len(parts) + 1))
        else:
            states = {s + 1 for s in states if s < len(parts) and glob.match(parts[s])}
        if not states:
            return False
    return len(parts) in states


class IgnoreFile:
    """`.kpackignore`, able to say which line matched."""

    def __init__(self, path: Path, lines: list[str]):
        self.path = path
        self.patterns: list[Pattern] = []
        for number, line in enumerate(lines, 1):
            pattern = parse_line(number, line)
            if pattern is None:
                continue
            if len(self.patterns) == MAX_PATTERNS:
                raise IgnoreError(
                    f"{path}: more than {MAX_PATTERNS:,} patterns: kpack reads at most "
                    f"{MAX_PATTERNS:,} (leave a whole folder out with one `folder/` line)"
                )
            self.patterns.append(pattern)
        self._index = _Index(self.patterns, path) if len(self.patterns) >= INDEX_FROM else None

    @classmethod
    def load(cls, path: Path) -> IgnoreFile | None:
        """The file at `path` (None when there is none), read through kpack's one reader:
        a regular file, not a link (it is inside the connector), at most MAX_BYTES."""
        from kpack.fsutil import read_file

        try:
            raw = read_file(path, MAX_BYTES, nofollow=True)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise IgnoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        return cls(path, raw.decode("utf-8", errors="replace").splitlines())

    def _last(self, parts: tuple[str, ...], is_dir: bool) -> Pattern | None:
        if self._index is not None:
            for number in self._index.candidates(parts):
                pattern = self.patterns[number]
                if pattern_matches(pattern, parts, is_dir):
                    return pattern
            return None
        for pattern in reversed(self.patterns):
            if pattern_matches(pattern, parts, is_dir):
                return pattern
        return None

    def match(self, arcname: str, is_dir: bool, parents_checked: bool = False) -> str | None:
        """`.kpackignore:<line>: <pattern>` when the path (or a folder above it) is
        ignored, else None. `parents_checked`: the folders above are known not to be
        ignored (the walk never enters an ignored folder)."""
        found = self.matching(arcname, is_dir, parents_checked)
        return None if found is None else f"{IGNORE_FILE}:{found.line}: {found.text.strip()}"

    def matching(
        self, arcname: str, is_dir: bool, parents_checked: bool = False
    ) -> Pattern | None:
        """The pattern that ignores the path (or a folder above it), else None."""
        if not self.patterns:
            return None
        parts = tuple(arcname.split("/"))
        for depth in range(len(parts) if parents_checked else 1, len(parts) + 1):
            here_is_dir = is_dir or depth < len(parts)
            found = self._last(parts[:depth], here_is_dir)
            if found is not None and not found.negated:
                return found
        return None


def _literal_run(tokens: tuple[_Token, ...]) -> str:
    """The longest run of literal characters in a segment glob ('' when none): every
    name the glob matches contains it."""
    best = ""
    run: list[str] = []
    for token in (*tokens, None):
        if isinstance(token, _Literal):
            run.append(token)
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    return best


class _Runs:
    """Patterns by the literal run of one of their segments (`_literal_run`): a segment
    that is all literal by its text, looked up by the name itself; a run inside a glob by
    the name's substrings of the runs' lengths."""

    def __init__(self) -> None:
        self.exact: dict[str, list[int]] = {}
        self.runs: dict[str, list[int]] = {}
        self.lengths: list[int] = []

    def add(self, number: int, tokens: tuple[_Token, ...]) -> bool:
        """File the pattern `number` under `tokens`' run; False when they hold none."""
        run = _literal_run(tokens)
        if not run:
            return False
        if len(run) == len(tokens):
            self.exact.setdefault(run, []).append(number)
        else:
            self.runs.setdefault(run, []).append(number)
            if len(run) not in self.lengths:
                self.lengths = sorted((*self.lengths, len(run)))
        return True

    def find(self, name: str, found: set[int]) -> None:
        """Add to `found` the patterns whose run `name` holds."""
        found.update(self.exact.get(name, ()))
        runs = self.runs
        for length in self.lengths:
            if length > len(name):
                break
            for start in range(len(name) - length + 1):
                numbers = runs.get(name[start:start + length])
                if numbers is not None:
                    found.update(numbers)


def _plain(tokens: tuple[_Token, ...]) -> str | None:
    """A segment of literal characters only, as text; else None."""
    if tokens is _DSTAR or not all(isinstance(t, _Literal) for t in tokens):
        return None
    return "".join(t for t in tokens if isinstance(t, _Literal))


class _Index:
    """Which patterns can match a path, so that a path is tried against a few of them.

    Plain patterns, the shape of generated lists: a path from the root (`gen/out1.js`,
    by the whole path), a folder's contents (`gen/**`, by the path's first folders), a
    name at any depth (`out1.js`, by the path's last name). Globs: one whose last segment
    holds literal characters can only match a path whose last name holds that segment's
    longest literal run (`*.map`: `.map`); one ending in `/**`, a path with a folder
    holding the run of its last other segment. The rest (no literal character there:
    `*`, `[ab]?`, `**`) are tried on every path. A pattern written again is filed once,
    at its last line (the last match wins). Bounds: MAX_GLOBS globs, MAX_UNINDEXED of
    them tried on every path; the time per path is then bounded by them, not by the
    number of plain patterns."""

    def __init__(self, patterns: list[Pattern], path: Path):
        self.paths: dict[tuple[str, ...], list[int]] = {}
        self.prefixes: dict[tuple[str, ...], list[int]] = {}
        self.prefix_lengths: list[int] = []
        self.tail = _Runs()
        self.inner = _Runs()
        self.always: list[int] = []
        last_line = {pattern.text: number for number, pattern in enumerate(patterns)}
        globs = 0
        for number, pattern in enumerate(patterns):
            if last_line[pattern.text] == number:
                globs += not self._file_plain(number, pattern.segments)
                if globs > MAX_GLOBS:
                    raise IgnoreError(
                        f"{path}: more than {MAX_GLOBS:,} patterns with wildcards: kpack "
                        f"reads at most {MAX_GLOBS:,} (and {MAX_PATTERNS:,} in all)"
                    )
        if len(self.always) > MAX_UNINDEXED:
            raise IgnoreError(
                f"{path}: more than {MAX_UNINDEXED} patterns without a literal character "
                "in their last part (such as `*` or `[ab]?`): kpack tries those on every "
                "path, and reads at most " + str(MAX_UNINDEXED)
            )
        self.has_inner = bool(self.inner.exact or self.inner.runs)

    def _file_plain(self, number: int, segments: tuple[tuple[_Token, ...], ...]) -> bool:
        """File pattern `number`; True when it is a plain one (no wildcard)."""
        texts = [_plain(segment) for segment in segments]
        if segments[0] is not _DSTAR and None not in texts:  # `gen/out1.js`
            self.paths.setdefault(tuple(t for t in texts if t is not None), []).append(number)
            return True
        if len(segments) > 1 and segments[-1] is _DSTAR and None not in texts[:-1]:
            key = tuple(t for t in texts[:-1] if t is not None)  # `gen/**`
            self.prefixes.setdefault(key, []).append(number)
            if len(key) not in self.prefix_lengths:
                self.prefix_lengths = sorted((*self.prefix_lengths, len(key)))
            return True
        if segments[-1] is not _DSTAR:
            filed = self.tail.add(number, segments[-1])
            # `out1.js` at any depth: a name's own bucket, as plain as a path.
            plain = len(segments) == 2 and segments[0] is _DSTAR and texts[-1] is not None
        else:
            rest = [segment for segment in segments if segment is not _DSTAR]
            filed = bool(rest) and self.inner.add(number, rest[-1])
            plain = False
        if not filed:
            self.always.append(number)
        return plain

    def candidates(self, parts: tuple[str, ...]) -> list[int]:
        """The numbers of the patterns that may match the path, last first."""
        found = set(self.always)
        found.update(self.paths.get(parts, ()))
        for length in self.prefix_lengths:
            if length >= len(parts):
                break
            found.update(self.prefixes.get(parts[:length], ()))
        self.tail.find(parts[-1], found)
        if self.has_inner:
            for part in parts[:-1]:
                self.inner.find(part, found)
        return sorted(found, reverse=True)
