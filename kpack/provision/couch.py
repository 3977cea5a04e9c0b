"""A minimal CouchDB HTTP client on the standard library's `http.client`.

Why not urllib or httpx: httpx is not a dependency; urllib opens a connection per request
and turns statuses into exceptions. `http.client` keeps one keep-alive connection for the
whole run (the upsert is 2-3 requests), gives every status as is, and makes counting
requests trivial (`Client.requests`).

Credentials never appear in messages: the location's `display` has no user info, and every
message is scrubbed of the password before it is raised.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from kpack.provision.env import ProvisionError

DEFAULT_URL = "http://localhost:5984"


class Location(NamedTuple):
    scheme: str
    host: str
    port: int
    base_path: str  # without a trailing slash ("" or "/couchdb")
    user: str | None
    password: str | None

    @property
    def display(self) -> str:
        """The URL without credentials: the only form ever printed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.base_path}"


def locate(
    url: str | None, user: str | None, env: Mapping[str, str], password_prompt: Any = None,
) -> Location:
    """--couchdb, else COUCHDB_URL, else localhost; credentials: --user, the URL's user info,
    else COUCHDB_USER/COUCHDB_PASSWORD. `password_prompt()` asks for --user's password when
    COUCHDB_PASSWORD is unset (None: not interactive)."""
    given = url or env.get("COUCHDB_URL") or DEFAULT_URL
    try:
        parts = urlsplit(given)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise ProvisionError("the CouchDB URL is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ProvisionError("the CouchDB URL must be http:// or https:// with a host")
    if parts.query or parts.fragment:
        raise ProvisionError("the CouchDB URL must not have a query or a fragment")
    name: str | None = unquote(parts.username) if parts.username else None
    secret: str | None = unquote(parts.password) if parts.password is not None else None
    if user is not None:
        name, secret = user, env.get("COUCHDB_PASSWORD")
        if secret is None and password_prompt is not None:
            secret = password_prompt()
        if secret is None:
            raise ProvisionError("--user needs COUCHDB_PASSWORD (or run it in a terminal)")
    elif name is None and env.get("COUCHDB_USER"):
        name, secret = env["COUCHDB_USER"], env.get("COUCHDB_PASSWORD", "")
    return Location(
        parts.scheme, host, port or (443 if parts.scheme == "https" else 80),
        parts.path.rstrip("/"), name, secret,
    )


class CouchError(ProvisionError):
    """CouchDB could not be reached or refused: exit 2 with this message."""


class Response(NamedTuple):
    status: int
    data: Any  # the decoded JSON body (None when it was not JSON)


class Client:
    def __init__(self, location: Location, timeout: float = 10.0):
        self.location = location
        self.timeout = timeout
        self.requests = 0  # HTTP requests sent, for reports and tests
        self._connection: http.client.HTTPConnection | None = None
        self._headers = {"Accept": "application/json", "User-Agent": "kpack"}
        if location.user is not None:
            pair = f"{location.user}:{location.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        self._hidden: set[str] = set()

    def hide(self, values: Iterable[str]) -> None:
        """Values sent in requests that no message may show (the documents' secrets): a
        server or proxy may quote the request in its error's reason. Hidden as sent and
        as they read inside JSON text."""
        for value in values:
            forms = (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])
            self._hidden.update(form for form in forms if len(form) >= 3)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def path(self, *segments: str) -> str:
        """Path-escape each segment: `secrets/io-cozy-account_types` → `secrets%2Fio-…`."""
        return self.location.base_path + "".join("/" + quote(s, safe="") for s in segments)

    def request(
        self, method: str, path: str, body: Any = None, query: str = "",
    ) -> Response:
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = dict(self._headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        target = path + (f"?{query}" if query else "")
        for attempt in (1, 2):
            reused = self._connection is not None
            try:
                connection = self._connect()
                self.requests += 1
                connection.request(method, target, body=payload, headers=headers)
                answer = connection.getresponse()
                raw = answer.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                # A kept-alive connection the server closed meanwhile: one fresh try.
                if not reused or attempt == 2:
                    raise self._error("the connection was closed before an answer") from None
            except ConnectionRefusedError:
                self.close()
                raise self._error("connection refused (is CouchDB running?)") from None
            except TimeoutError:
                self.close()
                raise self._error(f"no answer within {self.timeout:g} s") from None
            except ssl.SSLError as exc:
                self.close()
                raise self._error(f"TLS error: {exc.reason or 'handshake failed'}") from None
            except socket.gaierror:
                self.close()
                raise self._error("unknown host") from None
            except http.client.HTTPException:
                self.close()
                raise self._error("the answer is not HTTP") from None
            except OSError as exc:
                self.close()
                raise self._error(exc.strerror or type(exc).__name__) from None
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            data = None
        return Response(answer.status, data)

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            location = self.location
            if location.scheme == "https":
                self._connection = http.client.HTTPSConnection(
                    location.host, location.port, timeout=self.timeout
                )
            else:
                self._connection = http.client.HTTPConnection(
                    location.host, location.port, timeout=self.timeout
                )
        return self._connection

    def _error(self, what: str) -> CouchError:
        return CouchError(self.scrub(f"CouchDB at {self.location.display}: {what}"))

    def scrub(self, message: str) -> str:
        hidden = {self.location.password, os.environ.get("COUCHDB_PASSWORD"), *self._hidden}
        for secret in sorted((s for s in hidden if s), key=len, reverse=True):
            if len(secret) >= 3:
                message = message.replace(secret, "****")
        return message

    def fail(self, response: Response, doing: str) -> CouchError:
        """The message for an unexpected status while `doing` something."""
        status = response.status
        reason = ""
        if isinstance(response.data, dict):
            error, why = response.data.get("error"), response.data.get("reason")
            reason = ": " + ", ".join(str(x) for x in (error, why) if x) if error or why else ""
        if status == 401:
            what = "401 Unauthorized: check the credentials (--user, COUCHDB_USER/COUCHDB_PASSWORD)"
        elif status == 403:
            what = f"403 Forbidden: this user may not do that{reason}"
        elif status == 404:
            what = f"404 Not Found{reason}: is {self.location.display} a CouchDB server?"
        elif status >= 500:
            what = f"server error {status}{reason}"
        else:
            what = f"unexpected status {status}{reason}"
        return CouchError(self.scrub(f"CouchDB at {self.location.display}: {doing}: {what}"))
