"""Bugs the fuzzing found, each pinned by the smallest input that showed it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpack.diagnostics import Kind
from tests.hardening.fuzzing import Input, check_invariants
from tests.helpers import lint, lint_files, only

# -- spans at the end of the file stayed one character past it --------------------------------


@pytest.mark.parametrize(
    ("name", "text", "code", "span"),
    [
        ("account-types.json", "[[", "L001", (1, 3, 1, 3)),
        ("account-types.json", "[\n", "L001", (2, 1, 2, 1)),
        ("account-types.yaml", "[I\\E", "L009", (1, 5, 1, 5)),
        ("account-types.yaml", "'", "L009", (1, 2, 1, 2)),
        ("account-types.yaml", "{{}", "L009", (1, 4, 1, 4)),
    ],
)
def test_errors_at_the_end_of_the_file_stay_inside_it(
    tmp_path: Path, name: str, text: str, code: str, span: tuple[int, int, int, int]
) -> None:
    d = only(lint(tmp_path, name, text, kind=Kind.ACCOUNT_TYPE), code)
    assert (d.line, d.column, d.end_line, d.end_column) == span


def test_an_error_inside_the_text_keeps_its_one_character_span(tmp_path: Path) -> None:
    d = only(lint(tmp_path, "account-types.json", '{"a" 1}'), "L001")
    assert (d.line, d.column, d.end_line, d.end_column) == (1, 6, 1, 7)


# -- YAML aliases: a cycle hung kpack, a "billion laughs" would too ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [*x]\n",
        "- &x {_id: a, grant_mode: secret, slug: a, extras: *x}\n",
        "&x {a: {b: [1, *x]}}\n",
    ],
)
def test_a_recursive_alias_is_refused(tmp_path: Path, text: str) -> None:
    d = only(lint(tmp_path, "account-types.yaml", text), "L007")
    assert "alias" in d.message and d.pointer is None


def test_aliases_that_multiply_values_are_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    d = only(lint(tmp_path, "account-types.yaml", "\n".join(lines) + "\n"), "L008")
    assert "aliases expand" in d.message


def test_shared_aliases_within_bounds_are_read(tmp_path: Path) -> None:
    text = (
        "- &base {grant_mode: secret, slug: svc, secret: $S}\n"
        "- {<<: *base, _id: one}\n"
        "- {<<: *base, _id: two}\n"
    )
    found = lint(tmp_path, "account-types.yaml", text)
    assert not [d for d in found if d.code.startswith("L")]


def test_yaml_nested_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    d = only(lint(tmp_path, "account-types.yaml", "[" * 200 + "]" * 200), "L007")
    assert "128" in d.message


# -- YAML keys that are not strings gave pointers that resolved nowhere -----------------------


def test_non_string_yaml_keys_become_strings_after_being_reported(tmp_path: Path) -> None:
    found = lint(tmp_path, "account-types.yaml", "? \n1: a\n")
    assert {d.pointer for d in found if d.code == "L013"} == {"/None", "/1"}
    check_invariants(Input({"account-types.yaml": b"? \n1: a\n"}))


# -- the file system: a symlink loop crashed discovery, a FIFO named *.json blocked it ---------


def test_a_symlink_loop_given_by_name_is_an_unreadable_file(tmp_path: Path) -> None:
    from kpack.load.discover import discover

    (tmp_path / "b-account-type.json").symlink_to(tmp_path / "account-types.json")
    (tmp_path / "account-types.json").symlink_to(tmp_path / "b-account-type.json")
    [found] = discover([str(tmp_path / "account-types.json")])
    assert only(lint_files(found.path), "L011").message.startswith("cannot read")
    assert {f.path.name for f in discover([str(tmp_path)])} == {
        "account-types.json",
        "b-account-type.json",
    }


def test_a_fifo_named_like_data_is_not_opened_to_sniff_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "data.json")
    (tmp_path / "svc.json").write_text('{"grant_mode": "secret"}')
    # A subprocess: a regression blocks on the FIFO, and the timeout ends it.
    script = "import sys; from kpack.load.discover import discover; print(len(discover(['.'])))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "1", done.stderr


# -- a duplicate key inside a value that a later duplicate replaced -------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "konnector-dev-config.json",
            '{"a": {"t": 1, "t": 2}, "a": {"u": 1}}',
            [(None, 1, 16), ("/a", 1, 25)],
        ),
        ("account-types.yaml", "a: {t: 1, t: 2}\na: {u: 1}\n", [(None, 1, 11), ("/a", 2, 1)]),
    ],
)
def test_a_duplicate_inside_a_dropped_value_has_no_pointer(
    tmp_path: Path, name: str, text: str, expected: list[tuple[str | None, int, int]]
) -> None:
    found = [d for d in lint(tmp_path, name, text) if d.code == "L002"]
    assert [(d.pointer, d.line, d.column) for d in found] == expected
    check_invariants(Input({name: text.encode()}))
