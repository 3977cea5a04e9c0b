"""Account types against Go: encoding/json into the stack's AccountType, net/url, its checks.

Every generated document goes to the Go oracle (tests/conformance/go/oracle.go) and to
kpack; their verdicts must agree. Where kpack is deliberately stricter, the exception is a
named entry of STRICTER with its reason, and only that exception is excused.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack import spec
from kpack.diagnostics import Diagnostic, Kind
from kpack.rules.account_type import go_decoded, go_field
from kpack.rules.common import GoUrlError, go_url_parse
from tests.conformance.conftest import Oracle, conformance_settings
from tests.conformance.kpack_side import assert_agree, describe, errors, first_token
from tests.conformance.strategies import (
    BIG_NUMBERS,
    GRANT_MODE_SPELLINGS,
    NEAR_MISSES,
    TOKEN_MODE_SPELLINGS,
    Raw,
    _case_variants,
    dump_members,
    json_values,
    raw_values,
    syntax_variant,
    urls,
)

NAME = "account-type.json"
URL_FIELDS = ("auth_endpoint", "token_endpoint", "redirect_uri", "manage_endpoint",
              "reconnect_endpoint")
FIELDS = tuple(f for f in spec.ACCOUNT_TYPE_FIELDS if not f.startswith("_"))

# Where kpack says "error" and Go decodes without a word, on purpose.
STRICTER = {
    "duplicate-key": "L002: two identical keys are a mistake even though Go keeps the last "
                     "(and CouchDB stores both)",
    "non-finite-number": "L010: a number too long to read (over 4,300 digits) is refused to "
                         "bound memory and time; Go reads it",
    "deep-nesting": "L007: kpack bounds nesting (memory and time for any input) below Go's "
                    "10,000 levels",
    "url-whitespace": "A009: surrounding whitespace parses in Go as part of a path, and the "
                      "stack then sends a URL the provider does not know",
    "url-port-range": "A009: Go accepts any digits as a port; no connection can be made "
                      "above 65535",
    "invalid-utf8": "L005: Go replaces invalid UTF-8 with U+FFFD: a credential is silently "
                    "changed",
    "couchdb-member": "A `_` member other than CouchDB's own: CouchDB refuses the document "
                      "before the stack reads it (kpack warns, A007)",
}
# Where kpack says nothing on purpose: a blank URL is an absent one (A004 reports it where
# the grant mode needs the field; elsewhere the stack never uses it).
BLANK_IS_ABSENT = "a blank endpoint is treated as absent: A004 where the grant mode needs it"

LOAD_STRICTER = {"L002": "duplicate-key", "L010": "non-finite-number", "L007": "deep-nesting",
                 "L005": "invalid-utf8"}


def _couchdb_refuses(key: str | None) -> bool:
    """A `_` member CouchDB refuses (only its own are allowed): `_ID`, `_Rev`..."""
    from kpack.spec import COUCHDB_MEMBERS

    return key is not None and key.startswith("_") and key not in COUCHDB_MEMBERS


def field_of(diagnostic: Diagnostic) -> str | None:
    token = first_token(diagnostic.pointer)
    return go_field(token) if token is not None else None


def usable(answer: dict[str, Any]) -> bool:
    """The URL works for the stack: parsed, http(s), with a host."""
    return bool(
        answer["ok"] and answer["scheme"] in ("http", "https") and answer["hostname"]
    )


def disagreements(data: bytes, answer: dict[str, Any], found: list[Diagnostic]) -> list[str]:
    errs = errors(found)
    load = [d for d in errs if d.code.startswith("L")]
    if not answer["ok"]:  # Go refuses the document: kpack must say why, as an error
        if load or any(d.code == "A008" for d in errs):
            return []
        if any(_couchdb_refuses(first_token(d.pointer)) for d in errs):
            return []  # STRICTER["couchdb-member"]: refused earlier, by CouchDB
        return [f"Go refuses ({answer['error']}); kpack: {describe(errs)}"]
    if load:
        excused = [LOAD_STRICTER.get(d.code) for d in load]
        if all(excused):
            return []
        return [f"Go decodes it; kpack refuses to load it: {describe(load)}"]
    if any(d.code == "A008" for d in errs):
        return [f"Go decodes it; kpack says a type is wrong: {describe(errs)}"]
    problems: list[str] = []
    fields, checks = answer["fields"], answer["checks"]
    try:
        data_object = json.loads(data.decode("utf-8-sig"))
    except ValueError as exc:
        return [f"Go decodes it, kpack loads it, Python's json refuses it: {exc}"]
    problems += _decoding(data_object, fields)
    # grant_mode: A001/A002 exactly when the stack does not know the decoded value.
    on = {f: [d.code for d in errs if field_of(d) == f] for f in FIELDS}
    root = [d.code for d in errs if not d.pointer]
    grant_error = {"A001", "A002"} & set(on["grant_mode"] + root)
    view, _ = go_decoded(data_object)
    notification = "fcm_credentials" in view and view.get("grant_mode") is None
    if not checks["grant_mode_known"] and not grant_error and not notification:
        problems.append(f"grant_mode {fields['grant_mode']!r} is unknown to the stack; kpack "
                        f"says nothing: {describe(errs)}")
    if checks["grant_mode_known"] and grant_error:
        problems.append(f"grant_mode {fields['grant_mode']!r} is known; kpack: {describe(errs)}")
    token_error = "A003" in on["token_mode"]
    if checks["token_mode_known"] == token_error:
        problems.append(f"token_mode {fields['token_mode']!r}: stack knows it "
                        f"{checks['token_mode_known']}, kpack A003 {token_error}")
    for field in URL_FIELDS:
        value = fields[field]
        flagged = "A009" in on[field]
        if not value.strip() or spec_placeholder(value):
            continue  # BLANK_IS_ABSENT, or a $VAR filled when provisioning
        good = usable(answer["urls"][field])
        if good and flagged:
            reason = stricter_url(value)
            if reason is None:
                problems.append(f"{field} {value!r} works for Go; kpack: {describe(errs)}")
        elif not good and not flagged:
            problems.append(f"{field} {value!r}: Go says {answer['urls'][field]}; kpack says "
                            f"nothing")
    slug_lost = fields["slug"] != "" and checks["mango_slug"] != fields["slug"]
    slug_error = "A006" in on["slug"]
    if slug_lost != slug_error:
        problems.append(f"slug {fields['slug']!r} (Mango sees {checks['mango_slug']!r}): "
                        f"kpack A006 error {slug_error}")
    return problems


def spec_placeholder(value: str) -> bool:
    import re

    return re.fullmatch(spec.PLACEHOLDER_PATTERN, value) is not None


def stricter_url(value: str) -> str | None:
    if value != value.strip():
        return STRICTER["url-whitespace"]
    try:
        port = go_url_parse(value).port
    except GoUrlError:
        return None
    return STRICTER["url-port-range"] if port is not None and port > 65535 else None


def _zero(field: str) -> Any:
    expected = spec.ACCOUNT_TYPE_FIELDS[field]
    return {"string": "", "boolean": False}.get(expected or "")


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
    for field in FIELDS:
        mine = view.get(field)
        if mine is None:
            mine = _zero(field)
        if field == "extras" and isinstance(mine, dict):
            mine = {k: "" if v is None else v for k, v in mine.items()}
        if _normal(mine) != _normal(fields[field]):
            problems.append(f"{field}: Go decodes {fields[field]!r}, kpack {mine!r}")
    return problems


# --- generated documents --------------------------------------------------------------------


def _value_for(field: str) -> st.SearchStrategy[Any]:
    if field in URL_FIELDS:
        typed: st.SearchStrategy[Any] = urls()
    elif field == "grant_mode":
        typed = st.sampled_from(GRANT_MODE_SPELLINGS)
    elif field == "token_mode":
        typed = st.sampled_from(TOKEN_MODE_SPELLINGS)
    elif field == "extras":
        typed = st.dictionaries(
            st.sampled_from(("prompt", "scope", "access_type", "Prompt")),
            st.one_of(st.text(max_size=4), st.text(max_size=4), st.none()), max_size=3,
        )
    elif spec.ACCOUNT_TYPE_FIELDS[field] == "boolean":
        typed = st.booleans()
    elif spec.ACCOUNT_TYPE_FIELDS[field] == "object":
        typed = st.dictionaries(st.text(max_size=4), json_values(), max_size=3)
    elif spec.ACCOUNT_TYPE_FIELDS[field] is None:  # secret: any JSON (numbers are float64)
        typed = st.one_of(json_values(), json_values(), st.sampled_from(BIG_NUMBERS).map(Raw))
    else:
        typed = st.text(max_size=10)
    # Mostly the field's own type, so that most documents decode and the field rules
    # are compared; any JSON value or an edge-case literal now and then.
    return st.integers(0, 39).flatmap(
        lambda pick: typed if pick < 37 else json_values() if pick < 39 else raw_values()
    )


@st.composite
def account_types(draw: st.DrawFn) -> bytes:
    members: list[tuple[str, Any]] = [("_id", draw(st.sampled_from(("svc", "ctx/svc", ""))))]
    for _ in range(draw(st.integers(0, 9))):
        field = draw(st.sampled_from(FIELDS))
        key = draw(st.one_of(_case_variants(field), _case_variants(field),
                             st.sampled_from(NEAR_MISSES)))
        members.append((key, draw(_value_for(go_field(key) or field))))
    if draw(st.booleans()):
        members.append(("grant_mode", draw(st.sampled_from(GRANT_MODE_SPELLINGS))))
    order = draw(st.permutations(members))
    text = dump_members(list(order))
    return draw(syntax_variant(text))


def _check_batch(oracle: Oracle, documents: list[bytes], tmp: Path) -> None:
    assert_agree(oracle, "account-type", documents, tmp, NAME, Kind.ACCOUNT_TYPE, disagreements)


@conformance_settings()
@given(st.lists(account_types(), min_size=1, max_size=60))
def test_account_types_agree_with_go(
    go_oracle: Oracle, tmp_path_factory: Any, documents: list[bytes]
) -> None:
    _check_batch(go_oracle, documents, tmp_path_factory.mktemp("at"))


def _raw_value(value: Any) -> Any:
    return value.raw if isinstance(value, Raw) else value


@conformance_settings()
@given(st.lists(urls(), min_size=1, max_size=200))
def test_go_url_parse_is_net_url(go_oracle: Oracle, raw: list[str]) -> None:
    """kpack.rules.common.go_url_parse refuses exactly what url.Parse refuses, and splits
    the host and port the same way."""
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
