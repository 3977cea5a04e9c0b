"""kpack.load.positions: the JSON index locates every value of any JSON text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack.diagnostics import join_pointer, split_pointer
from kpack.load.positions import DuplicateKey, index_json

KEYS = st.text(alphabet=st.sampled_from(list('ab/~"\\é \n')), max_size=4)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


def members(value: Any, pointer: str = "") -> dict[str, Any]:
    """Every value of a document by its JSON pointer."""
    found = {pointer: value}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(members(item, join_pointer(pointer, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.update(members(item, join_pointer(pointer, i)))
    return found


@given(VALUES, st.sampled_from([None, 0, 2, "\t"]), st.booleans())
def test_every_value_is_located(value: Any, indent: int | str | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    index = index_json(text)
    expected = members(value)
    assert set(index.nodes) == set(expected)
    for pointer, node in index.nodes.items():
        assert json.loads(text[node.start : node.end]) == expected[pointer]
        if node.key_start is not None:
            assert node.key_end is not None
            assert json.loads(text[node.key_start : node.key_end]) == split_pointer(pointer)[-1]
            assert text[node.key_end : node.start].strip() == ":"
    assert index.duplicates == []


def test_duplicates_and_the_last_value_wins() -> None:
    text = '{"a": 1, "b": [true, {"c": 2, "c": 3}], "a": {"d": null}}'
    index = index_json(text)
    assert index.duplicates == [
        DuplicateKey("/b/1/c", 30, 33),
        DuplicateKey("/a", 40, 43),
    ]
    node = index.nodes["/a"]
    assert text[node.start : node.end] == '{"d": null}'
    assert text[index.nodes["/b/1/c"].start : index.nodes["/b/1/c"].end] == "3"


def test_blanked_trailing_commas_and_comments_are_whitespace() -> None:
    text = '{"a": [1, 2 ], /* c */ "b": {} }'.replace("/* c */", " " * 7)
    index = index_json(text)
    assert set(index.nodes) == {"", "/a", "/a/0", "/a/1", "/b"}


def test_a_text_that_is_not_json_keeps_what_was_indexed() -> None:
    index = index_json('{"a": 1, "b": 2 "c": 3}')
    assert set(index.nodes) == {"", "/a", "/b"}  # the root, left open, spans nothing


def test_the_string_pattern_matches_what_the_plain_one_matches() -> None:
    """The possessive (3.11+) or unrolled (3.10) string pattern of the position index
    matches exactly what `"(?:[^"\\\\]|\\\\.)*"` matches (issue 18 item 8)."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kpack.load import positions

    plain = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
    ours = re.compile(positions._STRING, re.DOTALL)

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet='"\\ab\n\x01u', max_size=30))
    def agree(text: str) -> None:
        found, expected = ours.match(text), plain.match(text)
        assert (found and found.group()) == (expected and expected.group())

    agree()


def test_lookups_stay_within_each_subtree() -> None:
    """Each document of a long array is found by searching its own subtree only (issue 22:
    searching to the end of the index made n lookups cost n each)."""
    count = 3000
    text = json.dumps([{"_id": f"d{n}", "x": [n, {"y": n}]} for n in range(count)])
    index = index_json(text)
    searched: list[int] = []
    children_of = index._children_of

    def counting(i: int, stop: int) -> Any:
        searched.append(stop - i)
        return children_of(i, stop)

    index._children_of = counting  # type: ignore[method-assign]
    for n in range(count):
        node = index.node(f"/{n}/x/1/y")
        assert node is not None and text[node.start:node.end] == str(n)
    assert sum(searched[1:]) < 20 * count  # the root's children once, then small subtrees
