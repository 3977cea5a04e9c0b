"""Account-type rules (A001-A019): a failing and a passing case for each."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic, Kind, Severity, split_pointer
from kpack.rules import account_type as A
from kpack.rules.account_type import domains as D
from kpack.spec import ACCOUNT_TYPE_FIELDS, CODE_GRANT_MODES, GRANT_MODE_REQUIREMENTS, GRANT_MODES
from tests.helpers import codes, lint, lint_files, only, write

NAME = "account-types.json"

# A valid account type: `$VAR` placeholders, endpoints on one registrable domain.
VALID: dict[str, Any] = {
    "_id": "service",
    "grant_mode": "authorization_code",
    "client_id": "$SERVICE_CLIENT_ID",
    "client_secret": "${SERVICE_CLIENT_SECRET}",
    "auth_endpoint": "https://service.example/auth",
    "token_endpoint": "https://api.service.example/token",
}

# What each grant mode needs, filled with plausible values.
FILLERS: dict[str, Any] = {
    "auth_endpoint": "https://provider.example/oauth/authorize",
    "token_endpoint": "https://provider.example/oauth/token",
    "client_id": "a1b2c3d4e5",
    "client_secret": "$PROVIDER_SECRET",
    "reconnect_endpoint": "https://bank.biapi.pro/2.0/auth/webview/reconnect",
    "manage_endpoint": "https://bank.biapi.pro/2.0/auth/webview/manage",
    "slug": "provider",
    "secret": {"api_key": "$PROVIDER_API_KEY"},
}


def minimal(grant_mode: str, **extra: Any) -> dict[str, Any]:
    doc = {"_id": "provider", "grant_mode": grant_mode}
    doc.update({f: FILLERS[f] for f in GRANT_MODE_REQUIREMENTS[grant_mode]})
    doc.update(extra)
    return doc


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc = dict(base)
    doc.update(changes)
    return doc


def without(base: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k not in keys}


def key_pos(doc: dict[str, Any], key: str) -> tuple[int, int]:
    """Line and column of `key` in json.dumps(doc, indent=2) (a single-object file)."""
    return 2 + list(doc).index(key), 3


def value_pos(doc: dict[str, Any], key: str) -> tuple[int, int]:
    line, column = key_pos(doc, key)
    return line, column + len(json.dumps(key)) + 2


def at(d: Diagnostic) -> tuple[int, int]:
    return d.line, d.column


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def test_valid_document_is_clean(tmp_path: Path) -> None:
    assert lint(tmp_path, NAME, VALID) == []


@pytest.mark.parametrize("grant_mode", GRANT_MODES)
def test_minimal_document_of_each_grant_mode_is_clean(tmp_path: Path, grant_mode: str) -> None:
    assert lint(tmp_path, NAME, minimal(grant_mode)) == []


def test_every_rule_is_documented() -> None:
    assert [r.code for r in A._RULES] == [f"A{i:03d}" for i in range(1, 21)]
    for rule in A._RULES:
        assert rule.kind is Kind.ACCOUNT_TYPE
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert len(rule.doc) > 150, rule.code


# --- A001 grant-mode-missing ---------------------------------------------------------------


def test_grant_mode_missing_points_at_the_object(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, without(VALID, "grant_mode")), "A001")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, "", (1, 1))
    assert d.name == "grant-mode-missing"


def test_grant_mode_empty_points_at_the_member(tmp_path: Path) -> None:
    doc = with_(VALID, grant_mode="")
    d = only(lint(tmp_path, NAME, doc), "A001")
    assert (d.pointer, at(d)) == ("/grant_mode", key_pos(doc, "grant_mode"))


def test_grant_mode_missing_in_an_array_file(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, [VALID, without(with_(VALID, _id="other"), "grant_mode")])
    d = only(diagnostics, "A001")
    assert d.pointer == "/1"
    assert d.line == 10  # the second object's opening brace


def test_notification_document_needs_no_grant_mode(tmp_path: Path) -> None:
    doc = {"_id": "myapp", "slug": "myapp", "fcm_credentials": {"type": "service_account"}}
    assert lint(tmp_path, NAME, doc) == []


# --- A002 grant-mode-unknown ---------------------------------------------------------------


def test_refresh_token_gets_its_own_explanation(tmp_path: Path) -> None:
    doc = with_(VALID, grant_mode="refresh_token")
    d = only(lint(tmp_path, NAME, doc), "A002")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, "/grant_mode", (3, 3))
    assert "grant type the stack itself sends" in d.message
    assert d.help is not None and '"authorization_code"' in d.help


@pytest.mark.parametrize(
    ("value", "meant"),
    [
        ("authorisation_code", "authorization_code"),
        ("Authorization_Code", "authorization_code"),
        ("authorization-code", "authorization_code"),
        ("Secret", "secret"),
        ("bi_webauth+secrets", "bi_webauth+secret"),
        ("implicit", "token"),
    ],
)
def test_grant_mode_near_miss_names_the_right_value(tmp_path: Path, value: str, meant: str) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, grant_mode=value)), "A002")
    assert d.help == f'did you mean "{meant}"?'
    assert "Wrong account type" in d.message


def test_grant_mode_far_off_lists_the_values(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, grant_mode="client_credentials")), "A002")
    assert d.help is not None and all(f'"{m}"' in d.help for m in GRANT_MODES)


# --- A003 token-mode-unknown ---------------------------------------------------------------


def test_token_mode_basic_capitalised(tmp_path: Path) -> None:
    doc = with_(VALID, token_mode="Basic")
    d = only(lint(tmp_path, NAME, doc), "A003")
    assert (d.severity, d.pointer) == (Severity.ERROR, "/token_mode")
    assert at(d) == key_pos(doc, "token_mode")
    assert d.help == 'did you mean "basic"?'
    assert 'falls back to "form"' in d.message


@pytest.mark.parametrize("value", ["post", "POST"])
def test_token_mode_post_explains_the_default(tmp_path: Path, value: str) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, token_mode=value)), "A003")
    assert d.help is not None and "already POSTs a form body" in d.help


@pytest.mark.parametrize("value", ["form", "basic", "get", None])
def test_token_mode_valid_values(tmp_path: Path, value: str | None) -> None:
    doc = VALID if value is None else with_(VALID, token_mode=value)
    assert "A003" not in codes(lint(tmp_path, NAME, doc))


# --- A004 required-field-missing / A005 token-endpoint-missing -----------------------------


@pytest.mark.parametrize(
    ("grant_mode", "field"),
    [
        (mode, field)
        for mode, fields in GRANT_MODE_REQUIREMENTS.items()
        for field in fields
        if not (mode in CODE_GRANT_MODES and field == "token_endpoint")
    ],
)
def test_each_required_field(tmp_path: Path, grant_mode: str, field: str) -> None:
    d = only(lint(tmp_path, NAME, without(minimal(grant_mode), field)), "A004")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, "", (1, 1))
    assert f'"{field}"' in d.message and grant_mode in d.message


@pytest.mark.parametrize("empty", ["", None])
def test_empty_required_field_counts_as_missing(tmp_path: Path, empty: str | None) -> None:
    doc = with_(minimal("bi_webview"), manage_endpoint=empty)
    d = only(lint(tmp_path, NAME, doc), "A004")
    assert (d.pointer, at(d)) == ("/manage_endpoint", key_pos(doc, "manage_endpoint"))


def test_a_blank_required_url_is_used_as_is(tmp_path: Path) -> None:
    # Issue 19: the stack compares the URLs with "" only; "   " is used (a bad URL).
    doc = with_(minimal("bi_webview"), manage_endpoint="   ")
    found = lint(tmp_path, NAME, doc)
    assert "A004" not in codes(found)
    assert only(found, "A009").pointer == "/manage_endpoint"


def test_secret_grant_needs_slug_and_secret(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, {"_id": "svc", "grant_mode": "secret", "secret": {}})
    assert sorted(d.message for d in diagnostics if d.code == "A004") == [
        'grant_mode "secret" needs "secret", but it is empty',  # {} holds no secret
        'grant_mode "secret" needs "slug"',
    ]


def test_secret_can_be_a_string_or_an_object(tmp_path: Path) -> None:
    assert lint(tmp_path, NAME, minimal("secret", secret="$SVC_SECRET")) == []
    assert lint(tmp_path, NAME, minimal("secret", secret={"key": "$K", "n": 2})) == []


def test_authorization_code_without_token_endpoint_is_a_warning(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, without(VALID, "token_endpoint", "client_secret"))
    d = only(diagnostics, "A005")
    assert (d.severity, d.pointer, d.name) == (Severity.WARNING, "", "token-endpoint-missing")
    assert errors(diagnostics) == []
    assert d.help is not None and "konnector must exchange the code itself" in d.help


def test_token_endpoint_set_requires_client_secret(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, without(VALID, "client_secret"))
    assert codes(diagnostics) == ["A004"]
    assert '"client_secret"' in diagnostics[0].message


# --- A006 misspelled-key / A007 unknown-key ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "right"),
    [
        ("redirect_url", "redirect_uri"),
        ("redirectUri", "redirect_uri"),
        ("redirect_uris", "redirect_uri"),
        ("redirect-uri", "redirect_uri"),
        ("redirectURL", "redirect_uri"),
        ("client-secret", "client_secret"),
        ("clientId", "client_id"),
        ("grantMode", "grant_mode"),
        ("token_url", "token_endpoint"),
        ("authorize_endpoint", "auth_endpoint"),
        ("grant_type", "grant_mode"),
        ("tokenMode", "token_mode"),
        ("clinet_secret", "client_secret"),
        ("skip_state", "skip_state_on_token"),
        ("id", "_id"),
    ],
)
def test_misspelled_key(tmp_path: Path, key: str, right: str) -> None:
    doc = with_(without(VALID, right), **{key: "x"})
    d = only(lint(tmp_path, NAME, doc), "A006")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, f"/{key}", key_pos(doc, key))
    assert d.help is not None and d.help.startswith(f'did you mean "{right}"?')


def test_misspelled_key_next_to_the_right_one(tmp_path: Path) -> None:
    uri = "https://oauthcallback.example.com/accounts/service/redirect"
    doc = with_(VALID, redirect_uri=uri, redirect_url=uri)
    d = only(lint(tmp_path, NAME, doc), "A006")
    assert d.help is not None and "also present" in d.help
    assert "default" not in d.message


def test_redirect_url_message_names_the_silent_default(tmp_path: Path) -> None:
    doc = with_(VALID, redirect_url="https://oauthcallback.example.com/accounts/service/redirect")
    d = only(lint(tmp_path, NAME, doc), "A006")
    assert "default redirect URI" in d.message


def test_unknown_key_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    doc = with_(VALID, fcm_credential_file="x")
    d = only(lint(tmp_path, NAME, doc), "A007")
    assert (d.severity, d.pointer, at(d)) == (
        Severity.WARNING, "/fcm_credential_file", key_pos(doc, "fcm_credential_file"),
    )
    assert d.help == "did you mean 'fcm_credentials'?"


def test_unknown_key_without_suggestion(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, comment="provisioned by ops")), "A007")
    assert d.help is None


def test_scope_in_an_account_type_points_to_the_manifest(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, scope="openid")), "A007")
    assert d.help is not None and "oauth.scope" in d.help


def test_couchdb_members_are_known(tmp_path: Path) -> None:
    doc = with_(VALID, _rev="1-abc", _deleted=False, _attachments={}, _conflicts=[])
    assert lint(tmp_path, NAME, doc) == []


def test_unknown_underscore_member(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, _meta={})), "A007")
    assert "CouchDB" in d.message


# --- A008 wrong-field-type -----------------------------------------------------------------


def test_redirect_uri_array_names_the_doc_confusion(tmp_path: Path) -> None:
    uri = "https://oauthcallback.example.com/accounts/service/redirect"
    doc = with_(VALID, redirect_uri=[uri])
    d = only(lint(tmp_path, NAME, doc), "A008")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, "/redirect_uri", (8, 3))
    assert "documentation page shows an array" in d.message
    assert d.help is not None and uri in d.help


@pytest.mark.parametrize(
    ("field", "value", "help_part"),
    [
        ("skip_state_on_token", "true", "write true without quotes"),
        ("skip_redirect_uri_on_authorize", 1, None),
        ("extras", ["prompt=consent"], None),
        ("slug", 42, 'write it as a string: "42"'),
        ("_id", 7, None),
    ],
)
def test_wrong_field_type(tmp_path: Path, field: str, value: Any, help_part: str | None) -> None:
    doc = with_(VALID, **{field: value})
    d = only(lint(tmp_path, NAME, doc), "A008")
    assert (d.pointer, at(d)) == (f"/{field}", key_pos(doc, field))
    assert "fails to load the whole account type" in d.message
    if help_part:
        assert d.help is not None and help_part in d.help


@pytest.mark.parametrize("value", ["service-account.json", 10**400, [1]])
def test_fcm_credentials_take_any_json(tmp_path: Path, value: Any) -> None:
    # json.RawMessage (model/account/type.go): the value is kept as text (issue 19).
    assert "A008" not in codes(lint(tmp_path, NAME, with_(VALID, fcm_credentials=value)))


def test_wrong_type_secret_is_not_echoed(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, client_secret=918273645)), "A008")
    assert "918273645" not in d.message + (d.help or "")


def test_extras_item_must_be_a_string(tmp_path: Path) -> None:
    doc = with_(VALID, extras={"prompt": "consent", "max_age": 3600})
    d = only(lint(tmp_path, NAME, doc), "A008")
    assert d.pointer == "/extras/max_age"
    assert at(d) == (10, 16)  # at the value of the bad item
    assert lint(tmp_path, NAME, with_(VALID, extras={"prompt": "consent"})) == []


def test_null_fields_decode_as_empty(tmp_path: Path) -> None:
    assert lint(tmp_path, NAME, with_(VALID, redirect_uri=None, extras=None)) == []


# --- A009 url-not-absolute / A010 url-not-https --------------------------------------------


@pytest.mark.parametrize(
    ("value", "help_part"),
    [
        ("www.facebook.com/v2.12/dialog/oauth", '"https://www.facebook.com/v2.12/dialog/oauth"'),
        (" https://service.example/auth", "remove the spaces"),
        ("/oauth/authorize", None),
        ("ftp://service.example/auth", None),
        ("https://", None),
    ],
)
def test_url_not_absolute(tmp_path: Path, value: str, help_part: str | None) -> None:
    doc = with_(VALID, auth_endpoint=value)
    d = only(lint(tmp_path, NAME, doc), "A009")
    assert (d.severity, d.pointer, at(d)) == (
        Severity.ERROR, "/auth_endpoint", value_pos(doc, "auth_endpoint"),
    )
    if help_part:
        assert d.help is not None and help_part in d.help


def test_env_placeholder_url_is_accepted(tmp_path: Path) -> None:
    assert lint(tmp_path, NAME, with_(VALID, auth_endpoint="$AUTH_ENDPOINT")) == []


@pytest.mark.parametrize("field", ["auth_endpoint", "token_endpoint", "redirect_uri"])
def test_plain_http_is_a_warning(tmp_path: Path, field: str) -> None:
    url = {
        "auth_endpoint": "http://service.example/auth",
        "token_endpoint": "http://api.service.example/token",
        "redirect_uri": "http://oauthcallback.example.com/accounts/service/redirect",
    }[field]
    doc = with_(VALID, **{field: url})
    d = only(lint(tmp_path, NAME, doc), "A010")
    assert (d.severity, d.pointer, at(d)) == (Severity.WARNING, f"/{field}", value_pos(doc, field))


@pytest.mark.parametrize(
    "host",
    ["localhost:8080", "127.0.0.1", "cozy.tools:8080", "oauthcallback.cozy.tools", "app.localhost"],
)
def test_plain_http_on_local_dev_hosts(tmp_path: Path, host: str) -> None:
    doc = with_(VALID, redirect_uri=f"http://{host}/accounts/service/redirect")
    assert lint(tmp_path, NAME, doc) == []


def test_manage_and_reconnect_endpoints_are_checked(tmp_path: Path) -> None:
    doc = minimal("bi_webview", manage_endpoint="bank.biapi.pro/manage",
                  reconnect_endpoint="http://bank.biapi.pro/reconnect")
    diagnostics = lint(tmp_path, NAME, doc)
    assert only(diagnostics, "A009").pointer == "/manage_endpoint"
    assert only(diagnostics, "A010").pointer == "/reconnect_endpoint"


# --- A011 redirect-uri-wrong-id / A012 / A013 ----------------------------------------------


def test_redirect_uri_names_another_id(tmp_path: Path) -> None:
    doc = with_(VALID, redirect_uri="https://oauthcallback.mycozy.cloud/accounts/google/redirect")
    d = only(lint(tmp_path, NAME, doc), "A011")
    assert (d.severity, d.pointer, at(d)) == (
        Severity.ERROR, "/redirect_uri", value_pos(doc, "redirect_uri"),
    )
    assert d.help == 'write "https://oauthcallback.mycozy.cloud/accounts/service/redirect"'


def test_redirect_uri_of_a_context_override_uses_the_id_without_context(tmp_path: Path) -> None:
    good = with_(VALID, _id="ctx/google",
                 redirect_uri="https://oauthcallback.mycozy.cloud/accounts/google/redirect")
    assert lint(tmp_path, NAME, good) == []
    bad = with_(good, redirect_uri="https://oauthcallback.mycozy.cloud/accounts/ctx/google/redirect")
    d = only(lint(tmp_path, NAME, bad), "A011")
    assert d.help == 'write "https://oauthcallback.mycozy.cloud/accounts/google/redirect"'


def test_shared_callback_with_another_path(tmp_path: Path) -> None:
    doc = with_(VALID, redirect_uri="https://oauthcallback.mycozy.cloud/oauth/callback")
    assert only(lint(tmp_path, NAME, doc), "A011").pointer == "/redirect_uri"


def test_proxy_redirect_uri_elsewhere_is_left_alone(tmp_path: Path) -> None:
    doc = with_(VALID, redirect_uri="https://oauth-proxy.example.com/callback")
    assert lint(tmp_path, NAME, doc) == []


@pytest.mark.parametrize("grant_mode", ["token", "token_redirect_url"])
def test_implicit_grant_with_shared_callback(tmp_path: Path, grant_mode: str) -> None:
    doc = minimal(grant_mode,
                  redirect_uri="https://oauthcallback.mycozy.cloud/accounts/provider/redirect")
    d = only(lint(tmp_path, NAME, doc), "A012")
    assert (d.severity, d.pointer) == (Severity.ERROR, "/redirect_uri")
    assert lint(tmp_path, NAME, minimal(grant_mode)) == []


def test_context_override_without_redirect_uri(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, _id="ctx/service")), "A013")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, "", (1, 1))
    assert d.help is not None and "/accounts/service/redirect" in d.help


def test_context_override_of_a_secret_needs_no_redirect_uri(tmp_path: Path) -> None:
    assert lint(tmp_path, NAME, minimal("secret", _id="ctx/provider")) == []


def test_redirect_uri_with_a_trailing_slash_is_a_warning(tmp_path: Path) -> None:
    # Issue 12 item 12: ".../redirect/" is another URI for the provider.
    uri = "https://oauthcallback.mycozy.cloud/accounts/service/redirect/"
    doc = with_(VALID, redirect_uri=uri)
    d = only(lint(tmp_path, NAME, doc), "A020")
    assert (d.severity, d.pointer) == (Severity.WARNING, "/redirect_uri")
    assert d.help == (
        'write "https://oauthcallback.mycozy.cloud/accounts/service/redirect" (and register '
        "that one at the provider)"
    )
    doc = with_(VALID, redirect_uri=uri.rstrip("/"))
    assert "A020" not in codes(lint(tmp_path, NAME, doc))


# --- A014 endpoints-different-domains ------------------------------------------------------


def test_endpoints_on_different_domains(tmp_path: Path) -> None:
    doc = with_(VALID, token_endpoint="https://token-collector.example.net/token")
    d = only(lint(tmp_path, NAME, doc), "A014")
    assert (d.severity, d.pointer, at(d)) == (
        Severity.WARNING, "/token_endpoint", value_pos(doc, "token_endpoint"),
    )


def test_endpoints_under_one_public_suffix_of_the_private_section(tmp_path: Path) -> None:
    doc = with_(VALID, auth_endpoint="https://provider.github.io/auth",
                token_endpoint="https://attacker.github.io/token")
    assert codes(lint(tmp_path, NAME, doc)) == ["A014"]


def test_endpoints_on_subdomains_of_one_domain(tmp_path: Path) -> None:
    doc = with_(VALID, auth_endpoint="https://www.facebook.com/v2.12/dialog/oauth",
                token_endpoint="https://graph.facebook.com/v2.12/oauth/access_token")
    assert lint(tmp_path, NAME, doc) == []


@pytest.mark.parametrize(
    ("auth", "token"),
    [
        ("https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token"),
        ("https://accounts.google.com/o/oauth2/v2/auth",
         "https://www.googleapis.com/oauth2/v4/token"),
        ("https://login.live.com/oauth20_authorize.srf",
         "https://login.microsoftonline.com/common/oauth2/v2.0/token"),
        ("https://www.facebook.com/v19.0/dialog/oauth", "https://graph.fb.com/oauth/access_token"),
        ("https://www.dropbox.com/oauth2/authorize", "https://api.dropboxapi.com/oauth2/token"),
        ("https://twitter.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token"),
    ],
)
def test_endpoints_of_one_provider_family(tmp_path: Path, auth: str, token: str) -> None:
    # Issue 12 item 5: Google's official endpoints got A014 on every Google account type.
    doc = with_(VALID, auth_endpoint=auth, token_endpoint=token)
    assert lint(tmp_path, NAME, doc) == []


def test_two_families_are_still_a_mismatch(tmp_path: Path) -> None:
    doc = with_(VALID, auth_endpoint="https://accounts.google.com/o/oauth2/v2/auth",
                token_endpoint="https://graph.facebook.com/oauth/access_token")
    assert codes(lint(tmp_path, NAME, doc)) == ["A014"]
    doc = with_(VALID, auth_endpoint="https://accounts.google.com/o/oauth2/v2/auth",
                token_endpoint="https://googleapis.com.evil.example/token")
    assert codes(lint(tmp_path, NAME, doc)) == ["A014"]


def test_provider_families_are_domains_in_one_family_each() -> None:
    from kpack import spec

    seen: set[str] = set()
    for domains in spec.PROVIDER_FAMILIES.values():
        for domain in domains:
            assert domain == domain.lower() and domain.count(".") >= 1
            assert domain not in seen
            seen.add(domain)


def test_psl_is_loaded_only_when_the_last_two_labels_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "_PSL", None)
    assert A.same_site("accounts.google.com", "www.googleapis.com") is False
    assert A.same_site("Service.Example.", "service.example") is True
    assert A.same_site("127.0.0.1", "localhost") is False
    assert D._PSL is None
    assert A.same_site("a.example.co.uk", "b.example.co.uk") is True
    assert A.same_site("example.co.uk", "other.co.uk") is False
    assert D._PSL is not None


# --- A015 extras-standard-parameter --------------------------------------------------------


def test_extras_repeating_a_standard_parameter(tmp_path: Path) -> None:
    doc = with_(VALID, extras={"access_type": "offline", "scope": "email"})
    d = only(lint(tmp_path, NAME, doc), "A015")
    assert (d.severity, d.pointer, at(d)) == (Severity.WARNING, "/extras/scope", (10, 5))
    assert d.help is not None and "oauth.scope" in d.help


def test_extras_of_token_redirect_url(tmp_path: Path) -> None:
    # This mode sends no client_id itself (extras may), but does send redirect_url.
    assert lint(tmp_path, NAME, minimal("token_redirect_url", extras={"client_id": "abc"})) == []
    doc = minimal("token_redirect_url", extras={"redirect_url": "https://x.example/"})
    assert only(lint(tmp_path, NAME, doc), "A015").pointer == "/extras/redirect_url"


# --- A016 placeholder-secret ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["...", "\u2026", "<CLIENT_SECRET>", "changeme", "xxx", "XXXXXXXX", "TODO",
     "your-client-secret", "YOUR_CLIENT_SECRET", "{{ secret }}", "client-secret", "secret"],
)
def test_placeholder_secret(tmp_path: Path, value: str) -> None:
    doc = with_(VALID, client_secret=value)
    d = only(lint(tmp_path, NAME, doc), "A016")
    assert (d.severity, d.pointer, at(d)) == (
        Severity.WARNING, "/client_secret", value_pos(doc, "client_secret"),
    )
    assert json.dumps(value) not in d.message + (d.help or "")  # never echoed


@pytest.mark.parametrize(
    "value", ["$FB_SECRET", "${FB_SECRET}", "9f8e7d6c5b4a39281706", "my-app", "th1$_1$_s3cr3t!"]
)
def test_real_looking_or_env_secret(tmp_path: Path, value: str) -> None:
    assert lint(tmp_path, NAME, with_(VALID, client_secret=value, client_id=value)) == []


def test_placeholder_inside_an_object_secret(tmp_path: Path) -> None:
    doc = minimal("secret", secret={"api_key": "<API_KEY>", "other": "$OTHER"})
    d = only(lint(tmp_path, NAME, doc), "A016")
    assert d.pointer == "/secret/api_key"


def test_client_id_written_as_prose(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, with_(VALID, client_id="the registered client id")), "A016")
    assert d.pointer == "/client_id"


# --- A017 duplicate-secret-slug / A018 duplicate-id ----------------------------------------


def test_two_secret_grants_with_one_slug(tmp_path: Path) -> None:
    first = minimal("secret", _id="provider")
    second = minimal("secret", _id="provider.example")
    diagnostics = lint(tmp_path, NAME, [first, second])
    d = only(diagnostics, "A017")
    assert (d.severity, d.pointer) == (Severity.ERROR, "/1/slug")
    assert d.help is not None and f"{NAME}:5:5 (/0/slug)" in d.help
    assert "no secret at all" in d.message


def test_global_and_context_override_of_one_id_do_not_clash(tmp_path: Path) -> None:
    docs = [minimal("secret", _id="provider"), minimal("secret", _id="ctx/provider")]
    assert lint(tmp_path, NAME, docs) == []


def test_a_context_document_sees_the_global_ones_it_does_not_override(tmp_path: Path) -> None:
    docs = [minimal("secret", _id="provider"), minimal("secret", _id="ctx/provider-v2")]
    d = only(lint(tmp_path, NAME, docs), "A017")
    assert d.pointer == "/1/slug" and '"ctx"' in d.message


def test_same_slug_in_different_contexts(tmp_path: Path) -> None:
    docs = [minimal("secret", _id="a/provider"), minimal("secret", _id="b/provider")]
    assert lint(tmp_path, NAME, docs) == []


def test_duplicate_slug_across_files(tmp_path: Path) -> None:
    one = write(tmp_path, "one/account-types.json", minimal("bi_webauth+secret", _id="p1"))
    two = write(tmp_path, "two/account-types.json", minimal("secret", _id="p2"))
    d = only(lint_files(one, two), "A017")
    assert d.file == str(two)
    assert d.help is not None and str(one) in d.help


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    one = write(tmp_path, "a/account-types.json", VALID)
    two = write(tmp_path, "b/account-types.json", {"docs": [VALID]})
    d = only(lint_files(one, two), "A018")
    assert (d.severity, d.file, d.pointer) == (Severity.ERROR, str(two), "/docs/0/_id")
    assert d.help is not None and f"{one}:2:3 (/_id)" in d.help


def test_distinct_ids_in_one_bulk_body(tmp_path: Path) -> None:
    assert lint(tmp_path, NAME, {"docs": [VALID, with_(VALID, _id="other")]}) == []


# --- A019 id-missing -----------------------------------------------------------------------


def test_id_missing(tmp_path: Path) -> None:
    d = only(lint(tmp_path, NAME, without(VALID, "_id")), "A019")
    assert (d.severity, d.pointer, at(d)) == (Severity.ERROR, "", (1, 1))


@pytest.mark.parametrize("value", ["", "_design/service", "ctx/", "/service"])
def test_unusable_id(tmp_path: Path, value: str) -> None:
    doc = with_(VALID, _id=value, redirect_uri="https://oauthcallback.example.com/x")
    d = only(lint(tmp_path, NAME, doc), "A019")
    assert (d.pointer, at(d)) == ("/_id", value_pos(doc, "_id"))


# --- Files: arrays, bulk bodies, YAML, the seed's mistakes ---------------------------------


def test_bulk_body_pointers(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, {"docs": [with_(VALID, grant_mode="refresh_token")]})
    d = only(diagnostics, "A002")
    assert (d.pointer, at(d)) == ("/docs/0/grant_mode", (5, 7))


def test_array_file_pointer(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, NAME, [VALID, with_(VALID, _id="b", grant_mode="Token")])
    d = only(diagnostics, "A002")
    assert (d.pointer, at(d)) == ("/1/grant_mode", (12, 5))


def test_yaml_account_type(tmp_path: Path) -> None:
    text = (
        "_id: google\n"
        "grant_mode: authorization_code\n"
        "client_id: $GOOGLE_CLIENT_ID\n"
        "client_secret: ${GOOGLE_CLIENT_SECRET}\n"
        "auth_endpoint: https://accounts.google.com/o/oauth2/v2/auth\n"
        "token_endpoint: https://oauth2.googleapis.com/token\n"
        "token_mode: Basic\n"
        "redirectUri: https://oauthcallback.mycozy.cloud/accounts/google/redirect\n"
    )
    diagnostics = lint(tmp_path, "account-types.yaml", text)
    # Google's two official endpoints are one provider family: no A014 (issue 12 item 5).
    assert sorted(codes(diagnostics)) == ["A003", "A006"]
    assert at(only(diagnostics, "A003")) == (7, 1)
    assert at(only(diagnostics, "A006")) == (8, 1)


def test_yaml_clean_account_type(tmp_path: Path) -> None:
    text = "\n".join(f"{k}: {json.dumps(v)}" for k, v in VALID.items()) + "\n"
    assert lint(tmp_path, "account_types.yml", text) == []


def test_seed_document_lists_refresh_token(tmp_path: Path) -> None:
    doc = with_(VALID, grant_mode="refresh_token")
    assert [d.code for d in errors(lint(tmp_path, NAME, doc))] == ["A002"]


def test_seed_curl_body(tmp_path: Path) -> None:
    body = (
        '{ "grant_mode": "authorization_code", "client_id": "...", "client_secret": "...", '
        '"auth_endpoint": "https://www.facebook.com/v2.12/dialog/oauth", "token_endpoint": '
        '"https://graph.facebook.com/v2.12/oauth/access_token", "token_mode": "get", '
        '"redirect_url": "https://oauthcallback.cozy.tools:8080/accounts/facebook/redirect" }'
    )
    diagnostics = lint(tmp_path, "facebook.account-type.json", body)
    assert sorted(d.code for d in errors(diagnostics)) == ["A006", "A019"]
    d = only(diagnostics, "A006")
    assert (d.pointer, d.line, d.column) == ("/redirect_url", 1, body.index('"redirect_url"') + 1)
    assert sorted(d.code for d in diagnostics if d.severity is Severity.WARNING) == ["A016", "A016"]


# --- The corpus: real account types --------------------------------------------------------

CORPUS_ACCOUNT_TYPES = {
    "facebook.account-types-def.json": [],
    "cozy.github.io.tutorial-oauth.facebook.json": ["A016", "A016"],  # "..." secrets
    "cozy-stack.konnectors-workflow.oauth-authorization_code.json": ["A016", "A016"],  # prose
    "cozy-stack.konnectors-workflow.secret-grant.json": [],
    "cozy-stack.konnectors-workflow.secret-grant-context-override.json": [],
    "cozy-stack.notifications.fcm.json": [],
    "cozy-stack.notifications.fcm-context.json": [],
}


@pytest.mark.parametrize("name", sorted(CORPUS_ACCOUNT_TYPES))
def test_corpus_account_types(corpus: Path, name: str) -> None:
    diagnostics = lint_files(corpus / "account_types" / name, kind=Kind.ACCOUNT_TYPE)
    assert errors(diagnostics) == []
    assert sorted(codes(diagnostics)) == CORPUS_ACCOUNT_TYPES[name]


def test_corpus_secret_grant_with_its_context_override(corpus: Path) -> None:
    folder = corpus / "account_types"
    diagnostics = lint_files(
        folder / "cozy-stack.konnectors-workflow.secret-grant.json",
        folder / "cozy-stack.konnectors-workflow.secret-grant-context-override.json",
        kind=Kind.ACCOUNT_TYPE,
    )
    assert diagnostics == []


# --- Properties ----------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)
_url_like = st.sampled_from(
    ["https://a.example/x", "http://b.example.co.uk/", "oauthcallback.x", "https://oauthcallback."
     "mycozy.cloud/accounts/a/redirect", "$URL", " https://x", "http://[::1]:8/", "https://[bad"]
)
_keys = st.sampled_from([*ACCOUNT_TYPE_FIELDS, *A.KEY_ALIASES, "_x", "scope"]) | st.text()
_values = _json | _url_like | st.sampled_from([*GRANT_MODES, "refresh_token", "Basic", "ctx/a"])
_documents = st.dictionaries(_keys, _values, max_size=12)


def _resolves(data: Any, pointer: str) -> bool:
    node = data
    for token in split_pointer(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_documents, min_size=1, max_size=3))
def test_any_json_objects_never_raise_and_pointers_resolve(documents: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), NAME, documents)
        diagnostics = lint_files(path)
    for d in diagnostics:
        assert d.pointer is not None and _resolves(documents, d.pointer), d
        assert d.line >= 1 and d.column >= 1


@settings(max_examples=100, deadline=None)
@given(
    secret=st.from_regex(r"[a-z]{6}[0-9]{6}[a-z]{2}", fullmatch=True),
    doc=_documents,
    field=st.sampled_from(["client_secret", "secret"]),
)
def test_secrets_never_appear_in_messages(secret: str, doc: dict[str, Any], field: str) -> None:
    doc = dict(doc)
    doc[field] = secret
    with tempfile.TemporaryDirectory() as folder:
        diagnostics = lint_files(write(Path(folder), NAME, doc))
    for d in diagnostics:
        assert secret not in d.message and secret not in (d.help or "")


def test_a_fix_is_made_on_the_member_the_stack_reads(tmp_path: Path) -> None:
    """Go reads the last member folding to grant_mode: the A002 fix rewrites that one, not
    `grant_mode` (found by the Go oracle's fix test, seed 25)."""
    doc = {"grant_mode": "token", "Grant_Mode": "Authorization_Code", "client_id": "c"}
    found = only(lint(tmp_path, "account-type.json", doc), "A002")
    assert found.pointer == "/Grant_Mode"
    assert found.fix is not None
    assert [change.pointer for change in found.fix.changes] == ["/Grant_Mode"]
