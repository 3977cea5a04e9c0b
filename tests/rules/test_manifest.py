"""Manifest rules M001-M021: each with a failing and a passing case (code, severity,
pointer, line, column), the `--target registry` variants, the real corpus and a property
over mutated manifests."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic, Kind, Severity
from kpack.documents import Document
from kpack.options import CheckOptions
from kpack.rules.manifest import check_document, doctype_problem
from tests.hardening.fuzzing import containers, resolves, value_at
from tests.helpers import codes, lint, lint_files, only

ERROR, WARNING = Severity.ERROR, Severity.WARNING

# A complete, valid OAuth konnector manifest: no finding at all.
VALID: dict[str, Any] = {
    "version": "1.2.0",
    "name": "Example",
    "type": "konnector",
    "language": "node",
    "icon": "icon.svg",
    "slug": "example",
    "source": "git@github.com:konnectors/example.git",
    "editor": "Cozy",
    "vendor_link": "https://example.com",
    "categories": ["energy"],
    "data_types": ["bill"],
    "frequency": "daily",
    "clientSide": False,
    "fields": {
        "login": {"type": "email"},
        "password": {"type": "password"},
        "advancedFields": {"folderPath": {"advanced": True, "isRequired": False}},
    },
    "oauth": {"scope": ["openid profile"], "account_type": "example"},
    "permissions": {
        "bills": {"type": "io.cozy.bills", "description": "save bills"},
        "files": {"type": "io.cozy.files", "verbs": ["GET", "POST"]},
        "calendar": {"type": "io.cozy.calendar.*"},
        "accounts": {"type": "io.cozy.accounts", "values": ["x"], "selector": "slug"},
    },
    "terms": {"url": "https://example.com/tos", "version": "1", "id": "tos"},
    "locales": {"en": {"short_description": "Example"}, "fr": {"short_description": "Ex"}},
    "developer": {"name": "Cozy", "url": "https://cozy.io"},
}


def manifest(**changes: Any) -> dict[str, Any]:
    """VALID with top-level members replaced; a value of `...` removes the member."""
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def run(tmp_path: Path, data: Any, target: str = "stack") -> tuple[list[Diagnostic], str]:
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    return lint(tmp_path, "manifest.konnector", text, target=target), text


def position(text: str, needle: str, after: str = "") -> tuple[int, int]:
    """1-based line and column of the first `needle` in `text` after `after`."""
    offset = text.index(needle, text.index(after) + len(after) if after else 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def assert_at(
    d: Diagnostic, code: str, severity: Severity, pointer: str, text: str, needle: str,
    after: str = "",
) -> None:
    assert (d.code, d.severity, d.pointer) == (code, severity, pointer), d
    assert (d.line, d.column) == position(text, needle, after), d


def test_the_valid_manifest_has_no_finding(tmp_path: Path) -> None:
    assert run(tmp_path, VALID)[0] == []
    assert run(tmp_path, VALID, target="registry")[0] == []


# --- M001 typed fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("clientSide", "true"), ("version", 1.2), ("slug", ["a"]), ("name", 3),
        ("icon", False), ("language", {}), ("source", 1), ("on_delete_account", True),
        ("parameters", []), ("permissions", []), ("terms", "https://x"),
        ("notifications", "yes"),
    ],
)
def test_a_typed_field_with_the_wrong_type_is_an_error(
    tmp_path: Path, key: str, value: Any
) -> None:
    found, text = run(tmp_path, manifest(**{key: value}))
    assert_at(only(found, "M001"), "M001", ERROR, f"/{key}", text, f'"{key}"')


def test_typed_fields_of_the_right_type_or_null_pass(tmp_path: Path) -> None:
    data = manifest(clientSide=True, parameters={"bankId": 1}, notifications={},
                    on_delete_account="onDelete.js", icon=None)
    assert "M001" not in codes(run(tmp_path, data)[0])


def test_typed_fields_are_matched_case_insensitively_like_go(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(clientSide=..., ClientSide="yes"))
    assert_at(only(found, "M001"), "M001", ERROR, "/ClientSide", text, '"ClientSide"')
    d = only(found, "M019")  # and a did-you-mean for the key the other tools read
    assert (d.severity, d.help) == (WARNING, "did you mean 'clientSide'?")


def test_every_case_variant_is_checked_even_next_to_the_exact_key(tmp_path: Path) -> None:
    # Go decodes each key into the field it folds to: the wrong-typed variant still fails.
    found, text = run(tmp_path, manifest(clientSide=False, ClientSide="true"))
    assert_at(only(found, "M001"), "M001", ERROR, "/ClientSide", text, '"ClientSide"')


def test_a_boolean_written_as_a_string_gets_a_fix(tmp_path: Path) -> None:
    found, _ = run(tmp_path, manifest(clientSide="true"))
    assert only(found, "M001").help == "write true without quotes"


def test_terms_members_are_typed(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(terms={"url": "https://x", "version": 2}))
    assert_at(only(found, "M001"), "M001", ERROR, "/terms/version", text, '"version": 2')
    assert "M001" not in codes(run(tmp_path, manifest(terms={"url": "u", "version": "2"}))[0])


# --- M002 slug ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["orange_mobile", "Example", "my.konnector", "a b"])
def test_a_slug_outside_the_registry_regexp_is_an_error_for_the_registry(
    tmp_path: Path, slug: str
) -> None:
    found, text = run(tmp_path, manifest(slug=slug), target="registry")
    d = only(found, "M002")
    assert_at(d, "M002", ERROR, "/slug", text, '"slug"')
    assert d.help is not None and "the registry" in d.message
    # The stack replaces the manifest's slug by the install slug (issue 19).
    found, text = run(tmp_path, manifest(slug=slug))
    assert_at(only(found, "M002"), "M002", WARNING, "/slug", text, '"slug"')


def test_a_missing_or_empty_slug_is_an_error_for_the_registry(tmp_path: Path) -> None:
    found, _ = run(tmp_path, manifest(slug=...), target="registry")
    d = only(found, "M002")
    assert (d.severity, d.pointer, d.line, d.column) == (ERROR, "", 1, 1)
    found, text = run(tmp_path, manifest(slug=""), target="registry")
    assert_at(only(found, "M002"), "M002", ERROR, "/slug", text, '"slug"')
    found, _ = run(tmp_path, manifest(slug=...))
    assert only(found, "M002").severity is WARNING


def test_a_valid_slug_passes(tmp_path: Path) -> None:
    assert "M002" not in codes(run(tmp_path, manifest(slug="enedis-api-konnector2"))[0])


# --- M003 type ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["webapp", "connector", "Konnector", 1])
def test_a_type_other_than_konnector_is_an_error_for_the_registry(
    tmp_path: Path, value: Any
) -> None:
    found, text = run(tmp_path, manifest(type=value), target="registry")
    assert_at(only(found, "M003"), "M003", ERROR, "/type", text, '"type"')


@pytest.mark.parametrize(("value", "severity"), [
    ("webapp", ERROR), ("connector", WARNING), ("Konnector", WARNING), (1, WARNING),
])
def test_only_webapp_is_an_error_for_the_stack(
    tmp_path: Path, value: Any, severity: Severity
) -> None:
    # Installer.ReadManifest refuses only "webapp" and ignores a `type` it cannot decode.
    found, text = run(tmp_path, manifest(type=value))
    assert_at(only(found, "M003"), "M003", severity, "/type", text, '"type"')


def test_a_near_miss_type_names_konnector(tmp_path: Path) -> None:
    assert only(run(tmp_path, manifest(type="Konnector"))[0], "M003").help == (
        "did you mean 'konnector'?"
    )


def test_legacy_node_type_is_a_warning_for_the_stack_and_an_error_for_the_registry(
    tmp_path: Path,
) -> None:
    found, text = run(tmp_path, manifest(type="node"))
    assert_at(only(found, "M003"), "M003", WARNING, "/type", text, '"type"')
    found, text = run(tmp_path, manifest(type="node"), target="registry")
    assert_at(only(found, "M003"), "M003", ERROR, "/type", text, '"type"')


def test_a_missing_type_is_a_warning_at_the_document(tmp_path: Path) -> None:
    d = only(run(tmp_path, manifest(type=...))[0], "M003")
    assert (d.severity, d.pointer, d.line, d.column) == (WARNING, "", 1, 1)
    assert only(run(tmp_path, manifest(type=...), "registry")[0], "M003").severity is ERROR


def test_konnector_type_passes(tmp_path: Path) -> None:
    assert "M003" not in codes(run(tmp_path, VALID)[0])


# --- M004 version, M005 editor -------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "help_"),
    [
        ("v1.0.0", 'drop the leading v: "version": "1.0.0"'),
        ("1.0", "use three numbers: major.minor.patch"),
        ("01.0.0", None), ("1.0.0-beta1", "write the beta number after a dot: X.Y.Z-beta.N"),
        ("1.0.0-dev.XYZ", None), ("123456.0.0", None),
    ],
)
def test_a_version_outside_the_registry_regexp_is_a_warning_or_a_registry_error(
    tmp_path: Path, version: str, help_: str | None
) -> None:
    found, text = run(tmp_path, manifest(version=version))
    d = only(found, "M004")
    assert_at(d, "M004", WARNING, "/version", text, '"version"')
    assert d.help == help_
    found, text = run(tmp_path, manifest(version=version), target="registry")
    assert_at(only(found, "M004"), "M004", ERROR, "/version", text, '"version"')


@pytest.mark.parametrize("version", ["0.1.0", "2.23.0", "1.0.0-beta.3", "1.0.0-dev.0a1b2c"])
def test_registry_versions_pass(tmp_path: Path, version: str) -> None:
    assert "M004" not in codes(run(tmp_path, manifest(version=version), "registry")[0])


def test_a_missing_version_is_reported_at_the_document(tmp_path: Path) -> None:
    d = only(run(tmp_path, manifest(version=...), "registry")[0], "M004")
    assert (d.severity, d.pointer, d.line) == (ERROR, "", 1)


def test_a_version_of_the_wrong_type_is_only_m001(tmp_path: Path) -> None:
    assert codes(run(tmp_path, manifest(version=1))[0]) == ["M001"]


def test_a_missing_editor_is_a_warning_and_a_registry_error(tmp_path: Path) -> None:
    d = only(run(tmp_path, manifest(editor=...))[0], "M005")
    assert (d.severity, d.pointer, d.line, d.column) == (WARNING, "", 1, 1)
    assert only(run(tmp_path, manifest(editor=...), "registry")[0], "M005").severity is ERROR


def test_an_empty_editor_is_reported_at_the_member(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(editor=" "), target="registry")
    assert_at(only(found, "M005"), "M005", ERROR, "/editor", text, '"editor"')


def test_an_editor_passes(tmp_path: Path) -> None:
    assert "M005" not in codes(run(tmp_path, manifest(editor="sebprunier"), "registry")[0])


# --- M006-M009 permissions ---------------------------------------------------------------


def perms(**rules: Any) -> dict[str, Any]:
    return manifest(permissions=rules)


def test_a_permission_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    found, text = run(tmp_path, perms(files="io.cozy.files"))
    assert_at(only(found, "M006"), "M006", ERROR, "/permissions/files", text, '"files"')


def test_a_permission_without_type_points_at_the_rule(tmp_path: Path) -> None:
    found, text = run(tmp_path, perms(files={"verbs": ["GET"]}))
    assert_at(only(found, "M006"), "M006", ERROR, "/permissions/files", text, '"files"')


@pytest.mark.parametrize(
    ("rule", "pointer", "needle"),
    [
        ({"type": 1}, "/permissions/p/type", '"type": 1'),
        ({"type": "io.cozy.files", "verbs": "GET"}, "/permissions/p/verbs", '"verbs"'),
        ({"type": "io.cozy.files", "values": "x"}, "/permissions/p/values", '"values"'),
        ({"type": "io.cozy.files", "selector": 1}, "/permissions/p/selector", '"selector"'),
        ({"type": "io.cozy.files", "description": []}, "/permissions/p/description",
         '"description"'),
    ],
)
def test_permission_members_have_their_types(
    tmp_path: Path, rule: dict[str, Any], pointer: str, needle: str
) -> None:
    found, text = run(tmp_path, perms(p=rule))
    assert_at(only(found, "M006"), "M006", ERROR, pointer, text, needle)


def test_a_non_string_item_points_at_the_item_value(tmp_path: Path) -> None:
    text = '{"slug": "x", "type": "konnector", "version": "1.0.0", "editor": "e",\n' \
           ' "permissions": {"p": {"type": "io.cozy.files", "values": ["a", 2]}}}'
    d = only(run(tmp_path, text)[0], "M006")
    assert_at(d, "M006", ERROR, "/permissions/p/values/1", text, "2]")


@pytest.mark.parametrize(
    ("doctype", "why"),
    [
        ("io.cozy.Files", "lowercase"), ("io.cozy-files", "'-' is not allowed"),
        (".io.cozy", "starts or ends"), ("io.cozy.", "starts or ends"),
        ("io..cozy", "two dots"), ("io.cozy.*", "at least 3 dots"), ("*", "'*'"),
        ("", "empty"),
    ],
)
def test_invalid_doctype_names_are_errors(tmp_path: Path, doctype: str, why: str) -> None:
    found, text = run(tmp_path, perms(p={"type": doctype}))
    d = only(found, "M007")
    assert_at(d, "M007", ERROR, "/permissions/p/type", text, '"type": ', after='"p"')
    assert why in d.message


@pytest.mark.parametrize(
    "doctype",
    ["io.cozy.files", "io.cozy.calendar.*", "fr.maif.maifuser.contrat",
     "io.cozy.certified.carbon_copy", "com.splitwise.expenses", "io.cozy.bank.accounts.*",
     "io.cozy.café"],  # the stack tests letters with unicode.IsLower
)
def test_valid_doctype_names_pass(doctype: str) -> None:
    assert doctype_problem(doctype) is None


def test_an_uppercase_doctype_gets_a_lowercase_suggestion(tmp_path: Path) -> None:
    d = only(run(tmp_path, perms(p={"type": "io.cozy.Files"}))[0], "M007")
    assert d.help == "did you mean 'io.cozy.files'?"


def test_unknown_verbs_are_errors_at_the_item(tmp_path: Path) -> None:
    found, text = run(tmp_path, perms(p={"type": "io.cozy.files", "verbs": ["GET", "get"]}))
    d = only(found, "M008")
    assert_at(d, "M008", ERROR, "/permissions/p/verbs/1", text, '"get"')
    assert d.help == "did you mean 'GET'?"


def test_all_verbs_pass(tmp_path: Path) -> None:
    rule = {"type": "io.cozy.files", "verbs": ["GET", "POST", "PUT", "PATCH", "DELETE", "ALL"]}
    assert codes(run(tmp_path, perms(p=rule))[0]) == []


def test_unknown_permission_keys_are_warnings_with_did_you_mean(tmp_path: Path) -> None:
    found, text = run(tmp_path, perms(p={"type": "io.cozy.files", "verb": ["GET"]}))
    d = only(found, "M009")
    assert_at(d, "M009", WARNING, "/permissions/p/verb", text, '"verb"')
    assert d.help == "did you mean 'verbs'?"


def test_case_variants_of_permission_members_are_checked(tmp_path: Path) -> None:
    found, text = run(tmp_path, perms(p={"type": "io.cozy.files", "Verbs": "GET"}))
    d = only(found, "M006")
    assert_at(d, "M006", ERROR, "/permissions/p/Verbs", text, '"Verbs"')
    assert d.help == 'e.g. "verbs": ["GET"]'


def test_a_case_variant_of_type_is_read_by_the_stack(tmp_path: Path) -> None:
    found, _ = run(tmp_path, perms(p={"Type": "io.cozy.files"}))
    assert codes(found) == ["M009"]  # not "no type": Go decodes Type into type


# --- M010-M013 documented lists --------------------------------------------------------------


def test_an_unknown_frequency_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(frequency="dayly"))
    d = only(found, "M010")
    assert_at(d, "M010", WARNING, "/frequency", text, '"frequency"')
    assert d.help == "did you mean 'daily'?"
    assert only(run(tmp_path, manifest(frequency=7))[0], "M010").severity is WARNING


@pytest.mark.parametrize("frequency", ["hourly", "daily", "weekly", "monthly"])
def test_documented_frequencies_pass(tmp_path: Path, frequency: str) -> None:
    assert codes(run(tmp_path, manifest(frequency=frequency))[0]) == []


def test_an_unknown_field_type_is_a_warning(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(fields={"login": {"type": "txt"}}))
    d = only(found, "M011")
    assert_at(d, "M011", WARNING, "/fields/login/type", text, '"type"', after='"login"')
    assert d.help == "did you mean 'text'?"


def test_a_field_that_is_not_an_object_is_a_warning(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(fields={"login": "text"}))
    d = only(found, "M011")
    assert_at(d, "M011", WARNING, "/fields/login", text, '"login"')
    assert d.help == 'e.g. "login": {"type": "text"}'


def test_date_and_typeless_legacy_fields_pass(tmp_path: Path) -> None:
    fields = {
        "birth": {"type": "date"},
        "account": {"doctype": "io.cozy.accounts", "account_type": "maif",
                    "accountFormat": "login,password"},
        "advancedFields": {"folderPath": {"advanced": True}},
    }
    assert codes(run(tmp_path, manifest(fields=fields))[0]) == []


def test_unknown_categories_and_data_types_are_warnings_at_the_item(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(categories=["energy", "other"],
                                         data_types=["bill", "contacts"]))
    d = only(found, "M012")
    assert_at(d, "M012", WARNING, "/categories/1", text, '"other"')
    assert d.help == "did you mean 'others'?"
    d = only(found, "M013")
    assert_at(d, "M013", WARNING, "/data_types/1", text, '"contacts"')
    assert d.help == "did you mean 'contact'?"


def test_a_string_instead_of_an_array_of_categories_gets_a_fix(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(categories="energy"))
    d = only(found, "M012")
    assert_at(d, "M012", WARNING, "/categories", text, '"categories"')
    assert d.help == 'write "categories": ["energy"]'


def test_documented_categories_and_data_types_pass(tmp_path: Path) -> None:
    data = manifest(categories=["others", "public_service"],
                    data_types=["bankTransactions", "geopoint", "videostream"])
    assert codes(run(tmp_path, data)[0]) == []


def test_the_registry_readmes_current_categories_all_pass(tmp_path: Path) -> None:
    # The cozy-apps-registry README's current list (issue 12 item 2): real connectors use
    # `finance`, `clouds`, `education`, `tech`; `finance` was once told "did you mean
    # 'insurance'?".
    listed = ("banking clouds cozy education energy finance health host_provider insurance "
               "isp mes_infos online_services partners press pro productivity ptnb "
               "public_service shopping social tech telecom transport")
    current = listed.split()
    for category in current:
        found = run(tmp_path, manifest(categories=[category]))[0]
        assert codes(found) == [], category
    found = run(tmp_path, manifest(categories=["finances"]))[0]
    assert only(found, "M012").help == "did you mean 'finance'?"


def test_the_registry_readmes_data_types_all_pass(tmp_path: Path) -> None:
    listed = ("activity appointment bankTransactions bankAccounts bill bloodPressure "
               "calendar certificate commit consumption contact contract courseMaterial "
               "document event family geopoint heartbeat home phonecommunicationlog podcast "
               "profile refund sinister sleepTime stepsNumber temperature travelDate tweet "
               "videostream weight")
    current = listed.split()
    assert codes(run(tmp_path, manifest(data_types=current))[0]) == []
    assert codes(run(tmp_path, manifest(data_types=["geojson"]))[0]) == ["M013"]


@pytest.mark.parametrize(
    ("key", "value", "help_"),
    [("oauth_scope", ["openid profile"],
      'did you mean oauth.scope? write "oauth": {"scope": ["openid profile"]}'),
     ("oauthScope", "read", 'did you mean oauth.scope? write "oauth": {"scope": "read"}'),
     ("account_type", "google",
      'did you mean oauth.account_type? write "oauth": {"account_type": "google"}')],
)
def test_a_key_that_belongs_under_oauth_gets_the_json_to_write(
    tmp_path: Path, key: str, value: object, help_: str
) -> None:
    # Issue 12 item 15: M019 on `oauth_scope` gave no hint.
    d = only(run(tmp_path, manifest(**{key: value}))[0], "M019")
    assert d.help == help_


def test_dollar_schema_is_accepted(tmp_path: Path) -> None:
    # Issue 12 item 16: editors use it; the stack keeps unknown keys.
    data = manifest(**{"$schema": "./node_modules/kpack/schemas/manifest.schema.json"})
    assert codes(run(tmp_path, data)[0]) == []


@pytest.mark.parametrize(
    ("link", "help_"),
    [("www.trainline.fr", 'write "vendor_link": "https://www.trainline.fr"'),
     ("maif.fr/espace", 'write "vendor_link": "https://maif.fr/espace"'),
     ("ftp://example.com", "write the whole URL, https:// included"),
     ("Link to the target website", "write the whole URL, https:// included")],
)
def test_vendor_link_without_a_scheme_is_a_warning(
    tmp_path: Path, link: str, help_: str
) -> None:
    # Issue 12 item 12: the registry README's example wrote "www.trainline.fr".
    d = only(run(tmp_path, manifest(vendor_link=link))[0], "M021")
    assert d.severity is WARNING and d.pointer == "/vendor_link" and d.help == help_


def test_vendor_link_with_a_scheme_passes(tmp_path: Path) -> None:
    for link in ("https://www.trainline.fr", "http://cozy.io", "HTTPS://example.com/a?b#c"):
        assert codes(run(tmp_path, manifest(vendor_link=link))[0]) == [], link


# --- M014-M018 oauth -----------------------------------------------------------------------


def oauth(value: Any) -> dict[str, Any]:
    return manifest(oauth=value)


def test_the_seed_oauth_shape_passes(tmp_path: Path) -> None:
    assert codes(run(tmp_path, oauth({"scope": ["scope1 scope2"]}))[0]) == []


@pytest.mark.parametrize(
    "scope",
    ["user_photos", "openid+profile+offline_access", False, None, ["a+b", "c"],
     ["https://www.googleapis.com/auth/contacts+https://www.googleapis.com/auth/userinfo.email"]],
)
def test_real_scope_shapes_pass(tmp_path: Path, scope: Any) -> None:
    assert codes(run(tmp_path, oauth({"scope": scope}))[0]) == []


def test_an_empty_oauth_object_passes(tmp_path: Path) -> None:
    assert codes(run(tmp_path, oauth({}))[0]) == []


@pytest.mark.parametrize("value", [True, "scope", ["scope"], 1])
def test_oauth_must_be_an_object(tmp_path: Path, value: Any) -> None:
    found, text = run(tmp_path, oauth(value))
    assert_at(only(found, "M014"), "M014", ERROR, "/oauth", text, '"oauth"')


def test_a_null_oauth_is_a_warning(tmp_path: Path) -> None:
    found, text = run(tmp_path, oauth(None))
    assert_at(only(found, "M014"), "M014", WARNING, "/oauth", text, '"oauth"')


@pytest.mark.parametrize("scope", [True, 1, {"a": "b"}])
def test_a_scope_of_the_wrong_type_is_an_error(tmp_path: Path, scope: Any) -> None:
    found, text = run(tmp_path, oauth({"scope": scope}))
    assert_at(only(found, "M015"), "M015", ERROR, "/oauth/scope", text, '"scope"')


def test_a_non_string_scope_item_is_an_error_at_the_item(tmp_path: Path) -> None:
    text = '{"slug": "x", "type": "konnector", "version": "1.0.0", "editor": "e",\n' \
           ' "oauth": {"scope": ["a", 42, null]}}'
    found, _ = run(tmp_path, text)
    first, second = [d for d in found if d.code == "M015"]
    assert_at(first, "M015", ERROR, "/oauth/scope/1", text, "42")
    assert_at(second, "M015", ERROR, "/oauth/scope/2", text, "null")


@pytest.mark.parametrize(
    ("item", "fixed"),
    [
        (" openid profile", '"openid profile"'), ("openid  profile", '"openid profile"'),
        ("openid,profile", '"openid profile"'), ("openid, profile", '"openid profile"'),
        ("openid\tprofile", '"openid profile"'),
    ],
)
def test_stray_whitespace_and_commas_are_warnings_with_a_fix(
    tmp_path: Path, item: str, fixed: str
) -> None:
    found, text = run(tmp_path, oauth({"scope": ["email", item]}))
    d = only(found, "M016")
    assert_at(d, "M016", WARNING, "/oauth/scope/1", text, json.dumps(item))
    assert d.help == f"write {fixed}"


def test_a_single_string_scope_gets_the_same_checks(tmp_path: Path) -> None:
    found, text = run(tmp_path, oauth({"scope": "a,b"}))
    d = only(found, "M016")
    assert_at(d, "M016", WARNING, "/oauth/scope", text, '"a,b"')


def test_empty_items_and_duplicates_are_warnings(tmp_path: Path) -> None:
    found, text = run(tmp_path, oauth({"scope": ["openid+profile", "", "profile"]}))
    empty, duplicate = [d for d in found if d.code == "M016"]
    assert_at(empty, "M016", WARNING, "/oauth/scope/1", text, '""')
    assert_at(duplicate, "M016", WARNING, "/oauth/scope/2", text, '"profile"')
    assert "'profile' is asked for twice" in duplicate.message


def test_an_empty_scope_array_is_a_warning(tmp_path: Path) -> None:
    found, text = run(tmp_path, oauth({"scope": []}))
    assert_at(only(found, "M016"), "M016", WARNING, "/oauth/scope", text, "[]")


def test_unknown_oauth_keys_are_warnings_with_did_you_mean(tmp_path: Path) -> None:
    found, text = run(tmp_path, oauth({"scopes": ["a"]}))
    d = only(found, "M017")
    assert_at(d, "M017", WARNING, "/oauth/scopes", text, '"scopes"')
    assert d.help == "did you mean 'scope'?"


@pytest.mark.parametrize(
    ("value", "help_"),
    [(1, "name the account-type document, or remove the key to use the slug"),
     ("", "remove the key to use the konnector's slug"),
     ("_google", "name the account-type document without the leading underscore"),
     ("ctx/google", 'drop the context prefix: "account_type": "google" (the stack picks '
                    "the context's override itself)")],
)
def test_an_invalid_oauth_account_type_is_an_error(
    tmp_path: Path, value: Any, help_: str
) -> None:
    found, text = run(tmp_path, oauth({"account_type": value}))
    d = only(found, "M018")
    assert_at(d, "M018", ERROR, "/oauth/account_type", text, '"account_type"')
    assert d.help == help_


@pytest.mark.parametrize("value", ["Google", "google_drive", "service.example"])
def test_any_couchdb_id_is_an_oauth_account_type(tmp_path: Path, value: str) -> None:
    # account.TypeInfo takes any id CouchDB accepts (issue 19).
    assert "M018" not in codes(run(tmp_path, oauth({"account_type": value}))[0])


def test_a_slug_like_account_type_passes(tmp_path: Path) -> None:
    assert codes(run(tmp_path, oauth({"account_type": "google-drive"}))[0]) == []


# --- M019 unknown keys, M020 locales --------------------------------------------------------


def test_unknown_top_level_keys_are_warnings_with_did_you_mean(tmp_path: Path) -> None:
    data = manifest(permisions={}, zzz_custom=1)
    found, text = run(tmp_path, data)
    first, second = [d for d in found if d.code == "M019"]
    assert_at(first, "M019", WARNING, "/permisions", text, '"permisions"')
    assert first.help == "did you mean 'permissions'?"
    assert_at(second, "M019", WARNING, "/zzz_custom", text, '"zzz_custom"')
    assert second.help is None


def test_keys_real_manifests_use_pass(tmp_path: Path) -> None:
    data = manifest(banksTransactionRegExp="x", qualification_labels=[], features=[],
                    folders=[], time_interval=[0, 5], cookie_domains=[], serverSide=True,
                    aggregator={"accountId": "x"}, manifest_version="2", langs=["en"])
    assert codes(run(tmp_path, data)[0]) == []


def test_locales_must_be_an_object_of_objects(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(locales=["en"]))
    assert_at(only(found, "M020"), "M020", WARNING, "/locales", text, '"locales"')
    found, text = run(tmp_path, manifest(locales={"en": "Example"}))
    assert_at(only(found, "M020"), "M020", WARNING, "/locales/en", text, '"en"')


def test_members_directly_under_locales_are_warnings(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(locales={"short_description": "x"}))
    d = only(found, "M020")
    assert_at(d, "M020", WARNING, "/locales/short_description", text, '"short_description"')
    assert d.help == 'e.g. "locales": {"en": {"short_description": ...}}'


def test_a_top_level_locale_is_a_locales_warning_not_an_unknown_key(tmp_path: Path) -> None:
    found, text = run(tmp_path, manifest(en={"short_description": "x"}))
    assert codes(found) == ["M020"]
    assert_at(found[0], "M020", WARNING, "/en", text, '"en"', after='"developer"')


def test_regional_locales_pass(tmp_path: Path) -> None:
    locales = {"en": {}, "pt-BR": {"name": "x"}, "zh_Hans": {}}
    assert codes(run(tmp_path, manifest(locales=locales))[0]) == []


# --- The real corpus ---------------------------------------------------------------------

# The only errors on the 36 real manifests, each one the stack or the registry really
# refuses. Everything else (legacy `type: node`, no `editor`, categories and data types
# outside the README's list, a misplaced locale) is at most a warning.
# (The 2018 orangemobile manifest's slug `orange_mobile` is only a warning since issue 19:
# the stack replaces the manifest's slug by the install slug; the registry refuses it.)
EXPECTED_CORPUS_ERRORS: dict[str, list[tuple[str, str]]] = {}


def test_the_corpus_manifests_produce_only_the_expected_errors(corpus: Path) -> None:
    paths = sorted((corpus / "manifests").glob("*.manifest.konnector"))
    assert len(paths) == 36
    for path in paths:
        found = lint_files(path, kind=Kind.MANIFEST)
        errors = [(d.code, d.pointer) for d in found if d.severity is ERROR]
        assert errors == EXPECTED_CORPUS_ERRORS.get(path.name, []), (path.name, found)
        assert "M019" not in codes(found), (path.name, found)


def test_the_corpus_legacy_manifests_get_warnings_not_errors(corpus: Path) -> None:
    path = corpus / "manifests" / "cozy-konnector-echeancier-maif.legacy-2018.manifest.konnector"
    found = lint_files(path, kind=Kind.MANIFEST)
    assert sorted(codes(found)) == ["M003", "M005"]
    assert {d.severity for d in found} == {WARNING}


# --- Property: mutated manifests never crash and every pointer resolves ------------------------

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


@st.composite
def mutated_manifests(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        container = value_at(data, draw(st.sampled_from(containers(data))))
        if not container:
            continue
        if isinstance(container, dict):
            key = draw(st.sampled_from(sorted(container)))
            action = draw(st.sampled_from(["rename", "retype", "drop", "swap"]))
            if action == "rename":
                new_key = draw(st.one_of(st.text(max_size=10), st.just(key.upper()),
                                         st.just(key[:-1]), st.just(key + "s")))
                container[new_key] = container.pop(key)
            elif action == "retype":
                container[key] = draw(JSON_VALUES)
            elif action == "drop":
                del container[key]
            else:
                other = draw(st.sampled_from(sorted(container)))
                container[key], container[other] = container[other], container[key]
        else:
            index = draw(st.integers(0, len(container) - 1))
            action = draw(st.sampled_from(["drop", "duplicate", "retype"]))
            if action == "drop":
                del container[index]
            elif action == "duplicate":
                container.insert(index, copy.deepcopy(container[index]))
            else:
                container[index] = draw(JSON_VALUES)
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_manifests(), st.sampled_from(["stack", "registry"]))
def test_mutated_manifests_never_crash_and_every_pointer_resolves(
    data: dict[str, Any], target: str
) -> None:
    document = Document(None, "", data)  # type: ignore[arg-type]  # checks read data only
    findings = list(check_document(document, CheckOptions(target=target)))
    for finding in findings:
        assert resolves(data, finding.pointer), (finding, data)
        assert finding.message
    # Through the whole pipeline: positions come back for every finding.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.konnector"
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        diagnostics = lint_files(path, target=target)
    assert len([d for d in diagnostics if d.code.startswith("M")]) == len(findings)
    assert all(d.line >= 1 and d.column >= 1 for d in diagnostics)
