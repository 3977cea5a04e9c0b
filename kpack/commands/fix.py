"""`kpack check --fix / --unsafe-fixes / --diff / --fix-only`: the run over the files.

cli.py stays thin: it hands the discovered files and their settings here, then reports
what is left with the usual check.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, NamedTuple

from kpack.fix.apply import fix_file

if TYPE_CHECKING:
    from kpack.check import CheckedRun, FileResult
    from kpack.config import Settings
    from kpack.diagnostics import Diagnostic
    from kpack.load.discover import FileToCheck


def fix_and_check(
    configured: Iterable[tuple[Settings, FileToCheck]], jobs: int, unsafe_fixes: bool,
    diff: bool, context: AbstractSet[str] = frozenset(), report: bool = True,
) -> tuple[FixRun, CheckedRun]:
    """Check, fix the files with a fix to apply, and check again if any changed (and
    `report`: the findings that are left are wanted; not for --diff and --fix-only).

    A file whose check offers no fix cannot get one from fixing others (fixes are per
    file), so only those files go through the passes: `--fix` on a clean tree costs one
    check, as a pre-commit hook should. Files in `context` (companions of the files given,
    read for the cross-file rules only) are never fixed."""
    from kpack.check import check_files
    from kpack.fixes import applies

    listed = list(configured)
    first = check_files(iter(listed), jobs, context)
    found: dict[str, list[Diagnostic]] = {}
    for d in first.diagnostics:
        found.setdefault(d.file, []).append(d)
    fixable = {name for name, ds in found.items() if any(applies(d.fix, unsafe_fixes) for d in ds)}
    written: dict[str, FileResult] = {}
    done = run_fixes(
        [(s, f) for s, f in listed if f.display in fixable and f.real not in context],
        unsafe_fixes, diff, found, written,
    )
    hidden = 0 if unsafe_fixes else sum(
        applies(d.fix, True) and not applies(d.fix, False) for d in first.diagnostics
    )
    done = done._replace(hidden=hidden)
    if diff or not report or not done.changed:
        return done, first
    # The files written were checked by their last pass: only the others are read again
    # (the rules across files need them all).
    return done, check_files(iter(listed), jobs, context, known=written)


class FixRun(NamedTuple):
    fixed: int  # findings repaired (or that would be, with --diff)
    changed: int  # files changed (or that would be)
    failed: int  # files left alone (changed meanwhile, not writable)
    hidden: int = 0  # unsafe fixes the first check found, not applied without --unsafe-fixes


def run_fixes(
    configured: Iterable[tuple[Settings, FileToCheck]], unsafe_fixes: bool, diff: bool,
    found: Mapping[str, list[Diagnostic]] | None = None,
    written: dict[str, FileResult] | None = None,
) -> FixRun:
    """Fix every file (or print the diff of what would change, with `diff`). `found`: the
    findings of a check just made, by file, which spare each file its first check.
    `written`: filled with the check of each file written (by real path)."""
    from kpack.escape import printable
    from kpack.fix.diff import unified_diff
    from kpack.fix.write import refusal, write_fixed

    fixed = changed = failed = 0
    for settings, file in configured:
        problem = refusal(file)
        if problem is not None:  # a link, several hard links: --fix would not write it
            print(f"kpack: warning: {printable(f'cannot fix {file.display}: {problem}')}",
                  file=sys.stderr)
            failed += 1
            continue
        known = None if found is None else found.get(file.display, [])
        result = fix_file(file, settings, unsafe_fixes, known)
        if result is None or result.fixed == result.original:
            continue
        if diff:
            sys.stdout.write(unified_diff(result))
        else:
            problem = write_fixed(result)
            if problem is not None:
                print(f"kpack: warning: {printable(problem)}", file=sys.stderr)
                failed += 1
                continue
            if written is not None and result.checked is not None:
                written[file.real] = result.checked
        fixed += result.fixes
        changed += 1
    sys.stdout.flush()
    return FixRun(fixed, changed, failed)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def report_fixes(
    done: FixRun, diff: bool, exit_non_zero_on_fix: bool, quiet: bool = False
) -> int:
    """The one line `--diff` and `--fix-only` print (on stderr; not with `quiet`), and
    their exit code."""
    findings = plural(done.fixed, "finding")
    hint = (
        f" ({done.hidden} hidden fix{'' if done.hidden == 1 else 'es'} can be enabled with the "
        "`--unsafe-fixes` option)" if done.hidden else ""
    )
    if diff:
        line = f"Would fix {findings}" if done.changed else "No fixes available"
        if not quiet:
            print(f"{line}{hint}.", file=sys.stderr)
        return 1 if done.changed else 0
    line = f"Fixed {findings} in {plural(done.changed, 'file')}" if done.changed else (
        "No fixes applied"
    )
    if not quiet:
        print(f"{line}{hint}.", file=sys.stderr)
    if done.failed:
        return 2
    return 1 if exit_non_zero_on_fix and done.changed else 0
