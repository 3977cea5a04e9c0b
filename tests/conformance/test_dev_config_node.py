"""konnector-dev-config.json against Node: strip-json-comments + JSON.parse, as cozy-jobs-cli
reads it (src/init-konnector-config.js; the oracle is tests/conformance/node/oracle.js).

kpack's syntax verdict (an L error or not) must be Node's, except where kpack is stricter on
purpose (STRICTER, with the reason)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic, Kind
from tests.conformance.conftest import Oracle, conformance_settings
from tests.conformance.kpack_side import assert_agree, describe, errors
from tests.conformance.strategies import json_values

NAME = "konnector-dev-config.json"

STRICTER = {
    "L002": "duplicate keys: JSON.parse keeps the last one silently; one of the two values "
            "is a mistake",
    "L005": "invalid UTF-8: Node replaces the bytes with U+FFFD, so a credential is changed "
            "without a word",
    "L007": "nesting deeper than kpack's bound (memory and time for any input)",
    "L010": "a number too long to read (over 4,300 digits): refused to bound memory and time",
    "L012": "a root that is not an object: cozy-jobs-cli parses it, then finds no `fields`",
    "L013": "a value JSON cannot represent once parsed (kpack refuses it in every kind)",
}

# Pieces a dev config is made of, and the edge cases of its syntax.
MUTATIONS = (
    "line-comment", "block-comment", "comment-in-string", "trailing-comma-object",
    "trailing-comma-array", "bom", "duplicate", "big-number", "nan", "single-quote", "deep",
    "control-in-string", "bad-escape", "invalid-utf8", "lone-surrogate", "nbsp", "empty",
    "leading-zero", "hex", "comment-at-eof", "unterminated-comment", "slash", "root-array",
    "crlf", "line-comment-cr", "hash-comment", "escaped-quote-comment",
)


def _mutate(text: str, mutation: str) -> bytes:
    edits: dict[str, Any] = {
        "line-comment": lambda t: t.replace(", ", ", // a comment\n", 1),
        "line-comment-cr": lambda t: t.replace(", ", ", // a comment\r", 1),
        "block-comment": lambda t: t.replace(": ", ": /* a comment */ ", 1),
        "comment-in-string": lambda t: t.replace("{", '{"u": "http://x // y /* z */", ', 1),
        "escaped-quote-comment": lambda t: t.replace("{", '{"q": "a\\\\", // c\n', 1),
        "trailing-comma-object": lambda t: t[:-1] + ",}",
        "trailing-comma-array": lambda t: t.replace("{", '{"l": [1, 2,], ', 1),
        "bom": lambda t: "\ufeff" + t,
        "duplicate": lambda t: t.replace("{", '{"fields": {}, ', 1),
        "big-number": lambda t: t.replace("{", '{"n": 1e400, ', 1),
        "nan": lambda t: t.replace("{", '{"n": NaN, ', 1),
        "single-quote": lambda t: t.replace("{", "{'s': 1, ", 1),
        "deep": lambda t: t.replace("{", '{"d": ' + "[" * 300 + "]" * 300 + ", ", 1),
        "control-in-string": lambda t: t.replace("{", '{"c": "a\tb", ', 1),
        "bad-escape": lambda t: t.replace("{", '{"e": "\\x41", ', 1),
        "lone-surrogate": lambda t: t.replace("{", '{"s": "\\ud800", ', 1),
        "nbsp": lambda t: t.replace(", ", ",\u00a0", 1),
        "empty": lambda t: "",
        "leading-zero": lambda t: t.replace("{", '{"z": 012, ', 1),
        "hex": lambda t: t.replace("{", '{"h": 0x1F, ', 1),
        "comment-at-eof": lambda t: t + "\n// end",
        "unterminated-comment": lambda t: t + " /* end",
        "slash": lambda t: t + " /",
        "hash-comment": lambda t: t + "\n# end",
        "root-array": lambda t: "[" + t + "]",
        "crlf": lambda t: t.replace(", ", ",\r\n"),
    }
    if mutation == "invalid-utf8":
        return text.replace("{", '{"b": "\xff", ', 1).encode("latin-1", "replace") if \
            text.isascii() else text.encode()
    return str(edits[mutation](text)).encode("utf-8", "surrogatepass")


@st.composite
def dev_configs(draw: st.DrawFn) -> bytes:
    config: dict[str, Any] = {
        "COZY_URL": draw(st.sampled_from(("http://cozy.localhost:8080", "https://me.cozy"))),
        "fields": draw(st.dictionaries(st.sampled_from(("login", "password", "access_token")),
                                       st.text(max_size=6), max_size=3)),
    }
    if draw(st.booleans()):
        config["COZY_PARAMETERS"] = draw(st.dictionaries(st.text(max_size=3), json_values(),
                                                         max_size=2))
    text = json.dumps(config, ensure_ascii=draw(st.booleans()))
    data = text.encode()
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), max_size=3)):
        data = _mutate(data.decode("utf-8", "surrogatepass"), mutation) if _decodes(data) \
            else data
    return data


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


def disagreement(document: Any, answer: dict[str, Any], found: list[Any]) -> str | None:
    load = [d for d in errors(found) if d.code.startswith("L")]
    if answer["ok"] and load:
        if all(d.code in STRICTER for d in load):
            return None
        return f"Node parses it; kpack: {describe(load)}"
    if not answer["ok"] and not load:
        return f"Node refuses it ({answer['error']}); kpack: {describe(errors(found))}"
    return None


@conformance_settings()
@given(st.lists(dev_configs(), min_size=25, max_size=50))
def test_dev_config_syntax_agrees_with_node(
    node_oracle: Oracle, tmp_path_factory: Any, documents: list[bytes]
) -> None:
    tmp: Path = tmp_path_factory.mktemp("dev")
    assert_agree(node_oracle, "dev-config", documents, tmp, NAME, Kind.DEV_CONFIG, _judge)


def _judge(document: Any, answer: dict[str, Any], found: list[Diagnostic]) -> list[str]:
    problem = disagreement(document, answer, found)
    return [problem] if problem else []
