"""Placeholders (`$VAR`, `${VAR}`) in string values, and dotenv files that fill them.

A string value becomes a `Template`: literal text and variable references, in order.
`$$` stands for a literal `$` (docker compose's convention), so a literal secret that
contains `$NAME` can still be written. A `$` followed by anything else stays literal.

Dotenv files (`--env-file`) are parsed by python-dotenv, as docker compose and most tools
read them; `${OTHER}` is expanded as python-dotenv expands it, with a bound on the size.
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

MAX_ENV_FILE = 2 * 1024 * 1024
# Characters of all the file's values once `${OTHER}` is expanded. Nested references
# double at each line (`B=${A}${A}`, `C=${B}${B}`...): 482 bytes made 1.1 GB in
# python-dotenv, 2.5 KB a MemoryError. The bound is counted before any value is built.
MAX_EXPANDED = 4 * 1024 * 1024


class EnvFile(NamedTuple):
    """The values of a dotenv file, and for each name the variables its value was made
    from (`A=${B}` and `B=${COUCHDB_PASSWORD}`: A comes from B and COUCHDB_PASSWORD), so the
    substitution policy sees through the file."""

    values: dict[str, str]
    sources: dict[str, frozenset[str]]


def read_env_file(path: Path) -> EnvFile:
    """The values of a dotenv file, parsed by python-dotenv as `dotenv_values` parses them
    (KEY=VALUE, `export`, quotes, escapes in "…", comments, values spanning lines), with
    `${OTHER}` and `${OTHER:-default}` expanded from the file's earlier lines, else the
    environment, as python-dotenv and docker compose do (`_expand`: the same result, its
    size bounded). A line python-dotenv cannot parse is an error naming the line, never its
    content (it may hold a secret); a `${OTHER}` set nowhere is a warning (it expands to an
    empty string). A bare `NAME` line sets nothing.
    """
    import io
    import os
    import sys

    from dotenv.parser import parse_stream
    from dotenv.variables import Variable, parse_variables

    from kpack.fsutil import TooLarge, read_file

    try:  # kpack's one reader: a regular file (a FIFO or a device is refused), bounded
        text = read_file(path, MAX_ENV_FILE).decode("utf-8").lstrip("\ufeff")
    except TooLarge:
        raise ProvisionError(f"the env file {path} is larger than 2 MiB") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ProvisionError(f"cannot read the env file {path}: {reason}") from None
    known = set(os.environ)
    bindings = []
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            quote = _unterminated(binding.original.string)
            if quote:
                raise ProvisionError(f"{path}:{line}: unterminated {quote}-quoted value")
            raise ProvisionError(f"{path}:{line}: expected NAME=VALUE")
        if binding.key is None:
            continue
        for atom in parse_variables(binding.value or ""):
            if isinstance(atom, Variable) and atom.default is None and atom.name not in known:
                sys.stderr.write(
                    f"kpack: warning: {path}:{line}: ${{{atom.name}}} is set neither earlier "
                    "in the file nor in the environment: it expands to an empty string\n"
                )
        if binding.value is not None:
            known.add(binding.key)
        bindings.append((binding.key, binding.value, line))
    return _expand(bindings, str(path), os.environ)


def _expand(
    bindings: list[tuple[str, str | None, int]], where: str, environ: Mapping[str, str],
) -> EnvFile:
    """python-dotenv's `resolve_variables` (override=True, as `dotenv_values`): each
    `${NAME}` is the file's earlier value (a bare `NAME` line: empty), else the
    environment's, else the default, else empty. Sizes are added up before any value is
    joined, so an expansion past MAX_EXPANDED ends in one line, having built nothing big."""
    from dotenv.variables import Variable, parse_variables

    values: dict[str, str | None] = {}
    sources: dict[str, frozenset[str]] = {}
    total = 0
    for key, value, line in bindings:
        if value is None:
            values[key], sources[key] = None, frozenset()
            continue
        pieces: list[str] = []
        names: set[str] = set()
        for atom in parse_variables(value):
            if isinstance(atom, Variable):
                names.add(atom.name)
                if atom.name in values:
                    piece = values[atom.name] or ""
                    names |= sources[atom.name]
                else:
                    piece = environ.get(atom.name, atom.default or "")
            else:
                piece = atom.resolve({})
            total += len(piece)
            if total > MAX_EXPANDED:
                raise ProvisionError(
                    f"{where}:{line}: the ${{...}} references make the env file's values "
                    f"longer than {MAX_EXPANDED // 2**20} MiB: refused"
                )
            pieces.append(piece)
        values[key], sources[key] = "".join(pieces), frozenset(names)
    return EnvFile({k: v for k, v in values.items() if v is not None},
                   {k: sources[k] for k, v in values.items() if v is not None})


def _unterminated(statement: str) -> str | None:
    """The quote a statement opens and never closes (`A="never closed`), if any."""
    match = re.match(rf"\s*(?:export\s+)?{NAME}\s*=\s*(['\"])", statement)
    if match and statement.rstrip().count(match.group(1)) == 1:
        return match.group(1)
    return None
