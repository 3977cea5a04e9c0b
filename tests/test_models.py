"""The pydantic models: built from spec's tables, strict like Go's decoder, secret-safe."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kpack import spec
from kpack.models import AccountType, AccountTypeFile, DevConfig, Manifest, Permission
from kpack.models.account_type import missing_for_grant_mode
from kpack.models.base import other_cases

OAUTH: dict[str, Any] = {
    "_id": "google", "grant_mode": "authorization_code", "client_id": "id",
    "client_secret": "s3cr3t-value", "auth_endpoint": "https://accounts.example/auth",
    "token_endpoint": "https://oauth.example/token",
}


def json_keys(model: Any) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def test_account_type_members_are_spec_fields() -> None:
    assert json_keys(AccountType) == set(spec.ACCOUNT_TYPE_FIELDS)


def test_manifest_members_are_spec_typed_fields_plus_type_and_oauth() -> None:
    assert json_keys(Manifest) == {*spec.MANIFEST_TYPED_FIELDS, "type", "oauth"}
    assert json_keys(Permission) == set(spec.PERMISSION_KEYS)


def test_dev_config_members_are_spec_keys() -> None:
    assert json_keys(DevConfig) == set(spec.DEV_CONFIG_KEYS)


def test_enumerations_come_from_spec() -> None:
    schema = AccountType.model_json_schema()
    grant = schema["properties"]["grant_mode"]["anyOf"][0]
    assert tuple(grant["enum"]) == spec.GRANT_MODES
    token = schema["properties"]["token_mode"]["anyOf"][0]
    assert tuple(token["enum"]) == (*spec.TOKEN_MODES, "")


def test_account_type_round_trips_by_json_keys() -> None:
    doc = AccountType.model_validate({**OAUTH, "extras": {"prompt": "consent"}, "custom": 1})
    assert doc.get("_id") == "google"
    assert doc.get("custom") == 1  # unknown members are kept
    assert doc.to_json() == {**OAUTH, "extras": {"prompt": "consent"}, "custom": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grant_mode": "refresh_token"}, "grant_mode"),
        ({"token_mode": "Basic"}, "token_mode"),
        ({"skip_state_on_token": "true"}, "skip_state_on_token"),  # strict: no coercion
        ({"redirect_uri": ["https://a.example/"]}, "redirect_uri"),
        ({"extras": {"n": 1}}, "extras"),
        ({"client_id": None}, "needs client_id"),
        ({"auth_endpoint": "  "}, "needs auth_endpoint"),
        ({"_id": "_design"}, "id"),
    ],
)
def test_account_type_refuses_what_breaks_a_connection(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        AccountType.model_validate({**OAUTH, **change})


def test_account_type_without_grant_mode_is_refused_unless_notifications() -> None:
    with pytest.raises(ValidationError, match="grant_mode is required"):
        AccountType.model_validate({"_id": "x", "slug": "x"})
    AccountType.model_validate({"_id": "x", "slug": "x", "fcm_credentials": {}})


def test_code_exchange_fields_are_needed_once_token_endpoint_is_set() -> None:
    assert missing_for_grant_mode({"grant_mode": "authorization_code"}) == [
        "auth_endpoint", "client_id",
    ]
    assert missing_for_grant_mode(
        {"grant_mode": "authorization_code", "token_endpoint": "https://t.example"}
    ) == ["auth_endpoint", "client_id", "client_secret"]
    assert missing_for_grant_mode({"grant_mode": "secret", "slug": "s", "secret": []}) == [
        "secret"
    ]
    assert missing_for_grant_mode({"grant_mode": "unknown"}) == []


def test_secrets_stay_out_of_reprs_and_errors() -> None:
    doc = AccountType.model_validate(OAUTH)
    assert "s3cr3t-value" not in repr(doc) and "s3cr3t-value" not in str(doc)
    with pytest.raises(ValidationError) as caught:
        AccountType.model_validate({**OAUTH, "client_secret": 12345, "secret": {"k": "s3cr3t"}})
    assert "12345" not in str(caught.value) and "s3cr3t" not in str(caught.value)


def test_account_type_file_accepts_the_three_shapes() -> None:
    secret = {"_id": "s", "grant_mode": "secret", "slug": "s", "secret": "x"}
    for data in (OAUTH, [OAUTH, secret], {"docs": [OAUTH, secret]}):
        AccountTypeFile.model_validate(data)
    with pytest.raises(ValidationError):
        AccountTypeFile.model_validate({"docs": [{**OAUTH, "grant_mode": "code"}]})
    with pytest.raises(ValidationError):
        AccountTypeFile.model_validate("google")


def test_manifest_accepts_null_typed_fields_and_refuses_wrong_types() -> None:
    Manifest.model_validate({"slug": "a", "clientSide": None, "permissions": None})
    with pytest.raises(ValidationError, match="clientSide"):
        Manifest.model_validate({"slug": "a", "clientSide": "true"})
    with pytest.raises(ValidationError, match="slug"):
        Manifest.model_validate({"slug": "orange_mobile"})


def test_manifest_permissions_and_oauth_are_typed() -> None:
    manifest = Manifest.model_validate({
        "slug": "a",
        "permissions": {"f": {"type": "io.cozy.calendar.*", "verbs": ["GET"]}},
        "oauth": {"scope": False, "account_type": "google"},
    })
    assert manifest.to_json()["oauth"] == {"scope": False, "account_type": "google"}
    for bad in ({"type": "io.cozy.*"}, {"type": "io.cozy.files", "verbs": ["get"]}, {}):
        with pytest.raises(ValidationError, match="permissions"):
            Manifest.model_validate({"slug": "a", "permissions": {"f": bad}})
    with pytest.raises(ValidationError, match="scope"):
        Manifest.model_validate({"slug": "a", "oauth": {"scope": True}})


def test_dev_config_needs_fields_and_an_http_url() -> None:
    DevConfig.model_validate({"COZY_URL": "http://cozy.localhost:8080", "fields": {}})
    with pytest.raises(ValidationError, match="fields"):
        DevConfig.model_validate({"COZY_URL": "http://cozy.localhost:8080"})
    with pytest.raises(ValidationError, match="COZY_URL"):
        DevConfig.model_validate({"COZY_URL": "cozy.localhost:8080", "fields": {}})


@pytest.mark.parametrize(
    ("key", "matches", "refused"),
    [("clientSide", ["ClientSide", "CLIENTSIDE", "clientside"], ["clientSide", "clientSid"]),
     ("on_delete_account", ["ON_DELETE_ACCOUNT"], ["on_delete_account", "on-delete-account"])],
)
def test_other_cases_pattern(key: str, matches: list[str], refused: list[str]) -> None:
    import re

    pattern = re.compile(other_cases(key))
    assert all(pattern.search(k) for k in matches)
    assert not any(pattern.search(k) for k in refused)


def test_importing_kpack_check_does_not_import_pydantic() -> None:
    """The models are for schemas and provisioning: never in the check hot path."""
    import subprocess
    import sys

    code = (
        "import sys, kpack.check, kpack.rules.manifest, kpack.rules.account_type; "
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
