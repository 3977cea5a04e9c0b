"""Which files and folders discovery leaves out: ruff's `exclude` and `extend-exclude`.

A pattern without a slash is matched against the name of every file and folder below the
settings file (`fixtures`, `*.orig.json`); one with a slash against the path relative to
the settings file's folder (`examples/*`, `vendor/old-connector`). `*` crosses slashes, as
in ruff (and in kpack's `per-file-ignores`). An excluded folder is not walked. `exclude`
replaces the defaults below, `extend-exclude` adds to them.

Files and folders given by name are checked even when excluded, unless `force-exclude` is
on (what pre-commit needs: it passes every staged file by name).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable

# Never connector sources: dependencies, builds (a copy of the manifest), VCS and virtualenv
# folders, and `data/` (cozy-konnector-libs' output; discovery still looks for the legacy
# `data/env_fields.json` in it).
DEFAULT_EXCLUDE = ("node_modules", ".git", "build", "data", ".hg", ".svn", ".venv")
_GLOB = re.compile(r"[*?\[]")


def normalise(pattern: str) -> str:
    """`./fixtures/` is `fixtures`: a leading `./` and a trailing slash say nothing more."""
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


class Exclusion:
    """The exclusion of one settings file: its patterns and the folder they are relative to
    (a real path)."""

    __slots__ = ("_relative", "force", "name_globs", "names", "path_globs", "root")

    def __init__(self, patterns: Iterable[str], root: str, force: bool = False):
        self.root = root
        self.force = force
        names: set[str] = set()
        self.name_globs: tuple[str, ...] = ()
        self.path_globs: tuple[str, ...] = ()
        for pattern in map(normalise, patterns):
            if "/" in pattern:
                self.path_globs += (pattern,)
                if pattern.startswith("**/"):  # also at the root, as in ruff's globs
                    self.path_globs += (pattern[3:],)
            elif _GLOB.search(pattern):
                self.name_globs += (pattern,)
            else:
                names.add(pattern)
        self.names = frozenset(names)
        self._relative: dict[str, str] = {}  # a real folder -> its path from root

    def excludes(self, folder: str, name: str) -> bool:
        """Whether the entry `name` of `folder` (a real path) is left out."""
        if name in self.names:
            return True
        if self.name_globs and any(fnmatch.fnmatchcase(name, g) for g in self.name_globs):
            return True
        if not self.path_globs:
            return False
        relative = self._relative.get(folder)
        if relative is None:
            relative = self._relative[folder] = _relative(folder, self.root)
        path = f"{relative}/{name}" if relative else name
        return any(fnmatch.fnmatchcase(path, glob) for glob in self.path_globs)

    def excludes_path(self, real: str, exclusion_of: ExclusionOf) -> bool:
        """Whether a file or folder given by name (its real path) lies in what its settings
        exclude: itself, or one of its folders up to the settings file's folder (ruff's
        `--force-exclude`). `exclusion_of` gives each folder's exclusion."""
        path = real
        for _ in range(256):  # a real path has fewer levels; a bound all the same
            folder, name = os.path.split(path)
            if not name:
                return False
            exclusion = exclusion_of(folder)
            if exclusion.excludes(folder, name):
                return True
            inside = folder == exclusion.root or folder.startswith(
                exclusion.root.rstrip(os.sep) + os.sep
            )
            if not inside or folder == exclusion.root:
                return False
            path = folder
        return False


def _relative(folder: str, root: str) -> str:
    relative = os.path.relpath(folder, root) if root else folder
    relative = relative.replace(os.sep, "/")
    return "" if relative == "." else relative


BUILTIN = Exclusion(DEFAULT_EXCLUDE, "")


def builtin(folder: str) -> Exclusion:
    """Every folder's exclusion when no settings are read (`kpack build`, `provision`)."""
    return BUILTIN


# A real folder -> the exclusion of the entries listed in it.
ExclusionOf = Callable[[str], Exclusion]
