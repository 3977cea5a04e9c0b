"""Project settings: `.kpack.yaml`, or a `kpack` key in `package.json`, nearest one up.

```yaml
target: registry            # or stack (default)
select: [A, M001]           # codes, code prefixes, rule names or ALL; default: every rule
ignore: [M012]
extend-select: [B]          # added to select (the command line's --extend-select too)
extend-ignore: [M013]
severity: {M006: error}     # error | warning | info (ALL: every rule)
per-file-ignores:           # glob (relative to this file) -> codes (or ALL)
  "examples/*": [A016]
extend-exclude: [fixtures]  # globs left out of folder walks (exclude: replaces the defaults)
force-exclude: true         # files given by name too (pre-commit passes them so)
ignore-pointers:            # JSON has no comments to hold a noqa
  - file: account-types.json
    pointer: /0/client_secret
    codes: [A016]           # optional: every code when absent
```

Selection follows ruff: the settings file, then the command line, each a layer of
select / ignore / extend-select / extend-ignore. Within a layer the most specific
selector wins (a code over a prefix over a shorter prefix over ALL; ignore on a tie); a
layer with `select` starts from nothing, one without keeps what the layers before chose.
So `--select A002 --ignore A` reports A002, and `--select A002` on the command line beats
`ignore: [A002]` in the file. Every setting is validated: a bad one is a usage error
(exit 2) naming the file and the key.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kpack.diagnostics import Diagnostic, Severity
from kpack.load.discover import FileToCheck, UsageError
from kpack.realpath import nearest

if TYPE_CHECKING:
    from kpack.load.exclude import Exclusion

CONFIG_NAMES = (".kpack.yaml", ".kpack.yml")
TARGETS = ("stack", "registry")
_KEYS = (
    "target",
    "select",
    "ignore",
    "extend-select",
    "extend-ignore",
    "severity",
    "per-file-ignores",
    "ignore-pointers",
    "allow-secrets",  # read by `kpack build` (kpack.bundle.secrets)
    "exclude",  # discovery (kpack.load.exclude)
    "extend-exclude",
    "force-exclude",
)
CONFIG_MAX_BYTES = 1024 * 1024  # a settings file (or package.json) read for settings


class PointerIgnore(NamedTuple):
    file: str
    pointer: str
    codes: tuple[str, ...]


class Selection(NamedTuple):
    """One layer of rule selection (ruff's RuleSelection): the settings file's, or the
    command line's."""

    select: tuple[str, ...] | None  # None: not given, the layers before stand
    ignore: tuple[str, ...]  # ignore and extend-ignore
    extend_select: tuple[str, ...]


class Settings(NamedTuple):
    root: Path  # the folder the config file sits in; globs are relative to it
    source: str | None = None  # the config file, for messages
    target: str = "stack"
    select: tuple[str, ...] | None = None  # None: not set (every rule)
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()  # (code or prefix, severity)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ignore_pointers: tuple[PointerIgnore, ...] = ()
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    cli: tuple[Selection, ...] = ()  # the command line's layer, after the file's
    exclude: tuple[str, ...] | None = None  # None: kpack.load.exclude.DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False

    def with_cli(
        self,
        select: Iterable[str],
        ignore: Iterable[str],
        target: str | None,
        extend_select: Iterable[str] = (),
        extend_ignore: Iterable[str] = (),
    ) -> Settings:
        select, ignore = tuple(select), tuple(ignore)
        extend_select, extend_ignore = tuple(extend_select), tuple(extend_ignore)
        _check_codes(select + ignore, "--select/--ignore")
        _check_codes(extend_select + extend_ignore, "--extend-select/--extend-ignore")
        cli = self.cli
        if select or ignore or extend_select or extend_ignore:
            cli += (Selection(select or None, ignore + extend_ignore, extend_select),)
        return self._replace(cli=cli, target=target or self.target)

    @property
    def selections(self) -> tuple[Selection, ...]:
        own = Selection(self.select, self.ignore + self.extend_ignore, self.extend_select)
        return (own, *self.cli)

    def apply(self, diagnostics: Iterable[Diagnostic], cwd: Path | None = None) -> list[Diagnostic]:
        """Drop what is not selected or ignored, and apply severity overrides."""
        cwd = cwd or Path.cwd()
        kept = []
        layers = [
            layer for layer in self.selections if layer.select is not None or layer.ignore
            or layer.extend_select
        ]
        decided: dict[tuple[str, str], bool] = {}
        for d in diagnostics:
            if layers:
                enabled = decided.get((d.code, d.name))
                if enabled is None:
                    enabled = decided[(d.code, d.name)] = is_selected(d.code, d.name, layers)
                if not enabled:
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
            override = self._severity_of(d) if self.severity else None
            kept.append(d._replace(severity=override) if override else d)
        return kept

    def _severity_of(self, d: Diagnostic) -> Severity | None:
        """The override of the most specific selector naming the rule (the first listed
        on a tie): `{ALL: warning, A016: error}` makes A016 an error."""
        best: tuple[int, Severity] | None = None
        for selector, severity in self.severity:
            level = specificity(selector, d.code, d.name)
            if level is not None and (best is None or level > best[0]):
                best = (level, severity)
        return None if best is None else best[1]

    def exclusion(self) -> Exclusion:
        """What discovery leaves out under this settings file (kpack.load.exclude)."""
        from kpack.load.exclude import DEFAULT_EXCLUDE, Exclusion

        patterns = DEFAULT_EXCLUDE if self.exclude is None else self.exclude
        return Exclusion((*patterns, *self.extend_exclude), str(self.root), self.force_exclude)

    def _relative(self, file: str, cwd: Path) -> str:
        path = Path(file)
        absolute = path if path.is_absolute() else cwd / path
        try:
            return Path(os.path.relpath(absolute, self.root)).as_posix()
        except ValueError:  # another drive on Windows
            return path.as_posix()


def _matches(d: Diagnostic, selectors: Iterable[str]) -> bool:
    """Whether a selector names the finding's rule: its code, a prefix, its name, ALL."""
    return any(specificity(s, d.code, d.name) is not None for s in selectors)


RULE_SPECIFICITY = 1_000  # a whole code or a rule name: above any prefix


def specificity(selector: str, code: str, name: str) -> int | None:
    """How specifically `selector` names the rule (`code`, `name`), None if it does not:
    ALL 0, a prefix its length, the code or the name above every prefix (ruff's order:
    ALL, linter, then longer and longer prefixes, then the rule)."""
    upper = selector.upper()
    if upper == code or selector == name:
        return RULE_SPECIFICITY
    if upper == "ALL":
        return 0
    return len(upper) if code.startswith(upper) else None


def is_selected(code: str, name: str, layers: Iterable[Selection]) -> bool:
    """Whether the rule is on after the layers, ruff's way (`Configuration::as_rule_table`):
    every rule starts on; in each layer the most specific selector naming the rule
    decides (ignore wins a tie); a layer that gives `select` starts again from nothing. An
    empty `select` with only ignores hands those ignores on to the next layer."""
    enabled = True
    carried: tuple[str, ...] = ()
    for layer in layers:
        best: tuple[int, bool] | None = None
        for selector in (layer.select or ()) + layer.extend_select:
            level = specificity(selector, code, name)
            if level is not None and (best is None or level > best[0]):
                best = (level, True)
        for selector in layer.ignore + carried:
            level = specificity(selector, code, name)
            if level is not None and (best is None or level >= best[0]):
                best = (level, False)
        carried = ()
        if layer.select is not None:
            enabled = best is not None and best[1]
            if not layer.select and not layer.extend_select and layer.ignore:
                carried = layer.ignore
        elif best is not None:
            enabled = best[1]
    return enabled


def _check_codes(selectors: Iterable[str], where: str) -> None:
    unknown = _unknown_selector(selectors)
    if unknown is not None:
        raise UsageError(f"{where}: {unknown!r} matches no rule (see `kpack rules`)")


def _unknown_selector(selectors: Iterable[str]) -> str | None:
    selectors = list(selectors)
    if not selectors:  # nothing to check: no need to import every rule module
        return None
    from kpack.rules.catalogue import all_rules

    rules = all_rules()
    for selector in selectors:
        if selector.upper() == "ALL":
            continue
        if not any(r.code.startswith(selector.upper()) or r.name == selector for r in rules):
            return selector
    return None


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
        # lexists, not isfile: a `.kpack.yaml` that is a link, a FIFO or a device is
        # refused when read (exit 2), not silently skipped.
        if (names is None or name in names) and os.path.lexists(os.path.join(folder, name)):
            return Path(folder, name)
    if (names is None or "package.json" in names) and os.path.isfile(
        os.path.join(folder, "package.json")
    ):
        package = Path(folder, "package.json")
        if _package_json_section(package) is not None:
            return package
    return None


def _package_json_section(path: Path) -> Any:
    """The `kpack` member of a package.json; None when there is none. A package.json
    that does not parse is not a config (npm reports it); one too large or nested too
    deeply to read is a usage error, since it may hold the settings."""
    return _package_json_member(path, _package_json_text(path))


def _package_json_text(path: Path) -> str | None:
    # Not kpack's own file: a link is followed (only a `kpack` member of valid JSON is used).
    try:
        return _read_config_text(path, nofollow=False)
    except UnicodeDecodeError:
        return None


def _package_json_member(path: Path, text: str | None) -> Any:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except RecursionError:
        raise UsageError(f"{path}: cannot read: nested too deeply") from None
    except ValueError:
        return None
    return data.get("kpack") if isinstance(data, dict) else None


def _read_config_text(path: Path, nofollow: bool = True) -> str:
    """A settings file (or package.json) through kpack's one reader: a regular file, over
    1 MiB refused; `nofollow`: a `.kpack.yaml` kpack found inside a connector (a planted
    link is refused), not one given with --config."""
    from kpack.fsutil import read_file

    try:
        raw = read_file(path, CONFIG_MAX_BYTES, nofollow=nofollow)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    # utf-8-sig: a byte order mark is dropped, as npm and Node do for package.json (and
    # PyYAML for YAML); otherwise JSON refuses the file and its settings went unread.
    return raw.decode("utf-8-sig")


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
        self._exclusions: dict[Path | None, Exclusion] = {}

    def __call__(self, file: FileToCheck) -> Settings:
        # A link lives where its target does.
        return self._by_config_of(self._config_of(os.path.dirname(file.real)))

    def files_read(self) -> list[Path]:
        """The settings files (`.kpack.yaml`, `package.json`) this lookup has read."""
        return [config for config in self._by_config if config is not None]

    def exclusion(self, folder: str) -> Exclusion:
        """What discovery leaves out of `folder` (a real path): its settings' exclusion."""
        config = self._config_of(folder)
        exclusion = self._exclusions.get(config)
        if exclusion is None:
            exclusion = self._exclusions[config] = self._by_config_of(config).exclusion()
        return exclusion

    def _config_of(self, folder: str) -> Path | None:
        if self._explicit is not None:
            return self._explicit
        if folder not in self._by_folder:
            self._by_folder[folder] = _nearest_config(folder, self._walked, self._listed)
        return self._by_folder[folder]

    def _by_config_of(self, config: Path | None) -> Settings:
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
    return _parse_file(path, nofollow=explicit is None)


# Settings parsed, by (file, text). Discovery (for `exclude`) and the files' settings may
# each read a settings file; parsing it is what costs (PyYAML: 2-3 ms), so it is done once
# per text. Keyed by the text itself: an edited file is parsed again.
_PARSED: dict[tuple[str, str | None], Settings] = {}
_PARSED_MAX = 1024


def _parse_file(path: Path, nofollow: bool = True) -> Settings:
    """`nofollow`: the file was found by kpack, not named with --config."""
    package = path.name == "package.json"
    text = _package_json_text(path) if package else _yaml_text(path, nofollow)
    key = (os.fspath(path), text)
    settings = _PARSED.get(key)
    if settings is None:
        raw = _package_json_member(path, text) if package else _yaml_of(path, text or "")
        settings = parse_settings(raw, path)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = settings
    return settings


def _read_yaml(path: Path, nofollow: bool = True) -> Any:
    return _yaml_of(path, _yaml_text(path, nofollow))


def _yaml_text(path: Path, nofollow: bool = True) -> str:
    try:
        return _read_config_text(path, nofollow)
    except UnicodeDecodeError:
        raise UsageError(f"{path}: cannot read config: not UTF-8") from None


def _yaml_of(path: Path, text: str) -> Any:
    from kpack.load.plain_yaml import NOT_PLAIN, read_plain

    data = read_plain(text)  # what PyYAML would read, without importing it (most files)
    if data is not NOT_PLAIN:
        return data or {}
    from kpack.load.pyyaml import yaml
    from kpack.load.yaml_text import MAX_YAML_VALUES, yaml_values_over

    try:
        # Composed YAML nodes cost about 600 bytes each: counted on the events first.
        if len(text) > MAX_YAML_VALUES and yaml_values_over(text, MAX_YAML_VALUES):
            raise UsageError(f"{path}: invalid config: more than {MAX_YAML_VALUES:,} values")
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"{path}{where}: invalid config: {problem}") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid config: nested too deeply") from None
    except ValueError:  # an integer beyond Python's digit limit
        raise UsageError(f"{path}: invalid config: a number too long to read") from None


class _Invalid(Exception):
    """A setting of the wrong shape: its key (a path such as `ignore-pointers[0].file`)
    and what is wrong."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key} {problem}")
        self.key = key


def _shown(value: Any) -> str:
    """A value in a message: its JSON type, or a short repr for a string (one line)."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    from kpack.documents import type_name

    return type_name(value)


def _codes(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        shown = _shown(value) if not isinstance(value, list) else "a list holding " + next(
            _shown(c) for c in value if not isinstance(c, str)
        )
        raise _Invalid(key, f"must be a list of rule codes, not {shown}")
    unknown = _unknown_selector(value)
    if unknown is not None:
        raise _Invalid(key, f"holds {_shown(unknown)}, which matches no rule (see `kpack rules`)")
    return tuple(value)


def _mapping(value: Any, key: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(key, f"must map {what}, not {_shown(value)}")
    for name in value:
        if not isinstance(name, str):
            raise _Invalid(key, f"must map {what}, not {_shown(name)} keys")
    return value


def _given(raw: dict[str, Any], key: str, empty: Any) -> Any:
    """A setting's value; a key with no value (`severity:` in YAML) is an empty one."""
    value = raw.get(key)
    return empty if value is None else value


def parse_settings(raw: Any, path: Path) -> Settings:
    """Settings from the parsed file (the `kpack` member of a package.json): every key
    and value checked, a usage error naming the file and the key otherwise."""
    where = str(path)
    prefix = "kpack." if path.name == "package.json" else ""
    try:
        return _parse(raw, path, where, prefix)
    except _Invalid as exc:
        # A key path may hold any text (a per-file-ignores glob): one printable line.
        from kpack.escape import printable

        raise UsageError(printable(f"{where}: {prefix}{exc}")) from None


def _parse(raw: Any, path: Path, where: str, prefix: str) -> Settings:
    if not isinstance(raw, dict):
        what = "the kpack member" if prefix else "the configuration"
        raise UsageError(f"{where}: {what} must be a mapping, not {_shown(raw)}")
    for key in raw:
        if key not in _KEYS:
            shown = _shown(prefix + key) if isinstance(key, str) else repr(key)
            raise UsageError(f"{where}: unknown setting {shown} (known: {', '.join(_KEYS)})")

    def codes(key: str) -> tuple[str, ...]:
        return _codes(raw[key], key, where) if key in raw else ()

    target = raw.get("target", "stack")
    if not isinstance(target, str) or target not in TARGETS:
        raise _Invalid("target", f"must be one of {', '.join(TARGETS)}, not {_shown(target)}")
    severity: dict[str, Severity] = {}
    overrides = _given(raw, "severity", {})
    what = "rule codes to error, warning or info"
    for code, value in _mapping(overrides, "severity", what).items():
        if _unknown_selector([code]) is not None:
            raise _Invalid("severity", f"names {_shown(code)}, which matches no rule")
        if not isinstance(value, str) or value not in {s.value for s in Severity}:
            raise _Invalid(
                f"severity.{code}", f"must be error, warning or info, not {_shown(value)}"
            )
        severity[code] = Severity(value)
    per_file = _mapping(
        _given(raw, "per-file-ignores", {}), "per-file-ignores", "globs to lists of codes"
    )
    entries = _given(raw, "ignore-pointers", [])
    if not isinstance(entries, list):
        raise _Invalid(
            "ignore-pointers",
            f"must be a list of {{file, pointer, codes}} entries, not {_shown(entries)}",
        )
    pointer_ignores = []
    for n, entry in enumerate(entries):
        key = f"ignore-pointers[{n}]"
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("pointer"), str)
        ):
            raise _Invalid(key, "needs a file and a pointer (strings)")
        for name in entry:
            if name not in ("file", "pointer", "codes"):
                shown = _shown(name) if isinstance(name, str) else repr(name)
                raise _Invalid(key, f"has an unknown key {shown} (known: file, pointer, codes)")
        if entry["pointer"] and not entry["pointer"].startswith("/"):
            raise _Invalid(
                f"{key}.pointer",
                f"is not a JSON pointer (it starts with /): {_shown(entry['pointer'])}",
            )
        ignored = _codes(entry["codes"], f"{key}.codes", where) if "codes" in entry else ()
        pointer_ignores.append(PointerIgnore(entry["file"], entry["pointer"], ignored))
    globs = {key: _globs(raw, key) for key in ("allow-secrets", "exclude", "extend-exclude")}
    force_exclude = raw.get("force-exclude", False)
    if not isinstance(force_exclude, bool):
        raise _Invalid("force-exclude", f"must be true or false, not {_shown(force_exclude)}")
    return Settings(
        root=path.parent.resolve(),
        source=where,
        target=target,
        select=codes("select") if "select" in raw else None,
        ignore=codes("ignore"),
        severity=tuple(severity.items()),
        per_file_ignores=tuple(
            (glob, _codes(value, f"per-file-ignores.{glob}", where))
            for glob, value in per_file.items()
        ),
        ignore_pointers=tuple(pointer_ignores),
        extend_select=codes("extend-select"),
        extend_ignore=codes("extend-ignore"),
        exclude=globs["exclude"] if raw.get("exclude") is not None else None,
        extend_exclude=globs["extend-exclude"],
        force_exclude=force_exclude,
    )


def _globs(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    globs = _given(raw, key, [])
    if not isinstance(globs, list) or not all(isinstance(glob, str) for glob in globs):
        raise _Invalid(key, f"must be a list of globs, not {_shown(globs)}")
    return tuple(globs)
