"""Manifests against Go: the stack's Installer.ReadManifest (the decoder on the first JSON
value, JSONDoc and the typed fields, permission.Set, CheckDoctypeName, the `type` check).

With `--target stack`, a kpack error means "the stack refuses the install" (or the feature
fails): Go refuses ⇔ kpack errors, on the member Go refuses. Deliberate exceptions are
named in STRICTER, disagreements left to issue 19's phase 2 in phase2.PHASE2.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack.diagnostics import Diagnostic, Kind
from kpack.rules.manifest.typed import go_member as _go_member
from kpack.rules.manifest.typed import go_members as _go_members
from tests.conformance.conftest import Oracle, conformance_settings, within_budget
from tests.conformance.go_schema import schema
from tests.conformance.kpack_side import (
    assert_agree,
    describe,
    errors,
    first_token,
    kpack_check,
    pointer_of,
    related,
)
from tests.conformance.phase2 import excuse
from tests.conformance.strategies import (
    SLUGS,
    Members,
    dump_members,
    edgy,
    json_values,
    key_of,
    key_or_near_miss,
    raw_values,
    syntax_variant,
    value_of,
)

NAME = "manifest.konnector"
# Load errors where kpack is stricter than Go (see test_account_type_go.STRICTER).
LOAD_STRICTER = ("L002", "L005", "L007", "L010")
# The rules that say "the install fails".
INSTALL_FAILS = ("M001", "M006", "M007", "M008")
PERMISSION_RULES = ("M006", "M007", "M008")


def _refused(answer: dict[str, Any], errs: list[Diagnostic]) -> list[str]:
    """Go refuses the install: kpack must have an error on each part Go refuses."""
    if any(d.code.startswith("L") for d in errs):
        return []  # kpack cannot read it either (syntax, not an object, null)
    stage, checks, problems = answer["stage"], answer.get("checks", {}), []
    fails = [d for d in errs if d.code in INSTALL_FAILS]
    for member in answer.get("members", ()):
        target = pointer_of([member["key"], *member["path"]])
        if any(related(d.pointer, target) for d in fails):
            continue
        if _beyond_float64(member["error"]) and excuse("jsondoc-number"):
            continue
        problems.append(f"Go refuses {target} ({member['error']}); kpack: {describe(errs)}")
    jsondoc = checks.get("jsondoc")
    if jsondoc and jsondoc["path"]:
        target = pointer_of(jsondoc["path"])
        if not any(related(d.pointer, target) for d in fails) and not excuse("jsondoc-number"):
            problems.append(f"Go refuses {target} ({jsondoc['error']}); kpack: {describe(errs)}")
    if stage == "doctype":
        for rule in checks["rules"]:
            target = pointer_of([checks["permissions_member"], rule["title"]])
            if rule["problem"] and not any(
                related(d.pointer, target) and d.code in ("M006", "M007") for d in errs
            ):
                problems.append(f"{target}: the stack refuses {rule['type']!r} "
                                f"({rule['problem']}); kpack: {describe(errs)}")
    if stage == "type" and not any(d.code == "M003" for d in errs) and not excuse(
        "type-only-webapp"
    ):
        problems.append(f"the stack refuses a webapp; kpack: {describe(errs)}")
    if stage in ("syntax", "nil-doc"):
        problems.append(f"Go refuses it ({answer['error']}); kpack: {describe(errs)}")
    return problems


def _beyond_float64(error: str) -> bool:
    """encoding/json's error for a number out of float64's range (into interface{})."""
    return error.startswith("json: cannot unmarshal number ") and error.endswith(" float64")


def disagreements(document: Any, answer: dict[str, Any], found: list[Diagnostic]) -> list[str]:
    errs = errors(found)
    if not answer["ok"]:
        return _refused(answer, errs)
    load = [d for d in errs if d.code.startswith("L")]
    if load:
        if all(d.code in LOAD_STRICTER for d in load):
            return []
        if answer["checks"]["trailing_data"] and excuse("trailing-data"):
            return []
        return [f"Go installs it; kpack refuses to load it: {describe(load)}"]
    if not isinstance(document, dict):
        return [f"Go installs it; kpack read {document!r}: {describe(found)}"]
    problems = _decoding(document, answer["fields"])
    for d in errs:
        if d.code == "M001":
            problems.append(f"Go decodes every typed field; kpack: {describe([d])}")
        elif d.code == "M002" and not excuse("slug-replaced"):
            problems.append(f"the stack replaces the manifest's slug; kpack: {describe([d])}")
        elif d.code == "M003" and not excuse("type-only-webapp"):
            problems.append(f"the stack refuses only webapp; kpack: {describe([d])}")
        elif d.code in PERMISSION_RULES:
            problems += _permission_error(document, answer["checks"], d)
    return problems


def _permission_error(
    document: dict[str, Any], checks: dict[str, Any], finding: Diagnostic
) -> list[str]:
    """An M006-M008 error on a manifest the stack installs."""
    problem = [f"the stack installs it; kpack: {describe([finding])}"]
    if first_token(finding.pointer) != checks["permissions_member"]:
        # On a member the last `Permissions` replaced.
        return [] if excuse("permissions-replaced") else problem
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in (finding.pointer or "").split("/")]
    rule = document.get(tokens[1], {}).get(tokens[2]) if len(tokens) > 2 else None
    if finding.code == "M008" and isinstance(rule, dict) and any(
        isinstance(verbs, list) and "ALL" in verbs for _, verbs in _go_members(rule, "verbs")
    ):
        return [] if excuse("verbs-all") else problem
    return problem


def _decoding(document: dict[str, Any], fields: dict[str, Any]) -> list[str]:
    """The value kpack's manifest rules read for each string or boolean field (the member
    Go decodes last) is the value of the stack's struct."""
    problems = []
    for field, go_value in fields.items():
        member = _go_member(document, field)
        mine = member[1] if member else {"clientSide": False}.get(field, "")
        if mine != go_value:
            problems.append(f"{field}: Go decodes {go_value!r}, kpack reads {mine!r}")
    return problems


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    """A manifest of the stack's typed fields (the oracle's schema), with `type` (read on
    its own by the installer) and now and then another member (kept in the JSONDoc)."""
    fields, app_type, other = _strategies()
    members: list[tuple[str, Any]] = []
    if draw(st.integers(0, 5)):
        members.append((draw(key_of("type")), draw(app_type)))
    if draw(st.integers(0, 4)):
        members.append(("slug", draw(_SLUGS)))
    for _ in range(draw(st.integers(0, 7))):
        field = draw(fields)
        key = draw(key_or_near_miss(field.json))
        members.append((key, draw(edgy(value_of(field.type, field.json)))))
    if not draw(st.integers(0, 5)):
        members.append(draw(other))
    return syntax_variant(draw, dump_members(list(draw(st.permutations(members)))))


_SLUGS = st.sampled_from(SLUGS)


@functools.cache
def _strategies() -> tuple[st.SearchStrategy[Any], ...]:
    app_type = edgy(value_of(schema().manifest_type.field("type").type, "type"))
    other = st.tuples(st.text(max_size=5), st.one_of(json_values(), raw_values()))
    return st.sampled_from(schema().manifest.fields), app_type, other


@conformance_settings()
@given(st.lists(manifests(), min_size=25, max_size=60))
def test_manifests_agree_with_go(
    go_oracle: Oracle, tmp_path_factory: Any, documents: list[bytes]
) -> None:
    tmp: Path = tmp_path_factory.mktemp("manifest")
    assert_agree(go_oracle, "manifest", documents, tmp, NAME, Kind.MANIFEST, disagreements)


# --- notifications: notification.Properties, where the mixed batches rarely go ------------


@functools.cache
def _notifications() -> st.SearchStrategy[tuple[str, Any]]:
    """A `notifications` member: notifications by name, each of the oracle's
    notification.Properties fields (keys in any case), any JSON value in one member out
    of three (an edge-case literal now and then), `null`s and non-objects at each level."""
    field = schema().manifest.field("notifications")
    properties = field.type.elem
    assert properties is not None

    def member(field: Any) -> st.SearchStrategy[tuple[str, Any]]:
        typed = value_of(field.type, field.json)
        return st.tuples(key_of(field.json), st.one_of(typed, typed, json_values(), raw_values()))

    members = st.one_of(*(member(f) for f in properties.fields))
    notification = st.one_of(
        st.lists(members, max_size=4).map(Members), st.lists(members, max_size=4).map(Members),
        st.lists(members, max_size=4).map(Members), st.none(), json_values(),
    )
    names = st.sampled_from(("n", "account-balance", "N", "collapsible", ""))
    notifications = st.lists(st.tuples(names, notification), max_size=3).map(Members)
    return st.tuples(key_of(field.json), st.one_of(notifications, notifications, json_values()))


@st.composite
def notification_manifests(draw: st.DrawFn) -> bytes:
    members = [("slug", "my-konnector"), ("type", "konnector")]
    members += draw(st.lists(_notifications(), min_size=1, max_size=2))
    return dump_members(members).encode()


@conformance_settings()
@given(st.lists(notification_manifests(), min_size=25, max_size=60))
def test_notifications_agree_with_go(
    go_oracle: Oracle, tmp_path_factory: Any, documents: list[bytes]
) -> None:
    tmp: Path = tmp_path_factory.mktemp("notifications")
    assert_agree(go_oracle, "manifest", documents, tmp, NAME, Kind.MANIFEST, disagreements)


# --- oauth.account_type: the id account.TypeInfo is given ---------------------------------

ACCOUNT_TYPE_IDS = (
    "google", "service.example", "google_drive", "Google", "ctx/google", "_google", "",
    " google", "google ", "a b", "caf\u00e9", "a.b.c", "g-1", "g:1", "google?x",
)


def _id_disagreement(account_type: str, answer: dict[str, Any], errs: list[Diagnostic]) -> str:
    m018 = [d for d in errs if d.code == "M018"]
    # Stricter: a `/` (TypeInfo prefixes the instance's context itself, and falls back on
    # the id: `ctx/google` would give every instance the ctx override; the route's
    # `:accountType` is one path segment).
    refused = not answer["ok"] or not answer["checks"]["path_segment"]
    if refused and not m018:
        return f"the stack cannot use the account type {account_type!r}; kpack says nothing"
    if not refused and m018 and not excuse("account-type-ids"):
        return f"the stack accepts the account type {account_type!r}; kpack: {describe(m018)}"
    return ""


@conformance_settings()
@given(st.lists(st.one_of(st.sampled_from(ACCOUNT_TYPE_IDS), st.text(max_size=8)),
                min_size=25, max_size=60))
def test_oauth_account_types_agree_with_go(
    go_oracle: Oracle, tmp_path_factory: Any, ids: list[str]
) -> None:
    if not within_budget("account-type-id"):
        return
    tmp: Path = tmp_path_factory.mktemp("ids")
    answers = go_oracle.ask("account-type-id", ids)
    failures = []
    for account_type, answer in zip(ids, answers, strict=True):
        manifest = {"slug": "my-konnector", "type": "konnector",
                    "oauth": {"account_type": account_type}}
        found = errors(kpack_check(tmp, NAME, json.dumps(manifest).encode(), Kind.MANIFEST))
        problem = _id_disagreement(account_type, answer, found)
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures[:5])

