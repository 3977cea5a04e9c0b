"""Shared test helpers: lint a text as a file of a given name and look at the result."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kpack.check import check_sources
from kpack.diagnostics import Diagnostic, Kind
from kpack.load.discover import kind_by_name
from kpack.load.source import read_source
from kpack.options import CheckOptions

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def write(tmp_path: Path, name: str, content: str | bytes | Any) -> Path:
    """Write `content` (text, bytes, or a JSON value dumped with indent 2) at tmp_path/name."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return path


def lint_files(*paths: Path, kind: Kind | None = None, target: str = "stack") -> list[Diagnostic]:
    sources = []
    for path in paths:
        file_kind = kind or kind_by_name(path) or Kind.ACCOUNT_TYPE
        sources.append(read_source(path, str(path), file_kind))
    return check_sources(sources, CheckOptions(target=target))[1]


def lint(
    tmp_path: Path, name: str, content: str | bytes | Any, kind: Kind | None = None,
    target: str = "stack",
) -> list[Diagnostic]:
    """Lint one file named `name` holding `content`; kind by name unless given."""
    return lint_files(write(tmp_path, name, content), kind=kind, target=target)


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def only(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    """The one diagnostic with `code` (fails when there are none or several)."""
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {diagnostics}"
    return found[0]


def reply(
    handler: BaseHTTPRequestHandler, status: int, body: bytes,
    content_type: str = "application/json",
) -> None:
    """Send a whole answer from a stub HTTP server's handler."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextlib.contextmanager
def stub_servers() -> Iterator[Callable[[type[BaseHTTPRequestHandler]], int]]:
    """Start stub HTTP servers on 127.0.0.1, each on a free port (the function returns
    it); every one is stopped when the block ends."""
    servers: list[ThreadingHTTPServer] = []

    def serve(handler: type[BaseHTTPRequestHandler]) -> int:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    try:
        yield serve
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


# A git identity for the commits tests make (and the shadow commit pre-commit's try-repo
# makes of uncommitted changes).
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "kpack tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "kpack tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def pre_commit_env(home: Path) -> dict[str, str]:
    """The environment for a real pre-commit run: its own cache in `home`, no colours."""
    return {
        **os.environ, **GIT_IDENTITY,
        "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1",
    }
