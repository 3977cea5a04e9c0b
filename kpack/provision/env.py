"""Placeholders (`$VAR`, `${VAR}`) in string values, and dotenv files that fill them.

A string value becomes a `Template`: literal text and variable references, in order.
`$$` stands for a literal `$` (docker compose's convention), so a literal secret that
contains `$NAME` can still be written. A `$` followed by anything else stays literal.

python-dotenv is not a dependency of kpack and the dotenv subset people write
(KEY=VALUE, `export`, quotes, comments) is small, so a parser lives here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from kpack import spec

NAME = spec.ENV_NAME_PATTERN
_TOKEN = re.compile(rf"\$\$|\$\{{({NAME})\}}|\$({NAME})|\$\{{")


class ProvisionError(Exception):
    """A problem with the input or the environment: one clear message, exit 2."""


class Var(NamedTuple):
    name: str


class Template(NamedTuple):
    """A string value with at least one placeholder: literal text and `Var`s."""

    parts: tuple[str | Var, ...]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parts if isinstance(p, Var)]

    def resolve(self, env: Mapping[str, str]) -> str:
        return "".join(p if isinstance(p, str) else env[p.name] for p in self.parts)


def parse_template(text: str, where: str) -> str | Template:
    """The literal string (with `$$` unescaped) or a Template when it holds placeholders."""
    if "$" not in text:
        return text
    parts: list[str | Var] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[position:match.start()])
        position = match.end()
        token = match.group(0)
        if token == "$$":
            literal.append("$")
        elif token == "${":
            raise ProvisionError(
                f"{where}: malformed placeholder: write ${{NAME}} with NAME made of letters, "
                "digits and _ (or $$ for a literal $)"
            )
        else:
            if "".join(literal):
                parts.append("".join(literal))
            literal = []
            parts.append(Var(match.group(1) or match.group(2)))
    literal.append(text[position:])
    if not any(isinstance(p, Var) for p in parts):
        return "".join(literal)
    if "".join(literal):
        parts.append("".join(literal))
    return Template(tuple(parts))


# --- dotenv -----------------------------------------------------------------------------

_LINE = re.compile(rf"\s*(?:export\s+)?({NAME})\s*=\s*")
_DOUBLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `export` prefix, '…' (literal), "…" (escapes, may span lines),
    `#` comments. Values are taken as written: no ${OTHER} interpolation."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ProvisionError(f"cannot read the env file {path}: {reason}") from None
    values: dict[str, str] = {}
    position, line_number = 0, 1
    text = text.lstrip("\ufeff")
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        line = text[position:end]
        if not line.strip() or line.lstrip().startswith("#"):
            position, line_number = end + 1, line_number + 1
            continue
        match = _LINE.match(line)
        if match is None:
            # Never echo the line: it may hold a secret.
            raise ProvisionError(f"{path}:{line_number}: expected NAME=VALUE")
        name = match.group(1)
        start = position + match.end()
        value, position = _value(text, start, f"{path}:{line_number}")
        line_number += text.count("\n", start, position) + 1
        values[name] = value
        position += 1  # the newline
    return values


def _value(text: str, start: int, where: str) -> tuple[str, int]:
    """The value starting at `start` and the offset of the end of its line."""
    quote = text[start:start + 1]
    if quote in ("'", '"'):
        chars: list[str] = []
        i = start + 1
        while i < len(text) and text[i] != quote:
            if quote == '"' and text[i] == "\\" and i + 1 < len(text):
                chars.append(_DOUBLE_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
                i += 2
                continue
            chars.append(text[i])
            i += 1
        if i >= len(text):
            raise ProvisionError(f"{where}: unterminated {quote}-quoted value")
        end = text.find("\n", i)
        end = len(text) if end < 0 else end
        rest = text[i + 1:end].strip()
        if rest and not rest.startswith("#"):
            raise ProvisionError(f"{where}: unexpected text after the closing quote")
        return "".join(chars), end
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    raw = text[start:end]
    comment = re.search(r"\s#", raw)
    if comment:
        raw = raw[:comment.start()]
    return raw.strip(), end
