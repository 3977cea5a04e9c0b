"""The Go oracle answers what cozy-stack's code does on each example of issue 19's table
(the behaviours the oracle of e38402d got wrong). Each names the stack function it
checks; the oracle's source names the same one (tests/conformance/go)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conformance.conftest import Oracle
from tests.conformance.go_schema import GO_DIR, schema


def ask(oracle: Oracle, kind: str, document: str) -> dict[str, Any]:
    [answer] = oracle.ask(kind, [document])
    return answer


def test_fcm_credentials_is_a_raw_message(go_oracle: Oracle) -> None:
    """account.AccountType.FCMCredentials is json.RawMessage: any JSON value decodes."""
    for value in ('"abc"', "5", "[1]", "null", "1e400", '{"type": "service_account"}'):
        answer = ask(go_oracle, "account-type", '{"_id": "svc", "fcm_credentials": ' + value + "}")
        assert answer["ok"], (value, answer)
        assert answer["fields"]["fcm_credentials"] == value
        assert answer["checks"]["fcm_credentials_used"]


@pytest.mark.parametrize(("member", "value"), [
    ("state", "5"), ("available_version", "1.0"), ("checksum", "true"), ("error", "{}"),
    ("created_at", '"2020-01-01"'), ("updated_at", "1577836800"), ("Created_At", '"now"'),
    ("created_at", '"2020-01-01T00:00:00+25:00"'),
])
def test_the_other_typed_fields_fail_the_install(
    go_oracle: Oracle, member: str, value: str
) -> None:
    """KonnManifest's val struct (model/app/konnector.go): state, available_version,
    checksum, error (strings), created_at, updated_at (time.Time, RFC 3339)."""
    answer = ask(go_oracle, "manifest", f'{{"slug": "a", "{member}": {value}}}')
    assert not answer["ok"] and answer["stage"] == "typed"
    assert [m["key"] for m in answer["members"]] == [member]


@pytest.mark.parametrize("value", ['"2020-01-01T00:00:00Z"', '"2020-01-01T10:00:00.5+02:00"',
                                   "null"])
def test_rfc_3339_times_install(go_oracle: Oracle, value: str) -> None:
    assert ask(go_oracle, "manifest", '{"created_at": ' + value + "}")["ok"]


def test_a_number_beyond_float64_anywhere_fails(go_oracle: Oracle) -> None:
    """KonnManifest.UnmarshalJSON decodes the manifest into a couchdb.JSONDoc map too."""
    answer = ask(go_oracle, "manifest", '{"slug": "a", "vendor": {"n": [1, 1e400]}}')
    assert (answer["ok"], answer["stage"]) == (False, "jsondoc")
    assert answer["checks"]["jsondoc"]["path"] == ["vendor", "n", "1"]


def test_a_later_permissions_member_replaces_the_set(go_oracle: Oracle) -> None:
    """permission.Set.UnmarshalJSON starts from an empty set (model/permission/set.go)."""
    text = ('{"permissions": {"a": {"type": "IO.COZY"}}, '
            '"Permissions": {"b": {"type": "io.cozy.files"}}}')
    answer = ask(go_oracle, "manifest", text)
    assert answer["ok"], answer
    assert [r["title"] for r in answer["checks"]["rules"]] == ["b"]
    assert answer["checks"]["permissions_member"] == "Permissions"


def test_a_bad_rule_in_an_earlier_member_still_fails(go_oracle: Oracle) -> None:
    """The custom unmarshaler runs once per member: a decode error aborts the install."""
    answer = ask(go_oracle, "manifest", '{"permissions": {"a": 5}, "Permissions": {}}')
    assert not answer["ok"] and answer["members"][0]["path"] == ["a"]


def test_all_skips_the_check_of_the_other_verbs(go_oracle: Oracle) -> None:
    """VerbSet.UnmarshalJSON (model/permission/verbs.go)."""
    rule = '{"permissions": {"a": {"type": "io.cozy.files", "verbs": %s}}}'
    assert ask(go_oracle, "manifest", rule % '["ALL", "get"]')["ok"]
    answer = ask(go_oracle, "manifest", rule % '["GET", "get"]')
    assert not answer["ok"] and answer["members"][0]["path"] == ["a", "verbs"]


def test_a_rule_without_type_fails_the_install(go_oracle: Oracle) -> None:
    """Installer.ReadManifest: CheckDoctypeName("") (model/permission/doctype.go)."""
    answer = ask(go_oracle, "manifest", '{"permissions": {"a": {"verbs": ["GET"]}}}')
    assert (answer["ok"], answer["stage"]) == (False, "doctype")


@pytest.mark.parametrize("properties", [
    '{"collapsible": "yes"}', '{"time_to_live": 1.5}', '{"time_to_live": "1h"}',
    '{"templates": {"mail": 5}}', '{"description": []}',
])
def test_notifications_are_typed(go_oracle: Oracle, properties: str) -> None:
    """app.Notifications: map[string]notification.Properties."""
    answer = ask(go_oracle, "manifest", '{"notifications": {"n": ' + properties + "}}")
    assert not answer["ok"] and answer["members"][0]["path"][0] == "n"


def test_data_after_the_first_value_is_ignored(go_oracle: Oracle) -> None:
    """json.NewDecoder(io.LimitReader(r, ManifestMaxSize)).Decode (ReadManifest)."""
    answer = ask(go_oracle, "manifest", '{"slug": "a", "type": "konnector"} trailing, {]')
    assert answer["ok"] and answer["checks"]["trailing_data"]


def test_the_manifest_slug_is_not_checked(go_oracle: Oracle) -> None:
    """KonnManifest.ReadManifest replaces it with the install slug."""
    answer = ask(go_oracle, "manifest", '{"slug": "Dummy_TwoFA", "type": "konnector"}')
    assert answer["ok"] and not answer["checks"]["manifest_slug_matches"]


@pytest.mark.parametrize(("text", "refused"), [
    ('{"type": 5}', False), ('{"type": "node"}', False), ('{"type": "webapp"}', True),
    ('{"Type": "webapp"}', True), ('{"type": "webapp", "TYPE": "konnector"}', False),
    ('{"type": "webapp"} x', False),
])
def test_only_webapp_is_refused(go_oracle: Oracle, text: str, refused: bool) -> None:
    """Installer.ReadManifest reads `type` on its own and ignores its decode error."""
    answer = ask(go_oracle, "manifest", text)
    assert answer["ok"] is not refused, answer


@pytest.mark.parametrize(("account_type", "ok"), [
    ("service.example", True), ("google_drive", True), ("Google", True), ("_design", False),
    ("", False),
])
def test_account_type_ids(go_oracle: Oracle, account_type: str, ok: bool) -> None:
    """account.TypeInfo and couchdb.GetDoc's validateDocID."""
    assert ask(go_oracle, "account-type-id", account_type)["ok"] is ok


def test_a_blank_token_endpoint_is_used(go_oracle: Oracle) -> None:
    """web/accounts/oauth.go redirect compares TokenEndpoint with "" exactly."""
    answer = ask(go_oracle, "account-type",
                 '{"_id": "svc", "grant_mode": "bi_webauth", "token_endpoint": " ", '
                 '"redirect_uri": " "}')
    assert answer["checks"]["token_exchange"] and answer["checks"]["redirect_uri_registered"]
    assert answer["urls"]["token_endpoint"]["hostname"] == ""


def test_the_schema_is_the_stack_s_data_model(go_oracle: Oracle) -> None:
    data = schema()
    manifest = {f.json: f.type.go for f in data.manifest.fields}
    assert manifest["created_at"] == "time.Time" and manifest["state"] == "app.State"
    assert manifest["permissions"] == "permission.Set"
    assert data.account_type.field("fcm_credentials").type.go == "json.RawMessage"
    assert data.stack_commit == "db1163854f06"


def test_every_type_and_function_names_what_it_follows() -> None:
    """Provenance: each declaration of the stack_*.go files cites a file of the stack."""
    cited = re.compile(r"\b(?:model|pkg|web|worker)/[\w/]+\.go\b|golang/go")
    missing = []
    for path in sorted(GO_DIR.glob("stack_*.go")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if re.match(r"(type|func) ", line):
                comment: list[str] = []
                j = i - 1
                while j >= 0 and lines[j].startswith("//"):
                    comment.insert(0, lines[j])
                    j -= 1
                if not cited.search(" ".join(comment)):
                    missing.append(f"{path.name}:{i + 1}: {line}")
    assert not missing, "\n".join(missing)
