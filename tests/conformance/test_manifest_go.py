"""Manifests against Go: encoding/json into the stack's typed manifest fields, its slug
regexp, CheckDoctypeName and the permission verbs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack import spec
from kpack.diagnostics import Diagnostic, Kind
from kpack.rules.common import go_fold
from kpack.rules.manifest.typed import go_member as _go_member
from tests.conformance.conftest import Oracle, conformance_settings
from tests.conformance.kpack_side import assert_agree, describe, errors
from tests.conformance.strategies import (
    NEAR_MISSES,
    _case_variants,
    dump_members,
    json_values,
    raw_values,
    syntax_variant,
)

NAME = "manifest.konnector"
# Load errors where kpack is stricter than Go (see test_account_type_go.STRICTER).
LOAD_STRICTER = ("L002", "L005", "L007", "L010")
SLUGS = ("my-konnector", "My-Konnector", "my_konnector", "", "a", "-", "caf\u00e9", "a b", "1")
DOCTYPES = (
    "io.cozy.files", "io.cozy.bills", "io.cozy.calendar.*", "io.cozy.*", "IO.cozy.files",
    "io..cozy", ".io.cozy", "io.cozy.", "io-cozy", "io.cozy.\u00e9v\u00e9nements", "", "*",
    "io.cozy.files.*", "com.bank.accounts", "io.cozy.files ", "io.\u0131ozy",
)
VERBS = (*spec.PERMISSION_VERBS, "get", "Get", "HEAD", "", "ALL ")


def _permission() -> st.SearchStrategy[Any]:
    rule = st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(DOCTYPES), st.sampled_from(DOCTYPES), json_values())},
        optional={
            "verbs": st.one_of(st.lists(st.sampled_from(VERBS), max_size=3), json_values()),
            "description": st.one_of(st.text(max_size=5), json_values()),
            "values": st.one_of(st.lists(st.text(max_size=3), max_size=2), json_values()),
        },
    )
    return st.one_of(rule, rule, rule, json_values())


def _typed(json_type: str, field: str) -> st.SearchStrategy[Any]:
    if field == "slug":
        return st.sampled_from(SLUGS)
    if field == "permissions":
        return st.dictionaries(st.sampled_from(("files", "bills", "x")), _permission(),
                               max_size=3)
    if field == "terms":
        return st.fixed_dictionaries({}, optional={
            "url": st.one_of(st.text(max_size=5), json_values()),
            "version": st.one_of(st.text(max_size=5), json_values())})
    return {"string": st.text(max_size=8), "boolean": st.booleans(),
            "object": st.dictionaries(st.text(max_size=4), json_values(), max_size=3)}[json_type]


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    members: list[tuple[str, Any]] = [("type", "konnector")]
    if draw(st.integers(0, 4)):
        members.append(("slug", draw(st.sampled_from(SLUGS))))
    for _ in range(draw(st.integers(0, 7))):
        field, json_type = draw(st.sampled_from(list(spec.MANIFEST_TYPED_FIELDS.items())))
        key = draw(st.one_of(_case_variants(field), st.sampled_from(NEAR_MISSES)))
        pick = draw(st.integers(0, 39))
        typed = _typed(json_type, field)
        value = draw(typed if pick < 36 else json_values() if pick < 39 else raw_values())
        members.append((key, value))
    return draw(syntax_variant(dump_members(list(draw(st.permutations(members))))))


def _decoding(data: bytes, fields: dict[str, Any]) -> list[str]:
    """The value the manifest rules read for each string or boolean field (the member Go
    decodes last) is the value of the stack's struct."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except ValueError as exc:
        return [f"Go decodes it, kpack loads it, Python's json refuses it: {exc}"]
    problems = []
    for field, go_value in fields.items():
        member = _go_member(document, field)
        mine = member[1] if member else {"clientSide": False}.get(field, "")
        if mine != go_value:
            problems.append(f"{field}: Go decodes {go_value!r}, kpack reads {mine!r}")
    return problems


def disagreements(data: bytes, answer: dict[str, Any], found: list[Diagnostic]) -> list[str]:
    errs = errors(found)
    codes = {d.code for d in errs}
    if not answer["ok"]:
        if codes & {"M001", "M006"} or any(c.startswith("L") for c in codes):
            return []
        return [f"Go refuses ({answer['error']}); kpack: {describe(errs)}"]
    load = [d for d in errs if d.code.startswith("L")]
    if load:
        return [] if all(d.code in LOAD_STRICTER for d in load) else [
            f"Go decodes it; kpack refuses to load it: {describe(load)}"]
    problems = _decoding(data, answer["fields"])
    if codes & {"M001"}:
        problems.append(f"Go decodes every typed field; kpack: {describe(errs)}")
    if not answer["checks"]["slug_valid"] and "M002" not in codes:
        problems.append(f"slug {answer['fields']['slug']!r} fails the stack's regexp; kpack "
                        "says nothing")
    if answer["checks"]["slug_valid"] and "M002" in codes:
        problems.append(f"slug {answer['fields']['slug']!r} is valid; kpack: {describe(errs)}")
    doctypes: dict[str, str] = answer["checks"]["doctypes"]
    for name, problem in doctypes.items():
        flagged = [d for d in errs if d.code in ("M006", "M007")
                   and _permission_name(d.pointer or "") == name and _on_type(d.pointer or "")]
        if bool(problem) != bool(flagged):
            problems.append(f"permission {name!r}: stack says {problem or 'valid'}; kpack: "
                            f"{describe(flagged)}")
    for name, verb in answer["checks"]["bad_verbs"].items():
        if not any(d.code in ("M006", "M008") and _permission_name(d.pointer or "") == name
                   for d in errs):
            problems.append(f"permission {name!r}: verb {verb!r} is unknown; kpack says nothing")
    return problems


def _on_type(pointer: str) -> bool:
    """On the permission itself or on its `type` (any case), not on another member."""
    tokens = pointer.split("/")
    return len(tokens) == 3 or (len(tokens) == 4 and go_fold(tokens[3]) == "type")


def _permission_name(pointer: str) -> str | None:
    tokens = pointer.split("/")
    if len(tokens) >= 3 and go_fold(tokens[1].replace("~1", "/").replace("~0", "~")) == \
            "permissions":
        return tokens[2].replace("~1", "/").replace("~0", "~")
    return None


@conformance_settings()
@given(st.lists(manifests(), min_size=1, max_size=60))
def test_manifests_agree_with_go(
    go_oracle: Oracle, tmp_path_factory: Any, documents: list[bytes]
) -> None:
    tmp: Path = tmp_path_factory.mktemp("manifest")
    assert_agree(go_oracle, "manifest", documents, tmp, NAME, Kind.MANIFEST, disagreements)
