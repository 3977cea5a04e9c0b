"""Against a real CouchDB-API server (pouchdb-server, in memory): the printed curl script run
with sh and curl, --apply, concurrency, request counts, and the seed's own curl."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kpack.provision.apply import upsert
from kpack.provision.couch import Client, locate
from tests.helpers import SHARED, write
from tests.provision.conftest import DB_PATH, KPACK, Server

pytestmark = pytest.mark.couchdb

# Values that break naive quoting, in the file and in the environment.
AWKWARD = "it's \"quoted\" $HOME `cmd` $(cmd) \\ back\\\\slash\nnew line\ttab\r é ☃ 💥 '"
ENV = {
    "COZY_ID": "id with \"quotes\" and $dollar and \\back",
    "COZY_SECRET": "se'cr\"et\\\n\n multi-line ✓ $(rm -rf x) `x` %s\t\r",
    "COZY_TOKEN": "",
}
DOCS: list[dict[str, Any]] = [
    {
        "_id": "service.example",
        "grant_mode": "authorization_code",
        "client_id": "$COZY_ID",
        "client_secret": "${COZY_SECRET}",
        "auth_endpoint": "https://service.example/oauth/authorize",
        "token_endpoint": "https://service.example/oauth/token",
        "token_mode": "basic",
        "redirect_uri": "https://oauthcallback.cozy.tools/accounts/service.example/redirect",
        # In the files `$$` is a literal `$`.
        "extras": {
            "note": AWKWARD.replace("$", "$$"), "mixed": "pre-${COZY_ID}-post",
            "dollars": "$$COZY_ID",
        },
        "skip_state_on_token": True,
    },
    {
        "_id": "ctx/google",
        "grant_mode": "secret",
        "slug": "google",
        # Placeholders only: a literal secret would be masked in the printed script.
        "secret": {"token": "$COZY_TOKEN", "list": ["$COZY_ID"], "deep": {"k": "${COZY_SECRET}"}},
    },
]
# COZY_ID fills client_id and extras, outside the secret fields: named with --env.
ALLOW = ["--env", "COZY_ID"]
EXPECTED = {
    "service.example": {
        **DOCS[0],
        "client_id": ENV["COZY_ID"],
        "client_secret": ENV["COZY_SECRET"],
        "extras": {"note": AWKWARD, "mixed": f"pre-{ENV['COZY_ID']}-post",
                   "dollars": "$COZY_ID"},
    },
    "ctx/google": {
        **DOCS[1],
        "secret": {"token": "", "list": [ENV["COZY_ID"]], "deep": {"k": ENV["COZY_SECRET"]}},
    },
}


def assert_stored(server: Server, expected: dict[str, dict[str, Any]]) -> None:
    for doc_id, fields in expected.items():
        stored = server.doc(doc_id)
        assert stored is not None, doc_id
        assert set(stored) - {"_rev"} == set(fields), doc_id
        for key, value in fields.items():
            assert stored[key] == value, f"{doc_id}: {key}"


def run_kpack(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KPACK, "provision", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def sh_curl() -> None:
    if shutil.which("curl") is None or shutil.which("sh") is None:
        pytest.skip("needs sh and curl")


def test_printed_curl_script_runs_twice(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], sh_curl: None,
) -> None:
    write(tmp_path, "account-types.json", DOCS)
    generated = run_kpack(["account-types.json"], {**kpack_env}, tmp_path)
    assert generated.returncode == 0, generated.stderr
    script = write(tmp_path, "provision.sh", generated.stdout)
    env = {**kpack_env, **ENV}
    first = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True,
                           timeout=120)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == "created service.example\ncreated ctx/google\n"
    assert_stored(couch, EXPECTED)
    rev = couch.doc("ctx/google")["_rev"]
    second = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert (second.returncode, second.stderr) == (0, "")
    assert second.stdout == "updated service.example\nupdated ctx/google\n"
    assert couch.doc("ctx/google")["_rev"].startswith("2-") and rev.startswith("1-")
    assert_stored(couch, EXPECTED)
    # What --apply computes is byte-for-byte what the script stored: nothing to change.
    applied = run_kpack(["account-types.json", "--apply", "--env", "COZY_ID"], env, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[:2] == ["unchanged    service.example",
                                               "unchanged    ctx/google"]
    # Secrets came from the environment at run time: the script itself has none.
    assert ENV["COZY_SECRET"] not in generated.stdout


def test_curl_script_names_missing_variables(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], sh_curl: None,
) -> None:
    write(tmp_path, "account-types.json", DOCS)
    script = write(tmp_path, "p.sh", run_kpack(["account-types.json"], kpack_env, tmp_path).stdout)
    result = subprocess.run(["sh", str(script)], env={**kpack_env, "COZY_ID": "x"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == "kpack: environment variables not set: COZY_SECRET COZY_TOKEN\n"
    assert couch.request("GET", DB_PATH)[0] == 404  # nothing written, not even the database


def test_curl_script_with_a_masked_literal_secret(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], sh_curl: None,
) -> None:
    write(tmp_path, "account-type.json", {**DOCS[1], "secret": "literal-v4lue"})
    generated = run_kpack(["account-type.json"], kpack_env, tmp_path)
    assert "literal-v4lue" not in generated.stdout + generated.stderr
    assert "will not work as printed" in generated.stderr
    revealed = run_kpack(["account-type.json", "--reveal-secrets"], kpack_env, tmp_path)
    script = write(tmp_path, "p.sh", revealed.stdout)
    result = subprocess.run(["sh", str(script)], env=kpack_env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert couch.doc("ctx/google")["secret"] == "literal-v4lue"


def test_apply_reports_created_updated_unchanged(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str],
) -> None:
    write(tmp_path, "account-types.json", DOCS)
    env = {**kpack_env, **ENV}
    first = run_kpack(["account-types.json", "--apply", *ALLOW], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "created      service.example",
        "created      ctx/google",
        f"Provisioned into secrets/io-cozy-account_types at {couch.url}: 2 created "
        "(3 HTTP requests).",
    ]
    assert_stored(couch, EXPECTED)
    rev = couch.doc("service.example")["_rev"]
    again = run_kpack(["account-types.json", "--apply", *ALLOW], env, tmp_path)
    assert again.stdout.splitlines()[-1].endswith(": 2 unchanged (1 HTTP request).")
    assert couch.doc("service.example")["_rev"] == rev  # no write, no new revision

    changed = [{**DOCS[0], "token_mode": "get", "client_secret": "$COZY_TOKEN"}, DOCS[1]]
    write(tmp_path, "account-types.json", changed)
    dry = run_kpack(["account-types.json", "--dry-run", *ALLOW], env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[:3] == [
        "would-update service.example",
        "    ~ client_secret: ********",
        '    ~ token_mode: "get"',
    ]
    assert couch.doc("service.example")["_rev"] == rev  # a dry run writes nothing
    done = run_kpack(["account-types.json", "--apply", *ALLOW], env, tmp_path)
    assert done.stdout.splitlines()[:2] == [
        "updated      service.example (client_secret, token_mode)",
        "unchanged    ctx/google",
    ]
    assert couch.doc("service.example")["token_mode"] == "get"
    for result in (first, again, dry, done):
        assert ENV["COZY_SECRET"] not in result.stdout + result.stderr


def test_dry_run_on_a_missing_database_creates_nothing(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str],
) -> None:
    write(tmp_path, "account-types.json", DOCS)
    dry = run_kpack(["account-types.json", "--dry-run", *ALLOW], {**kpack_env, **ENV},
                    tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == "would-create service.example — new database"
    assert couch.request("GET", DB_PATH)[0] == 404


def many(count: int, prefix: str = "svc", **extra: Any) -> list[dict[str, Any]]:
    return [{"_id": f"{prefix}{i:04d}", "grant_mode": "secret", "slug": f"{prefix}{i:04d}",
             "secret": {"n": i}, **extra} for i in range(count)]


@pytest.mark.parametrize("count", [1, 500])
def test_request_count_is_constant(couch: Server, count: int) -> None:
    client = Client(locate(couch.url, None, {}))
    outcomes = upsert(client, many(count), dry_run=False)
    assert {o.status for o in outcomes} == {"created"}
    first = client.requests  # read (404 no database), create database, bulk write
    client.requests = 0
    upsert(client, many(count), dry_run=False)
    unchanged = client.requests  # read only
    client.requests = 0
    outcomes = upsert(client, many(count, extra="changed"), dry_run=False)
    assert {o.status for o in outcomes} == {"updated"}
    updated = client.requests  # read, bulk write
    client.close()
    assert (first, unchanged, updated) == (3, 1, 2)
    print(f"\n{count} documents: {first} requests (new database), {updated} (update), "
          f"{unchanged} (unchanged)")


class RacingClient(Client):
    """Someone else writes each document between our read and our bulk write."""

    def __init__(self, server: Server, rounds: int):
        super().__init__(locate(server.url, None, {}))
        self.server, self.rounds = server, rounds

    def request(self, method: str, path: str, body: Any = None, query: str = "") -> Any:
        if path.endswith("_bulk_docs") and self.rounds > 0:
            self.rounds -= 1
            for doc in body["docs"]:
                current = self.server.doc(doc["_id"]) or {"_id": doc["_id"]}
                self.server.request(
                    "PUT", f"{DB_PATH}/{doc['_id']}", {**current, "theirs": self.rounds}
                )
        return super().request(method, path, body, query)


def test_conflict_is_re_read_and_retried_never_blind(couch: Server) -> None:
    couch.request("PUT", DB_PATH)
    client = RacingClient(couch, rounds=1)
    [outcome] = upsert(client, many(1), dry_run=False)
    assert outcome.status == "updated"
    assert outcome.note == "after 1 conflict: someone else wrote it meanwhile"
    stored = couch.doc("svc0000")
    assert stored["_rev"].startswith("2-")  # theirs was revision 1, ours is built on it
    assert "theirs" not in stored and stored["secret"] == {"n": 0}
    assert client.requests == 4  # read, write (conflict), read again, write


def test_conflicts_that_never_stop_are_reported(
    couch: Server, tmp_path: Path,
) -> None:
    couch.request("PUT", DB_PATH)
    client = RacingClient(couch, rounds=99)
    [outcome] = upsert(client, many(1), dry_run=False)
    assert outcome.status == "failed"
    assert "changed by someone else during each of 3 attempts: run again" in outcome.note
    assert couch.doc("svc0000")["theirs"] == 96  # their last write stands


def test_two_concurrent_apply_processes_lose_nothing(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str],
) -> None:
    shared = many(150, "shared")
    write(tmp_path, "a/account-types.json", shared + many(100, "a"))
    write(tmp_path, "b/account-types.json", many(100, "b") + shared)
    processes = [
        subprocess.Popen([*KPACK, "provision", f"{side}/account-types.json", "--apply"],
                         env=kpack_env, cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for side in "ab"
    ]
    results = [(*p.communicate(timeout=300), p.returncode) for p in processes]
    for out, err, code in results:
        assert (code, err) == (0, ""), out
    for doc in shared + many(100, "a") + many(100, "b"):
        stored = couch.doc(doc["_id"])
        assert stored is not None and stored["secret"] == doc["secret"], doc["_id"]
        assert "_conflicts" not in stored
    # Each shared document was created exactly once; the other process saw it unchanged.
    statuses = [re.findall(r"^(\S+)\s+shared\d+", out, re.M) for out, _, _ in results]
    assert sorted(statuses[0] + statuses[1]).count("created") == 150
    assert set(statuses[0] + statuses[1]) <= {"created", "unchanged"}


SEED = SHARED / "seed" / "developing-an-oauth-connector.txt"


def test_the_seeds_curl_shows_why_kpack_adds_the_header_and_the_key(
    couch: Server, sh_curl: None,
) -> None:
    if not SEED.is_file():
        pytest.skip("the seed document is not present")
    [command] = [line for line in SEED.read_text(encoding="utf-8").splitlines()
                 if line.startswith("curl -X PUT localhost:5984/")]
    command = command.replace("localhost:5984", couch.url.removeprefix("http://"))
    couch.request("PUT", DB_PATH)
    as_written = subprocess.run(["sh", "-c", f"{command} -sS"], capture_output=True, text=True,
                                timeout=60)
    assert as_written.returncode == 0 and '"ok":true' in as_written.stdout
    # Sent as a form (curl -d's default content type), the JSON body is not read as JSON:
    # the document is stored empty: no grant mode, no client id, no redirect URI.
    assert couch.doc("facebook").keys() == {"_id", "_rev"}
    # Run twice, it fails with a conflict: it has no _rev.
    again = subprocess.run(["sh", "-c", f"{command} -sS"], capture_output=True, text=True,
                           timeout=60)
    assert '"error":"conflict"' in again.stdout
    # With the header kpack sends, the body is read, and the stored key is the seed's typo:
    # the stack reads redirect_uri, which this document lacks.
    couch.request("DELETE", DB_PATH)
    couch.request("PUT", DB_PATH)
    with_header = command + " -sS -H 'Content-Type: application/json'"
    subprocess.run(["sh", "-c", with_header], capture_output=True, text=True, timeout=60,
                   check=True)
    stored = couch.doc("facebook")
    assert stored["grant_mode"] == "authorization_code"
    assert "redirect_url" in stored and "redirect_uri" not in stored
    assert stored["client_secret"] == "..."  # and the secret sits in the shell history
