"""The published JSON Schemas: up to date, valid, and in agreement with kpack's rules.

Agreement: for every fixture below, "the schema accepts it" ⇔ "kpack check reports no
error among the shape rules the schema encodes" (SHAPE_RULES). The other error rules
(URLs, redirect ids, misspelt keys, duplicates across documents) need more than a schema.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kpack import schemas
from kpack.diagnostics import Kind, Severity
from tests.helpers import REPO, lint

KINDS = schemas.KINDS
REGENERATE = "python -m kpack.schemas"

# The error rules each schema encodes (and nothing else: warnings never go in a schema),
# by name: codes may be renumbered, names are the rules' identity.
SHAPE_RULES = {
    "account-type": {
        "grant-mode-missing", "grant-mode-unknown", "token-mode-unknown",
        "required-field-missing", "wrong-field-type", "id-missing",
    },
    "manifest": {
        "manifest-field-type", "invalid-slug", "manifest-type", "invalid-permission",
        "invalid-doctype", "invalid-permission-verb", "invalid-oauth", "invalid-oauth-scope",
        "invalid-oauth-account-type",
    },
    "dev-config": {
        "dev-config-fields-not-object", "dev-config-cozy-url-invalid",
        "dev-config-parameters-not-object",
    },
}
FILE_NAMES = {
    "manifest": "manifest.konnector",
    "account-type": "service.account-type.json",
    "dev-config": "konnector-dev-config.json",
}


def validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas.schema(kind))


def schema_errors(kind: str, instance: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(kind).iter_errors(instance)]


def test_shape_rules_exist_and_are_errors() -> None:
    from kpack.rules.catalogue import all_rules

    by_name = {r.name: r for r in all_rules()}
    for kind, names in SHAPE_RULES.items():
        for name in names:
            assert name in by_name, f"no rule named {name}"
            # invalid-slug and manifest-type: errors for the registry, not all for the stack.
            if name not in ("invalid-slug", "manifest-type"):
                assert by_name[name].severity is Severity.ERROR, name
            assert by_name[name].kind is Kind(kind), name


# --- generated files ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_the_generated_one(kind: str) -> None:
    path = REPO / "schemas" / schemas.file_name(kind)
    assert path.is_file(), f"{path} is missing: run `{REGENERATE}`"
    assert path.read_text(encoding="utf-8") == schemas.schema_text(kind), (
        f"{path.relative_to(REPO)} is stale: run `{REGENERATE}` and commit the result"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = schemas.schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"{kind}.schema.json")
    assert schema["title"] and schema["description"]
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_text_is_stable_and_ends_with_a_newline(kind: str) -> None:
    text = schemas.schema_text(kind)
    assert text == schemas.schema_text(kind)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert json.loads(text) == schemas.schema(kind)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        schemas.schema("webapp")


def test_regenerating_writes_the_three_files(tmp_path: Path) -> None:
    written = schemas.write_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(schemas.file_name(k) for k in KINDS)
    for kind in KINDS:
        text = (tmp_path / schemas.file_name(kind)).read_text(encoding="utf-8")
        assert text == schemas.schema_text(kind)


def test_warning_lists_stay_out_of_the_schemas() -> None:
    """Warnings are not schema errors: the corpus goes outside these lists."""
    from kpack import spec

    text = "".join(schemas.schema_text(kind) for kind in KINDS)
    for listed in ("bankTransactions", "online_services", "monthly", "dropdown"):
        assert listed not in text
    assert spec.VERSION_PATTERN.replace("\\", "\\\\") not in text


# --- the corpus -----------------------------------------------------------------------------

# Corpus files the schemas rightly refuse, with the reason.
CORPUS_EXCEPTIONS = {
    # A 2018 slug with an underscore: current stacks refuse it (kpack M002 too).
    "cozy-konnector-orangemobile.manifest.konnector": "slug 'orange_mobile'",
    # Not account types: an io.cozy.accounts document and a manifest `fields` excerpt that
    # the same documentation page shows next to the account types.
    "cozy-stack.konnectors-workflow.io.cozy.accounts-oauth.json": "an io.cozy.accounts doc",
    "cozy-stack.konnectors-workflow.konnector-fields-account.json": "a manifest excerpt",
}


def corpus_files(corpus: Path) -> list[tuple[str, Path]]:
    files = [("manifest", p) for p in sorted((corpus / "manifests").glob("*.manifest.konnector"))]
    files += [("account-type", p) for p in sorted((corpus / "account_types").glob("*.json"))]
    return files


def test_corpus_validates_except_known_exceptions(corpus: Path) -> None:
    files = corpus_files(corpus)
    assert len([f for f in files if f[0] == "manifest"]) >= 30
    refused = {}
    for kind, path in files:
        errors = schema_errors(kind, json.loads(path.read_text(encoding="utf-8")))
        if errors:
            refused[path.name] = errors
    assert set(refused) == set(CORPUS_EXCEPTIONS), refused


# --- fixtures: valid and invalid, and the agreement with kpack check -------------------------

GOOD_MANIFEST: dict[str, Any] = {
    "type": "konnector", "slug": "my-service", "name": "My service", "version": "1.0.0",
    "editor": "Me", "language": "node", "icon": "icon.svg", "clientSide": False,
    "categories": ["energy"], "frequency": "weekly",
    "fields": {"login": {"type": "email"}, "password": {"type": "password"}},
    "permissions": {
        "files": {"type": "io.cozy.files", "verbs": ["GET", "POST"]},
        "calendar": {"type": "io.cozy.calendar.*", "description": "events"},
        "accounts": {"type": "io.cozy.accounts", "values": ["a"], "selector": "_id"},
    },
    "oauth": {"scope": ["openid profile"], "account_type": "my-service"},
    "terms": {"url": "https://example.org/terms", "version": "1"},
}
GOOD_ACCOUNT_TYPE: dict[str, Any] = {
    "_id": "my-service", "grant_mode": "authorization_code", "client_id": "$CLIENT_ID",
    "client_secret": "$CLIENT_SECRET", "auth_endpoint": "https://example.org/oauth/authorize",
    "token_endpoint": "https://example.org/oauth/token", "token_mode": "basic",
    "redirect_uri": "https://oauthcallback.example.org/accounts/my-service/redirect",
    "extras": {"access_type": "offline"},
}
GOOD_DEV_CONFIG: dict[str, Any] = {
    "COZY_URL": "http://cozy.localhost:8080", "fields": {"login": "me", "password": "pw"},
    "COZY_PARAMETERS": {"folder_to_save": "x"},
}


def m(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD_MANIFEST, **changes}.items() if v is not ...}


def a(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD_ACCOUNT_TYPE, **changes}.items() if v is not ...}


def d(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD_DEV_CONFIG, **changes}.items() if v is not ...}


SECRET = {"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": {"token": "$T"}}


def s(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**SECRET, **changes}.items() if v is not ...}

# (id, kind, document, valid?). `...` removes a member.
FIXTURES: list[tuple[str, str, Any, bool]] = [
    # manifests: accepted
    ("manifest-good", "manifest", GOOD_MANIFEST, True),
    ("manifest-minimal", "manifest", {"slug": "x"}, True),
    ("manifest-null-typed-fields", "manifest",
     m(clientSide=None, version=None, parameters=None, terms={"url": None}), True),
    ("manifest-legacy-type-node", "manifest", m(type="node"), True),
    ("manifest-no-type", "manifest", m(type=...), True),
    ("manifest-odd-category-and-frequency", "manifest",
     m(categories=["clouds"], data_types=["geojson"], frequency="yearly"), True),
    ("manifest-version-not-semver", "manifest", m(version="v1.2"), True),
    ("manifest-scope-string", "manifest", m(oauth={"scope": "openid+profile"}), True),
    ("manifest-scope-false", "manifest", m(oauth={"scope": False}), True),
    ("manifest-scope-null", "manifest", m(oauth={"scope": None}), True),
    ("manifest-scope-empty-array", "manifest", m(oauth={"scope": []}), True),
    ("manifest-oauth-null", "manifest", m(oauth=None), True),
    ("manifest-oauth-unknown-key", "manifest", m(oauth={"scopes": ["a"]}), True),
    ("manifest-permission-unknown-key", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "verb": ["GET"]}}), True),
    ("manifest-permission-null-verbs", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "verbs": None}}), True),
    ("manifest-slug-other-case", "manifest", {"Slug": "my-service"}, True),
    ("manifest-permission-type-other-case", "manifest",
     m(permissions={"f": {"Type": "io.cozy.files"}}), True),
    ("manifest-notifications", "manifest",
     m(notifications={"n": {"description": "d", "Collapsible": True, "default_priority": "high",
                            "templates": {"mail": "file:./n.tpl", "push": None},
                            "time_to_live": 2**63 - 1, "min_interval": None},
                      "empty": None}), True),
    # manifests: refused
    ("manifest-notification-not-object", "manifest", m(notifications={"n": 5}), False),
    ("manifest-notification-bool-string", "manifest",
     m(notifications={"n": {"collapsible": "yes"}}), False),
    ("manifest-notification-other-case", "manifest",
     m(notifications={"n": {"Stateful": "true"}}), False),
    ("manifest-notification-duration-fraction", "manifest",
     m(notifications={"n": {"time_to_live": 1.5}}), False),
    ("manifest-notification-duration-beyond-int64", "manifest",
     m(notifications={"n": {"min_interval": 2**63}}), False),
    ("manifest-notification-duration-string", "manifest",
     m(notifications={"n": {"min_interval": "1h"}}), False),
    ("manifest-notification-template-number", "manifest",
     m(notifications={"n": {"templates": {"mail": 5}}}), False),
    ("manifest-clientside-string", "manifest", m(clientSide="true"), False),
    ("manifest-clientside-other-case", "manifest", m(clientSide=..., ClientSide="true"), False),
    ("manifest-clientside-both-cases", "manifest", m(clientSide=False, ClientSide="true"), False),
    ("manifest-version-number", "manifest", m(version=1.2), False),
    ("manifest-parameters-array", "manifest", m(parameters=[]), False),
    ("manifest-permissions-array", "manifest", m(permissions=[{"type": "io.cozy.files"}]), False),
    ("manifest-terms-url-number", "manifest", m(terms={"url": 1}), False),
    ("manifest-no-slug", "manifest", m(slug=...), False),
    ("manifest-null-slug", "manifest", m(slug=None), False),
    ("manifest-empty-slug", "manifest", m(slug=""), False),
    ("manifest-slug-underscore", "manifest", m(slug="orange_mobile"), False),
    ("manifest-slug-uppercase", "manifest", m(slug="MyService"), False),
    ("manifest-type-webapp", "manifest", m(type="webapp"), False),
    # cozy-stack refuses only `webapp` (a warning for any other type; issue 19).
    ("manifest-type-other", "manifest", m(type="connector"), True),
    ("manifest-type-number", "manifest", m(type=1), True),
    ("manifest-type-webapp", "manifest", m(type="webapp"), False),
    ("manifest-permission-string", "manifest", m(permissions={"f": "io.cozy.files"}), False),
    ("manifest-permission-no-type", "manifest", m(permissions={"f": {"verbs": ["GET"]}}), False),
    ("manifest-permission-type-number", "manifest", m(permissions={"f": {"type": 1}}), False),
    ("manifest-doctype-uppercase", "manifest", m(permissions={"f": {"type": "io.cozy.Files"}}),
     False),
    ("manifest-doctype-double-dot", "manifest", m(permissions={"f": {"type": "io..cozy"}}), False),
    ("manifest-doctype-wide-wildcard", "manifest", m(permissions={"f": {"type": "io.cozy.*"}}),
     False),
    ("manifest-doctype-empty", "manifest", m(permissions={"f": {"type": ""}}), False),
    ("manifest-verbs-string", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "verbs": "GET"}}), False),
    ("manifest-verb-lowercase", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "verbs": ["get"]}}), False),
    ("manifest-values-numbers", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "values": [1]}}), False),
    ("manifest-selector-number", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "selector": 1}}), False),
    ("manifest-verbs-other-case", "manifest",
     m(permissions={"f": {"type": "io.cozy.files", "Verbs": "GET"}}), False),
    ("manifest-doctype-other-case", "manifest", m(permissions={"f": {"TYPE": "io.Cozy"}}), False),
    ("manifest-slug-other-case-invalid", "manifest", {"SLUG": "My_Service"}, False),
    ("manifest-oauth-true", "manifest", m(oauth=True), False),
    ("manifest-oauth-string", "manifest", m(oauth="openid"), False),
    ("manifest-scope-true", "manifest", m(oauth={"scope": True}), False),
    ("manifest-scope-object", "manifest", m(oauth={"scope": {"a": 1}}), False),
    ("manifest-scope-number-item", "manifest", m(oauth={"scope": ["openid", 1]}), False),
    ("manifest-oauth-account-type-context", "manifest",
     m(oauth={"account_type": "ctx/google"}), False),
    ("manifest-oauth-account-type-empty", "manifest", m(oauth={"account_type": ""}), False),
    ("manifest-oauth-account-type-null", "manifest", m(oauth={"account_type": None}), False),
    # account types: accepted
    ("account-type-good", "account-type", GOOD_ACCOUNT_TYPE, True),
    ("account-type-array", "account-type", [GOOD_ACCOUNT_TYPE, SECRET], True),
    ("account-type-bulk", "account-type", {"docs": [GOOD_ACCOUNT_TYPE, SECRET]}, True),
    ("account-type-secret-string", "account-type", s(secret="$SECRET"), True),
    ("account-type-no-token-endpoint", "account-type",
     a(token_endpoint=..., client_secret=...), True),
    ("account-type-token-mode-empty", "account-type", a(token_mode=""), True),
    ("account-type-null-fields", "account-type", a(token_mode=None, extras=None, _rev=None), True),
    ("account-type-implicit", "account-type",
     {"_id": "x", "grant_mode": "token", "auth_endpoint": "https://a.example/", "client_id": "c"},
     True),
    ("account-type-redirect-url", "account-type",
     {"_id": "x", "grant_mode": "token_redirect_url", "auth_endpoint": "https://a.example/"},
     True),
    ("account-type-bi-webview-secret", "account-type",
     {"_id": "x", "grant_mode": "bi_webview+secret", "auth_endpoint": "https://a.example/",
      "client_id": "c", "manage_endpoint": "https://a.example/m",
      "reconnect_endpoint": "https://a.example/r", "slug": "x", "secret": {"k": "v"}}, True),
    ("account-type-notifications", "account-type",
     {"_id": "myapp", "slug": "myapp", "fcm_credentials": {"type": "service_account"}}, True),
    ("account-type-context-id", "account-type",
     a(_id="ctx/my-service"), True),
    ("account-type-unknown-key", "account-type", a(scope="openid"), True),
    # account types: refused
    ("account-type-refresh-token", "account-type", a(grant_mode="refresh_token"), False),
    ("account-type-grant-mode-case", "account-type", a(grant_mode="Authorization_Code"), False),
    ("account-type-no-grant-mode", "account-type", a(grant_mode=...), False),
    ("account-type-null-grant-mode", "account-type", a(grant_mode=None), False),
    ("account-type-empty-grant-mode", "account-type", a(grant_mode=""), False),
    ("account-type-grant-mode-number", "account-type", a(grant_mode=1), False),
    ("account-type-token-mode-Basic", "account-type", a(token_mode="Basic"), False),
    ("account-type-token-mode-post", "account-type", a(token_mode="post"), False),
    ("account-type-no-client-id", "account-type", a(client_id=...), False),
    ("account-type-blank-client-id", "account-type", a(client_id="  "), False),
    ("account-type-token-endpoint-without-secret", "account-type", a(client_secret=...), False),
    ("account-type-no-auth-endpoint", "account-type", a(auth_endpoint=None), False),
    ("account-type-secret-without-secret", "account-type", s(secret=...), False),
    ("account-type-secret-empty-object", "account-type", s(secret={}), False),
    ("account-type-secret-without-slug", "account-type", s(slug=""), False),
    ("account-type-bi-webauth-no-reconnect", "account-type",
     {"_id": "x", "grant_mode": "bi_webauth", "auth_endpoint": "https://a.example/",
      "client_id": "c"}, False),
    ("account-type-redirect-uri-array", "account-type",
     a(redirect_uri=["https://oauthcallback.example.org/accounts/my-service/redirect"]), False),
    ("account-type-extras-number", "account-type", a(extras={"prompt": 1}), False),
    ("account-type-skip-string", "account-type", a(skip_state_on_token="true"), False),
    ("account-type-client-secret-number", "account-type", a(client_secret=12345), False),
    ("account-type-no-id", "account-type", a(_id=...), False),
    ("account-type-reserved-id", "account-type", a(_id="_design"), False),
    ("account-type-empty-context", "account-type", a(_id="/google"), False),
    ("account-type-bad-in-array", "account-type", [GOOD_ACCOUNT_TYPE, a(grant_mode="code")],
     False),
    ("account-type-bad-in-bulk", "account-type", {"docs": [a(token_mode="GET")]}, False),
    # Go's encoding/json reads keys in any case (issue 12 item 10)
    ("account-type-grant-mode-other-case", "account-type",
     a(grant_mode=..., Grant_Mode="authorization_code"), True),
    ("account-type-grant-mode-other-case-unknown", "account-type",
     a(grant_mode=..., GRANT_MODE="refresh_token"), False),
    ("account-type-skip-other-case-string", "account-type", a(Skip_State_On_Token="true"), False),
    # dev configs
    ("dev-config-good", "dev-config", GOOD_DEV_CONFIG, True),
    ("dev-config-minimal", "dev-config", {"fields": {}}, True),
    ("dev-config-https", "dev-config", d(COZY_URL="https://me.mycozy.cloud"), True),
    ("dev-config-no-fields", "dev-config", d(fields=...), False),
    ("dev-config-fields-array", "dev-config", d(fields=[]), False),
    ("dev-config-url-number", "dev-config", d(COZY_URL=8080), False),
    ("dev-config-url-no-scheme", "dev-config", d(COZY_URL="cozy.localhost:8080"), False),
    ("dev-config-url-ftp", "dev-config", d(COZY_URL="ftp://cozy.localhost"), False),
    ("dev-config-url-spaces", "dev-config", d(COZY_URL=" http://cozy.localhost:8080 "), False),
    ("dev-config-parameters-string", "dev-config", d(COZY_PARAMETERS="{}"), False),
]


@pytest.mark.parametrize(
    ("kind", "document", "valid"), [f[1:] for f in FIXTURES], ids=[f[0] for f in FIXTURES]
)
def test_fixture_validates_as_expected(kind: str, document: Any, valid: bool) -> None:
    errors = schema_errors(kind, document)
    assert (not errors) is valid, errors or "the schema accepts it"


# Where the schema and kpack disagree today, and which side is right.
# (Empty now: each entry is an xfail(strict) naming the side that is wrong.)
KNOWN_DISAGREEMENTS: dict[str, str] = {}


@pytest.mark.parametrize(
    ("kind", "document"),
    [
        pytest.param(
            *f[1:3], id=f[0],
            marks=[pytest.mark.xfail(reason=KNOWN_DISAGREEMENTS[f[0]], strict=True)]
            if f[0] in KNOWN_DISAGREEMENTS else [],
        )
        for f in FIXTURES
    ],
)
def test_schema_agrees_with_kpack_check(tmp_path: Path, kind: str, document: Any) -> None:
    """schema-valid ⇔ kpack check reports no error among the rules the schema encodes.

    The manifest schema demands the slug the registry demands (editors flag it early);
    cozy-stack replaces the manifest's slug by the install slug (issue 19), so for the slug
    kpack is asked with `--target registry`, for the rest of the shape as the stack reads it."""
    diagnostics = lint(tmp_path, FILE_NAMES[kind], document, kind=Kind(kind))
    if kind == "manifest":
        registry = lint(tmp_path, FILE_NAMES[kind], document, kind=Kind(kind), target="registry")
        diagnostics = [d for d in diagnostics if d.name != "invalid-slug"]
        diagnostics += [d for d in registry if d.name == "invalid-slug"]
    shape_errors = [
        f"{x.code} {x.pointer}: {x.message}" for x in diagnostics
        if x.severity is Severity.ERROR and x.name in SHAPE_RULES[kind]
    ]
    errors = schema_errors(kind, document)
    assert bool(errors) == bool(shape_errors), (
        f"schema says {errors or 'valid'}; kpack says {shape_errors or 'no shape error'}"
    )


# --- the real check-jsonschema CLI ----------------------------------------------------------


def check_jsonschema(schema: Path, instance: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[bench]')")
    return subprocess.run(
        [executable, "--schemafile", str(schema), str(instance)],
        capture_output=True, text=True, check=False,
    )


def test_check_jsonschema_accepts_a_good_manifest_and_refuses_a_bad_one(tmp_path: Path) -> None:
    schema = REPO / "schemas" / "manifest.schema.json"
    good = tmp_path / "good" / "manifest.konnector"
    bad = tmp_path / "bad" / "manifest.konnector"
    for path, doc in ((good, GOOD_MANIFEST), (bad, m(slug="Bad_Slug", clientSide="yes"))):
        path.parent.mkdir()
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    passed = check_jsonschema(schema, good)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = check_jsonschema(schema, bad)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "$.slug" in failed.stdout and "$.clientSide" in failed.stdout, failed.stdout


def test_check_jsonschema_reads_account_type_files(tmp_path: Path) -> None:
    schema = REPO / "schemas" / "account-type.schema.json"
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"docs": [GOOD_ACCOUNT_TYPE, SECRET]}), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([a(grant_mode="refresh_token")]), encoding="utf-8")
    assert check_jsonschema(schema, good).returncode == 0
    assert check_jsonschema(schema, bad).returncode == 1
