"""What goes into a bundle, and why everything else is left out or refused.

Order matters: the built-in exclusions come first and cannot be undone by a `!pattern`
in `.kpackignore` (a dev config must never come back in); then `.kpackignore`; only what
is still in is looked at for refusals (links leading out, special files, case clashes),
so listing a bad path in `.kpackignore` is always a way out.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import unicodedata
from pathlib import Path
from typing import NamedTuple

from kpack.bundle import rules as R
from kpack.diagnostics import Diagnostic, Kind, Rule, Severity
from kpack.load.discover import DEV_CONFIG_NAME, kind_by_name, looks_like_account_type

IGNORE_FILE = ".kpackignore"
# kpack.config's CONFIG_NAMES, written out (a test keeps them equal): importing the
# settings module for two names cost `kpack build` 2-4 ms of start-up.
KPACK_FILES = frozenset({IGNORE_FILE, ".kpack.yaml", ".kpack.yml"})

# Files holding live credentials, whatever folder they are in.
CREDENTIAL_FILES = {
    DEV_CONFIG_NAME: "dev config (live credentials)",
    "env_fields.json": "legacy dev config (live credentials)",  # cozy-konnector-libs v1
    ".token.json": "OAuth tokens of a dev run",
    ".account": "account of a dev run",
}
ARCHIVE_SUFFIXES = (
    ".tar", ".tgz", ".tar.gz", ".gz", ".zip", ".bz2", ".tbz2", ".xz", ".txz", ".zst",
    ".7z", ".rar",
)
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
LITTER_DIRS = frozenset({".idea", ".vscode", "__MACOSX", ".Trashes", ".Spotlight-V100",
                         ".fseventsd", ".nyc_output"})
LITTER_FILES = frozenset({".DS_Store", "Thumbs.db", "ehthumbs.db", "desktop.ini", ".directory"})
LITTER_PATTERNS = ("*~", "*.swp", "*.swo", ".#*", "#*#", "._*", "*.orig", "*.rej")


# NamedTuples and a plain class rather than dataclasses: building five dataclasses (and
# importing the module) cost `kpack build` about 8 ms of start-up.
class Entry(NamedTuple):
    """A file that goes in: its name in the bundle and where its bytes are read from."""

    arcname: str  # POSIX path relative to the bundle root
    path: Path
    size: int
    executable: bool


class Excluded(NamedTuple):
    arcname: str
    reason: str
    path: Path
    is_dir: bool = False


class Selection:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[Entry] = []
        self.dirs: list[str] = []
        self.excluded: list[Excluded] = []
        self.diagnostics: list[Diagnostic] = []

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.files)

    def arcnames(self) -> set[str]:
        return {entry.arcname for entry in self.files}


def file_diagnostic(
    rule: Rule, file: str, message: str, help: str | None = None, line: int = 1,
    column: int = 1, severity: Severity | None = None,
) -> Diagnostic:
    """A diagnostic about a file as a whole (or one position in it), not a JSON member."""
    return Diagnostic(
        rule.code, rule.name, severity or rule.severity, message, help, file, rule.kind, None,
        line, column, line, column + 1,
    )


class IgnoreFile:
    """`.kpackignore` (gitignore syntax, matched by pathspec), able to say which line matched."""

    def __init__(self, path: Path, lines: list[str]):
        import pathspec

        self.path = path
        # pathspec skips empty lines; keep the line number of every pattern it gets.
        self._numbered = [(number, line) for number, line in enumerate(lines, 1) if line]
        self._spec = pathspec.GitIgnoreSpec.from_lines([line for _, line in self._numbered])

    @classmethod
    def load(cls, path: Path) -> IgnoreFile | None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return None
        return cls(path, text.splitlines())

    def match(self, arcname: str, is_dir: bool) -> str | None:
        """`.kpackignore:<line>: <pattern>` when the path is ignored, else None."""
        result = self._spec.check_file(arcname + "/" if is_dir else arcname)
        if not result.include or result.index is None:
            return None
        pattern = self._spec.patterns[result.index]
        if len(self._spec.patterns) == len(self._numbered):
            number, line = self._numbered[result.index]
            return f"{IGNORE_FILE}:{number}: {line.strip()}"
        return f"{IGNORE_FILE}: {getattr(pattern, 'pattern', '?')}"


def builtin_reason(arcname: str, name: str, is_dir: bool, disk_path: Path) -> str | None:
    """Why a path is never bundled, or None."""
    if is_dir:
        if name in VCS_DIRS:
            return "version control data"
        if name in LITTER_DIRS:
            return "editor or OS litter"
        if arcname == "data":
            return "data/ of dev runs"
        return None
    if name in CREDENTIAL_FILES:
        return CREDENTIAL_FILES[name]
    if name == ".env" or name.startswith(".env"):
        return "environment file (credentials)"
    if name in KPACK_FILES:
        return "kpack settings"
    if name in LITTER_FILES or any(fnmatch.fnmatchcase(name, p) for p in LITTER_PATTERNS):
        return "editor or OS litter"
    if name.lower().endswith(ARCHIVE_SUFFIXES):
        return "archive"
    if kind_by_name(Path(name)) is Kind.ACCOUNT_TYPE or looks_like_account_type(disk_path):
        return "account-type file (holds secrets)"
    return None


class _Walker:
    def __init__(
        self, root: Path, display_root: str, ignore: IgnoreFile | None, skip: dict[str, str]
    ):
        self.root = root
        self.real_root = os.path.realpath(root)
        self.display_root = display_root
        self.ignore = ignore
        self.skip = skip  # arcname -> reason (e.g. the output folder inside the tree)
        self.selection = Selection(root)

    def display(self, arcname: str) -> str:
        return os.path.join(self.display_root, arcname)

    def reason(self, arcname: str, name: str, is_dir: bool, disk_path: Path) -> str | None:
        if arcname in self.skip:
            return self.skip[arcname]
        builtin = builtin_reason(arcname, name, is_dir, disk_path)
        if builtin is not None:
            return builtin
        return self.ignore.match(arcname, is_dir) if self.ignore is not None else None

    def refuse(self, rule: Rule, arcname: str, message: str, help: str | None = None) -> None:
        self.selection.diagnostics.append(
            file_diagnostic(rule, self.display(arcname), message, help)
        )

    def walk(self) -> Selection:
        # Depth-first over sorted names; `ancestors` holds the real paths of the folders
        # being walked, to catch a link back to one of them (a loop).
        stack: list[tuple[Path, str, frozenset[str]]] = [
            (self.root, "", frozenset({self.real_root}))
        ]
        while stack:
            folder, prefix, ancestors = stack.pop()
            try:
                with os.scandir(folder) as it:
                    names = sorted((e.name, e.is_symlink()) for e in it)
            except OSError as exc:
                self.refuse(R.SPECIAL_FILE, prefix.rstrip("/") or ".",
                            f"cannot read the folder: {exc.strerror or exc}")
                continue
            children: list[tuple[Path, str, frozenset[str]]] = []
            for name, is_link in names:
                children.extend(self.visit(folder / name, prefix + name, name, is_link, ancestors))
            stack.extend(reversed(children))
        self.selection.files.sort(key=lambda e: e.arcname.split("/"))
        self.selection.dirs.sort(key=lambda d: d.split("/"))
        self.selection.excluded.sort(key=lambda e: e.arcname.split("/"))
        self.check_collisions()
        return self.selection

    def visit(
        self, path: Path, arcname: str, name: str, is_link: bool, ancestors: frozenset[str]
    ) -> list[tuple[Path, str, frozenset[str]]]:
        try:
            st = os.stat(path)  # follows links
        except OSError:
            st = None
        is_dir = st is not None and stat.S_ISDIR(st.st_mode)
        reason = self.reason(arcname, name, is_dir, path)
        if reason is not None:
            self.selection.excluded.append(Excluded(arcname, reason, path, is_dir))
            return []
        if is_link:
            target = os.path.realpath(path)
            inside = target == self.real_root or target.startswith(self.real_root + os.sep)
            if st is None:
                self.refuse(R.UNSAFE_SYMLINK, arcname, "symbolic link to nothing (dangling)")
                return []
            if not inside:
                self.refuse(
                    R.UNSAFE_SYMLINK, arcname, "symbolic link leading outside the bundled tree",
                    f"copy the file into the tree, or add `{arcname}` to {IGNORE_FILE}",
                )
                return []
            # A link to something left out is left out too (e.g. config.json -> dev config).
            target_arc = os.path.relpath(target, self.real_root).replace(os.sep, "/")
            target_reason = self.reason(target_arc, os.path.basename(target), is_dir, Path(target))
            if target_reason is not None:
                self.selection.excluded.append(Excluded(
                    arcname, f"link to {target_arc}: {target_reason}", path, is_dir
                ))
                return []
        if st is None:
            self.refuse(R.SPECIAL_FILE, arcname, "cannot read this file")
            return []
        if is_dir:
            real = os.path.realpath(path)
            if real in ancestors:
                self.refuse(
                    R.UNSAFE_SYMLINK, arcname, "symbolic link loop (a folder links to its parent)"
                )
                return []
            self.selection.dirs.append(arcname)
            return [(path, arcname + "/", ancestors | {real})]
        if not stat.S_ISREG(st.st_mode):
            what = _file_type(st.st_mode)
            self.refuse(R.SPECIAL_FILE, arcname, f"{what}: only regular files can be bundled",
                        f"remove it or add `{arcname}` to {IGNORE_FILE}")
            return []
        if not os.access(path, os.R_OK):
            self.refuse(R.SPECIAL_FILE, arcname, "cannot read this file (permission denied)")
            return []
        self.selection.files.append(
            Entry(arcname, path, st.st_size, bool(st.st_mode & 0o111))
        )
        return []

    def check_collisions(self) -> None:
        groups: dict[str, list[str]] = {}
        for arcname in [*self.selection.dirs, *(e.arcname for e in self.selection.files)]:
            key = unicodedata.normalize("NFC", arcname).casefold()
            groups.setdefault(key, []).append(arcname)
        for names in groups.values():
            if len(names) > 1:
                names.sort()
                self.refuse(
                    R.CASE_COLLISION, names[1],
                    f"{' and '.join(repr(n) for n in names)} are the same path on "
                    "case-insensitive file systems",
                    "rename one of them",
                )


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def select(
    root: Path, display_root: str, ignore_file: Path | None = None,
    skip: dict[str, str] | None = None,
) -> Selection:
    """Walk `root` and sort every path into bundled, left out (with why) or refused."""
    ignore = IgnoreFile.load(ignore_file) if ignore_file is not None else None
    return _Walker(root, display_root, ignore, skip or {}).walk()
