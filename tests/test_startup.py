"""What the start of `kpack check` no longer does, and the stand-ins that keep its answers:
kpack.rulebook.cleandoc (no `inspect`), kpack.escape's ASCII shortcut, PyYAML's patterns
compiled on first use (kpack.load.pyyaml), one Go decoding per account type."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kpack.diagnostics import Kind
from kpack.documents import Document
from kpack.escape import UNSAFE_PATTERN, printable
from kpack.load import pyyaml
from kpack.load.source import SourceFile
from kpack.rulebook import cleandoc
from kpack.rules import account_type
from kpack.rules.account_type import decoding
from kpack.rules.catalogue import all_rules, fix_of
from tests.helpers import REPO


def test_cleandoc_is_inspects_on_every_rule() -> None:
    rules = all_rules()
    assert len(rules) > 50
    for rule in rules:
        assert rule.doc == inspect.cleandoc(rule.doc)  # already clean: cleaned alike
        fix = fix_of(rule)
        if fix is not None:
            assert fix[1] == inspect.cleandoc(fix[1])


@given(st.text(st.sampled_from(" \t\nab\u00a0.")))
@example("\n    First.\n\n      indented\n    back\n  \n")
@example("  lead\n\ttab\n")
def test_cleandoc_is_inspects(text: str) -> None:
    assert cleandoc(text) == inspect.cleandoc(text)


def test_ascii_printable_is_exactly_the_safe_ascii() -> None:
    unsafe = re.compile(UNSAFE_PATTERN)
    for code in range(128):
        char = chr(code)
        assert char.isprintable() == (unsafe.search(char) is None), code


@given(st.text())
def test_printable_escapes_as_the_pattern_does(text: str) -> None:
    unsafe = re.compile(UNSAFE_PATTERN)
    assert printable(text) == unsafe.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
        f"\\u{ord(m.group()):04x}", text
    )


_YAMLISH = st.text(st.characters(codec="utf-8")) | st.text(st.characters(max_codepoint=127))


@given(_YAMLISH)
@example("a: 1\n\tb\x00")
@example("ok\x85\x7f")
def test_non_printable_answers_as_pyyamls_pattern(text: str) -> None:
    full = re.compile(pyyaml.NON_PRINTABLE)
    ours = pyyaml._NonPrintable(pyyaml.NON_PRINTABLE, 0)
    expected, found = full.search(text), ours.search(text)
    assert (found and (found.span(), found.group())) == (
        expected and (expected.span(), expected.group())
    )


def test_pyyaml_patterns_wait_for_their_first_use(tmp_path: Path) -> None:
    """In a fresh process: `kpack check` of a connector whose `.kpack.yaml` PyYAML reads
    (an anchor: not plain, kpack.load.plain_yaml) with the pure-Python loader compiles
    neither the Reader's pattern nor the resolver's."""
    connector = tmp_path / "connector"
    shutil.copytree(REPO / "examples" / "oauth-connector", connector)
    settings = connector / ".kpack.yaml"
    settings.write_text(settings.read_text().replace("[D004, D005]", "&codes [D004, D005]"))
    code = (
        "import io, contextlib, os, sys\n"
        "from kpack.commands.argv import check_request\n"
        "from kpack.commands.check import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = run(check_request(['check', sys.argv[1]], os.environ))\n"
        "import yaml.reader, yaml.resolver\n"
        "deferred = [r for rs in yaml.resolver.Resolver.yaml_implicit_resolvers.values()\n"
        "            for _, r in rs]\n"
        "print(status, type(yaml.reader.Reader.NON_PRINTABLE).__name__,\n"
        "      yaml.reader.Reader.NON_PRINTABLE._compiled is None,\n"
        "      sum(r._compiled is None for r in deferred), len(deferred))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(connector)], capture_output=True, text=True,
        cwd=REPO, env={**os.environ, "NO_COLOR": "1"}, check=True,
    )
    status, kind, reader_waits, waiting, resolvers = done.stdout.split()
    assert (status, kind, reader_waits) == ("0", "_NonPrintable", "True")
    assert int(waiting) == int(resolvers) > 0


def test_pyyaml_still_refuses_what_it_refused() -> None:
    from kpack.load.pyyaml import yaml

    for text in ("a: \x01", "a: \u00e9\x01", "\ufffe"):
        with pytest.raises(yaml.reader.ReaderError):
            yaml.safe_load(text)
    assert yaml.safe_load("a: [1, yes, 2001-12-14, 1e3, ~]") == yaml.load(
        "a: [1, yes, 2001-12-14, 1e3, ~]", Loader=yaml.SafeLoader
    )


def test_an_account_type_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass of Go's decoding per document, for the key rules and the field rules."""
    calls: list[str] = []
    real = decoding.go_field

    def counted(key: str) -> str | None:
        calls.append(key)
        return real(key)

    monkeypatch.setattr(decoding, "go_field", counted)
    for module in (account_type.keys, account_type):
        if hasattr(module, "go_field"):
            monkeypatch.setattr(module, "go_field", counted)
    data: dict[str, Any] = json.loads(
        '{"_id": "x", "Grant_Mode": "secret", "grant_mode": "bearer", "slug": "s",'
        ' "nope": 1, "client_Id": "$ID"}'
    )
    source = SourceFile.located(REPO / "a.json", "a.json", Kind.ACCOUNT_TYPE, json.dumps(data))
    findings = list(account_type.check_document(Document(source, "", data)))
    assert findings and sorted(calls) == sorted(data)
