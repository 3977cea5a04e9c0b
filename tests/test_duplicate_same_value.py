"""L002 on a duplicate whose two values are the same (issue 12 item 8): kept, said so,
and a warning rather than an error (nothing is lost)."""

from __future__ import annotations

from pathlib import Path

from kpack.diagnostics import Kind, Severity
from kpack.load.source import read_source
from tests.helpers import write

PERMISSIONS = (
    '{\n  "permissions": {\n'
    '    "accounts": {"type": "io.cozy.accounts", "verbs": ["GET"]},\n'
    '    "files": {"type": "io.cozy.files"},\n'
    '    "accounts": { "verbs" : ["GET"], "type": "io.cozy.accounts" }\n'
    "  }\n}\n"
)


def l002(tmp_path: Path, text: str) -> list[tuple[int, Severity, str]]:
    path = write(tmp_path, "manifest.konnector", text)
    source = read_source(path, "manifest.konnector", Kind.MANIFEST)
    return [(p.line, p.severity, p.message) for p in source.problems if p.code == "L002"]


def test_identical_duplicate_permission_is_a_warning_that_says_so(tmp_path: Path) -> None:
    # Same value, other key order and spacing: the same JSON value.
    assert l002(tmp_path, PERMISSIONS) == [
        (5, Severity.WARNING, 'duplicate key "accounts": both members have the same value'),
    ]


def test_different_values_stay_an_error(tmp_path: Path) -> None:
    text = PERMISSIONS.replace('["GET"], "type"', '["GET", "POST"], "type"')
    assert l002(tmp_path, text) == [
        (5, Severity.ERROR, 'duplicate key "accounts": the earlier value is silently dropped'),
    ]


def test_true_and_one_are_not_the_same_value(tmp_path: Path) -> None:
    assert [s for _, s, _ in l002(tmp_path, '{"clientSide": true, "clientSide": 1}')] == [
        Severity.ERROR
    ]


def test_three_members_one_different(tmp_path: Path) -> None:
    found = l002(tmp_path, '{"a": 1, "a": 2, "a": 1}')
    assert [s for _, s, _ in found] == [Severity.ERROR, Severity.ERROR]


def test_many_identical_duplicates_read_their_object_once(tmp_path: Path) -> None:
    # 950 duplicates: under L014's cap of 1,000 findings a document.
    body = ", ".join(f'"k{i % 50}": [{i % 50}]' for i in range(1000))
    found = l002(tmp_path, "{" + body + "}")
    assert len(found) == 950 and {s for _, s, _ in found} == {Severity.WARNING}
