"""Issue 11 item 14: a bad setting is a usage error (exit 2, one line naming the file and
the key), never a traceback read by CI as "findings" (exit 1), with --exit-zero too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpack.cli import main
from kpack.config import _KEYS, Settings, parse_settings
from kpack.load.discover import UsageError
from tests.helpers import write

MANIFEST = '{"slug": "x"}'


def run_check(tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """`kpack check` in `tmp_path` with and without --exit-zero: exit 2 both times, and
    the error line (the same both times)."""
    lines = []
    for extra in ((), ("--exit-zero",)):
        assert main(["check", str(tmp_path), *options, *extra]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        err = captured.err.rstrip("\n")
        assert "\n" not in err and "Traceback" not in err, err
        lines.append(err)
    assert lines[0] == lines[1]
    return lines[0]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("severity: [1]\n", "severity"),
        ("severity: error\n", "severity"),
        ("severity: {A002: [error]}\n", "severity.A002"),
        ("ignore-pointers: 5\n", "ignore-pointers"),
        ("ignore-pointers: [5]\n", "ignore-pointers[0]"),
        ("ignore-pointers: [{file: a, pointer: /a, codes: A002}]\n", "ignore-pointers[0].codes"),
        ("ignore-pointers: [{file: a, pointer: /a, code: [A002]}]\n", "ignore-pointers[0]"),
        ("per-file-ignores: [a]\n", "per-file-ignores"),
        ("per-file-ignores: {'*.json': A002}\n", "per-file-ignores.*.json"),
        ("target: [1]\n", "target"),
        ("select: [1]\n", "select"),
        ("extend-select: A\n", "extend-select"),
        ("extend-ignore: [Z9]\n", "extend-ignore"),
        ("select: [A\n", ".kpack.yaml:2:1"),  # a YAML syntax error: where
        ("a: " + "[" * 5_000 + "]" * 5_000 + "\n", ".kpack.yaml"),
        ("severity: {A002: 1" + "0" * 5_000 + "}\n", ".kpack.yaml"),
        # 300,000 values in 900 KB: 180 MB of YAML nodes, refused from the parser's events.
        ("select: [" + ",".join(["A"] * 300_000) + "]\n", "more than 100,000 values"),
    ],
)
def test_bad_kpack_yaml_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    write(tmp_path, ".kpack.yaml", text)
    write(tmp_path, "manifest.konnector", MANIFEST)
    line = run_check(tmp_path, capsys)
    assert line.startswith(f"kpack: error: {tmp_path / '.kpack.yaml'}"), line
    assert key in line


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ({"kpack": {"severity": "error"}}, "kpack.severity"),
        ({"kpack": {"severity": [1]}}, "kpack.severity"),
        ({"kpack": {"ignore-pointers": 5}}, "kpack.ignore-pointers"),
        ({"kpack": {"selct": ["A"]}}, "kpack.selct"),
        ({"kpack": ["A002"]}, "kpack member"),
    ],
)
def test_bad_package_json_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, key: str
) -> None:
    write(tmp_path, "package.json", content)
    write(tmp_path, "manifest.konnector", MANIFEST)
    line = run_check(tmp_path, capsys)
    assert line.startswith(f"kpack: error: {tmp_path / 'package.json'}: ") and key in line, line


def test_package_json_nested_100000_levels_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "package.json", '{"kpack": ' + "[" * 100_000 + "]" * 100_000 + "}")
    write(tmp_path, "manifest.konnector", MANIFEST)
    line = run_check(tmp_path, capsys)
    assert line == f"kpack: error: {tmp_path / 'package.json'}: cannot read: nested too deeply"


def test_explicit_config_is_validated_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "settings.yaml", "severity: error\n")
    write(tmp_path, "manifest.konnector", MANIFEST)
    line = run_check(tmp_path, capsys, "--config", str(tmp_path / "settings.yaml"))
    assert "settings.yaml: severity must map rule codes" in line


# -- any shape: Settings or a UsageError naming the file and the key ---------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
CODES = st.lists(st.sampled_from(["A", "A002", "M", "L003", "ALL", "Z9", "grant-mode-unknown"]))
VALUES = {
    "target": st.sampled_from(["stack", "registry", "prod"]) | JSON,
    "select": CODES | JSON,
    "ignore": CODES | JSON,
    "extend-select": CODES | JSON,
    "extend-ignore": CODES | JSON,
    "severity": st.dictionaries(
        st.sampled_from(["A002", "M", "Z9"]), st.sampled_from(["error", "info", "fatal"]) | JSON
    )
    | JSON,
    "per-file-ignores": st.dictionaries(st.text(max_size=5), CODES | JSON) | JSON,
    "allow-secrets": st.lists(st.text(max_size=5)) | JSON,
    "exclude": st.lists(st.text(max_size=5)) | JSON,
    "extend-exclude": st.lists(st.text(max_size=5)) | JSON,
    "force-exclude": st.booleans() | JSON,
    "ignore-pointers": st.lists(
        st.fixed_dictionaries(
            {
                "file": st.text(max_size=3) | JSON,
                "pointer": st.sampled_from(["/a", "", "a"]) | JSON,
            },
            optional={"codes": CODES | JSON, "other": JSON},
        )
        | JSON
    )
    | JSON,
}
SETTINGS = st.fixed_dictionaries({}, optional={k: VALUES[k] for k in _KEYS}) | st.dictionaries(
    st.text(max_size=8), JSON, max_size=3
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=SETTINGS, package=st.booleans())
def test_any_settings_shape_is_read_or_named(raw: dict[str, Any], package: bool) -> None:
    path = Path("/repo", "package.json" if package else ".kpack.yaml")
    try:
        parsed = parse_settings(raw, path)
    except UsageError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message
        # Named: the key at fault (under `kpack.` in a package.json).
        prefix = "kpack." if package else ""
        assert any(
            f"{prefix}{key}" in message or repr(prefix + key)[1:-1] in message for key in raw
        ), message
        return
    assert isinstance(parsed, Settings)
    assert set(raw) <= set(_KEYS)
    json.dumps(parsed.select)  # plain data: codes as strings


def test_a_glob_holding_a_line_break_is_named_on_one_line() -> None:
    """Found by Hypothesis: the key path of a per-file-ignores glob was printed raw."""
    with pytest.raises(UsageError) as caught:
        parse_settings({"per-file-ignores": {"a\nb": ["Z9"]}}, Path("/repo/.kpack.yaml"))
    message = str(caught.value)
    assert "\n" not in message and "per-file-ignores.a\\x0ab" in message
