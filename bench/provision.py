"""Provision: `kpack provision --apply` of 500 account types vs one curl per document.

    python bench/provision.py [--docs 500] [--runs 5]

Against the pouchdb-server of the test suite (`npm ci --prefix tests/node --ignore-scripts`),
in memory. Before each run the database is deleted, so both sides create 500 documents.
kpack reports the HTTP requests it made (goal: <= 3, whatever the number of documents);
the peer is a shell loop of `curl -X PUT` per document after creating the database.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    KPACK,
    MODES,
    REPO,
    fmt,
    header,
    kpack_copy,
    kpack_env,
    peer_env,
    print_rows,
    ratio,
    row,
    stats,
)

sys.path.insert(0, str(REPO))
from tests.provision.conftest import DB_PATH, start_server, stop_server


def account_types(count: int) -> list[dict[str, Any]]:
    return [
        {
            "_id": f"service-{number:04d}",
            "grant_mode": "authorization_code",
            "client_id": "$CLIENT_ID",
            "client_secret": "$CLIENT_SECRET",
            "auth_endpoint": f"https://accounts.service-{number:04d}.example/oauth/authorize",
            "token_endpoint": f"https://api.service-{number:04d}.example/oauth/token",
            "token_mode": "basic",
        }
        for number in range(count)
    ]


def curl_loop(folder: Path, docs: list[dict[str, Any]], url: str) -> Path:
    """A sh script: create the database, then PUT each document with curl."""
    (folder / "docs").mkdir()
    lines = [
        "#!/bin/sh",
        "set -e",
        f"DB='{url}{DB_PATH}'",
        'curl -sf -X PUT "$DB" > /dev/null',
    ]
    for doc in docs:
        body = {**doc, "client_id": "id-value", "client_secret": "secret-value"}
        (folder / "docs" / f"{doc['_id']}.json").write_text(json.dumps(body))
        lines.append(
            f"curl -sf -X PUT \"$DB/{doc['_id']}\" -H 'Content-Type: application/json' "
            f"--data-binary @docs/{doc['_id']}.json > /dev/null"
        )
    script = folder / "curl-loop.sh"
    script.write_text("\n".join(lines) + "\n")
    return script


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str, int]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done.stdout + done.stderr, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    header(f"provision: {args.docs} account types, kpack --apply vs curl loop ({args.runs} runs)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kpack-bench-provision-") as tmp:
        folder = Path(tmp)
        server = start_server(folder)
        try:
            docs = account_types(args.docs)
            (folder / "account-types.json").write_text(json.dumps(docs, indent=2))
            script = curl_loop(folder, docs, server.url)
            for mode in MODES:
                with kpack_copy(mode) as root:
                    env = {
                        **kpack_env(root, mode),
                        "COUCHDB_URL": server.url,
                        "CLIENT_ID": "id-value",
                        "CLIENT_SECRET": "secret-value",
                    }
                    ours: list[float] = []
                    theirs: list[float] = []
                    requests: set[str] = set()
                    for round_number in range(args.runs + 1):  # round 0 warms up
                        server.reset()
                        seconds, output, code = timed(
                            # CLIENT_ID fills client_id, outside the secret fields: --env.
                            [KPACK, "provision", "account-types.json", "--apply", "--env",
                             "CLIENT_ID"], env, folder,
                        )
                        found = re.search(r"\((\d+) HTTP requests?\)", output)
                        if code != 0 or not found:
                            sys.exit(f"kpack provision failed ({code}):\n{output[-2000:]}")
                        requests.add(found.group(1))
                        server.reset()
                        peer_seconds, output, code = timed(["sh", str(script)], peer_env(), folder)
                        if code != 0:
                            sys.exit(f"the curl loop failed ({code}):\n{output[-2000:]}")
                        if round_number:
                            ours.append(seconds)
                            theirs.append(peer_seconds)
                mine, peer = stats(ours), stats(theirs)
                print(
                    f"[{mode}] kpack provision --apply: {mine}; HTTP requests: {sorted(requests)}"
                )
                print(f"[{mode}] curl loop ({args.docs + 1} requests): {peer}")
                print(f"[{mode}] ratio {ratio(mine, peer):.2f}\n")
                rows.append(
                    row(
                        f"provision ({mode})",
                        f"`kpack provision --apply` ({args.docs} docs)",
                        f"{fmt(mine)}; {'/'.join(sorted(requests))} HTTP requests",
                        f"{fmt(peer)}; {args.docs + 1} requests",
                        f"{ratio(mine, peer):.2f}",
                        "≤ 3 requests",
                    )
                )
        finally:
            stop_server(server)
    print_rows(rows)


if __name__ == "__main__":
    main()
