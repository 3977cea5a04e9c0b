"""What goes into a bundle, and why everything else is left out or refused.

Order matters: the built-in exclusions come first and cannot be undone by a `!pattern`
in `.kpackignore` (a dev config must never come back in); then `.kpackignore`; only what
is still in is looked at for refusals (links leading out, special files, case clashes),
so listing a bad path in `.kpackignore` is always a way out.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import NamedTuple

from kpack.bundle.ignore import IGNORE_FILE as IGNORE_FILE
from kpack.bundle.ignore import IgnoreFile as IgnoreFile
from kpack.diagnostics import Diagnostic, Kind, Rule, Severity
from kpack.load.discover import (
    DATA_SUFFIXES,
    DEV_CONFIG_NAME,
    kind_of_name,
    looks_like_account_type,
)
from kpack.rules import bundle as R

# kpack.config's CONFIG_NAMES, written out (a test keeps them equal): importing the
# settings module for two names cost `kpack build` 2-4 ms of start-up.
KPACK_FILES = frozenset({IGNORE_FILE, ".kpack.yaml", ".kpack.yml"})
BUNDLE_MARKER = ".kpack-bundle"  # kpack.bundle.archive.MARKER (a test keeps them equal)

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
# The patterns as one expression: eight fnmatch calls a file were a tenth of a build's walk.
_LITTER = re.compile("|".join(fnmatch.translate(pattern) for pattern in LITTER_PATTERNS))


# NamedTuples and a plain class rather than dataclasses: building five dataclasses (and
# importing the module) cost `kpack build` about 8 ms of start-up.
class Entry(NamedTuple):
    """A file that goes in: its name in the bundle and where its bytes are read from."""

    arcname: str  # POSIX path relative to the bundle root
    path: str  # for a link inside the tree: the real path of its target
    size: int
    executable: bool
    dev: int = 0  # (st_dev, st_ino) when selected: packing opens exactly this file
    ino: int = 0


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


def builtin_reason(arcname: str, name: str, is_dir: bool, disk_path: str) -> str | None:
    """Why a path is never bundled, or None. Names of credentials, settings and version
    control are compared in any case: `Konnector-Dev-Config.json` is the dev config on a
    case-insensitive file system, and holds the same password on any other."""
    lower = name.lower()
    if is_dir:
        if lower in VCS_DIRS:
            return "version control data"
        if name in LITTER_DIRS:
            return "editor or OS litter"
        if arcname == "data":
            return "data/ of dev runs"
        return None
    if lower in CREDENTIAL_FILES:
        return CREDENTIAL_FILES[lower]
    if lower.startswith(".env"):
        return "environment file (credentials)"
    if lower in KPACK_FILES:
        return "kpack settings"
    if lower.endswith(BUNDLE_MARKER):  # inside (older kpack), or beside: `.out.kpack-bundle`
        return "kpack's bundle-folder marker"
    if name in LITTER_FILES or _LITTER.match(name):
        return "editor or OS litter"
    if lower.endswith(ARCHIVE_SUFFIXES):
        return "archive"
    if lower.endswith(DATA_SUFFIXES) and (  # both need a data suffix: most files stop here
        kind_of_name(name) is Kind.ACCOUNT_TYPE or looks_like_account_type(disk_path, name)
    ):
        return "account-type file (holds secrets)"
    return None


MAX_ENTRIES = 100_000  # files and folders looked at (B015)
MAX_DEPTH = 64  # nested folders (B015)
SPARSE_FROM = 1024 * 1024  # bytes: smaller files are not looked at for holes (B016)
BLOCK = 512  # st_blocks counts 512-byte units (POSIX)


_BAD_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def bad_name(name: str) -> str | None:
    """Why a file name cannot go into a bundle (B014), or None."""
    found = _BAD_CHAR.search(name)
    if found is None:
        return None
    if any(0xD800 <= ord(char) <= 0xDFFF for char in name):  # os.fsdecode's escapes
        return "is not valid UTF-8"
    if "\n" in name or "\r" in name:
        return "holds a newline"
    return "holds a control character"


def shown(arcname: str) -> str:
    """A path as it may be printed: control characters and undecodable bytes escaped."""
    if bad_name(arcname) is None:
        return arcname
    out = []
    for char in arcname:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029) or (
            0xD800 <= code <= 0xDFFF
        ):
            out.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


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
        self.seen = 0  # entries looked at (MAX_ENTRIES)
        self.links: dict[tuple[int, int], tuple[int, set[str]]] = {}  # hard links

    def display(self, arcname: str) -> str:
        return os.path.join(self.display_root, shown(arcname))

    def reason(self, arcname: str, name: str, is_dir: bool, disk_path: str) -> str | None:
        if arcname in self.skip:
            return self.skip[arcname]
        builtin = builtin_reason(arcname, name, is_dir, disk_path)
        if builtin is not None:
            return builtin
        if self.ignore is None:
            return None
        return self.ignore.match(arcname, is_dir, parents_checked=True)

    def path_reason(self, arcname: str, is_dir: bool, disk_path: str) -> str | None:
        """`reason` for a path reached through a link: the folders above it count too
        (a link must not bring back a file from inside .git/ or an ignored folder)."""
        parts = arcname.split("/")
        for depth in range(1, len(parts) + 1):
            here = "/".join(parts[:depth])
            last = depth == len(parts)
            found = self.reason(
                here, parts[depth - 1], is_dir or not last,
                disk_path if last else os.path.join(self.real_root, here),
            )
            if found is not None:
                return found if last else f"inside {here}/: {found}"
        return None

    def refuse(
        self, rule: Rule, arcname: str, message: str, help: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        self.selection.diagnostics.append(
            file_diagnostic(rule, self.display(arcname), message, help, severity=severity)
        )

    def walk(self) -> Selection:
        # Depth-first over sorted names; links to folders are never followed, so each real
        # folder is walked once and the walk is bounded by the tree itself (and the limits).
        # Paths are strings here: a Path per entry was a fifth of the walk.
        stack: list[tuple[str, str]] = [(os.fspath(self.root), "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as it:
                    names = sorted((e.name, e.is_symlink()) for e in it)
            except OSError as exc:
                self.refuse(R.SPECIAL_FILE, prefix.rstrip("/") or ".",
                            f"cannot read the folder: {exc.strerror or exc}")
                continue
            self.seen += len(names)
            if self.seen > MAX_ENTRIES:
                self.refuse(
                    R.WALK_LIMIT, prefix.rstrip("/") or ".",
                    f"more than {MAX_ENTRIES:,} files and folders in the bundled tree: "
                    "kpack stopped walking it",
                    f"leave folders out with {IGNORE_FILE}, or bundle the webpack build",
                )
                break
            children: list[tuple[str, str]] = []
            base = folder if folder.endswith("/") else folder + "/"  # os.path.join, once
            for name, is_link in names:
                children.extend(self.visit(base + name, prefix + name, name, is_link))
            stack.extend(reversed(children))
        # Component order: "/" made NUL orders as the list of components does (no NUL can
        # be in a name), at a fraction of the cost of splitting every path.
        self.selection.files.sort(key=lambda e: e.arcname.replace("/", "\0"))
        self.selection.dirs.sort(key=lambda d: d.replace("/", "\0"))
        self.selection.excluded.sort(key=lambda e: e.arcname.replace("/", "\0"))
        self.check_collisions()
        self.check_hard_links()
        return self.selection

    def visit(
        self, path: str, arcname: str, name: str, is_link: bool
    ) -> list[tuple[str, str]]:
        try:
            st = os.stat(path)  # follows links
        except OSError:
            st = None
        is_dir = st is not None and stat.S_ISDIR(st.st_mode)
        reason = self.reason(arcname, name, is_dir, path)
        if reason is not None:
            self.selection.excluded.append(Excluded(arcname, reason, Path(path), is_dir))
            return []
        why = bad_name(name)
        if why is not None:
            self.refuse(R.BAD_FILE_NAME, arcname, f"the name {why}",
                        f"rename it, or add it to {IGNORE_FILE}")
            return []
        real = self.link_target(path, arcname, st, is_dir) if is_link else path
        if real is None:
            return []
        if st is None:
            self.refuse(R.SPECIAL_FILE, arcname, "cannot read this file")
            return []
        if is_dir:
            if arcname.count("/") + 1 > MAX_DEPTH:
                self.refuse(
                    R.WALK_LIMIT, arcname,
                    f"folders nested more than {MAX_DEPTH} deep: kpack does not go further",
                    f"add `{arcname}` to {IGNORE_FILE}",
                )
                return []
            self.selection.dirs.append(arcname)
            return [(path, arcname + "/")]
        if not stat.S_ISREG(st.st_mode):
            what = _file_type(st.st_mode)
            self.refuse(R.SPECIAL_FILE, arcname, f"{what}: only regular files can be bundled",
                        f"remove it or add `{arcname}` to {IGNORE_FILE}")
            return []
        if not os.access(path, os.R_OK):
            self.refuse(R.SPECIAL_FILE, arcname, "cannot read this file (permission denied)")
            return []
        if st.st_size >= SPARSE_FROM and st.st_blocks * BLOCK * 8 < st.st_size:
            self.refuse(
                R.CONTENT_TOO_LARGE, arcname,
                f"sparse file: {st.st_size:,} bytes long, {st.st_blocks * BLOCK:,} on disk "
                "(it would unpack far larger than it looks)",
                f"leave it out with {IGNORE_FILE}", severity=Severity.WARNING,
            )
        if st.st_nlink > 1:
            _count, names = self.links.setdefault((st.st_dev, st.st_ino), (st.st_nlink, set()))
            names.add(os.path.realpath(real))
        self.selection.files.append(Entry(
            arcname, real, st.st_size, bool(st.st_mode & 0o111), st.st_dev, st.st_ino
        ))
        return []

    def link_target(
        self, path: str, arcname: str, st: os.stat_result | None, is_dir: bool
    ) -> str | None:
        """The real path a link inside the tree is bundled as; None when it is refused or
        left out (said so here)."""
        target = os.path.realpath(path)
        inside = target == self.real_root or target.startswith(self.real_root + os.sep)
        if st is None:
            self.refuse(R.UNSAFE_SYMLINK, arcname, "symbolic link to nothing (dangling)")
            return None
        if not inside:
            self.refuse(
                R.UNSAFE_SYMLINK, arcname, "symbolic link leading outside the bundled tree",
                f"copy the file into the tree, or add `{arcname}` to {IGNORE_FILE}",
            )
            return None
        # A link to something left out is left out too (e.g. config.json -> dev config).
        target_arc = os.path.relpath(target, self.real_root).replace(os.sep, "/")
        target_reason = (
            self.path_reason(target_arc, is_dir, target) if target_arc != "." else None
        )
        if target_reason is not None:
            self.selection.excluded.append(Excluded(
                arcname, f"link to {target_arc}: {target_reason}", Path(path), is_dir
            ))
            return None
        if is_dir:
            loop = target_arc == "." or arcname.startswith(target_arc + "/")
            self.refuse(
                R.UNSAFE_SYMLINK, arcname,
                "symbolic link loop (a folder links to its parent)" if loop else
                f"symbolic link to a folder ({target_arc}/): kpack does not follow them, "
                "the folder is bundled once, under its own name",
                f"replace the link with the folder, or add `{arcname}` to {IGNORE_FILE}",
            )
            return None
        return target

    def check_hard_links(self) -> None:
        """B013: a file whose hard links are not all in the tree."""
        where: dict[tuple[int, int], list[str]] = {}
        for entry in self.selection.files:
            if (entry.dev, entry.ino) in self.links:
                where.setdefault((entry.dev, entry.ino), []).append(entry.arcname)
        for key, (count, real_paths) in self.links.items():
            if len(real_paths) < count:
                arcname = min(where[key], key=lambda a: a.split("/"))
                self.refuse(
                    R.HARD_LINK, arcname,
                    f"this file has {count} hard links and only {len(real_paths)} of them are "
                    "in the bundled tree: it may be a file from elsewhere",
                    f"copy it into the tree instead of linking it, or add `{arcname}` "
                    f"to {IGNORE_FILE}",
                )

    def check_collisions(self) -> None:
        groups: dict[str, list[str]] = {}
        for arcname in [*self.selection.dirs, *(e.arcname for e in self.selection.files)]:
            key = (  # ASCII: NFC changes nothing and casefold() is lower()
                arcname.lower() if arcname.isascii()
                else unicodedata.normalize("NFC", arcname).casefold()
            )
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


ROOT_MANIFEST = "manifest.konnector"


def select(
    root: Path, display_root: str, ignore_file: Path | None = None,
    skip: dict[str, str] | None = None, ignore: IgnoreFile | None = None,
) -> Selection:
    """Walk `root` and sort every path into bundled, left out (with why) or refused.
    `ignore`: the `.kpackignore` already loaded, else read from `ignore_file` (raises
    IgnoreError when it cannot be used)."""
    if ignore is None and ignore_file is not None:
        ignore = IgnoreFile.load(ignore_file)
    return _Walker(root, display_root, ignore, skip or {}).walk()
