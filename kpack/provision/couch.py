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
import functools
import http.client
import io
import json
import os
import re
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from kpack.provision.env import ProvisionError
from kpack.provision.scrub import server_words

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


MAX_ANSWER = 64 * 1024 * 1024  # bytes of one answer read into memory
_CHUNK = 64 * 1024


class _DeadlineIO(io.RawIOBase):
    """The socket as a file whose every read waits at most until the request's deadline:
    a server that drips one byte a second cannot stretch a request (http.client's own
    timeout is per read)."""

    def __init__(self, sock: socket.socket, deadline: float, keep: Any) -> None:
        super().__init__()
        # `keep`: http.client's own file on the socket, held (not read) so the socket stays
        # open, as http.client expects, until this file is closed.
        self._sock, self._deadline, self._keep = sock, deadline, keep

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._keep.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, deadline: float, **kwargs: Any):
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineIO(sock, deadline, self.fp))


class _AnswerTooLarge(Exception):
    pass


class Client:
    def __init__(
        self, location: Location, timeout: float = 10.0, total_timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ):
        """`timeout`: seconds for each request, from connecting to the last byte of the
        answer; `total_timeout`: for every request of the run together (default: 6 times
        `timeout`). `env`: where the proxy variables are read (default: os.environ)."""
        from kpack.provision.proxy import proxy_for
        from kpack.provision.scrub import Scrubber

        self.location = location
        self.timeout = timeout
        self.total_timeout = total_timeout if total_timeout is not None else 6 * timeout
        self._end: float | None = None  # the total deadline, from the first request
        self.requests = 0  # HTTP requests sent, for reports and tests
        self._connection: http.client.HTTPConnection | None = None
        self._headers = {"Accept": "application/json", "User-Agent": "kpack"}
        self._scrubber = Scrubber()
        environment = os.environ if env is None else env
        self.proxy = proxy_for(location.scheme, location.host, location.port, environment)
        if location.user is not None:
            pair = f"{location.user}:{location.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            self._scrubber.add_basic(location.user, location.password or "")
        self._scrubber.add([location.password, os.environ.get("COUCHDB_PASSWORD")])
        if self.proxy is not None:
            self._scrubber.add([self.proxy.password])
            if self.proxy.user is not None:
                self._scrubber.add_basic(self.proxy.user, self.proxy.password or "")

    def hide(self, values: Iterable[str]) -> None:
        """Values sent in requests that no message may show (the documents' secrets): a
        server or proxy may quote the request in its error's reason. Hidden in every form
        the scrubber knows (as sent, JSON-escaped, percent-encoded, base64)."""
        self._scrubber.add(values)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def path(self, *segments: str) -> str:
        """Path-escape each segment: `secrets/io-cozy-account_types` → `secrets%2Fio-…`."""
        return self.location.base_path + "".join("/" + quote(s, safe="") for s in segments)

    def _deadline(self) -> tuple[float, bool]:
        """This request's deadline, and whether it is the run's total deadline."""
        now = time.monotonic()
        if self._end is None:
            self._end = now + self.total_timeout
        if self._end <= now + self.timeout:
            return self._end, True
        return now + self.timeout, False

    def request(
        self, method: str, path: str, body: Any = None, query: str = "",
    ) -> Response:
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = dict(self._headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        target = path + (f"?{query}" if query else "")
        if self.proxy is not None and self.location.scheme == "http":
            # A forward proxy takes the absolute URL (never with credentials in it).
            target = self.location.display.removesuffix(self.location.base_path) + target
            if self.proxy.authorization is not None:
                headers["Proxy-Authorization"] = self.proxy.authorization
        deadline, total = self._deadline()
        for attempt in (1, 2):
            reused = self._connection is not None
            try:
                connection = self._connect(deadline)
                self.requests += 1
                connection.request(method, target, body=payload, headers=headers)
                answer = connection.getresponse()
                raw = self._read(answer)
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
                if total:
                    raise self._error(
                        f"no complete answer within the run's total time limit of "
                        f"{self.total_timeout:g} s (--total-timeout)"
                    ) from None
                raise self._error(f"no answer within {self.timeout:g} s") from None
            except _AnswerTooLarge as exc:
                self.close()
                raise self._error(
                    f"the answer is larger than {MAX_ANSWER // 2**20} MiB{exc}: not read"
                ) from None
            except http.client.IncompleteRead:
                self.close()
                raise self._error("the connection was closed in the middle of the answer") \
                    from None
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
                raise self._error(exc.strerror or _local(str(exc)) or type(exc).__name__) \
                    from None
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError, RecursionError):
            data = None
        return Response(answer.status, data)

    @staticmethod
    def _read(answer: http.client.HTTPResponse) -> bytes:
        """The body, at most MAX_ANSWER bytes (whatever Content-Length says, or chunked)."""
        length = answer.getheader("Content-Length", "").strip()
        if length.isdigit() and int(length) > MAX_ANSWER:
            raise _AnswerTooLarge(f" (Content-Length: {int(length)})")
        chunks, size = [], 0
        while True:
            chunk = answer.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER:
                raise _AnswerTooLarge("")
            chunks.append(chunk)
        if answer.length:  # Content-Length promised more than came
            raise http.client.IncompleteRead(b"".join(chunks), answer.length)
        return b"".join(chunks)

    def _connect(self, deadline: float) -> http.client.HTTPConnection:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline")
        if self._connection is None:
            location, proxy = self.location, self.proxy
            host, port = (proxy.host, proxy.port) if proxy is not None else (
                location.host, location.port)
            if location.scheme == "https":
                connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                    host, port, timeout=remaining
                )
                if proxy is not None:
                    tunnel_headers = {}
                    if proxy.authorization is not None:
                        tunnel_headers["Proxy-Authorization"] = proxy.authorization
                    connection.set_tunnel(location.host, location.port, tunnel_headers)
            else:
                connection = http.client.HTTPConnection(host, port, timeout=remaining)
            self._connection = connection
        self._connection.timeout = remaining
        if self._connection.sock is not None:
            self._connection.sock.settimeout(remaining)
        self._connection.response_class = functools.partial(  # type: ignore[assignment]
            _DeadlineResponse, deadline=deadline
        )
        return self._connection

    def _error(self, what: str) -> CouchError:
        where = f"CouchDB at {self.location.display}"
        if self.proxy is not None:
            where += f" (through the proxy {self.proxy.display} from {self.proxy.variable})"
        return CouchError(self.scrub(f"{where}: {what}"))

    def scrub(self, message: str) -> str:
        return self._scrubber.scrub(message)

    def fail(self, response: Response, doing: str) -> CouchError:
        """The message for an unexpected status while `doing` something: the status and
        CouchDB's own words (`server_words`), never the server's free text."""
        status = response.status
        words = server_words(response.data)
        reason = one_line(self.scrub(f": {words}")) if words else ""
        if status == 401:
            what = "401 Unauthorized: check the credentials (--user, COUCHDB_USER/COUCHDB_PASSWORD)"
        elif status == 403:
            what = f"403 Forbidden: this user may not do that{reason}"
        elif status == 404:
            what = f"404 Not Found{reason}: is {self.location.display} a CouchDB server?"
        elif status == 407:
            what = "407 Proxy Authentication Required: check the proxy's credentials"
        elif status >= 500:
            what = f"server error {status}{reason}"
        else:
            what = f"unexpected status {status}{reason}"
        return self._error(f"{doing}: {what}")


def _local(text: str) -> str:
    """An OSError's text, except the one http.client makes of a proxy's answer to CONNECT
    ("Tunnel connection failed: 407 <the proxy's reason phrase>"): its status only."""
    tunnel = re.match(r"Tunnel connection failed: (\d{3})", text)
    if tunnel:
        return f"the proxy refused the tunnel: status {tunnel.group(1)}"
    return text


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_REASON = 300


def one_line(text: str) -> str:
    """A server's words for a one-line message: control characters escaped, length capped
    (after scrubbing: a cut could split a secret out of the scrubber's sight)."""
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= MAX_REASON else text[:MAX_REASON] + "…"
