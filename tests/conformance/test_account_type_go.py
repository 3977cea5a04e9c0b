"""Account types against Go: encoding/json into the stack's AccountType, net/url, its checks.

Every generated document goes to the Go oracle (tests/conformance/go) and to kpack; their
verdicts must agree. Where kpack is deliberately stricter, the exception is a named entry
of STRICTER with the stack's (or CouchDB's) code that justifies it; where kpack is wrong
until issue 19's phase 2, a named entry of phase2.PHASE2.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack import spec
from kpack.diagnostics import Diagnostic, Kind
from kpack.rules.account_type import go_decoded, go_field
from kpack.rules.common import GoUrlError, go_url_parse
from tests.conformance.conftest import Oracle, conformance_settings, within_budget
from tests.conformance.go_schema import schema
from tests.conformance.kpack_side import (
    assert_agree,
    describe,
    errors,
    first_token,
    pointer_of,
    related,
)
from tests.conformance.phase2 import excuse
from tests.conformance.strategies import (
    dump_members,
    edgy,
    key_or_near_miss,
    syntax_variant,
    urls,
    value_of,
)

NAME = "account-type.json"

# Where kpack says "error" and Go decodes without a word, on purpose; each with the code
# that makes the document fail anyway (see docs/conformance.md).
STRICTER = {
    "duplicate-key": "L002: two identical keys are a mistake even though Go keeps the last "
                     "(and CouchDB stores both)",
    "non-finite-number": "L010: a number too long to read (over 4,300 digits) is refused to "
                         "bound memory and time; Go reads it",
    "deep-nesting": "L007: kpack bounds nesting (memory and time for any input) below Go's "
                    "10,000 levels",
    "url-whitespace": "A009: a URL with trailing whitespace parses in Go, and the stack sends "
                      "it as is: MakeOauthStartURL's u.String() turns the space into %20, "
                      "http.NewRequest posts to a path ending in %20, RedirectURI hands it "
                      "verbatim to a provider that compares it character for character",
    "url-port-range": "A009: Go accepts any digits as a port; the dialer refuses a port "
                      "above 65535, no connection can be made",
    "invalid-utf8": "L005: Go replaces invalid UTF-8 with U+FFFD: a credential is silently "
                    "changed",
    "couchdb-member": "a `_` member other than CouchDB's own: CouchDB refuses the document "
                      "(doc_validation) before the stack reads it",
}
LOAD_STRICTER = {"L002": "duplicate-key", "L010": "non-finite-number", "L007": "deep-nesting",
                 "L005": "invalid-utf8"}
# Go refuses a document; kpack refuses to load it (an L error): no rule runs on a document
# kpack cannot read, so it names no field, but both refuse it.


def _couchdb_refuses(key: str | None) -> bool:
    """A `_` member CouchDB refuses (only its own are allowed): `_ID`, `_Rev`..."""
    return key is not None and key.startswith("_") and key not in spec.COUCHDB_MEMBERS


def field_of(diagnostic: Diagnostic) -> str | None:
    token = first_token(diagnostic.pointer)
    return go_field(token) if token is not None else None


def usable(answer: dict[str, Any]) -> bool:
    """The URL works for the stack: parsed, http(s), with a host."""
    return bool(
        answer["ok"] and answer["scheme"] in ("http", "https") and answer["hostname"]
    )


def _refused(answer: dict[str, Any], errs: list[Diagnostic]) -> list[str]:
    """Go refuses the document: kpack must refuse it too, on each member Go refuses."""
    if any(d.code.startswith("L") for d in errs):
        return []  # kpack cannot read it either
    problems = []
    for member in answer.get("members", ()):
        key, target = member["key"], pointer_of([member["key"], *member["path"]])
        on_it = [d for d in errs if related(d.pointer, target)]
        if _couchdb_refuses(key) and [d for d in errs if first_token(d.pointer) == key]:
            continue  # STRICTER["couchdb-member"]
        if not any(d.code == "A008" for d in on_it):
            problems.append(f"Go refuses {target} ({member['error']}); kpack: {describe(errs)}")
    if not answer.get("members") and not errs:
        problems.append(f"Go refuses ({answer['error']}); kpack says nothing")
    return problems


def disagreements(document: Any, answer: dict[str, Any], found: list[Diagnostic]) -> list[str]:
    errs = errors(found)
    if not answer["ok"]:
        return _refused(answer, errs)
    load = [d for d in errs if d.code.startswith("L")]
    if load:
        if all(d.code in LOAD_STRICTER for d in load):
            return []
        return [f"Go decodes it; kpack refuses to load it: {describe(load)}"]
    wrong_type = [d for d in errs if d.code == "A008"]
    fcm_only = all(field_of(d) == "fcm_credentials" for d in wrong_type)
    if wrong_type and not (fcm_only and excuse("fcm-credentials-any-json")):
        return [f"Go decodes it; kpack says a type is wrong: {describe(errs)}"]
    if not isinstance(document, dict):
        return [f"Go decodes it; kpack read {document!r}: {describe(found)}"]
    problems = _decoding(document, answer["fields"])
    problems += _modes(answer, errs, document)
    problems += _urls(answer, errs, found)
    fields, checks = answer["fields"], answer["checks"]
    on_slug = [d.code for d in errs if field_of(d) == "slug"]
    slug_lost = fields["slug"] != "" and checks["mango_slug"] != fields["slug"]
    if slug_lost != ("A006" in on_slug):
        problems.append(f"slug {fields['slug']!r} (Mango sees {checks['mango_slug']!r}): "
                        f"kpack A006 error {'A006' in on_slug}")
    return problems


def _modes(answer: dict[str, Any], errs: list[Diagnostic], data: dict[str, Any]) -> list[str]:
    """grant_mode: A001/A002 exactly when MakeOauthStartURL's switch does not know the
    decoded value; token_mode: A003 exactly when the stack's comparisons do not."""
    fields, checks = answer["fields"], answer["checks"]
    on_grant = [d.code for d in errs if field_of(d) == "grant_mode" or not d.pointer]
    grant_error = bool({"A001", "A002"} & set(on_grant))
    view, _ = go_decoded(data)
    # A notification document (fcm_credentials, no grant_mode) is no OAuth account type.
    notification = "fcm_credentials" in view and view.get("grant_mode") is None
    problems = []
    if not checks["grant_mode_known"] and not grant_error and not notification:
        problems.append(f"grant_mode {fields['grant_mode']!r} is unknown to the stack; kpack "
                        f"says nothing: {describe(errs)}")
    if checks["grant_mode_known"] and grant_error:
        problems.append(f"grant_mode {fields['grant_mode']!r} is known; kpack: {describe(errs)}")
    token_error = any(d.code == "A003" and field_of(d) == "token_mode" for d in errs)
    if checks["token_mode_known"] == token_error:
        problems.append(f"token_mode {fields['token_mode']!r}: stack knows it "
                        f"{checks['token_mode_known']}, kpack A003 {token_error}")
    return problems


def _urls(answer: dict[str, Any], errs: list[Diagnostic], found: list[Diagnostic]) -> list[str]:
    """Each URL field the stack uses (not "") and cannot use is an error on that field;
    one it can use is no A009."""
    fields, problems = answer["fields"], []
    for field in schema().url_fields:
        value = fields[field]
        if value == "" or spec_placeholder(value):
            continue  # unset (the stack's default), or a $VAR kpack's provisioning fills
        on_field = [d for d in errs if field_of(d) == field]
        good = usable(answer["urls"][field])
        if good and any(d.code == "A009" for d in on_field):
            if stricter_url(value) is None:
                problems.append(f"{field} {value!r} works for Go; kpack: {describe(errs)}")
        elif not good and not [d for d in on_field if d.code == "A009"]:
            if not value.strip() and excuse("blank-url"):
                continue
            problems.append(f"{field} {value!r}: Go says {answer['urls'][field]}; kpack says "
                            "nothing")
    exchange = answer["checks"]["token_exchange"]
    if exchange and any(d.code == "A005" for d in found) and not excuse("blank-token-endpoint"):
        problems.append(f"A005 says the code is not exchanged; the stack posts it to "
                        f"{fields['token_endpoint']!r}")
    return problems


def spec_placeholder(value: str) -> bool:
    return re.fullmatch(spec.PLACEHOLDER_PATTERN, value) is not None


def stricter_url(value: str) -> str | None:
    if value != value.strip():
        return STRICTER["url-whitespace"]
    try:
        port = go_url_parse(value).port
    except GoUrlError:
        return None
    return STRICTER["url-port-range"] if port is not None and port > 65535 else None


def _zero(kind: str) -> Any:
    return {"string": "", "bool": False}.get(kind)


def _normal(value: Any) -> Any:
    """Numbers compared as Go holds them (float64)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return {k: _normal(v) for k, v in value.items()}


def _decoding(data: dict[str, Any], fields: dict[str, Any]) -> list[str]:
    """kpack's view of the decoded fields (go_decoded) equals Go's struct."""
    view, _ = go_decoded(data)
    problems = []
    # STRICTER["couchdb-member"]: with `_ID` CouchDB refuses the document; Go would fold it.
    refused_by_couchdb = any(_couchdb_refuses(str(key)) for key in data)
    for field in schema().account_type.fields:
        name, go_value = field.json, fields[field.json]
        if name.startswith("_") and refused_by_couchdb:
            continue
        mine = view.get(name)
        if field.type.kind == "raw":  # json.RawMessage: the last member's JSON text
            go_value = None if go_value is None else json.loads(go_value)
        elif mine is None:
            mine = _zero(field.type.kind)
        if name == "extras" and isinstance(mine, dict):
            mine = {k: "" if v is None else v for k, v in mine.items()}
        if _normal(mine) != _normal(go_value):
            if field.type.kind == "raw" and excuse("fcm-credentials-any-json"):
                continue  # kpack merges objects like a map; a RawMessage is replaced
            problems.append(f"{name}: Go decodes {go_value!r}, kpack {mine!r}")
    return problems


# --- generated documents --------------------------------------------------------------------


@st.composite
def account_types(draw: st.DrawFn) -> bytes:
    fields, grant_mode = _fields()
    members: list[tuple[str, Any]] = [("_id", draw(_IDS))]
    for _ in range(draw(st.integers(0, 9))):
        field = draw(fields)
        key = draw(key_or_near_miss(field.json))
        target = schema().account_type.fields_by_json.get(go_field(key) or "", field)
        members.append((key, draw(edgy(value_of(target.type, target.json)))))
    if draw(st.booleans()):
        members.append(("grant_mode", draw(grant_mode)))
    order = draw(st.permutations(members))
    return syntax_variant(draw, dump_members(list(order)))


_IDS = st.sampled_from(("svc", "ctx/svc", ""))


@functools.cache
def _fields() -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    account_type = schema().account_type
    fields = [f for f in account_type.fields if not f.json.startswith("_")]
    return st.sampled_from(fields), value_of(account_type.field("grant_mode").type, "grant_mode")


@conformance_settings()
@given(st.lists(account_types(), min_size=25, max_size=60))
def test_account_types_agree_with_go(
    go_oracle: Oracle, tmp_path_factory: Any, documents: list[bytes]
) -> None:
    tmp: Path = tmp_path_factory.mktemp("at")
    assert_agree(go_oracle, "account-type", documents, tmp, NAME, Kind.ACCOUNT_TYPE,
                 disagreements)


@conformance_settings()
@given(st.lists(urls(), min_size=25, max_size=200))
def test_go_url_parse_is_net_url(go_oracle: Oracle, raw: list[str]) -> None:
    """kpack.rules.common.go_url_parse refuses exactly what url.Parse refuses, and splits
    the host and port the same way."""
    if not within_budget("url"):
        return
    answers = go_oracle.ask("url", raw)
    failures = []
    for value, answer in zip(raw, answers, strict=True):
        go = answer["urls"]["url"]
        try:
            mine = go_url_parse(value)
        except GoUrlError as exc:
            if go["ok"]:
                failures.append(f"{value!r}: Go parses it ({go}); kpack: {exc}")
            continue
        if not go["ok"]:
            failures.append(f"{value!r}: Go refuses it ({go['error']}); kpack parses {mine}")
            continue
        expected = (go["scheme"], go["hostname"].lower() or None,
                    int(go["port"]) if go["port"] else None)
        if (mine.scheme, mine.hostname, mine.port) != expected:
            failures.append(f"{value!r}: Go {expected}, kpack {mine}")
    assert not failures, "\n".join(failures[:10])


def test_numbers_of_the_oracle_are_floats(go_oracle: Oracle) -> None:
    """The comparison of `secret` relies on Go holding JSON numbers as float64."""
    [answer] = go_oracle.ask("account-type", [b'{"secret": 12345678901234567890123}'])
    assert math.isclose(answer["fields"]["secret"], 1.2345678901234568e22)

