"""Which proxy `--apply` goes through: the environment variables curl reads, as curl reads
them (curl(1), "ENVIRONMENT"), so `--apply` and the printed curl script take the same way.

- `http://` CouchDB: `http_proxy` — lower case only: curl ignores `HTTP_PROXY`, which a CGI
  program gets from a request's `Proxy:` header ("httpoxy"); kpack says so in a note.
- `https://` CouchDB: `https_proxy`, else `HTTPS_PROXY`.
- then `all_proxy`, else `ALL_PROXY`.
- `no_proxy`, else `NO_PROXY`: comma-separated host names (a name also covers its
  subdomains; a leading dot is ignored), IP addresses, CIDR ranges, or `*` for every host.
An empty value counts as unset. A proxy URL without a scheme is `http://`; without a port,
1080 (curl's default). Only `http://` proxies are supported (an `https://` CouchDB goes
through a CONNECT tunnel); `https://` and SOCKS proxies are refused with one line.
The proxy's own credentials go in `Proxy-Authorization` to the proxy only.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from kpack.provision.env import ProvisionError

DEFAULT_PORT = 1080


class Proxy(NamedTuple):
    host: str
    port: int
    user: str | None
    password: str | None
    variable: str  # the environment variable it came from, for messages

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def authorization(self) -> str | None:
        if self.user is None:
            return None
        pair = f"{self.user}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def _first(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return None


def proxy_for(scheme: str, host: str, port: int, env: Mapping[str, str]) -> Proxy | None:
    """The proxy to reach scheme://host:port, or None for a direct connection."""
    if scheme == "http":
        found = _first(env, "http_proxy", "all_proxy", "ALL_PROXY")
    else:
        found = _first(env, "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
    if found is None or bypassed(host, port, env):
        return None
    return parse_proxy(*found)


def ignored_note(scheme: str, env: Mapping[str, str]) -> str | None:
    """The note for an HTTP_PROXY that curl (and so kpack) does not read."""
    if scheme == "http" and env.get("HTTP_PROXY", "").strip() and not _first(
        env, "http_proxy", "all_proxy", "ALL_PROXY"
    ):
        return ("HTTP_PROXY is ignored, as curl ignores it (a CGI request can set it): "
                "set http_proxy to use a proxy for http:// URLs")
    return None


def parse_proxy(variable: str, value: str) -> Proxy:
    text = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ProvisionError(f"{variable} is not a valid proxy URL") from None
    if parts.scheme.lower() != "http":
        raise ProvisionError(
            f"{variable}: {parts.scheme}:// proxies are not supported by --apply; "
            "use an http:// proxy (or the curl script)"
        )
    if not host:
        raise ProvisionError(f"{variable} is not a valid proxy URL (no host)")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return Proxy(host, port or DEFAULT_PORT, user, password, variable)


def bypassed(host: str, port: int, env: Mapping[str, str]) -> bool:
    found = _first(env, "no_proxy", "NO_PROXY")
    if found is None:
        return False
    host = host.lower().rstrip(".")
    for raw in found[1].split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if _matches(entry, host, port):
            return True
    return False


def _matches(entry: str, host: str, port: int) -> bool:
    address = _address(host)
    if address is not None:
        text = entry.strip("[]")
        try:
            return address in ipaddress.ip_network(text, strict=False)
        except ValueError:
            pass
        if entry.startswith("[") and "]:" in entry:  # [::1]:5984
            bracketed, _, entry_port = entry.rpartition(":")
            return entry_port == str(port) and _address(bracketed.strip("[]")) == address
        name, _, entry_port = entry.rpartition(":")
        if name and entry_port.isdigit():
            return entry_port == str(port) and _address(name) == address
        return False
    name, _, entry_port = entry.partition(":")
    if entry_port and entry_port != str(port):
        return False
    name = name.lstrip(".").rstrip(".")
    return bool(name) and (host == name or host.endswith("." + name))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
