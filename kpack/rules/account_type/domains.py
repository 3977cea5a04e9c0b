"""Domains: `auth_endpoint` and `token_endpoint` on one registrable domain (the Public
Suffix List) or one provider family.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.rulebook import define
from kpack.rules.common import is_local_dev_host

W = Severity.WARNING
K = Kind.ACCOUNT_TYPE

ENDPOINTS_DIFFERENT_DOMAINS = define(
    "A014", "endpoints-different-domains", W, K,
    "`auth_endpoint` and `token_endpoint` are on different registrable domains.",
    """
    cozy-stack's security rules for account types: with the server-side flow, an
    account type with a genuine `auth_endpoint` but a foreign `token_endpoint` would
    hand a valid authorization code and the client secret to a third party; reviewers
    must make sure both endpoints belong to the service provider. Hosts are compared
    by registrable domain (`www.facebook.com` and `graph.facebook.com` agree), using
    the Public Suffix List, and providers known to use several domains are one family
    (kpack's `spec.PROVIDER_FAMILIES`, from each provider's OAuth documentation: Google's
    `accounts.google.com` with `oauth2.googleapis.com` or `www.googleapis.com`, as in
    cozy-stack's `docs/konnectors-workflow.md`; Microsoft's `login.microsoftonline.com`,
    `login.live.com`, `graph.microsoft.com`; Facebook's `facebook.com`, `fb.com`;
    Twitter/X, Dropbox's `dropboxapi.com`, Withings' `withings.net`). A warning: other
    providers may use two domains too.
    """,
)

# Registrable domains: the Public Suffix List is loaded only when two hosts share their
# last two labels but differ (e.g. www.facebook.com / graph.facebook.com). Building it
# costs 0.03 s without the punycode variants of IDN rules (0.11 s with them): endpoint
# hosts are plain ASCII; a punycode (`xn--`) suffix then falls back to the default rule.
# Only the rules ending with the host's top-level label are parsed (1 ms for most labels,
# 10 ms for "com"): no other rule can match the host, so the answers are the same.
_PSL: dict[str, Any] | None = None  # by top-level label, once one is needed
_RULE_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_.*!")  # ASCII in a rule


def _public_suffix_list(top_label: str) -> Any:
    global _PSL
    if _PSL is None:
        _PSL = {}
    psl = _PSL.get(top_label)
    if psl is None:
        from publicsuffixlist import PublicSuffixList

        lines = _psl_lines_mentioning(top_label)
        psl = _PSL[top_label] = PublicSuffixList(lines, accept_encoded_idn=False)
    return psl


def _psl_lines_mentioning(label: str) -> list[bytes] | None:
    """The lines of the bundled list whose rule may end with `label` (None: all lines)."""
    if not label.isascii() or not label:
        return None
    from publicsuffixlist import PSLFILE

    with open(PSLFILE, "rb") as handle:
        raw = handle.read()
    # A rule is the first word of its line: `label` itself, or ending with ".label".
    lowered, word = b"\n" + raw.lower(), label.lower().encode()
    lines: list[bytes] = []
    for needle in (b"." + word, b"\n" + word):
        start = 0
        while (hit := lowered.find(needle, start)) >= 0:
            start = hit + len(needle)
            if start == len(lowered) or lowered[start] not in _RULE_BYTES:
                begin = lowered.rfind(b"\n", 0, hit + 1) + 1
                end = lowered.find(b"\n", start)
                lines.append(lowered[begin : len(lowered) if end < 0 else end])
    return lines


def _is_ip(host: str) -> bool:
    # Most hosts are names: a name has a character that is neither a digit nor a dot,
    # and no colon (an IPv6 host has one); ip_address would parse it twice to say so.
    if ":" not in host and not host.replace(".", "").isdigit():
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """The registrable domain of `host` (itself for IPs and single labels)."""
    host = host.lower().rstrip(".")
    if _is_ip(host) or "." not in host:
        return host
    return str(_public_suffix_list(host.rsplit(".", 1)[-1]).privatesuffix(host) or host)


def same_site(host_a: str, host_b: str) -> bool:
    """Whether two hosts share a registrable domain, consulting the PSL only if needed."""
    a, b = host_a.lower().rstrip("."), host_b.lower().rstrip(".")
    if a == b:
        return True
    if _is_ip(a) or _is_ip(b) or "." not in a or "." not in b:
        return False
    if a.split(".")[-2:] != b.split(".")[-2:]:
        return False  # a registrable domain has at least two labels
    return registrable_domain(a) == registrable_domain(b)


def _family_of(host: str) -> str | None:
    from kpack.spec import PROVIDER_FAMILIES  # a few lookups, only for differing hosts

    # By suffix, not by registrable domain: the Public Suffix List's private section
    # lists `googleapis.com`, so `oauth2.googleapis.com` is its own registrable domain.
    host = host.lower().rstrip(".")
    for family, domains in PROVIDER_FAMILIES.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return family
    return None


def same_provider(host_a: str, host_b: str) -> bool:
    """Whether two hosts are on the registrable domains of one provider family
    (`accounts.google.com` and `oauth2.googleapis.com`): spec.PROVIDER_FAMILIES."""
    family = _family_of(host_a)
    return family is not None and family == _family_of(host_b)


def check_endpoint_domains(doc: Document, auth: Any, token: Any) -> Iterator[Finding]:
    auth_host, token_host = auth.hostname or "", token.hostname or ""
    if is_local_dev_host(auth_host) and is_local_dev_host(token_host):
        return
    if same_site(auth_host, token_host) or same_provider(auth_host, token_host):
        return
    yield Finding(
        ENDPOINTS_DIFFERENT_DOMAINS, doc.at("token_endpoint"),
        f"token_endpoint ({token_host}) is not on the domain of auth_endpoint ({auth_host})",
        "both endpoints must belong to the service provider: token_endpoint receives the "
        "authorization code and the client secret",
        at_value=True,
    )
