"""Project settings: `.kpack.yaml`, or a `kpack` key in `package.json`, nearest one up.

```yaml
target: registry            # or stack (default)
select: [A, M001]           # codes or code prefixes; default: every rule
ignore: [M012]
severity: {M006: error}     # error | warning | info
per-file-ignores:           # glob (relative to this file) -> codes
  "examples/*": [A016]
ignore-pointers:            # JSON has no comments to hold a noqa
  - file: account-types.json
    pointer: /0/client_secret
    codes: [A016]           # optional: every code when absent
```
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from kpack.diagnostics import Diagnostic, Severity
from kpack.load.discover import FileToCheck, UsageError
from kpack.realpath import nearest

CONFIG_NAMES = (".kpack.yaml", ".kpack.yml")
TARGETS = ("stack", "registry")
_KEYS = ("target", "select", "ignore", "severity", "per-file-ignores", "ignore-pointers",
         "allow-secrets")  # allow-secrets: read by `kpack build` (kpack.bundle.secrets)


class PointerIgnore(NamedTuple):
    file: str
    pointer: str
    codes: tuple[str, ...]


class Settings(NamedTuple):
    root: Path  # the folder the config file sits in; globs are relative to it
    source: str | None = None  # the config file, for messages
    target: str = "stack"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()  # (code or prefix, severity)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ignore_pointers: tuple[PointerIgnore, ...] = ()

    def with_cli(
        self, select: Iterable[str], ignore: Iterable[str], target: str | None
    ) -> Settings:
        select, ignore = tuple(select), tuple(ignore)
        _check_codes(select + ignore, "--select/--ignore")
        return self._replace(
            select=select or self.select,
            ignore=self.ignore + ignore,
            target=target or self.target,
        )

    def apply(self, diagnostics: Iterable[Diagnostic], cwd: Path | None = None) -> list[Diagnostic]:
        """Drop what is not selected or ignored, and apply severity overrides."""
        cwd = cwd or Path.cwd()
        kept = []
        for d in diagnostics:
            if self.select and not _matches(d, self.select):
                continue
            if _matches(d, self.ignore):
                continue
            if not self.per_file_ignores and not self.ignore_pointers:
                relative = ""  # no glob to match it against
            else:
                relative = self._relative(d.file, cwd)
            if any(
                fnmatch.fnmatchcase(relative, glob) and _matches(d, codes)
                for glob, codes in self.per_file_ignores
            ):
                continue
            if any(
                fnmatch.fnmatchcase(relative, ig.file)
                and d.pointer is not None
                and (d.pointer == ig.pointer or d.pointer.startswith(ig.pointer + "/"))
                and (not ig.codes or _matches(d, ig.codes))
                for ig in self.ignore_pointers
            ):
                continue
            override = next((sev for code, sev in self.severity if _matches(d, (code,))), None)
            kept.append(d._replace(severity=override) if override else d)
        return kept

    def _relative(self, file: str, cwd: Path) -> str:
        path = Path(file)
        absolute = path if path.is_absolute() else cwd / path
        try:
            return Path(os.path.relpath(absolute, self.root)).as_posix()
        except ValueError:  # another drive on Windows
            return path.as_posix()


def _matches(d: Diagnostic, selectors: Iterable[str]) -> bool:
    return any(d.code.startswith(s.upper()) or d.name == s for s in selectors)


def _check_codes(selectors: Iterable[str], where: str) -> None:
    selectors = list(selectors)
    if not selectors:  # nothing to check: no need to import every rule module
        return
    from kpack.rules.registry import all_rules

    rules = all_rules()
    for selector in selectors:
        if not any(r.code.startswith(selector.upper()) or r.name == selector for r in rules):
            raise UsageError(f"{where}: {selector!r} matches no rule (see `kpack rules`)")


def find_config(start: Path) -> Path | None:
    """The nearest `.kpack.yaml` or `package.json` with a `kpack` key, from `start` up."""
    start = start.resolve()
    return _nearest_config(str(start if start.is_dir() else start.parent), {})


def _nearest_config(
    directory: str,
    known: dict[str, Path | None],
    listed: Mapping[str, frozenset[str]] | None = None,
) -> Path | None:
    """`find_config` of a resolved folder (strings: this runs for every folder of a
    monorepo); `known` remembers the answer of each folder visited; `listed` holds the
    names of folders discovery walked, so that they need no system call each."""
    names: Mapping[str, frozenset[str]] = {} if listed is None else listed
    return nearest(directory, lambda folder: _config_in(folder, names.get(folder)), known)


def _config_in(folder: str, names: frozenset[str] | None = None) -> Path | None:
    for name in CONFIG_NAMES:
        if (names is None or name in names) and os.path.isfile(os.path.join(folder, name)):
            return Path(folder, name)
    if (names is None or "package.json" in names) and os.path.isfile(
        os.path.join(folder, "package.json")
    ):
        package = Path(folder, "package.json")
        if _package_json_section(package) is not None:
            return package
    return None


def _package_json_section(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("kpack") if isinstance(data, dict) else None


class SettingsLookup:
    """The settings of each file: `explicit` for all, else its nearest config (as ruff
    does). Each config is read once and `adjust`ed once (the command line's options), so
    files under one config get the very same Settings object."""

    def __init__(
        self,
        explicit: Path | None = None,
        adjust: Callable[[Settings], Settings] | None = None,
        listed: Mapping[str, frozenset[str]] | None = None,
    ):
        self._explicit = explicit
        # Discovery's folder listings (FolderNames), filled as it walks: the same object.
        self._listed: Mapping[str, frozenset[str]] = {} if listed is None else listed
        self._adjust = adjust or (lambda settings: settings)
        self._by_config: dict[Path | None, Settings] = {}
        self._by_folder: dict[str, Path | None] = {}  # a resolved folder -> its config
        self._walked: dict[str, Path | None] = {}  # what _nearest_config went through

    def __call__(self, file: FileToCheck) -> Settings:
        if self._explicit is not None:
            config: Path | None = self._explicit
        else:
            folder = os.path.dirname(file.real)  # a link lives where its target does
            if folder not in self._by_folder:
                self._by_folder[folder] = _nearest_config(folder, self._walked, self._listed)
            config = self._by_folder[folder]
        settings = self._by_config.get(config)
        if settings is None:
            settings = self._by_config[config] = self._adjust(self._read(config))
        return settings

    def _read(self, config: Path | None) -> Settings:
        if self._explicit is not None:
            return load_settings(Path.cwd(), self._explicit)
        return Settings(root=Path.cwd()) if config is None else _parse_file(config)


def group_by_settings(
    files: list[FileToCheck], explicit: Path | None = None
) -> list[tuple[Settings, list[FileToCheck]]]:
    """Files grouped by the settings that apply to them, in order of first appearance."""
    settings_of = SettingsLookup(explicit)
    groups: dict[int, tuple[Settings, list[FileToCheck]]] = {}
    for file in files:
        settings = settings_of(file)
        groups.setdefault(id(settings), (settings, []))[1].append(file)
    return list(groups.values())


def load_settings(start: Path, explicit: Path | None = None) -> Settings:
    path = explicit or find_config(start)
    if path is None:
        return Settings(root=Path.cwd())
    if explicit is not None and not explicit.is_file():
        raise UsageError(f"{explicit}: no such config file")
    return _parse_file(path)


def _parse_file(path: Path) -> Settings:
    raw = _package_json_section(path) if path.name == "package.json" else _read_yaml(path)
    return parse_settings(raw, path)


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read config: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"{path}{where}: invalid config: {problem}") from None


def parse_settings(raw: Any, path: Path) -> Settings:
    where = str(path)

    def fail(message: str) -> UsageError:
        return UsageError(f"{where}: {message}")

    if not isinstance(raw, dict):
        raise fail("the configuration must be a mapping")
    for key in raw:
        if key not in _KEYS:
            raise fail(f"unknown setting {key!r} (known: {', '.join(_KEYS)})")

    def codes(value: Any, name: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise fail(f"{name} must be a list of rule codes")
        _check_codes(value, f"{where}: {name}")
        return tuple(value)

    target = raw.get("target", "stack")
    if target not in TARGETS:
        raise fail(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    severity: dict[str, Severity] = {}
    for code, value in (raw.get("severity") or {}).items():
        codes([code], "severity")
        try:
            severity[code] = Severity(value)
        except ValueError:
            raise fail(f"severity of {code} must be error, warning or info") from None
    per_file = raw.get("per-file-ignores") or {}
    if not isinstance(per_file, dict):
        raise fail("per-file-ignores must map globs to lists of codes")
    pointer_ignores = []
    for entry in raw.get("ignore-pointers") or []:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("pointer"), str)
        ):
            raise fail("each ignore-pointers entry needs a file and a pointer")
        if entry["pointer"] and not entry["pointer"].startswith("/"):
            raise fail(f"{entry['pointer']!r} is not a JSON pointer (it starts with /)")
        pointer_ignores.append(
            PointerIgnore(
                entry["file"],
                entry["pointer"],
                codes(entry.get("codes", []), "ignore-pointers codes"),
            )
        )
    return Settings(
        root=path.parent.resolve(),
        source=where,
        target=target,
        select=codes(raw.get("select", []), "select"),
        ignore=codes(raw.get("ignore", []), "ignore"),
        severity=tuple(severity.items()),
        per_file_ignores=tuple(
            (str(glob), codes(value, f"per-file-ignores[{glob}]"))
            for glob, value in per_file.items()
        ),
        ignore_pointers=tuple(pointer_ignores),
    )
