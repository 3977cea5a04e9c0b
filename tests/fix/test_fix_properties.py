"""Hypothesis: `--fix` on generated documents in generated formatting.

Each document is drawn as members (a key spelling, a value spelling) and a layout
(indentation, key order, spacing, line endings, final newline, BOM, trailing comma, YAML
quoting and comments). The oracle renders the same layout with the keys and values the
safe fixes must produce, without the BOM and the trailing comma: the fixed file must be
exactly that text. So it parses, the fixed findings are gone, key order and every byte
outside the edited tokens are kept, and untouched members keep their value and bytes. A
second pass must change nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpack.config import Settings
from kpack.diagnostics import Kind
from kpack.fix.apply import SYNTAX_CODES, Checker, choose, fix_bytes
from kpack.load.discover import FileToCheck

# canonical key -> (spellings of the key, (written value, value after the safe fixes)...)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[tuple[Any, Any], ...]]] = {
    "_id": (("_id",), (("demo", "demo"),)),
    "grant_mode": (
        ("grant_mode", "grantMode", "grant-mode", "GrantMode"),
        (
            ("authorization_code", "authorization_code"),
            ("Authorization_Code", "authorization_code"),
            ("authorization-code", "authorization_code"),
            ("AUTHORIZATION CODE", "authorization_code"),
            ("SECRET", "secret"),
            ("refresh_token", "refresh_token"),  # unsafe: left as it is
        ),
    ),
    "token_mode": (
        ("token_mode", "tokenMode"),
        (("basic", "basic"), ("Basic", "basic"), ("GET", "get"), ("form", "form"),
         ("post", "post")),
    ),
    "client_id": (("client_id", "clientId", "client-id"), (("id-1", "id-1"),)),
    "client_secret": (("client_secret", "client-secret", "clientSecret"), (("s3cr3t", "s3cr3t"),)),
    "redirect_uri": (
        ("redirect_uri", "redirect_url", "redirectUri"),
        (("https://oauthcallback.cozy.tools/accounts/demo/redirect",) * 2,),
    ),
    "auth_endpoint": (("auth_endpoint",), (("https://demo.example/auth",) * 2,)),
    "token_endpoint": (("token_endpoint", "tokenEndpoint"), (("https://demo.example/token",) * 2,)),
    # Members no fix touches.
    "note": (("note",), (("hello world", "hello world"),)),
    "skip_state_on_token": (("skip_state_on_token",), ((True, True), (False, False))),
}


class Member(NamedTuple):
    key: str
    fixed_key: str
    value: Any
    fixed_value: Any
    style: str  # YAML: plain, single or double
    comment: bool  # YAML: a comment after the value


class Layout(NamedTuple):
    indent: str  # JSON; "" = all on one line
    newline: str
    colon: str
    trailing_comma: bool  # JSON
    final_newline: bool
    bom: bool
    header_comment: bool  # YAML


@st.composite
def members(draw: st.DrawFn) -> list[Member]:
    names = draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, unique=True))
    names = draw(st.permutations(names))  # any key order
    found = []
    for name in names:
        spellings, values = FIELDS[name]
        key = draw(st.sampled_from(spellings))
        value, fixed = draw(st.sampled_from(values))
        style = draw(st.sampled_from(["plain", "single", "double"]))
        found.append(Member(key, name, value, fixed, style, draw(st.booleans())))
    return found


layouts = st.builds(
    Layout,
    indent=st.sampled_from(["", " ", "  ", "    ", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    colon=st.sampled_from([":", ": ", " : ", ":\t"]),
    trailing_comma=st.booleans(),
    final_newline=st.booleans(),
    bom=st.booleans(),
    header_comment=st.booleans(),
)


def render_json(found: list[Member], layout: Layout, fixed: bool) -> bytes:
    def member(m: Member) -> str:
        key, value = (m.fixed_key, m.fixed_value) if fixed else (m.key, m.value)
        return json.dumps(key) + layout.colon + json.dumps(value)

    comma = "" if fixed or not layout.trailing_comma else ","
    if not layout.indent:
        text = "{" + ", ".join(member(m) for m in found) + comma + "}"
    else:
        nl, indent = layout.newline, layout.indent
        text = "{" + nl + ("," + nl).join(indent + member(m) for m in found) + comma + nl + "}"
    return _finish(text, layout, fixed)


def render_yaml(found: list[Member], layout: Layout, fixed: bool) -> bytes:
    def scalar(value: Any, style: str) -> str:
        if not isinstance(value, str):
            return json.dumps(value)
        if style == "single":
            return f"'{value}'"
        if style == "double" or value in ("hello world",):
            return json.dumps(value)
        return value

    lines = ["# an account type"] if layout.header_comment else []
    for m in found:
        key, value = (m.fixed_key, m.fixed_value) if fixed else (m.key, m.value)
        space = "   " if layout.colon.startswith(" ") else " "
        line = f"{key}:{space}{scalar(value, m.style)}"
        lines.append(line + ("  # why" if m.comment else ""))
    return _finish(layout.newline.join(lines), layout, fixed)


def _finish(text: str, layout: Layout, fixed: bool) -> bytes:
    if layout.final_newline:
        text += layout.newline
    raw = text.encode("utf-8")
    return raw if fixed or not layout.bom else b"\xef\xbb\xbf" + raw


def checker(name: str) -> Checker:
    path = Path("/nonexistent") / name
    file = FileToCheck(path, name, Kind.ACCOUNT_TYPE, str(path), str(path.parent))
    return Checker(file, Settings(root=Path("/nonexistent")))


def assert_fixed(name: str, before: bytes, expected: bytes) -> None:
    check = checker(name)
    after, count, _ = fix_bytes(check, before, unsafe_fixes=False)
    assert after == expected, (before, after, expected)
    assert (count > 0) == (before != expected)
    source, _, diagnostics, _ = check.check(after)
    assert source.readable
    assert not [d for d in diagnostics if d.code in SYNTAX_CODES]
    # The fixed findings are gone: nothing left that --fix would repair.
    assert choose(diagnostics, False, set()) == []
    # A second --fix changes nothing.
    assert fix_bytes(check, after, unsafe_fixes=False)[:2] == (after, 0)


def _unique_targets(found: list[Member]) -> bool:
    return len({m.fixed_key for m in found}) == len(found)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members(), layouts)
def test_json_fix_keeps_everything_but_the_fixed_tokens(
    found: list[Member], layout: Layout
) -> None:
    assert _unique_targets(found)
    before = render_json(found, layout, fixed=False)
    assert_fixed("account-type.json", before, render_json(found, layout, fixed=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members(), layouts)
def test_yaml_fix_keeps_everything_but_the_fixed_tokens(
    found: list[Member], layout: Layout
) -> None:
    before = render_yaml(found, layout, fixed=False)
    assert_fixed("account-type.yaml", before, render_yaml(found, layout, fixed=True))


_COMMENTS = st.sampled_from(["", " // note", " /* a, } */"])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["login", "password", "email", "folder"]),
                       st.text("ab ,}]", max_size=6), st.booleans(), _COMMENTS),
             min_size=1, max_size=4, unique_by=lambda item: item[0]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_dev_config_trailing_commas_go_and_comments_stay(
    fields: list[tuple[str, str, bool, str]], newline: str, outer_comma: bool
) -> None:
    def render(fixed: bool) -> bytes:
        lines = ["{", '  "fields": {']
        for i, (key, value, _, comment) in enumerate(fields):
            last = i == len(fields) - 1
            comma = "," if not last or (not fixed and fields[-1][2]) else ""
            lines.append(f"    {json.dumps(key)}: {json.dumps(value)}{comma}{comment}")
        lines += ["  }" + ("," if outer_comma and not fixed else ""), "}", ""]
        return newline.join(lines).encode("utf-8")

    path = Path("/nonexistent/konnector-dev-config.json")
    check = Checker(
        FileToCheck(path, path.name, Kind.DEV_CONFIG, str(path), str(path.parent)),
        Settings(root=path.parent),
    )
    after, _, _ = fix_bytes(check, render(fixed=False), unsafe_fixes=False)
    assert after == render(fixed=True)
    assert fix_bytes(check, after, unsafe_fixes=False)[:2] == (after, 0)


# Manifest keys spelt with another case: M019's safe fix renames them.
MANIFEST_FIELDS: dict[str, tuple[tuple[str, ...], tuple[tuple[Any, Any], ...]]] = {
    "name": (("name", "Name", "NAME"), (("Demo", "Demo"),)),
    "slug": (("slug", "Slug"), (("demo", "demo"),)),
    "type": (("type",), (("konnector", "konnector"),)),
    "version": (("version", "Version"), (("1.0.0", "1.0.0"),)),
    "editor": (("editor", "Editor"), (("Cozy", "Cozy"),)),
    "language": (("language", "Language"), (("node", "node"),)),
    "clientSide": (("clientSide", "ClientSide", "clientside", "CLIENTSIDE"), ((True, True),)),
    "vendor_link": (("vendor_link", "Vendor_Link"), (("https://demo.example", "https://demo.example"),)),
    "categories": (("categories",), ((["banking"], ["banking"]),)),
}


@st.composite
def manifest_members(draw: st.DrawFn) -> list[Member]:
    names = draw(st.permutations(sorted(MANIFEST_FIELDS)))
    names = names[: draw(st.integers(1, len(names)))]
    found = []
    for name in names:
        spellings, values = MANIFEST_FIELDS[name]
        value, fixed = draw(st.sampled_from(values))
        found.append(Member(draw(st.sampled_from(spellings)), name, value, fixed, "double", False))
    return found


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifest_members(), layouts)
def test_manifest_key_case_fix_keeps_everything_else(found: list[Member], layout: Layout) -> None:
    path = Path("/nonexistent/manifest.konnector")
    check = Checker(
        FileToCheck(path, path.name, Kind.MANIFEST, str(path), str(path.parent)),
        Settings(root=path.parent),
    )
    before = render_json(found, layout, fixed=False)
    after, _, _ = fix_bytes(check, before, unsafe_fixes=False)
    assert after == render_json(found, layout, fixed=True)
    diagnostics = check.check(after).diagnostics
    assert choose(diagnostics, False, set()) == []
    assert fix_bytes(check, after, unsafe_fixes=False)[:2] == (after, 0)
