"""Issue 19: each row of its table and each real-manifest item, as kpack must answer it.

No oracle needed (the Go oracle's side of each row is test_oracle_follows_the_stack.py).
The kpack rules changed in the issue's phase 2: a row left to it would be a strict xfail
(PHASE_2); none is left, and every test guards what must not change.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kpack.diagnostics import Diagnostic, Severity
from kpack.rules.catalogue import all_rules
from tests.helpers import lint, write

PHASE_2 = pytest.mark.xfail(strict=True, reason="issue 19 phase 2")
MANIFEST = "manifest.konnector"
ACCOUNT_TYPE = "account-types.json"
BASE: dict[str, Any] = {"slug": "my-konnector", "type": "konnector", "editor": "Cozy",
                        "version": "1.0.0", "name": "My konnector"}


def errors(found: list[Diagnostic]) -> list[str]:
    return [f"{d.code} {d.pointer}" for d in found if d.severity is Severity.ERROR]


def manifest(tmp_path: Path, text: str, target: str = "stack") -> list[Diagnostic]:
    return lint(tmp_path, MANIFEST, text, target=target)


def members(extra: str) -> str:
    """The base manifest with `extra` members appended (raw JSON text)."""
    body = ", ".join(f'"{k}": "{v}"' for k, v in BASE.items())
    return "{" + body + (", " + extra if extra else "") + "}"


# --- account types ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"abc"', "5", "[]"])
def test_fcm_credentials_of_any_json(tmp_path: Path, value: str) -> None:
    text = '{"_id": "svc", "fcm_credentials": ' + value + "}"
    assert "A008" not in [d.code for d in lint(tmp_path, ACCOUNT_TYPE, text)]


CODE_GRANT = {"_id": "svc", "grant_mode": "authorization_code", "client_id": "$ID",
              "client_secret": "$SECRET", "auth_endpoint": "https://svc.example/auth"}


def test_a_blank_token_endpoint_is_used_not_absent(tmp_path: Path) -> None:
    found = lint(tmp_path, ACCOUNT_TYPE, {**CODE_GRANT, "token_endpoint": " "})
    assert "A005" not in [d.code for d in found]  # the stack does try to exchange the code
    assert [e for e in errors(found) if e.endswith("/token_endpoint")]


def test_a_blank_token_endpoint_breaks_bi_webauth_too(tmp_path: Path) -> None:
    doc = {"_id": "bi", "grant_mode": "bi_webauth", "client_id": "$ID",
           "auth_endpoint": "https://bi.example/webauth",
           "reconnect_endpoint": "https://bi.example/reconnect", "token_endpoint": " "}
    assert [e for e in errors(lint(tmp_path, ACCOUNT_TYPE, doc)) if e.endswith("/token_endpoint")]


def test_a_blank_redirect_uri_is_sent_as_is(tmp_path: Path) -> None:
    found = lint(tmp_path, ACCOUNT_TYPE,
                 {**CODE_GRANT, "token_endpoint": "https://svc.example/token", "redirect_uri": " "})
    assert [e for e in errors(found) if e.endswith("/redirect_uri")]


# --- manifests with --target stack: an error means the install fails ------------------------


@pytest.mark.parametrize("extra", [
    '"state": 5', '"available_version": 1', '"checksum": true', '"error": {}',
    '"created_at": "2020-01-01"', '"updated_at": 1577836800',
])
def test_the_other_typed_fields(tmp_path: Path, extra: str) -> None:
    assert "M001" in [d.code for d in manifest(tmp_path, members(extra))]


@pytest.mark.parametrize("time", ["2020-02-30T00:00:00Z", "2020-01-01t00:00:00Z",
                                  "2020-01-01T00:00:00+1:00"])
def test_times_go_does_not_read(tmp_path: Path, time: str) -> None:
    assert "M001" in [d.code for d in manifest(tmp_path, members(f'"updated_at": "{time}"'))]


@pytest.mark.parametrize("time", ["2020-02-29T23:59:59.123456789+01:00", "0000-01-01T00:00:00Z",
                                  "2020-01-01T00:00:00,5Z"])
def test_times_go_reads(tmp_path: Path, time: str) -> None:
    assert "M001" not in [d.code for d in manifest(tmp_path, members(f'"created_at": "{time}"'))]


def test_the_typed_fields_are_not_unknown_keys(tmp_path: Path) -> None:
    text = members('"state": "ready", "created_at": "2020-01-01T00:00:00Z"')
    assert "M019" not in [d.code for d in manifest(tmp_path, text)]


def test_a_number_beyond_float64_anywhere(tmp_path: Path) -> None:
    assert errors(manifest(tmp_path, members('"vendor": {"n": 1e400}')))


@pytest.mark.parametrize(("number", "refused"), [
    ("-1e400", True), ("1" + "0" * 400, True), (str(2**1024 - 2**970), True),
    (str(2**1024 - 2**970 - 1), False), ("1.7976931348623157e308", False), ("1e-400", False),
])
def test_a_number_beyond_float64_is_m001_at_its_pointer(
    tmp_path: Path, number: str, refused: bool
) -> None:
    found = errors(manifest(tmp_path, members('"x": [{"y~/": [1, ' + number + "]}]")))
    assert found == (["M001 /x/0/y~0~1/1"] if refused else [])


@pytest.mark.parametrize("properties", ['{"collapsible": "yes"}', '{"time_to_live": 1.5}'])
def test_notifications_are_typed(tmp_path: Path, properties: str) -> None:
    text = members('"notifications": {"n": ' + properties + "}")
    assert [e for e in errors(manifest(tmp_path, text)) if "/notifications/n" in e]


def test_a_later_permissions_member_replaces_the_set(tmp_path: Path) -> None:
    text = members('"permissions": {"a": {"type": "IO.COZY"}}, '
                   '"Permissions": {"b": {"type": "io.cozy.files"}}')
    assert errors(manifest(tmp_path, text)) == []


def test_all_among_the_verbs_installs(tmp_path: Path) -> None:
    text = members('"permissions": {"a": {"type": "io.cozy.files", "verbs": ["ALL", "get"]}}')
    assert "M008" not in [d.code for d in manifest(tmp_path, text)]


def test_data_after_the_manifest_is_not_an_install_error(tmp_path: Path) -> None:
    assert errors(manifest(tmp_path, members("") + "\n}")) == []


def test_data_after_the_manifest_is_a_stack_warning_and_a_registry_error(
    tmp_path: Path,
) -> None:
    text = members('"version": 5') + ' {"more": 1}'
    stack = manifest(tmp_path, text)
    assert [(d.code, d.severity, d.line) for d in stack if d.code == "L015"] == [
        ("L015", Severity.WARNING, 1)
    ]
    assert "M001 /version" in errors(stack)  # the first value is still checked
    registry = manifest(tmp_path, text, target="registry")
    assert [(d.code, d.severity) for d in registry if d.code == "L015"] == [
        ("L015", Severity.ERROR)
    ]


@pytest.mark.parametrize("slug", ["dummy-TwoFA", "Sfr", "orange_mobile"])
def test_the_stack_does_not_check_the_manifest_slug(tmp_path: Path, slug: str) -> None:
    text = members("").replace('"my-konnector"', f'"{slug}"')
    assert "M002" not in errors_codes(manifest(tmp_path, text))


def test_the_registry_does_check_the_manifest_slug(tmp_path: Path) -> None:
    text = members("").replace('"my-konnector"', '"orange_mobile"')
    assert "M002" in errors_codes(manifest(tmp_path, text, target="registry"))


def test_only_webapp_is_a_stack_error(tmp_path: Path) -> None:
    text = members("").replace('"type": "konnector"', '"type": 5')
    assert "M003" not in errors_codes(manifest(tmp_path, text))


def test_webapp_is_refused(tmp_path: Path) -> None:
    text = members("").replace('"type": "konnector"', '"type": "webapp"')
    assert "M003" in errors_codes(manifest(tmp_path, text))


def test_webapp_in_another_case_is_refused(tmp_path: Path) -> None:
    text = members("").replace('"type": "konnector"', '"Type": "webapp"')
    assert "M003" in errors_codes(manifest(tmp_path, text))


@pytest.mark.parametrize("account_type", ["service.example", "google_drive"])
def test_account_type_ids_the_stack_accepts(tmp_path: Path, account_type: str) -> None:
    text = members(f'"oauth": {{"account_type": "{account_type}"}}')
    assert "M018" not in [d.code for d in manifest(tmp_path, text)]


def test_a_context_prefix_in_oauth_account_type_is_still_refused(tmp_path: Path) -> None:
    text = members('"oauth": {"account_type": "ctx/google"}')
    assert "M018" in errors_codes(manifest(tmp_path, text))


def errors_codes(found: list[Diagnostic]) -> list[str]:
    return [d.code for d in found if d.severity is Severity.ERROR]


# --- messages that must say what the code does ----------------------------------------------


def _rule_text(code: str) -> str:
    rule = next(r for r in all_rules() if r.code == code)
    return " ".join(" ".join((rule.summary, rule.doc, rule.oracle)).split())


def test_a003_does_not_say_the_provider_refuses() -> None:
    assert "provider refuses" not in _rule_text("A003")


def test_a009_does_not_say_trailing_whitespace_fails_to_parse() -> None:
    assert "surrounding whitespace makes Go's URL parser fail" not in _rule_text("A009")


def test_m006_says_a_rule_without_type_fails_the_install() -> None:
    assert "grants nothing" not in _rule_text("M006")


def test_m008_says_a_bad_verb_fails_the_install() -> None:
    assert "install" in _rule_text("M008")


def test_rules_cite_files_that_exist() -> None:
    texts = " ".join(_rule_text(r.code) for r in all_rules())
    assert "doctypes.go" not in texts and "web/accounts/accounts.go" not in texts


# --- real manifests (60 public repositories) --------------------------------------------------


def test_top_level_descriptions_are_the_locales_fallback(tmp_path: Path) -> None:
    text = members('"short_description": "Bills", "long_description": "All the bills"')
    assert "M019" not in [d.code for d in manifest(tmp_path, text)]


def test_client_side_in_snake_case_is_an_error(tmp_path: Path) -> None:
    found = manifest(tmp_path, members('"client_side": true'))
    [finding] = [d for d in found if d.pointer == "/client_side"]
    assert finding.severity is Severity.ERROR and "clientSide" in (finding.help or "")
    assert finding.fix is not None and "clientSide" in finding.fix.message


@pytest.mark.parametrize("present", ['"clientSide": false', '"CLIENTSIDE": null'])
def test_client_side_is_not_renamed_over_a_client_side(tmp_path: Path, present: str) -> None:
    found = manifest(tmp_path, members('"client_side": true, ' + present))
    [finding] = [d for d in found if d.pointer == "/client_side"]
    assert finding.severity is Severity.ERROR and finding.fix is None


def test_qualification_labels_in_categories_point_to_qualification_labels(
    tmp_path: Path,
) -> None:
    found = manifest(tmp_path, members('"categories": ["phone_invoice"]'))
    assert any("qualification_labels" in (d.help or "") for d in found if d.code == "M012")


def test_template_placeholders_warn_for_the_registry(tmp_path: Path) -> None:
    text = members('"developer": {"name": "Your name or organization", '
                   '"url": "http://your-homepage-here.org"}, '
                   '"source": "git@github.com:konnectors/template.git"')
    found = manifest(tmp_path, text, target="registry")
    pointers = {d.pointer for d in found if d.severity is Severity.WARNING}
    assert {"/developer/name", "/developer/url", "/source"} <= pointers
    assert "M022" not in [d.code for d in manifest(tmp_path, text)]  # the stack ignores them


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_template_s_demo_values_are_not_live_credentials(tmp_path: Path) -> None:
    repo = tmp_path / "konnector"
    repo.mkdir()
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    config = {"COZY_URL": "http://cozy.tools:8080",
              "fields": {"login": "zuck.m@rk.fb", "password": "123456"}}  # konnectors/template
    write(repo, "konnector-dev-config.json", config)
    subprocess.run(["git", "-C", str(repo), "add", "konnector-dev-config.json"], check=True)
    found = lint(repo, "konnector-dev-config.json", config)
    assert not any("live credentials" in d.message for d in found if d.code == "D004")
