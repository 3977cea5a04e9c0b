"""URLs: endpoints and `redirect_uri` parsed as Go's `net/url` parses them, and the
callback route the redirect URI must name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.fixes import Fix, SetValue, unsafe
from kpack.rulebook import declare_fix, define
from kpack.rules.account_type.ids import split_id
from kpack.rules.account_type.requirements import is_missing
from kpack.rules.common import GoUrlError, go_url_parse, is_local_dev_host, q, short
from kpack.spec import ENDPOINT_FIELDS, IMPLICIT_GRANT_MODES, OAUTH_GRANT_MODES

E, W = Severity.ERROR, Severity.WARNING
K = Kind.ACCOUNT_TYPE

URL_NOT_ABSOLUTE = define(
    "A009", "url-not-absolute", E, K,
    "An endpoint or `redirect_uri` is not an absolute http(s) URL.",
    """
    The stack redirects the browser to `auth_endpoint`, `manage_endpoint` and
    `reconnect_endpoint`, posts to `token_endpoint` and gives `redirect_uri` to the
    provider as is: each must be an absolute `https://host/...` URL. A value without a
    scheme is taken as a path on the instance. The stack compares these fields with `""`
    exactly: a blank value (`" "`) is used as is, so a blank `token_endpoint` makes every
    token request fail (for every grant mode that exchanges a token, `bi_webauth`
    included) and a blank `redirect_uri` is sent to the provider. Surrounding whitespace
    does parse (Go keeps it in the path) but names no endpoint. A `$VAR` placeholder
    filled from the environment is accepted.

    URLs are parsed as Go's `net/url` parses them (`url.Parse`, which the stack calls in
    `MakeOauthStartURL`), not as Python's urllib does: a host may not hold `{`, `}`, a
    space, `|`, `^`, a backslash or a backquote, nor escape an ASCII byte (`%41`); every
    `%` must start a two-hex-digit escape; the userinfo has its own character set. The
    stack's Budget Insight docs write `https://{domain}.biapi.pro/2.0/webauth`: a
    template, not a URL, and the start of every connection fails. kpack is stricter than
    Go in two places: surrounding whitespace (Go keeps it in the path and sends a URL the
    provider does not know) and a port above 65535 (Go parses it; nothing connects).
    """,
)
URL_NOT_HTTPS = define(
    "A010", "url-not-https", W, K, "An endpoint or `redirect_uri` uses plain http.",
    """
    Authorization codes, access tokens and the client secret travel through these
    URLs: over plain http anyone on the path can read them, and most providers refuse
    http redirect URIs. Local development hosts (`localhost`, `*.localhost`,
    `cozy.tools`, `*.cozy.tools`) are exempt.
    """,
)
REDIRECT_URI_WRONG_ID = define(
    "A011", "redirect-uri-wrong-id", E, K,
    "`redirect_uri` names another account type than the document's `_id`.",
    """
    The OAuth callback route is `/accounts/<account type id>/redirect`, on the instance
    or on the shared callback host `oauthcallback.<domain>`. The handler looks up the
    state of the flow and answers "bad state" when its account type differs from the
    id in the path; `<id>` is the `_id` without its context prefix
    (`ctx/google` → `google`). On a shared callback host, any other path is not
    served at all.
    """,
)
IMPLICIT_SHARED_CALLBACK = define(
    "A012", "implicit-grant-shared-callback", E, K,
    "An implicit-grant account type redirects to the shared `oauthcallback.` host.",
    """
    With the implicit grant (`token`, and `token_redirect_url` which works the same
    way) the provider returns the access token as a query parameter to the redirect
    URI, and the stack can only store it on the instance itself: on the instance-less
    `oauthcallback.` host the handler refuses it ("using ?access_token with
    instance-less redirect"). Leave `redirect_uri` out (the default is the instance's
    own `/accounts/<id>/redirect`) or use a per-instance URL.
    """,
)
CONTEXT_WITHOUT_REDIRECT_URI = define(
    "A013", "context-without-redirect-uri", E, K,
    "A context-prefixed OAuth account type has no `redirect_uri`.",
    """
    An `_id` of the form `<context>/<id>` overrides `<id>` for the instances of that
    context. Without `redirect_uri` the stack builds the default
    `https://<instance>/accounts/<context>/<id>/redirect`, a path the callback route
    never matches: the connection cannot complete. Set `redirect_uri` to the shared
    callback `https://oauthcallback.<domain>/accounts/<id>/redirect`.
    """,
)
REDIRECT_URI_TRAILING_SLASH = define(
    "A020", "redirect-uri-trailing-slash", W, K,
    "`redirect_uri` ends with a slash after `/redirect`.",
    """
    The stack's callback route is `/accounts/<id>/redirect` (its default redirect URI,
    cozy-stack `model/account/type.go`, has no trailing slash), and providers compare
    the `redirect_uri` of the authorize request with the registered one character for
    character (RFC 6749 section 3.1.2, OAuth 2.0 Security BCP): `.../redirect/` is
    another URI, which a real account type carried. Write the path without the slash,
    as registered at the provider.
    """,
)

declare_fix(
    REDIRECT_URI_WRONG_ID, "unsafe",
    """
    Rewrites the path's account-type id to the document's `_id` (without its context);
    the provider must know the new URL.
    """,
)

URL_FIELDS = ("redirect_uri", *ENDPOINT_FIELDS)
_CALLBACK_PATH = re.compile(r"/accounts/([^/]+)/redirect/?")


def check_url(doc: Document, field: str, value: str) -> tuple[Finding | None, Any]:
    if not value.strip():
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{q(field)} is blank: the stack compares it with \"\" only and uses it as is"
            + _BLANK_EFFECT.get(field, ""),
            f"remove {q(field)} or write the real URL", at_value=True,
        ), None
    if value != value.strip():
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field), f"{q(field)} has surrounding whitespace",
            "remove the spaces: the stack keeps them and the URL reaches no endpoint",
            at_value=True,
        ), None
    try:
        parts = go_url_parse(value)
    except GoUrlError as exc:
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{q(field)} is not a URL the stack can parse ({exc}): {q(short(value))}",
            _go_url_help(value), at_value=True,
        ), None
    if not parts.scheme or not parts.hostname:
        help = None
        if not parts.scheme and not value.startswith("/"):
            help = f"write {q('https://' + short(value))}"
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{q(field)} is not an absolute URL: {q(short(value))}",
            help, at_value=True,
        ), None
    if parts.port is not None and parts.port > 65535:
        # Go's parser accepts any digits; no connection can be made to such a port.
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{q(field)} has the port {parts.port}, above 65535: {q(short(value))}",
            None, at_value=True,
        ), None
    if parts.scheme.lower() not in ("http", "https"):
        return Finding(
            URL_NOT_ABSOLUTE, doc.at(field),
            f"{q(field)} must be an http(s) URL, not {parts.scheme}:", None, at_value=True,
        ), None
    if parts.scheme.lower() == "http" and not is_local_dev_host(parts.hostname):
        return Finding(
            URL_NOT_HTTPS, doc.at(field), f"{q(field)} uses plain http: {q(short(value))}",
            "use https: codes, tokens and secrets travel through this URL", at_value=True,
        ), parts
    return None, parts


_BLANK_EFFECT = {
    "token_endpoint": ": every token request fails",
    "redirect_uri": ": it is sent to the provider, which refuses it",
}


def _go_url_help(value: str) -> str | None:
    if re.search(r"\{[^{}]*\}", value):
        return (
            "a {placeholder} is a template, not a URL: write the real host (Go's url.Parse, "
            "which the stack uses, refuses `{` in a host name)"
        )
    if " " in value.strip():
        return "encode spaces as %20 (and never put one in a host name)"
    if "%" in value:
        return "a `%` must start an escape of two hex digits (%20); a host may not escape ASCII"
    return None


def check_redirect_uri(doc: Document, grant_mode: str | None, parts: Any) -> Iterator[Finding]:
    data = doc.data
    doc_id = data.get("_id") if isinstance(data.get("_id"), str) else None
    context, name = split_id(doc_id) if doc_id else (None, None)
    if parts is None:
        if (
            context is not None and name and grant_mode in OAUTH_GRANT_MODES
            and is_missing(data, "redirect_uri") and not isinstance(data.get("redirect_uri"), list)
        ):
            yield Finding(
                CONTEXT_WITHOUT_REDIRECT_URI, doc.pointer,
                f"the context override {q(doc_id or '')} has no \"redirect_uri\": the default "
                f"redirect URI /accounts/{doc_id}/redirect matches no route",
                'set "redirect_uri": '
                + q(f"https://oauthcallback.<domain>/accounts/{name}/redirect"),
            )
        return
    host = (parts.hostname or "").lower()
    shared = host.startswith("oauthcallback.")
    match = _CALLBACK_PATH.fullmatch(parts.path)
    expected = f"{parts.scheme}://{parts.netloc}/accounts/{name}/redirect" if name else None
    if match and name and unquote(match.group(1)) != name:
        yield Finding(
            REDIRECT_URI_WRONG_ID, doc.at("redirect_uri"),
            f"redirect_uri names the account type {q(unquote(match.group(1)))}, but this "
            f"document is {q(name)}: the callback answers \"bad state\"",
            f"write {q(expected or '')}", at_value=True,
            fix=_redirect_fix(doc, parts, match, name),
        )
    elif shared and not match:
        yield Finding(
            REDIRECT_URI_WRONG_ID, doc.at("redirect_uri"),
            "a shared callback redirect_uri must have the path /accounts/<id>/redirect",
            f"write {q(expected)}" if expected else None, at_value=True,
        )
    if match and parts.path.endswith("/"):
        yield Finding(
            REDIRECT_URI_TRAILING_SLASH, doc.at("redirect_uri"),
            "redirect_uri ends with a slash after /redirect: the stack's callback route and "
            "its default redirect URI have none, and providers compare redirect URIs "
            "character for character",
            f"write {q(parts.scheme + '://' + parts.netloc + parts.path.rstrip('/'))} (and "
            "register that one at the provider)" if not (parts.query or parts.fragment)
            else "remove the slash after /redirect",
            at_value=True,
        )
    if shared and grant_mode in IMPLICIT_GRANT_MODES:
        yield Finding(
            IMPLICIT_SHARED_CALLBACK, doc.at("redirect_uri"),
            f'grant_mode "{grant_mode}" cannot use the shared callback host {host}: the token '
            "comes back as a query parameter that only the instance itself can store",
            "leave redirect_uri out (the instance's own /accounts/<id>/redirect is the default)",
            at_value=True,
        )


def _redirect_fix(doc: Document, parts: Any, match: Any, name: str) -> Fix | None:
    """The redirect URI with its path's id replaced by `name` (query and all kept)."""
    value = doc.data.get("redirect_uri")
    if not isinstance(value, str):
        return None
    at = value.find("//") + 2 + len(parts.netloc)
    if value[at : at + len(parts.path)] != parts.path:
        return None
    start, end = at + match.start(1), at + match.end(1)
    fixed = value[:start] + quote(name, safe="-._~+@") + value[end:]
    return unsafe(f"write {q(fixed)}", SetValue(doc.at("redirect_uri"), fixed))
