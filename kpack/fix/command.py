"""`kpack check --fix / --unsafe-fixes / --diff / --fix-only`: the run over the files.

cli.py stays thin: it hands the discovered files and their settings here, then reports
what is left with the usual check.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from kpack.fix.apply import fix_file, unified_diff, write_fixed

if TYPE_CHECKING:
    from kpack.config import Settings
    from kpack.load.discover import FileToCheck


class FixRun(NamedTuple):
    fixed: int  # findings repaired (or that would be, with --diff)
    changed: int  # files changed (or that would be)
    failed: int  # files left alone (changed meanwhile, not writable)


def run_fixes(
    configured: Iterable[tuple[Settings, FileToCheck]], unsafe_fixes: bool, diff: bool
) -> FixRun:
    """Fix every file (or print the diff of what would change, with `diff`)."""
    fixed = changed = failed = 0
    for settings, file in configured:
        result = fix_file(file, settings, unsafe_fixes)
        if result is None or result.fixed == result.original:
            continue
        if diff:
            sys.stdout.write(unified_diff(result))
        else:
            problem = write_fixed(result)
            if problem is not None:
                print(f"kpack: warning: {problem}", file=sys.stderr)
                failed += 1
                continue
        fixed += result.fixes
        changed += 1
    sys.stdout.flush()
    return FixRun(fixed, changed, failed)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def report_fixes(done: FixRun, diff: bool, exit_non_zero_on_fix: bool) -> int:
    """The one line `--diff` and `--fix-only` print (on stderr), and their exit code."""
    findings = plural(done.fixed, "finding")
    if diff:
        print(f"Would fix {findings}." if done.changed else "No fixes available.", file=sys.stderr)
        return 1 if done.changed else 0
    print(f"Fixed {findings} in {plural(done.changed, 'file')}." if done.changed
          else "No fixes applied.", file=sys.stderr)
    if done.failed:
        return 2
    return 1 if exit_non_zero_on_fix and done.changed else 0
