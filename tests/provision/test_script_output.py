"""What the curl script prints when it runs (issue 18, item 7): ids as kpack prints them
(control, bidi and line-separator characters escaped by `kpack.escape.printable`), and of
CouchDB's answer only the status and a known error token, never its free text.

Run with the real sh and curl against pouchdb-server; a validation function (CouchDB's
`validate_doc_update`, which pouchdb-server runs) makes the server refuse a write with a
reason of its own making, as a real server can.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpack.cli import main
from kpack.escape import UNSAFE_PATTERN, printable
from tests.provision.conftest import DB_PATH, Server

UNSAFE = re.compile(UNSAFE_PATTERN)

pytestmark = pytest.mark.couchdb

# The issue's id: retitles the terminal when printed raw.
ISSUE_ID = "esc\x1b]0;pwned\x07"
_UNSAFE_CHARS = [chr(c) for c in (*range(1, 0x20), 0x7f, 0x85, 0x9b, 0x61c, 0x200e, 0x200f,
                                   0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069)]
ids = st.text(
    st.one_of(st.sampled_from(_UNSAFE_CHARS),
              st.characters(exclude_categories=["Cs"], exclude_characters="\0")),
    min_size=1, max_size=12,
).map(lambda text: "i" + text.replace("$", "$$"))  # "$$": a literal $ in the file


@pytest.fixture(autouse=True)
def _tools() -> None:
    if shutil.which("curl") is None or shutil.which("sh") is None:
        pytest.skip("needs sh and curl")


def script_for(folder: Path, docs: list[dict[str, Any]]) -> str | None:
    """The curl script for `docs`, or None when the rules refuse them."""
    path = folder / "account-types.json"
    path.write_text(json.dumps(docs), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["provision", str(path), "--reveal-secrets"])
    if code == 1:
        return None
    assert code == 0, err.getvalue()
    return out.getvalue()


def run_script(folder: Path, script: str, server: Server) -> subprocess.CompletedProcess[bytes]:
    (folder / "p.sh").write_text(script, encoding="utf-8")
    env = {**os.environ, "COUCHDB_URL": server.url, "A": "a"}
    env.pop("COUCHDB_USER", None)
    return subprocess.run(["sh", "p.sh"], cwd=folder, env=env, capture_output=True, timeout=120)


def doc(doc_id: str, number: int = 0) -> dict[str, Any]:
    return {"_id": doc_id, "grant_mode": "secret", "slug": f"svc{number}", "secret": "$A"}


def test_the_issues_id_is_printed_escaped(couch: Server, tmp_path: Path) -> None:
    script = script_for(tmp_path, [doc(ISSUE_ID)])
    assert script is not None
    run = run_script(tmp_path, script, couch)
    assert (run.returncode, run.stderr) == (0, b"")
    assert run.stdout == b"created esc\\x1b]0;pwned\\x07\n"
    assert couch.doc(ISSUE_ID) is not None  # stored under the id as it is


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc_ids=st.lists(ids, min_size=1, max_size=2, unique=True))
def test_any_id_is_printed_as_kpack_prints_it(couch_server: Server, doc_ids: list[str]) -> None:
    docs = [doc(doc_id, number) for number, doc_id in enumerate(doc_ids)]
    with tempfile.TemporaryDirectory() as name:
        script = script_for(Path(name), docs)
        assume(script is not None)
        assert script is not None
        couch_server.reset()
        run = run_script(Path(name), script, couch_server)
    assert (run.returncode, run.stderr) == (0, b""), run.stderr
    stored = [d.replace("$$", "$") for d in doc_ids]
    out = run.stdout.decode("utf-8")
    assert out == "".join(f"created {printable(i)}\n" for i in stored)
    assert not UNSAFE.search(out.replace("\n", ""))
    assert out.count("\n") == len(stored)  # one line per document, none forged


# -- a refused write: the status and the error token, nothing the server made up --------------

# Refuses any document holding `secret`, quoting it raw and in other encodings.
VALIDATE = """function (newDoc) {
  if (!newDoc.secret) { return; }
  var s = newDoc.secret, hex = '', html = '', alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  var bits = 0, value = 0, b32 = '';
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    hex += ('0' + c.toString(16)).slice(-2);
    html += '&#' + c + ';';
    value = (value << 8) | c; bits += 8;
    while (bits >= 5) { b32 += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) { b32 += alphabet[(value << (5 - bits)) & 31]; }
  throw({forbidden: 'refused \\u001b]0;x\\u0007 ' + s + ' ' + s.toUpperCase() + ' ' + hex + ' '
    + hex.toUpperCase() + ' ' + html + ' ' + encodeURIComponent(encodeURIComponent(s)) + ' '
    + b32});
}"""
SECRET = "Sec&ret Value/42"


def encodings(secret: str) -> list[str]:
    """The forms VALIDATE quotes (the scrubber of issue 15 missed all but the first)."""
    import base64
    from urllib.parse import quote

    raw = secret.encode()
    return [secret, secret.upper(), raw.hex(), raw.hex().upper(),
            "".join(f"&#{b};" for b in raw), quote(quote(secret, safe=""), safe=""),
            base64.b32encode(raw).decode().rstrip("=")]


def refusing(server: Server) -> None:
    server.reset()
    server.request("PUT", DB_PATH)
    design = {"validate_doc_update": VALIDATE}
    status, _ = server.request("PUT", f"{DB_PATH}/_design/refuse", design)
    assert status == 201


def test_a_refused_write_prints_the_status_and_the_token_only(
    couch: Server, tmp_path: Path,
) -> None:
    refusing(couch)
    # The control: the server's answer holds every form, and the terminal escape.
    status, answer = couch.request("PUT", f"{DB_PATH}/probe", {"secret": SECRET})
    assert status == 403 and all(form in answer["reason"] for form in encodings(SECRET))
    docs = [{"_id": ISSUE_ID, "grant_mode": "secret", "slug": "svc", "secret": SECRET}]
    script = script_for(tmp_path, docs)
    assert script is not None
    run = run_script(tmp_path, script, couch)
    assert run.returncode == 1
    assert run.stdout == b""
    assert run.stderr == b"kpack: cannot write esc\\x1b]0;pwned\\x07: HTTP 403 forbidden\n"


def test_apply_reports_a_refused_write_without_the_servers_words(
    couch: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 18, item 12: the server quotes the document's secret in hex, upper case, HTML
    entities, double percent-encoding and base32; none reaches kpack's output."""
    refusing(couch)
    monkeypatch.setenv("TOKEN", SECRET)
    path = tmp_path / "account-type.json"
    path.write_text(json.dumps({"_id": "svc", "grant_mode": "secret", "slug": "svc",
                                "secret": "$TOKEN"}))
    code = main(["provision", str(path), "--apply", "--couchdb", couch.url])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines()[0] == (
        "failed       svc — forbidden, (reason withheld: it may quote what was sent)")
    for form in encodings(SECRET):
        assert form not in out + err, form
    assert "\x1b" not in out + err
