"""M001 inside `notifications`: a map of cozy-stack's notification.Properties
(`model/notification/notifications.go`), whose members are typed like the manifest's own.

The Go oracle's side of each case is tests/conformance (test_manifest_go.py draws
notifications from the oracle's own struct).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpack.rules.manifest.typed import _days_in
from tests.helpers import codes, only
from tests.rules.test_manifest import ERROR, assert_at, manifest, run

# The shape real apps write (cozy-banks' manifest.webapp: every member spelt out, empty
# templates; cozy-stack's docs/notifications.md: a mail template file), with the members
# the stack reads and nobody writes by hand (durations in nanoseconds), nulls and a key
# in another case.
REAL_LOOKING: dict[str, Any] = {
    "login-failed": {
        "description": "Tell the user when the connector cannot log in any more",
        "collapsible": True,
        "stateful": False,
        "multiple": False,
        "default_priority": "normal",
        "templates": {},
    },
    "new-bills": {
        "description": "Tell the user about the bills saved since the last run",
        "collapsible": False,
        "stateful": True,
        "multiple": True,
        "default_priority": "high",
        "templates": {"mail": "file:./notifications/new-bills-mail.tpl", "push": None},
        "time_to_live": 86400000000000,
        "min_interval": 3600000000000,
    },
    "quiet": {"description": None, "Collapsible": True, "templates": None},
    "empty": {},
    "nothing": None,
}


def found_for(tmp_path: Path, notifications: Any, **more: Any) -> tuple[list[Any], str]:
    return run(tmp_path, manifest(notifications=notifications, **more))


@pytest.mark.parametrize("target", ["stack", "registry"])
def test_real_looking_notifications_give_no_finding(tmp_path: Path, target: str) -> None:
    assert run(tmp_path, manifest(notifications=REAL_LOOKING), target=target)[0] == []


@pytest.mark.parametrize(
    ("member", "value", "help_"),
    [
        ("collapsible", "yes", None),
        ("multiple", 1, None),
        ("stateful", "true", "write true without quotes"),
        ("description", 5, 'write it as a string: "5"'),
        ("default_priority", True, None),
        ("templates", [], None),
        ("templates", "file:./mail.tpl", None),
    ],
)
def test_a_member_of_the_wrong_type_is_m001_at_its_pointer(
    tmp_path: Path, member: str, value: Any, help_: str | None
) -> None:
    found, text = found_for(tmp_path, {"n": {"description": "x", member: value}})
    d = only(found, "M001")
    assert_at(d, "M001", ERROR, f"/notifications/n/{member}", text, f'"{member}"', '"n"')
    assert d.help == help_
    assert 'of notification "n"' in d.message


# What Go's encoding/json reads into an int64 (time.Duration): a JSON integer in range,
# written without fraction or exponent (`-0` is an integer).
@pytest.mark.parametrize(
    ("raw", "refused"),
    [
        ("1.5", True), ("1e3", True), ("1E3", True), ("1.0", True), ('"1h"', True),
        ("true", True), ("{}", True), (str(2**63), True), (str(-(2**63) - 1), True),
        ("0", False), ("-0", False), ("3600000000000", False), (str(2**63 - 1), False),
        (str(-(2**63)), False), ("null", False),
    ],
)
@pytest.mark.parametrize("member", ["time_to_live", "min_interval"])
def test_durations_are_json_integers_within_int64(
    tmp_path: Path, member: str, raw: str, refused: bool
) -> None:
    text = '{"slug": "example", "notifications": {"n": {"' + member + '": ' + raw + "}}}"
    found = [d for d in run(tmp_path, text)[0] if d.code == "M001"]
    assert [d.pointer for d in found] == ([f"/notifications/n/{member}"] if refused else [])


def test_a_duration_message_says_what_go_refuses(tmp_path: Path) -> None:
    found, _ = found_for(tmp_path, {"n": {"time_to_live": 1.5, "min_interval": 2**63}})
    messages = [d.message for d in found if d.code == "M001"]
    assert "not a number with a fraction or an exponent" in messages[0]
    assert "not a number beyond int64's range" in messages[1]


@pytest.mark.parametrize("value", [5, "x", [], True])
def test_a_notification_that_is_not_an_object_is_m001(tmp_path: Path, value: Any) -> None:
    found, text = found_for(tmp_path, {"ok": {}, "n": value})
    assert_at(only(found, "M001"), "M001", ERROR, "/notifications/n", text, '"n"')


def test_a_template_that_is_not_a_string_is_m001_at_the_template(tmp_path: Path) -> None:
    found, text = found_for(tmp_path, {"n": {"templates": {"push": None, "mail": 5}}})
    assert_at(only(found, "M001"), "M001", ERROR, "/notifications/n/templates/mail", text,
              '"mail"')


def test_members_are_matched_like_go_and_every_one_is_checked(tmp_path: Path) -> None:
    # Go decodes each member into the field its key folds to (the long s folds to s).
    properties = {"collapsible": True, "Collapsible": "yes", "\u017ftateful": 1, "STATEFUL": None}
    found, _ = found_for(tmp_path, {"n": properties})
    assert [d.pointer for d in found if d.code == "M001"] == [
        "/notifications/n/Collapsible", "/notifications/n/\u017ftateful",
    ]


def test_members_go_does_not_decode_are_left_alone(tmp_path: Path) -> None:
    # MailTemplate is `json:"-"`; `ß` does not fold to `ss` for Go; names are map keys.
    properties = {"MailTemplate": 5, "-": [], "icon": 1, "de\u00dfcription": 2}
    found, _ = found_for(tmp_path, {"n": properties, "collapsible": {}})
    assert "M001" not in codes(found)


def test_notification_names_are_map_keys_not_fields(tmp_path: Path) -> None:
    found, text = found_for(tmp_path, {"collapsible": True})
    assert_at(only(found, "M001"), "M001", ERROR, "/notifications/collapsible", text,
              '"collapsible"')


def test_every_member_spelling_notifications_is_checked(tmp_path: Path) -> None:
    found, _ = found_for(tmp_path, {"a": {"stateful": 1}}, Notifications={"b": {"multiple": 1}})
    assert [d.pointer for d in found if d.code == "M001"] == [
        "/notifications/a/stateful", "/Notifications/b/multiple",
    ]


@pytest.mark.parametrize("notifications", [None, {}, {"n": None}, {"n": {"templates": None}}])
def test_null_and_empty_notifications_pass(tmp_path: Path, notifications: Any) -> None:
    assert "M001" not in codes(found_for(tmp_path, notifications)[0])


@given(st.integers(0, 9999), st.integers(1, 12))
def test_days_in_month_is_calendars(year: int, month: int) -> None:
    """typed._days_in replaced calendar.monthrange (year 0 as 2000: both leap)."""
    import calendar

    assert _days_in(year, month) == calendar.monthrange(year or 2000, month)[1]
