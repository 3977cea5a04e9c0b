"""The loader: every problem a diagnostic with a position, never an exception."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic, Kind, Severity
from kpack.load.json_text import blank_comments
from kpack.load.source import MANIFEST_MAX_BYTES, SourceFile, read_source
from tests.helpers import write


def load(
    tmp_path: Path,
    content: str | bytes,
    name: str = "manifest.konnector",
    kind: Kind = Kind.MANIFEST,
) -> SourceFile:
    path = write(tmp_path, name, content)
    return read_source(path, str(path), kind)


def problem(source: SourceFile, code: str) -> Diagnostic:
    found = [p for p in source.problems if p.code == code]
    assert len(found) == 1, source.problems
    return found[0]


def test_valid_json_has_no_problem(tmp_path: Path) -> None:
    source = load(tmp_path, '{"slug": "x"}')
    assert source.readable and source.data == {"slug": "x"} and source.problems == []


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    source = load(tmp_path, '{\n  "slug": "x"\n  "name": "y"\n}')
    d = problem(source, "L001")
    assert (d.line, d.column) == (3, 3)
    assert d.severity is Severity.ERROR and d.pointer is None
    assert "expected ',' between two values" in d.message
    assert not source.readable


def test_trailing_comma_in_object_is_reported_and_parsing_goes_on(tmp_path: Path) -> None:
    source = load(tmp_path, '{\n  "slug": "x",\n}\n')
    d = problem(source, "L003")
    assert (d.line, d.column) == (2, 14)
    assert "object" in d.message
    assert source.readable and source.data == {"slug": "x"}


def test_trailing_comma_in_array(tmp_path: Path) -> None:
    source = load(tmp_path, '{"a": [1, 2 , ]}')
    d = problem(source, "L003")
    assert (d.line, d.column) == (1, 13) and "array" in d.message


def test_several_trailing_commas_are_all_reported(tmp_path: Path) -> None:
    source = load(tmp_path, '{"a": [1,],\n "b": {"c": 1,},\n}')
    assert [(p.code, p.line) for p in source.problems] == [("L003", 1), ("L003", 2), ("L003", 2)]
    assert source.data == {"a": [1], "b": {"c": 1}}


def test_duplicate_key_reported_at_second_occurrence(tmp_path: Path) -> None:
    source = load(tmp_path, '{\n  "oauth": {\n    "scope": "a",\n    "scope": "b"\n  }\n}')
    d = problem(source, "L002")
    assert (d.line, d.column, d.pointer) == (4, 5, "/oauth/scope")
    assert source.data["oauth"]["scope"] == "b"  # the last one wins, as in Go and JS


def test_duplicate_key_with_escapes_in_pointer(tmp_path: Path) -> None:
    source = load(tmp_path, '{"a/b": 1, "a/b": 2}')
    assert problem(source, "L002").pointer == "/a~1b"


def test_bom_is_an_error_but_the_document_is_read(tmp_path: Path) -> None:
    source = load(tmp_path, b'\xef\xbb\xbf{"slug": "x"}')
    assert (problem(source, "L004").line, problem(source, "L004").column) == (1, 1)
    assert source.data == {"slug": "x"}


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16(tmp_path: Path, bom: bytes) -> None:
    source = load(tmp_path, bom + "{}".encode("utf-16-le"))
    assert "UTF-16" in problem(source, "L005").message and not source.readable


def test_invalid_utf8_position(tmp_path: Path) -> None:
    source = load(tmp_path, b'{\n  "name": "caf\xe9"\n}')
    d = problem(source, "L005")
    assert (d.line, d.column) == (2, 15) and "0xe9" in d.message


def test_nul_byte_is_binary(tmp_path: Path) -> None:
    source = load(tmp_path, b'{"a": 1}\x00\x00')
    assert "binary" in problem(source, "L005").message


@pytest.mark.parametrize("content", ["", "   \n\t\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    assert problem(load(tmp_path, content), "L006").line == 1


def test_deep_nesting_is_reported_not_raised(tmp_path: Path) -> None:
    source = load(tmp_path, "[" * 100_000 + "]" * 100_000)
    assert problem(source, "L007") and not source.readable


def test_moderate_nesting_beyond_the_limit(tmp_path: Path) -> None:
    source = load(tmp_path, '{"a":' + "[" * 200 + "]" * 200 + "}")
    assert problem(source, "L007")


def test_manifest_over_two_mebibytes(tmp_path: Path) -> None:
    big = '{"name": "' + "x" * MANIFEST_MAX_BYTES + '"}'
    assert "2,097,152" in problem(load(tmp_path, big), "L008").message


def test_large_account_type_string_is_fine(tmp_path: Path) -> None:
    source = load(
        tmp_path, '{"x": "' + "y" * (MANIFEST_MAX_BYTES - 20) + '"}', "account-type.json",
        Kind.ACCOUNT_TYPE,
    )
    assert source.readable and source.problems == []


@pytest.mark.parametrize("kind", [Kind.ACCOUNT_TYPE, Kind.DEV_CONFIG])
def test_every_kind_is_refused_over_two_mebibytes(tmp_path: Path, kind: Kind) -> None:
    # Every input is checked within the memory budget of docs/security.md: 32 MiB were
    # read before, and a 10 MB account type was parsed and indexed.
    source = load(tmp_path, '{"x": "' + "y" * 10_000_000 + '"}', "account-type.json", kind)
    assert "2,097,152" in problem(source, "L008").message and not source.readable


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers(tmp_path: Path, literal: str) -> None:
    source = load(tmp_path, '{\n "a": "NaN",\n "b": ' + literal + "}")
    d = problem(source, "L010")
    assert (d.line, d.column) == (3, 7)


def test_huge_integer_is_a_diagnostic(tmp_path: Path) -> None:
    assert problem(load(tmp_path, '{"a": ' + "9" * 5000 + "}"), "L010")


def test_directory_fifo_and_missing_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "manifest.konnector").mkdir()
    assert (
        "directory"
        in problem(read_source(tmp_path / "manifest.konnector", "m", Kind.MANIFEST), "L011").message
    )
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert "regular" in problem(read_source(fifo, "f", Kind.MANIFEST), "L011").message
    assert problem(read_source(tmp_path / "nope", "n", Kind.MANIFEST), "L011")


def test_a_folder_the_system_will_not_open_is_still_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to open a folder (EACCES) where Linux opens it for fstat."""

    def refuse(path: Any, flags: int) -> int:
        raise PermissionError(13, "Permission denied")

    (tmp_path / "manifest.konnector").mkdir()
    denied = write(tmp_path, "other/manifest.konnector", "{}")
    monkeypatch.setattr("kpack.load.source.os.open", refuse)
    folder = read_source(tmp_path / "manifest.konnector", "m", Kind.MANIFEST)
    assert problem(folder, "L011").message == "cannot read: a directory"
    assert problem(read_source(denied, "o", Kind.MANIFEST), "L011").message == (
        "cannot read: Permission denied"
    )


def test_symlink_loop_is_unreadable(tmp_path: Path) -> None:
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    assert problem(read_source(loop, "loop", Kind.MANIFEST), "L011")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "manifest.konnector", "{}")
    path.chmod(0)
    assert "denied" in problem(read_source(path, "m", Kind.MANIFEST), "L011").message


# -- dev config comments ------------------------------------------------------------------------


def test_comments_allowed_in_dev_config(tmp_path: Path) -> None:
    text = (
        '{\n  // the instance\n  "COZY_URL": "http://cozy.tools:8080", /* inline */\n'
        '  "fields": {}\n}'
    )
    source = load(tmp_path, text, "konnector-dev-config.json", Kind.DEV_CONFIG)
    assert source.problems == [] and source.data["COZY_URL"] == "http://cozy.tools:8080"
    assert source.span("/fields") == (4, 3, 4, 15)


def test_comments_refused_in_manifest(tmp_path: Path) -> None:
    assert problem(load(tmp_path, '{\n // no\n "a": 1}'), "L001").line == 2


def test_comment_markers_inside_strings_are_kept() -> None:
    text = '{"url": "http://x/*y*/", "s": "a\\"//b"} // tail'
    assert blank_comments(text) == '{"url": "http://x/*y*/", "s": "a\\"//b"}' + " " * 8


def test_unterminated_block_comment(tmp_path: Path) -> None:
    source = load(tmp_path, '{"fields": {}} /* open', "konnector-dev-config.json", Kind.DEV_CONFIG)
    assert source.problems == [] and source.readable


# -- positions --------------------------------------------------------------------------------


POSITIONED = """{
  "slug": "demo",
  "permissions": {
    "files": {"type": "io.cozy.files", "verbs": ["GET", "POST"]}
  },
  "list": [ {"a": null}, 2.5e3, "é" ],
  "": "empty key",
  "a~b/c": true
}
"""


@pytest.mark.parametrize(
    ("pointer", "at_value", "span"),
    [
        ("", False, (1, 1, 9, 2)),
        ("/slug", False, (2, 3, 2, 17)),
        ("/slug", True, (2, 11, 2, 17)),
        ("/permissions/files/verbs/1", False, (4, 57, 4, 63)),
        ("/list/0/a", False, (6, 14, 6, 23)),
        ("/list/2", False, (6, 33, 6, 36)),
        ("/", False, (7, 3, 7, 18)),
        ("/a~0b~1c", False, (8, 3, 8, 16)),
        ("/slug/missing/deeper", False, (2, 3, 2, 17)),  # falls back to the nearest ancestor
    ],
)
def test_json_positions(
    tmp_path: Path, pointer: str, at_value: bool, span: tuple[int, ...]
) -> None:
    source = load(tmp_path, POSITIONED)
    assert tuple(source.span(pointer, at_value)) == span


def test_positions_count_characters_not_bytes(tmp_path: Path) -> None:
    source = load(tmp_path, '{"name": "ééé", "slug": "x"}')
    assert source.span("/slug")[:2] == (1, 17)


# -- YAML -------------------------------------------------------------------------------------


def test_yaml_account_types_with_positions(tmp_path: Path) -> None:
    text = "- _id: google\n  grant_mode: authorization_code\n- _id: other\n  token_mode: Basic\n"
    source = load(tmp_path, text, "account-types.yaml", Kind.ACCOUNT_TYPE)
    assert source.problems == []
    assert source.data[1]["token_mode"] == "Basic"
    assert source.span("/1/token_mode")[:2] == (4, 3)
    assert source.span("/1/token_mode", at_value=True)[:2] == (4, 15)


def test_yaml_duplicate_keys(tmp_path: Path) -> None:
    source = load(
        tmp_path, "_id: a\ngrant_mode: x\n_id: b\n", "account-type.yml", Kind.ACCOUNT_TYPE
    )
    d = problem(source, "L002")
    assert (d.line, d.column, d.pointer) == (3, 1, "/_id")
    assert source.data["_id"] == "b"
    assert source.span("/_id", at_value=True)[:2] == (3, 6)  # the value that wins


MERGED = (
    "- &base\n  _id: a\n  grant_mode: secret\n  token_mode: basic\n"
    "- <<: *base\n  _id: b\n  token_mode: get\n"
)


def test_yaml_own_key_overriding_a_merged_one_is_no_duplicate(tmp_path: Path) -> None:
    """YAML's merge key: the mapping's own keys override the merged ones (that is what it
    is for), so `_id` after `<<: *base` is not L002."""
    source = load(tmp_path, MERGED, "account-types.yaml", Kind.ACCOUNT_TYPE)
    assert source.problems == []
    assert source.data[1] == {"_id": "b", "grant_mode": "secret", "token_mode": "get"}
    assert source.index.duplicates == []
    assert source.span("/1/token_mode", at_value=True)[:2] == (7, 15)  # the own value
    assert source.span("/1/grant_mode", at_value=True)[:2] == (3, 15)  # the merged one


@pytest.mark.parametrize(("text", "duplicated"), [
    (MERGED + "  _id: c\n", ["/1/_id"]),  # two own keys: a duplicate, merge or not
    ("- &a {x: 1, y: 1}\n- &b {x: 2}\n- {<<: [*a, *b], y: 3}\n", []),
    ("- &a {x: 1}\n- {<<: *a, x: 2, <<: *a}\n", []),  # PyYAML merges both
    ("- {<<: {x: 1, x: 2}, x: 3}\n", ["/0/x"]),  # in a mapping merged inline
    ("- &a {x: 1, x: 2}\n- {<<: *a}\n", ["/0/x"]),  # where the anchored one is
])
def test_yaml_duplicates_with_merge_keys(
    tmp_path: Path, text: str, duplicated: list[str]
) -> None:
    source = load(tmp_path, text, "account-types.yaml", Kind.ACCOUNT_TYPE)
    assert [d.pointer for d in source.index.duplicates] == duplicated


def test_yaml_index_of_a_located_file_is_the_parsed_one(tmp_path: Path) -> None:
    """A file parsed in a worker process is indexed again from its text (`located`): the
    same tree as the parser's, merges flattened, with the same duplicates."""
    parsed = load(tmp_path, MERGED + "  _id: c\n", "account-types.yaml", Kind.ACCOUNT_TYPE)
    located = SourceFile.located(
        parsed.path, parsed.display, Kind.ACCOUNT_TYPE, parsed.text
    )
    assert located.index.duplicates == parsed.index.duplicates
    for pointer in ("/1/grant_mode", "/1/token_mode", "/1/_id", "/0/_id"):
        assert located.span(pointer) == parsed.span(pointer)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    source = load(tmp_path, "a: [1, 2\nb: c\n", "account-type.yaml", Kind.ACCOUNT_TYPE)
    d = problem(source, "L009")
    assert d.line == 2 and not source.readable


def test_yaml_non_json_values(tmp_path: Path) -> None:
    source = load(
        tmp_path, "_id: x\ncreated: 2020-01-01\n1: one\n", "account-type.yaml", Kind.ACCOUNT_TYPE
    )
    # key=str: pointer is typed `str | None`; a None stays in the list, to fail the assert.
    pointers = sorted((p.pointer for p in source.problems if p.code == "L013"), key=str)
    assert pointers == ["/1", "/created"]


def test_yaml_several_documents(tmp_path: Path) -> None:
    assert problem(
        load(tmp_path, "a: 1\n---\nb: 2\n", "account-type.yaml", Kind.ACCOUNT_TYPE), "L009"
    )


def test_yaml_empty_document(tmp_path: Path) -> None:
    assert problem(load(tmp_path, "# nothing\n", "account-type.yaml", Kind.ACCOUNT_TYPE), "L006")


# -- never a traceback ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    tmp = tmp_path_factory.mktemp("bytes")
    for name, kind in (
        ("manifest.konnector", Kind.MANIFEST),
        ("konnector-dev-config.json", Kind.DEV_CONFIG),
        ("account-types.yaml", Kind.ACCOUNT_TYPE),
    ):
        source = load(tmp, raw, name, kind)
        lines = max(1, source.text.count("\n") + 1)
        for p in source.problems:
            assert 1 <= p.line <= lines + 1 and p.column >= 1


def test_non_object_items_are_reported_twenty_times_at_most(tmp_path: Path) -> None:
    from tests.helpers import lint

    found = [d for d in lint(tmp_path, "account-types.json", list(range(1000))) if d.code == "L012"]
    assert [d.pointer for d in found] == [f"/{i}" for i in range(20)]
    assert "and 980 more items" in found[-1].message
    assert "more items" not in found[0].message


def test_one_non_object_item(tmp_path: Path) -> None:
    from tests.helpers import lint

    found = [d for d in lint(tmp_path, "account-types.json", [None]) if d.code == "L012"]
    assert [(d.pointer, d.message) for d in found] == [
        ("/0", "an account type must be an object, not null")
    ]


@pytest.mark.parametrize(
    ("name", "content", "kind", "line", "column"),
    [
        ("manifest.konnector", '{"version": "1",\n "n": ' + "9" * 5000 + "}", Kind.MANIFEST, 2, 7),
        ("account-types.json", '[{"a": "' + "1" * 5000 + '"}, -' + "7" * 4301 + "]",
         Kind.ACCOUNT_TYPE, 1, 5013),
        ("account-types.yaml", "a:\n  - " + "9" * 5000 + "\n", Kind.ACCOUNT_TYPE, 2, 5),
    ],
)
def test_an_integer_too_long_to_read_is_located_and_explained(
    tmp_path: Path, name: str, content: str, kind: Kind, line: int, column: int
) -> None:
    # Issue 11 item 15: the message was Python's ("use sys.set_int_max_str_digits() to
    # increase the limit"), at 1:1; YAML ended in a traceback.
    found = problem(load(tmp_path, content, name, kind), "L010")
    assert "set_int_max_str_digits" not in found.message
    assert "digits" in found.message and "at most 4,300" in found.message
    assert (found.line, found.column) == (line, column)
    assert found.help and "string" in found.help
