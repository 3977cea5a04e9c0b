"""Inputs for fuzzing `kpack check`, and the oracle every input must satisfy.

Shared by tests/hardening/test_fuzz.py (the quick "ci" profile) and bench/fuzz.py (long runs
that count failures instead of stopping at the first one).

The oracle (`check_invariants`): for any set of files,
- `check_sources` and `kpack.cli.main(["check", ...])` never raise;
- the command exits 0 or 1 and its JSON report parses;
- every diagnostic names one of the files, and its line and column fall inside that file;
- every pointer resolves in the document as kpack read it (when it could read it), and
  agrees with Python's own JSON parser whenever that parser accepts the text.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from hypothesis import strategies as st

from kpack.check import check_sources
from kpack.diagnostics import Diagnostic, Kind, split_pointer
from kpack.load.discover import kind_by_name
from kpack.load.source import read_source
from kpack.options import CheckOptions

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

NAMES = (
    "manifest.konnector",
    "account-types.json",
    "konnector-dev-config.json",
    "account-types.yaml",
)

# -- values ------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "_id",
        "grant_mode",
        "client_id",
        "client_secret",
        "auth_endpoint",
        "token_endpoint",
        "token_mode",
        "redirect_uri",
        "redirect_url",
        "extras",
        "secret",
        "slug",
        "docs",
        "skip_state_on_token",
        "type",
        "version",
        "permissions",
        "oauth",
        "scope",
        "fields",
        "access_token",
        "password",
        "COZY_URL",
        "verbs",
        "frequency",
        "categories",
        "locales",
        "langs",
        "folders",
        "name",
        "icon",
        "language",
        "a/b",
        "~",
        "~1",
        "",
        "\u00e9",
        "Grant_Mode",
        "TYPE",
        "Slug",
    ]
) | st.text(max_size=8)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18, max_value=10**40)
    | st.floats()  # NaN and infinities included: kpack must report them, not crash
    | st.sampled_from(
        [
            "authorization_code",
            "secret",
            "token",
            "basic",
            "Basic",
            "get",
            "bearer",
            "https://a.example/x",
            "http://localhost/accounts/x/redirect",
            "https://oauthcallback.cozy.tools/accounts/x/redirect",
            "io.cozy.files",
            "io.cozy.accounts",
            "GET",
            "ALL",
            "$VAR",
            "${VAR}",
            "${",
            "...",
            "1.0.0",
            "1.0",
            "ctx/x",
            "konnector",
            "node",
            "weekly",
            "",
            " ",
            "\u0000",
            "\ud7ff",
        ]
    )
    | st.text(max_size=12)
)

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=30,
)


def _type_tag(value: Any) -> str:
    return type(value).__name__


# -- valid seeds and their mutations ---------------------------------------------------------


def _read_json(path: Path) -> Any:
    from kpack.load.json_text import blank_comments

    return json.loads(blank_comments(path.read_text(encoding="utf-8")))


def seeds() -> dict[str, list[Any]]:
    """Valid documents of each kind, from the examples (read once)."""
    oauth = EXAMPLES / "oauth-connector"
    account_type = _read_json(oauth / "account-types-def.json")
    secret_type = {"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": "$SVC"}
    return {
        "manifest.konnector": [_read_json(oauth / "manifest.konnector")],
        "account-types.json": [
            account_type,
            [account_type, secret_type],
            {"docs": [account_type, secret_type]},
        ],
        "konnector-dev-config.json": [_read_json(oauth / "konnector-dev-config.json")],
        "account-types.yaml": [[account_type, secret_type]],
    }


class Dup(NamedTuple):
    """A member written twice in the text (JSON cannot hold it in a dict)."""

    key: str
    first: Any
    second: Any


def containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths (key and index tuples) of every dict and list in `value`, itself first."""
    found = []
    if isinstance(value, (dict, list)):
        found.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found.extend(containers(item, (*path, key)))
    return found


def value_at(value: Any, path: tuple[Any, ...]) -> Any:
    """What `path` (as `containers` gives it) leads to in `value`."""
    for key in path:
        value = value[key]
    return value


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    """A valid document of some kind with 1 to 6 mutations: keys renamed, values replaced
    by values of other types, members or items dropped, items or members duplicated."""
    name = draw(st.sampled_from(NAMES))
    value = copy.deepcopy(draw(st.sampled_from(SEED_DOCUMENTS[name])))
    for _ in range(draw(st.integers(1, 6))):
        places = containers(value)
        if not places:
            break
        path = draw(st.sampled_from(places))
        container = value_at(value, path)
        if not container:
            continue
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        key = draw(st.sampled_from(keys))
        operation = draw(st.sampled_from(["rename", "retype", "drop", "duplicate", "swap"]))
        if operation == "rename" and isinstance(container, dict):
            new = draw(
                st.sampled_from([key.upper(), key.capitalize(), key + "s", key[:-1], key + " "])
                | KEYS
            )
            container[new] = container.pop(key)
        elif operation == "retype":
            old_tag = _type_tag(container[key])

            def other_type(value: Any, old_tag: str = old_tag) -> bool:  # bound now: a loop
                return _type_tag(value) != old_tag

            container[key] = draw(JSON_VALUES.filter(other_type))
        elif operation == "drop":
            del container[key]
        elif operation == "duplicate":
            if isinstance(container, list):
                container.insert(key, copy.deepcopy(container[key]))
            elif not isinstance(container[key], Dup):
                container[key] = Dup(key, draw(JSON_VALUES), container[key])
        elif operation == "swap" and len(keys) > 1:
            other = draw(st.sampled_from(keys))
            container[key], container[other] = container[other], container[key]
    return name, value


def dump_json(value: Any, indent: int | None) -> str:
    """JSON text of `value`, writing `Dup` members twice."""
    if isinstance(value, Dup):  # only reachable as a member value, handled below
        return dump_json(value.second, indent)
    pad = "" if indent is None else "\n" + " " * indent

    def inner(item: Any) -> str:
        return dump_json(item, None if indent is None else indent + 1)

    if isinstance(value, dict):
        members = []
        for key, item in value.items():
            if isinstance(item, Dup):
                members.append(f"{json.dumps(item.key)}: {inner(item.first)}")
                item = item.second
            members.append(f"{json.dumps(key)}: {inner(item)}")
        close = "\n" if indent is not None and members else ""
        return "{" + ",".join(pad + m for m in members) + close + "}"
    if isinstance(value, list):
        return "[" + ",".join(pad + inner(v) for v in value) + "]"
    return json.dumps(value)


def plain(value: Any) -> Any:
    """`value` without `Dup`s (the second member wins, as in every JSON parser)."""
    if isinstance(value, Dup):
        return plain(value.second)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def dump_yaml(value: Any) -> str:
    import yaml

    return yaml.safe_dump(plain(value), allow_unicode=True, sort_keys=False)


SEED_DOCUMENTS = seeds()

# -- whole inputs ----------------------------------------------------------------------------

JSONISH = st.text(
    alphabet='{}[],:"\\/*0123456789.-+eE \n\t\rtruefalsnNIiy\u00e9\ufeff', max_size=60
)
YAMLISH = st.lists(
    st.sampled_from(
        [
            "- ",
            "key: ",
            "grant_mode: ",
            "&a ",
            "*a",
            "<<: *a",
            "!!binary ",
            "!!python/name:x",
            "? ",
            "2001-01-01",
            "0x1F",
            ".nan",
            "-.inf",
            "~",
            "null",
            "yes",
            "|",
            ">",
            "'q'",
            '"\\x"',
            "\n",
            "  ",
            "\t",
            "{",
            "}",
            "[",
            "]",
            ",",
            "#",
            "%YAML 1.1\n",
            "---\n",
            "...\n",
            "_id",
            "secret",
            "1e999",
        ]
    ),
    max_size=20,
).map("".join)


class Input(NamedTuple):
    files: dict[str, bytes]  # file name -> content
    forced: Kind | None = None  # --kind


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def inputs(draw: st.DrawFn) -> Input:
    """One run's files, drawn from every family of input."""
    family = draw(st.sampled_from(["bytes", "jsonish", "yamlish", "values", "mutated", "edited"]))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    files: dict[str, bytes] = {}
    for name in names:
        if family == "bytes":
            files[name] = draw(st.binary(max_size=200))
        elif family == "jsonish":
            files[name] = _encode(draw(JSONISH))
        elif family == "yamlish":
            files[name] = _encode(draw(YAMLISH))
        elif family == "values":
            value = draw(JSON_VALUES)
            if name.endswith(".yaml") and draw(st.booleans()):
                files[name] = _encode(dump_yaml(value))
            else:
                files[name] = _encode(json.dumps(value, indent=draw(st.sampled_from([None, 1]))))
        else:
            kind_name, value = draw(mutated())
            text = (
                dump_yaml(value)
                if kind_name.endswith(".yaml")
                else dump_json(value, draw(st.sampled_from([None, 0, 2])))
            )
            if family == "edited":  # a few characters inserted, deleted or replaced
                for _ in range(draw(st.integers(1, 4))):
                    at = draw(st.integers(0, len(text)))
                    cut = draw(st.integers(0, 3))
                    text = text[:at] + draw(JSONISH.map(lambda s: s[:3])) + text[at + cut :]
            files[kind_name if family == "mutated" else name] = _encode(text)
    forced = draw(st.sampled_from([None, None, None, *Kind]))
    return Input(files, forced)


# -- the oracle -----------------------------------------------------------------------------


def resolves(document: Any, pointer: str) -> bool:
    value = document
    for token in split_pointer(pointer):
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return False
    return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _lines(raw: bytes) -> list[str]:
    return raw.decode("utf-8", "replace").split("\n")


def assert_inside(d: Diagnostic | dict[str, Any], raw: bytes) -> None:
    fields = d if isinstance(d, dict) else d._asdict()
    lines = _lines(raw)
    line, column, end_line, end_column = (
        fields[k] for k in ("line", "column", "end_line", "end_column")
    )
    assert 1 <= line <= end_line <= len(lines), f"line outside the file: {d}"
    assert 1 <= column <= len(lines[line - 1]) + 1, f"column outside line {line}: {d}"
    # A span may cover a line's newline (column len + 1), never run past the end of the file.
    newline = 1 if end_line < len(lines) else 0
    assert 1 <= end_column <= len(lines[end_line - 1]) + 1 + newline, f"end column outside: {d}"
    assert (line, column) <= (end_line, end_column), f"span ends before it starts: {d}"


def check_invariants(case: Input, cli: bool = True) -> None:
    """Raise AssertionError (or whatever kpack raised) when an invariant breaks."""
    with tempfile.TemporaryDirectory(prefix="kpack-fuzz-") as folder:
        root = Path(folder)
        paths = {}
        for name, raw in case.files.items():
            path = root / name
            path.write_bytes(raw)
            paths[str(path)] = raw
        sources = [
            read_source(Path(p), p, case.forced or kind_by_name(Path(p)) or Kind.ACCOUNT_TYPE)
            for p in paths
        ]
        _documents, diagnostics = check_sources(sources, CheckOptions())
        by_file = {s.display: s for s in sources}
        for d in diagnostics:
            assert d.file in paths, f"diagnostic on an unknown file: {d}"
            assert_inside(d, paths[d.file])
            source = by_file[d.file]
            if d.pointer is not None and source.readable:
                assert resolves(source.data, d.pointer), f"pointer does not resolve: {d}"
        for source in sources:
            if source.readable and source.syntax == "json" and source.kind is not Kind.DEV_CONFIG:
                try:
                    expected = json.loads(paths[source.display])
                except ValueError:
                    continue
                assert _same(expected, source.data), f"kpack read other data: {source.display}"
        if cli:
            _check_cli(case, paths)


def _check_cli(case: Input, paths: dict[str, bytes]) -> None:
    from kpack.cli import main

    args = ["check", "--format", "json", *paths]
    if case.forced is not None:
        args[1:1] = ["--kind", case.forced.value]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    assert code in (0, 1), f"exit {code}: {err.getvalue()[-500:]}"
    assert "Traceback" not in err.getvalue()
    report = json.loads(out.getvalue())
    for d in report["diagnostics"]:
        assert d["file"] in paths, d
        assert_inside(d, paths[d["file"]])
