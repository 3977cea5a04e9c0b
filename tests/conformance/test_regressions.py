"""Examples the conformance suite found or the issues named, kept as plain tests (no oracle
needed: they run everywhere). Each one failed on kpack before it followed Go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpack.diagnostics import Diagnostic, Severity
from kpack.rules.account_type import go_decoded, go_field
from kpack.rules.common import GoUrlError, go_url_parse
from tests.helpers import lint

NAME = "account-types.json"
BASE: dict[str, Any] = {
    "_id": "service", "grant_mode": "authorization_code", "client_id": "$CLIENT_ID",
    "client_secret": "$CLIENT_SECRET", "auth_endpoint": "https://service.example/auth",
    "token_endpoint": "https://service.example/token",
}


def members(*pairs: tuple[str, Any]) -> str:
    """A JSON object with these members in this order (duplicates allowed)."""
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"


def errors(diagnostics: list[Diagnostic]) -> list[str]:
    return [f"{d.code} {d.pointer}" for d in diagnostics if d.severity is Severity.ERROR]


# --- issue 12 item 9: URLs as Go's net/url parses them --------------------------------------


def test_template_host_of_the_budget_insight_docs_is_refused(tmp_path: Path) -> None:
    doc = {"_id": "bi", "grant_mode": "bi_webauth", "client_id": "$BI_ID",
           "auth_endpoint": "https://{domain}.biapi.pro/2.0/webauth",
           "reconnect_endpoint": "https://bank.biapi.pro/2.0/auth/webview/reconnect"}
    [finding] = [d for d in lint(tmp_path, NAME, doc) if d.code == "A009"]
    assert finding.pointer == "/auth_endpoint"
    assert "invalid character '{' in host name" in finding.message
    assert finding.help is not None and "template" in finding.help


@pytest.mark.parametrize(
    ("url", "reason"),
    [("https://a b.example/auth", "invalid character ' ' in host name"),
     ("https://service.example:8o/auth", "invalid port"),
     ("https://%41.example/auth", "invalid URL escape '%41'"),
     ("https://service.example/a%zz", "invalid URL escape '%zz'"),
     ("https://us er@service.example/", "invalid userinfo"),
     ("https://[::1/auth", "missing ']' in host"),
     ("https://a|b.example/", "invalid character '|' in host name")],
)
def test_urls_go_refuses_are_a009(tmp_path: Path, url: str, reason: str) -> None:
    found = lint(tmp_path, NAME, {**BASE, "token_endpoint": url})
    [finding] = [d for d in found if d.code == "A009"]
    assert reason in finding.message


@pytest.mark.parametrize(
    "url",
    ["https://a_b.service.example/token", "https://service.example/a b",
     "https://ex\u00e4mple.service.example/token", "https://%c3%a4.service.example/token",
     "https://service.example/%41{x}", "https://service.example:443/token?"],
)
def test_urls_go_accepts_are_not_a009(tmp_path: Path, url: str) -> None:
    assert "A009" not in [d.code for d in lint(tmp_path, NAME, {**BASE, "token_endpoint": url})]


def test_port_above_65535_is_deliberately_refused(tmp_path: Path) -> None:
    """Go's url.Parse accepts any digits as a port; kpack does not (nothing can connect)."""
    assert go_url_parse("https://a.example:99999/").port == 99999
    found = lint(tmp_path, NAME, {**BASE, "token_endpoint": "https://service.example:99999/"})
    assert "65535" in next(d.message for d in found if d.code == "A009")


def test_go_url_parse_unescapes_the_host_and_splits_the_port() -> None:
    url = go_url_parse("HTTPS://user:p%40ss@%C3%A4.example:8443/a%20b?q#f")
    assert (url.scheme, url.hostname, url.port) == ("https", "\u00e4.example", 8443)
    assert go_url_parse("https://[::1%25eth0]:80/").hostname == "::1%eth0"
    with pytest.raises(GoUrlError, match="first path segment"):
        go_url_parse("1a:b/c")


# --- issue 12 item 10: keys decoded case-insensitively, as encoding/json does ----------------


def test_other_cases_of_grant_mode_and_redirect_uri_are_read(tmp_path: Path) -> None:
    doc = members(
        ("_id", "service"), ("Grant_Mode", "authorization_code"), ("client_id", "$ID"),
        ("client_secret", "$SECRET"), ("auth_endpoint", "https://service.example/auth"),
        ("token_endpoint", "https://service.example/token"),
        ("Redirect_URI", "https://oauthcallback.example.org/accounts/other/redirect"),
    )
    found = lint(tmp_path, NAME, doc)
    assert errors(found) == ["A011 /Redirect_URI"]  # read, hence checked: wrong id in it
    warned = {d.pointer for d in found if d.code == "A006"}
    assert warned == {"/Grant_Mode", "/Redirect_URI"}
    assert all(d.severity is Severity.WARNING for d in found if d.code == "A006")


def test_the_last_of_two_members_folding_to_one_field_wins(tmp_path: Path) -> None:
    doc = members(*BASE.items(), ("GRANT_MODE", "refresh_token"))
    found = lint(tmp_path, NAME, doc)
    assert errors(found) == ["A002 /GRANT_MODE"]
    dup = next(d for d in found if d.code == "A006")
    assert dup.pointer == "/grant_mode" and "the last one" in dup.message


def test_null_leaves_a_string_as_it_was(tmp_path: Path) -> None:
    doc = members(*BASE.items(), ("Grant_Mode", None))
    assert errors(lint(tmp_path, NAME, doc)) == []
    assert go_decoded(json.loads(doc))[0]["grant_mode"] == "authorization_code"


def test_extras_objects_merge(tmp_path: Path) -> None:
    doc = members(*BASE.items(), ("extras", {"prompt": "consent"}), ("Extras", {"scope": "x"}))
    assert go_decoded(json.loads(doc))[0]["extras"] == {"prompt": "consent", "scope": "x"}
    found = lint(tmp_path, NAME, doc)
    assert [d.pointer for d in found if d.code == "A015"] == ["/Extras/scope"]


def test_a_wrong_type_in_an_earlier_member_still_fails_the_document(tmp_path: Path) -> None:
    doc = members(*BASE.items(), ("skip_state_on_token", "yes"), ("Skip_State_On_Token", True))
    assert errors(lint(tmp_path, NAME, doc)) == ["A008 /skip_state_on_token"]


@pytest.mark.parametrize("key", ["Slug", "SLUG", "\u017flug"])
def test_slug_in_another_case_loses_the_secret(tmp_path: Path, key: str) -> None:
    doc = members(("_id", "service"), ("grant_mode", "secret"), (key, "service"),
                  ("secret", {"api_key": "$API_KEY"}))
    found = lint(tmp_path, NAME, doc)
    assert errors(found) == [f"A006 /{key}"]
    assert "FindAccountTypesBySlug" in next(d.message for d in found if d.code == "A006")


def test_slug_also_spelt_exactly_with_the_same_value_only_warns(tmp_path: Path) -> None:
    doc = members(("_id", "service"), ("grant_mode", "secret"), ("slug", "service"),
                  ("Slug", "service"), ("secret", "$SECRET"))
    assert errors(lint(tmp_path, NAME, doc)) == []


def test_folding_is_go_s_not_python_s() -> None:
    assert go_field("\u017fKIP_STATE_ON_TO\u212aEN") == "skip_state_on_token"
    assert go_field("skip_\ufb06ate_on_token") is None  # 'st' ligature: casefold() would match
    assert go_field("cl\u0130ent_id") is None  # dotted capital I does not fold to i
    assert go_field("_ID") is None  # CouchDB refuses `_` members but its own


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 400])
def test_a_secret_number_beyond_float64_fails_the_document(tmp_path: Path, number: str) -> None:
    """Go decodes `secret` (interface{}) numbers as float64: out of range, Unmarshal fails."""
    text = ('{"_id": "service", "grant_mode": "secret", "slug": "service", '
            f'"secret": {{"key": [1, {number}]}}}}')
    found = lint(tmp_path, NAME, text)
    assert errors(found) == ["A008 /secret/key/1"]


def test_a_big_number_in_an_unknown_key_is_not_decoded(tmp_path: Path) -> None:
    text = '{"_id": "service", "grant_mode": "secret", "slug": "s", "secret": "x", "n": 1e400}'
    assert errors(lint(tmp_path, NAME, text)) == []


def test_a_blank_endpoint_is_a_bad_url_not_absent(tmp_path: Path) -> None:
    """Issue 19: the stack compares the URLs with "" exactly and uses " " as is (Go parses
    it as a relative path): a bad URL (A009), not a missing one (A004)."""
    found = lint(tmp_path, NAME, {**BASE, "auth_endpoint": " "})
    assert errors(found) == ["A009 /auth_endpoint"]
    assert errors(lint(tmp_path, NAME, {"_id": "svc", "grant_mode": "secret", "slug": "s",
                                        "secret": "x", "auth_endpoint": " "})) == [
        "A009 /auth_endpoint"]


def test_a_bad_rule_in_an_earlier_permissions_member_fails_the_install(tmp_path: Path) -> None:
    """Found by the Go oracle: Go decodes both members; the first one's number fails."""
    text = ('{"slug": "my-konnector", "type": "konnector", "permissions": {"files": 5}, '
            '"Permissions": {}}')
    found = lint(tmp_path, "manifest.konnector", text)
    assert "M006 /permissions/files" in errors(found)


# --- issue 19: a repeated key is where Go meets it last -------------------------------------


def test_a_repeated_key_keeps_its_last_position_for_the_folding(tmp_path: Path) -> None:
    """Found by the long profile: Go decodes `source` and `SOURCE` in document order, so
    the second `source` wins; a Python dict kept `source` first and SOURCE's value won."""
    doc = ('{"_id": "svc", "grant_mode": "secret", "GRANT_MODE": "refresh_token", '
           '"grant_mode": "secret", "slug": "s", "secret": "x"}')
    assert errors(lint(tmp_path, NAME, doc)) == []
    manifest = ('{"slug": "my-konnector", "type": "konnector", "editor": "Cozy", '
                '"version": "1.0.0", "VERSION": "x", "version": "1.0.0"}')
    assert "M004" not in [d.code for d in lint(tmp_path, "manifest.konnector", manifest)]
