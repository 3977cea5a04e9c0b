"""`.kpackignore`: gitignore patterns, matched without backtracking.

The syntax and meaning are git's (gitignore(5)): blank lines and `#` comments are skipped,
trailing spaces dropped unless escaped, `!` re-includes, `\\` escapes the next character, a
trailing `/` matches folders only, a `/` at the start or in the middle anchors the pattern
at the bundle's root (else it matches at any depth), `*` and `?` never match `/`, `[...]`
is a character class (`[!...]` or `[^...]` negated), `**/`, `/**/` and `/**` span folders.
The last matching pattern wins, and nothing inside an ignored folder can be re-included.

Why not a regular expression (pathspec): a pattern such as `*a*a*a*a*a*a*a*a*a*a*a*a*b`
makes a backtracking regex engine take exponential time on one 60-character name, and
`**/a/**/a/**/b` polynomial time in the depth. Here a segment is matched by the classic
greedy wildcard algorithm (at most len(pattern) x len(name) steps) and folders by a
memoised walk over (pattern segment, path segment) pairs: the time is bounded by the sizes
of the pattern and the path, whatever they hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Union

IGNORE_FILE = ".kpackignore"
MAX_PATTERN = 4096  # characters: longer lines are not patterns anyone writes

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


def _one(token: _Token, char: str) -> bool:
    if isinstance(token, tuple):
        negated, ranges = token
        inside = any(low <= char <= high for low, high in ranges)
        return inside != negated
    if token == _ANY and not isinstance(token, _Literal):
        return True
    return token == char


def glob_match(tokens: tuple[_Token, ...], name: str) -> bool:
    """Does one segment glob match one name? Greedy, remembering only the last star:
    at most len(tokens) * len(name) steps (no backtracking beyond that star)."""
    i = j = 0
    star = -1
    mark = 0
    while i < len(name):
        if j < len(tokens) and _is_star(tokens[j]):
            star, mark = j, i
            j += 1
        elif j < len(tokens) and not _is_star(tokens[j]) and _one(tokens[j], name[i]):
            i += 1
            j += 1
        elif star >= 0:
            j = star + 1
            mark += 1
            i = mark
        else:
            return False
    while j < len(tokens) and _is_star(tokens[j]):
        j += 1
    return j == len(tokens)


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
    return Pattern(number, text, negated, dir_only, tuple(segments))


def pattern_matches(pattern: Pattern, parts: tuple[str, ...], is_dir: bool) -> bool:
    """Does the pattern match the path itself (its segments `parts`)? The set of path
    positions each pattern segment can reach is carried forward (an NFA, no backtracking):
    at most len(segments) x len(parts) segment matches."""
    if pattern.dir_only and not is_dir:
        return False
    segments = pattern.segments
    if len(segments) == 2 and segments[0] is _DSTAR and segments[1] is not _DSTAR:
        return glob_match(segments[1], parts[-1])  # `name` at any depth: the common case
    last = len(segments) - 1
    states = {0}
    for p, segment in enumerate(segments):
        if segment is _DSTAR:
            if p == last and p > 0:  # `a/**`: everything inside a, not a itself
                return any(s < len(parts) for s in states)
            states = set(range(min(states), len(parts) + 1))
        else:
            states = {
                s + 1 for s in states if s < len(parts) and glob_match(segment, parts[s])
            }
        if not states:
            return False
    return len(parts) in states


class IgnoreFile:
    """`.kpackignore`, able to say which line matched."""

    def __init__(self, path: Path, lines: list[str]):
        self.path = path
        self.patterns = [
            pattern for number, line in enumerate(lines, 1)
            if (pattern := parse_line(number, line)) is not None
        ]

    @classmethod
    def load(cls, path: Path) -> IgnoreFile | None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return None
        return cls(path, text.splitlines())

    def _last(self, parts: tuple[str, ...], is_dir: bool) -> Pattern | None:
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
