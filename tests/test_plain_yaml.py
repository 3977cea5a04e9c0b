"""kpack.load.plain_yaml reads what PyYAML reads, or leaves the text to PyYAML."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpack.load.plain_yaml import NOT_PLAIN, PLAIN_MAX_CHARS, read_plain
from kpack.load.yaml_text import MAX_YAML_VALUES
from tests.helpers import REPO


def pyyaml(text: str) -> Any:
    """What kpack read before: `yaml.safe_load`, or NOT_PLAIN for an error."""
    try:
        return yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return NOT_PLAIN


def agrees(text: str) -> bool:
    """Whether read_plain read `text` (it must then read it as PyYAML does)."""
    ours = read_plain(text)
    if ours is NOT_PLAIN:
        return False
    theirs = pyyaml(text)
    assert theirs is not NOT_PLAIN and ours == theirs, text
    assert type(ours) is type(theirs), text
    return True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n\n",
        "target: registry\n",
        "select: [A, M]\nignore: [A016]   # why\n",
        'per-file-ignores:\n  "konnector-dev-config.json": [D004, D005]\n',
        "severity: {L003: warning, 'A002': \"info\"}\n",
        "ignore:\n- A016\n- 'M004'\nselect:\n    - L\n",
        "a:\n  b:\n    c: [x.y/z-1_2]\n  d: e\nf: []\ng: { }\n",
        "# head\nper-file-ignores:   \n  # inside\n  src/*: [A]\n".replace("*", "a"),
        "'': x\n\"a: b #c\": 'd, e'\n",
    ],
)
def test_plain_settings_are_read_as_pyyaml_reads_them(text: str) -> None:
    assert agrees(text) or text == ""
    assert read_plain(text) == pyyaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "target: yes\n", "a: No\n", "a: null\n", "a: ~\n", "a:\n", "a: 1\n", "a: 1e3\n",
        "a: 2001-12-14\n", "a: .inf\n", "on: x\n", "a: b c\n", "a: b\n  c\n", "a:b\n",
        "a: &x b\n", "a: *x\n", "a: !t b\n", "a: [b, [c]]\n", "a: [b,]\n", "a: 'it''s'\n",
        'a: "x\\ty"\n', "a: b\na: c\n", "a: b\t\n", "a: b\r\n", "a: caf\u00e9\n", "---\na: b\n",
        "- a\n", "a\n", "  a: b\n", "a: b #c\n  d: e\n", "a: [b]#c\n", "a: '#'x\n",
        "a: - b\n", "a:\n  - b\n  c: d\n", "a:\n  -\n", "a: <<\n", "a: =\n", "? a\n: b\n",
        "select: [" + ",".join(["A"] * 40_000) + "]\n",
    ],
)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert read_plain(text) is NOT_PLAIN


def test_long_texts_are_left_to_pyyaml_and_its_bound() -> None:
    assert PLAIN_MAX_CHARS < MAX_YAML_VALUES


_READ = ([  # read as strings
    "abc", "D004", "L", "a.b/c-d_e", "x1", "e5", "inf", "nan", "Nope", '"a b"', '"a #b"',
    "'a #b'", '""', "''", '"a: b"', "'\"'", '"\'"',
])
_OTHERS = ([
    "yes", "No", "TRUE", "off", "On", "null", "NULL", "y", "n", "~", "1", "-1", "0x1f",
    "0o7", "017", "1e3", "1.5", "1:30", ".inf", ".NaN", "2001-12-14", "<<", "=", "*a", "&a",
    "!t", "%x", "@x", "`x`", "a:b", "a #b", "a b", "a#b", "-a", "?a", "|", ">",
    '"x\\"y"', '"x\\ty"', "'it''s'", "'a,b'", '"a]b"',
])
_SCALARS = st.sampled_from(_READ * 6 + _OTHERS)  # mostly what read_plain reads
_GAPS = st.sampled_from(["", " ", "  "])
_ENDS = st.sampled_from(["", "", "", " ", " # note", "  #", "# x", "\t"])
_CLEAN_ENDS = st.sampled_from(["", " ", " # note", "  #"])


@st.composite
def _flow(draw: st.DrawFn, clean: bool) -> str:
    scalars = st.sampled_from(_READ) if clean else _SCALARS
    gap = draw(_GAPS)
    items = draw(st.lists(scalars, max_size=4, unique_by=lambda k: k.strip("'\"")))
    if draw(st.booleans()):
        body = f",{gap}".join(items)
        return f"[{gap}{body}{draw(st.sampled_from([''] if clean else ['', ',', ' ']))}]"
    colons = st.sampled_from([": ", ":  "] if clean else [": ", ":", ":  "])
    values = draw(st.lists(scalars, min_size=len(items), max_size=len(items)))
    pairs = [f"{k}{draw(colons)}{v}" for k, v in zip(items, values, strict=True)]
    return "{" + gap + f",{gap}".join(pairs) + gap + "}"


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int, clean: bool = False) -> list[str]:
    """Settings-like YAML: in `clean` mode, only what read_plain reads."""
    scalars = st.sampled_from(_READ) if clean else _SCALARS
    ends = _CLEAN_ENDS if clean else _ENDS
    lines: list[str] = []
    pad = " " * indent
    keys = st.lists(scalars, min_size=1, max_size=3, unique_by=lambda k: k.strip("'\""))
    for key in draw(keys if clean else st.lists(scalars, min_size=1, max_size=3)):
        kind = draw(st.integers(0, 4 if depth < 2 else 1))
        if kind == 0:
            lines.append(f"{pad}{key}: {draw(scalars)}{draw(ends)}")
        elif kind == 1:
            lines.append(f"{pad}{key}:{draw(_GAPS)} {draw(_flow(clean))}{draw(ends)}")
        elif kind in (2, 3):
            lines.append(f"{pad}{key}:{draw(ends)}")
            inner = indent + draw(st.sampled_from([0, 1, 2, 4] if kind == 2 else [1, 2, 4]))
            if kind == 2:
                lines += [
                    f"{' ' * inner}- {draw(st.one_of(scalars, _flow(clean)))}{draw(ends)}"
                    for _ in range(draw(st.integers(1, 3)))
                ]
            else:
                lines += draw(_block(inner, depth + 1, clean))
        else:
            lines.append(f"{pad}{key}: {draw(scalars)}")  # and a comment or a blank below
            lines.append(" " * draw(st.integers(0, 6)) + draw(st.sampled_from(["# c", ""])))
    return lines


@settings(max_examples=500, deadline=None)
@given(_block(0, 0, clean=True), st.sampled_from(["\n", ""]))
def test_generated_plain_settings_are_read(lines: list[str], end: str) -> None:
    assert agrees("\n".join(lines) + end)


@settings(max_examples=800, deadline=None)
@given(_block(0, 0), st.sampled_from(["\n", ""]), st.randoms(use_true_random=False))
@example(["a: b"], "\n", None)
def test_generated_settings(lines: list[str], end: str, random: Any) -> None:
    if random is not None and random.random() < 0.2:  # an odd line out of place
        index = random.randrange(len(lines))
        moved = " " * random.randrange(4) + lines[index].lstrip()
        lines = [*lines[:index], moved, *lines[index + 1 :]]
    agrees("\n".join(lines) + end)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from([*"ab:-[]{},#'\" \n\t|>&*!?%@`~.0", "yes", "- ", ": "])))
def test_any_text(pieces: list[str]) -> None:
    agrees("".join(pieces))


def test_the_examples_settings_do_not_import_pyyaml() -> None:
    code = (
        "import io, contextlib, os, sys\n"
        "from kpack.commands.argv import check_request\n"
        "from kpack.commands.check import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = run(check_request(['check', 'examples/oauth-connector'], os.environ))\n"
        "print(status, 'yaml' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"}, check=True,
    )
    assert done.stdout.split() == ["0", "False"]
