"""Find the files to check and tell their kind, by name first and by content second."""

from __future__ import annotations

import fnmatch
import operator
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from kpack.diagnostics import Kind
from kpack.load.exclude import DEFAULT_EXCLUDE, ExclusionOf, builtin
from kpack.realpath import string_resolver

MANIFEST_NAME = "manifest.konnector"
DEV_CONFIG_NAME = "konnector-dev-config.json"
# Its 2017 predecessor (cozy-konnector-libs v1, standalone mode): a flat object of the
# account's fields, at the root or in `data/` (which discovery otherwise skips).
LEGACY_DEV_CONFIG_NAME = "env_fields.json"
SKIPPED_DIRS = frozenset(DEFAULT_EXCLUDE)  # unless the settings say otherwise
ACCOUNT_TYPE_PATTERNS = ("*account-type*", "*account_type*", "account-types-def")
DATA_SUFFIXES = (".json", ".yaml", ".yml")
SNIFF_BYTES = 1024 * 1024  # how much of a data file content sniffing reads
# JSON files of the JS ecosystem that are never account types: not worth opening.
NEVER_ACCOUNT_TYPES = frozenset(
    {
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "jsconfig.json",
        ".eslintrc.json",
        "renovate.json",
        ".babelrc.json",
        "lerna.json",
        "yarn.lock",
    }
)


# The names in each folder a walk listed, by the folder's real path: a later stage asking
# whether a folder holds some file (the settings lookup, for a config in every folder of
# a monorepo) looks here before asking the system.
FolderNames = dict[str, frozenset[str]]


class UsageError(Exception):
    """A problem with how kpack was called: reported as such, exit 2."""


class FileToCheck(NamedTuple):
    path: Path
    display: str  # as the user would recognise it: as given, or joined to what was given
    kind: Kind
    real: str  # the resolved path, found once here so later stages need not ask again
    folder: str  # the resolved folder holding the file as found (a link's own folder)

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to worker processes by the thousand (`--jobs`): a Path pickles as its parts
        # and is rebuilt from them, several times slower than from its string. The Kind
        # itself, not its value: pickle sends each member once per message.
        path = os.fspath(self.path)
        return _file_to_check, (path, self.display, self.kind, self.real, self.folder)


def _file_to_check(path: str, display: str, kind: Kind, real: str, folder: str) -> FileToCheck:
    return FileToCheck(Path(path), display, kind, real, folder)


def kind_by_name(path: Path) -> Kind | None:
    return kind_of_name(path.name)


def kind_of_given_name(path: Path) -> Kind | None:
    """The kind of a file given by name: `kind_by_name`, and a dev config under another
    name (`konnector-dev-config.demo.json`): its name says what it is. A walk does not
    pick such files up (cozy-jobs-cli reads only konnector-dev-config.json)."""
    kind = kind_of_name(path.name)
    if kind is None:
        stem, suffix = os.path.splitext(path.name.lower())
        if suffix == ".json" and stem.startswith(DEV_CONFIG_NAME[: -len(".json")]):
            return Kind.DEV_CONFIG
    return kind


def kind_of_name(name: str) -> Kind | None:
    """`kind_by_name` on a file's name (no Path needed)."""
    if name == MANIFEST_NAME:
        return Kind.MANIFEST
    if name in (DEV_CONFIG_NAME, LEGACY_DEV_CONFIG_NAME):
        return Kind.DEV_CONFIG
    stem, suffix = os.path.splitext(name.lower())
    if suffix in DATA_SUFFIXES and any(fnmatch.fnmatchcase(stem, p) for p in ACCOUNT_TYPE_PATTERNS):
        return Kind.ACCOUNT_TYPE
    return None


def looks_like_account_type(path: str | Path, name: str | None = None) -> bool:
    """Content sniffing: a data file that mentions `grant_mode` as a key. `name`: the
    path's last component, when the caller has it (the bundle's walk: no Path made)."""
    name = os.path.basename(path) if name is None else name
    if not may_be_account_type(name):
        return False
    from kpack.fsutil import read_file

    try:  # a FIFO named `*.json` is refused without waiting for a writer
        head = read_file(path, 1024 * 1024, head=True)
    except OSError:
        return False
    return account_type_content(name, head)


def may_be_account_type(name: str) -> bool:
    """Whether a file of this name may be an account type by its content (a data file)."""
    return os.path.splitext(name)[1].lower() in DATA_SUFFIXES and name not in NEVER_ACCOUNT_TYPES


def account_type_content(name: str, head: bytes) -> bool:
    """`looks_like_account_type` on bytes already read (standard input), as the file `name`."""
    if not may_be_account_type(name):
        return False
    head = head[:SNIFF_BYTES]
    if os.path.splitext(name)[1].lower() == ".json":
        return b'"grant_mode"' in head
    return b"grant_mode:" in head or b'"grant_mode"' in head


def discover(paths: list[str], forced: Kind | None = None) -> list[FileToCheck]:
    """Expand the given paths into files to check, in a stable order, without duplicates.
    Only the built-in exclusion applies (no settings are read: `build`, `provision`)."""
    return list(iter_discover(paths, forced, exclusion=builtin))


def iter_discover(
    paths: list[str],
    forced: Kind | None = None,
    listed: FolderNames | None = None,
    exclusion: ExclusionOf | None = None,
    force_exclude: bool | None = None,
) -> Iterator[FileToCheck]:
    """`discover`, one file at a time as folders are walked, so that checking can start
    before the walk ends. The given paths are checked first: a bad one raises
    UsageError here, before any file is yielded. `listed` receives the names of each
    folder walked, before any of its files is yielded.

    `exclusion` gives each real folder's exclusion (kpack.load.exclude): `kpack check`
    passes its settings lookup's (`kpack.config.SettingsLookup.exclusion`: the nearest
    settings file's, or that of `--config`); by default only the built-in one applies.
    `force_exclude` (`--force-exclude`) applies it to the given paths too; None: as each
    one's settings say."""
    listed = {} if listed is None else listed
    exclusion_of = exclusion or builtin
    targets = []
    for given in paths or ["."]:
        target = _target(given, forced, exclusion_of, force_exclude)
        if target is not None:
            targets.append(target)
    return _files(targets, listed, exclusion_of)


class _Target(NamedTuple):
    given: str
    path: Path
    kind: Kind | None  # None: a folder to walk


def _target(
    given: str, forced: Kind | None, exclusion_of: ExclusionOf, force_exclude: bool | None
) -> _Target | None:
    """What a given path is; None when `--force-exclude` leaves it out."""
    path = Path(given)
    if not os.path.lexists(path):
        raise UsageError(f"{given}: no such file or directory")
    if _force_excluded(given, exclusion_of, force_exclude):
        return None
    if path.is_dir():
        if forced is not None:
            raise UsageError(f"{given}: --kind applies to files, not to a directory")
        return _Target(given, path, None)
    kind = (
        forced
        or kind_of_given_name(path)
        or (Kind.ACCOUNT_TYPE if looks_like_account_type(path) else None)
    )
    if kind is None:
        raise UsageError(
            f"{given}: cannot tell what kind of file this is "
            "(use --kind manifest|account-type|dev-config)"
        )
    return _Target(given, path, kind)


def _force_excluded(given: str, exclusion_of: ExclusionOf, force: bool | None) -> bool:
    if force is False:
        return False
    real = os.path.realpath(given)
    exclusion = exclusion_of(os.path.dirname(real))
    return (force or exclusion.force) and exclusion.excludes_path(real, exclusion_of)


def _files(
    targets: list[_Target], listed: FolderNames, exclusion_of: ExclusionOf
) -> Iterator[FileToCheck]:
    seen: set[str] = set()  # real paths: a file reached twice is checked once
    real_path = string_resolver()  # each folder resolved once, not each file
    for target in targets:
        if target.kind is not None:
            real = real_path(os.fspath(target.path))
            if real not in seen:
                seen.add(real)
                folder = real_path(os.path.dirname(os.fspath(target.path)) or ".")
                yield FileToCheck(target.path, target.given, target.kind, real, folder)
            continue
        root = os.fspath(target.path)
        for real_dir, entries in _walk(root, real_path(root), listed, exclusion_of):
            for entry in entries:
                name = entry.name
                kind = kind_of_name(name)
                if (
                    kind is None
                    and os.path.splitext(name)[1].lower() in DATA_SUFFIXES  # no Path
                    and looks_like_account_type(Path(entry.path))
                ):
                    kind = Kind.ACCOUNT_TYPE
                if kind is None:
                    continue
                # What `resolve(file)` does, in two steps: a link is resolved, any other
                # file is its folder's real path plus its name.
                link = entry.is_symlink()
                real = real_path(entry.path) if link else os.path.join(real_dir, name)
                if real not in seen:
                    seen.add(real)
                    file = Path(entry.path)
                    yield FileToCheck(file, str(file), kind, real, real_dir)


def _walk(
    root: str, real_root: str, listed: FolderNames, exclusion_of: ExclusionOf
) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """The real path of each folder under `root`, and the folder's entries that are not
    folders, sorted by name, as `os.walk` would list them (links to folders are listed,
    not followed), less what each folder's settings exclude.

    Directory entries, not names: their file type comes with the listing, so telling a
    symbolic link costs no system call (a monorepo has thousands of files). Links are
    not followed, so below the root each folder's real path is its parent's plus its
    name: the root alone is resolved."""
    pending = [(root, real_root)]
    while pending:
        folder, real_folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError:  # unreadable or vanished: os.walk skips it too
            continue
        listed[real_folder] = frozenset(entry.name for entry in entries)
        excludes = exclusion_of(real_folder).excludes
        files, folders = [], []
        data_files: list[tuple[str, list[os.DirEntry[str]]]] = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if not is_folder:
                if not excludes(real_folder, entry.name):
                    files.append(entry)
            elif entry.is_symlink():
                continue
            elif not excludes(real_folder, entry.name):
                folders.append((entry.path, os.path.join(real_folder, entry.name)))
            elif entry.name == "data":
                real_data = os.path.join(real_folder, entry.name)
                legacy = _legacy_dev_config(entry.path)
                if legacy is not None and not exclusion_of(real_data).excludes(
                    real_data, legacy.name
                ):  # data/env_fields.json: credentials, checked
                    data_files.append((real_data, [legacy]))
        yield real_folder, files
        yield from data_files
        pending.extend(reversed(folders))  # depth first, in name order, as os.walk


_name = operator.attrgetter("name")


def _legacy_dev_config(data_folder: str) -> os.DirEntry[str] | None:
    """`data/env_fields.json`, the one file looked at in a skipped `data/` folder."""
    try:
        with os.scandir(data_folder) as listing:
            return next(
                (e for e in listing if e.name == LEGACY_DEV_CONFIG_NAME and e.is_file()), None
            )
    except OSError:
        return None


# How far up from a given file the connector's manifest is looked for.
MAX_CONNECTOR_LEVELS = 32


def connector_folder(file: str) -> str | None:
    """The folder of the connector `file` belongs to: the nearest folder, from the file's
    own up, that holds a `manifest.konnector`. The search stops at a repository's root (a
    folder holding `.git`) and at the file system's root. As a path relative to the
    file's own, so that what is found there reads as the file does."""
    folder = os.path.dirname(file) or "."
    for _ in range(MAX_CONNECTOR_LEVELS):
        if os.path.isfile(os.path.join(folder, MANIFEST_NAME)):
            return folder
        if os.path.exists(os.path.join(folder, ".git")):
            return None
        parent = os.path.normpath(os.path.join(folder, os.pardir))
        if os.path.realpath(parent) == os.path.realpath(folder):
            return None
        folder = parent
    return None


def iter_companions(
    given: list[str],
    seen: set[str],
    listed: FolderNames | None = None,
    exclusion: ExclusionOf | None = None,
) -> Iterator[FileToCheck]:
    """The other files of the connectors the given files belong to, for the rules across
    files (pre-commit hands kpack only the staged files: a changed manifest must still be
    compared with the account type that did not change). `given` are the paths given as
    files; `seen` the real paths already checked (filled as companions are yielded)."""
    folders: list[str] = []
    for path in given:
        if os.path.isdir(path):
            continue
        folder = connector_folder(path)
        if folder is not None and folder not in folders:
            folders.append(folder)
    if not folders:
        return
    listed = {} if listed is None else listed
    exclusion_of = exclusion or builtin
    for file in _files([_Target(f, Path(f), None) for f in folders], listed, exclusion_of):
        if file.real not in seen:
            seen.add(file.real)
            yield file
