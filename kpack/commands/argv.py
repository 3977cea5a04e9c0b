"""`kpack check`'s plain command lines, read without Typer.

What pre-commit runs on every commit is `kpack check FILE...` (`--fix
--exit-non-zero-on-fix` for the fixing hook); editors run `kpack check - --stdin-filename
NAME -o json`. Importing Typer and click, then building the command tree, was 40-50 % of
such a run's start (docs/performance.md, "Speed, second round"). `check_request` reads
those command lines itself and gives the very `CheckRequest` that `kpack.cli.check` builds
from them; for anything else (help, a mistake, an option whose value click converts or
checks, such as a path, shell completion) it gives None, and Typer reads the command line
as before, with its own messages and exit codes. tests/test_launch.py holds the two readers
equal: the options below against the click command's, and generated command lines
through both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpack.commands.check import CheckRequest

# On/off options: option -> CheckRequest field.
FLAGS = {
    "--strict": "strict",
    "--exit-zero": "exit_zero",
    "--fix": "fix",
    "--unsafe-fixes": "unsafe_fixes",
    "--diff": "diff",
    "--fix-only": "fix_only",
    "--exit-non-zero-on-fix": "exit_non_zero_on_fix",
    "--quiet": "quiet",
    "-q": "quiet",
    "--silent": "silent",
    "-s": "silent",
    "--statistics": "statistics",
    "--show-settings": "show_settings",
    "--show-files": "show_files",
}
_FORMATS = ("text", "json", "sarif", "github")
# Options taking one of a few words: option -> (field, the words).
CHOICES = {
    "--format": ("output_format", _FORMATS),
    "--output-format": ("output_format", _FORMATS),
    "-o": ("output_format", _FORMATS),
    "--kind": ("kind", ("manifest", "account-type", "dev-config")),
    "--target": ("target", ("stack", "registry")),
    "--color": ("color", ("auto", "always", "never")),
}
# Repeatable options taking rule codes or prefixes (comma-separated too).
CODES = {
    "--select": "select",
    "--ignore": "ignore",
    "--extend-select": "extend_select",
    "--extend-ignore": "extend_ignore",
}
TEXTS = {"--stdin-filename": "stdin_filename"}
COUNTS = {"--jobs": "jobs", "-j": "jobs"}
# Set by a shell asking click for completions: Typer answers it.
COMPLETION_VARIABLE = "_KPACK_COMPLETE"


def split_codes(values: Sequence[str] | None) -> tuple[str, ...]:
    """`--select A,B --select C` -> ("A", "B", "C")."""
    return tuple(v.strip() for value in values or [] for v in value.split(",") if v.strip())


def check_request(args: Sequence[str], environ: Mapping[str, str]) -> CheckRequest | None:
    """The request of `kpack <args>` when it is a plain `kpack check`, else None."""
    if not args or args[0] != "check" or environ.get(COMPLETION_VARIABLE):
        return None
    fields: dict[str, Any] = {}
    codes: dict[str, list[str]] = {}
    paths: list[str] = []
    index = 1
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":  # the rest are paths, even those starting with `-`
            paths.extend(args[index:])
            break
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        if arg in FLAGS:
            fields[FLAGS[arg]] = True
            continue
        name, equals, value = arg.partition("=")
        if not equals:
            if index == len(args) or args[index].startswith("-"):
                return None  # a missing value (click's message), or an unusual one
            value = args[index]
            index += 1
        elif not name.startswith("--"):
            return None  # `-o=json`: click reads `=json` as the value
        if not _take(name, value, fields, codes):
            return None
    from kpack.commands.check import CheckRequest

    for field, values in codes.items():
        fields[field] = split_codes(values)
    return CheckRequest(paths=tuple(paths), **fields)


def _take(name: str, value: str, fields: dict[str, Any], codes: dict[str, list[str]]) -> bool:
    """Note `name value` (a later one wins, as in click); False when unsure."""
    if name in CHOICES:
        field, words = CHOICES[name]
        if value not in words:
            return False
        fields[field] = value
    elif name in CODES:
        codes.setdefault(CODES[name], []).append(value)
    elif name in TEXTS:
        fields[TEXTS[name]] = value
    elif name in COUNTS:
        if not (value.isascii() and value.isdigit()):
            return False
        fields[COUNTS[name]] = int(value)
    else:
        return False
    return True
