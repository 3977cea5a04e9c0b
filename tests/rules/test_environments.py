"""Per-environment account types (issue 12 item 4): a dev and a prod account type with the
same `_id` go to different CouchDBs and are no duplicate (A018) nor slug clash (A017)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kpack.rules.environments import environment_of
from tests.helpers import codes, lint_files, only, write

ACCOUNT_TYPE: dict[str, Any] = {
    "_id": "demo", "grant_mode": "authorization_code", "client_id": "$DEMO_CLIENT_ID",
    "client_secret": "$DEMO_CLIENT_SECRET", "auth_endpoint": "https://auth.example.com/authorize",
    "token_endpoint": "https://auth.example.com/token",
}
SECRET: dict[str, Any] = {"_id": "demo-secret", "grant_mode": "secret", "slug": "demo",
                          "secret": "$DEMO_SECRET"}


@pytest.mark.parametrize(
    ("path", "environment"),
    [("account-types.dev.json", "dev"), ("account-types.prod.json", "prod"),
     ("prod-account-type.yaml", "prod"), ("Account_Types.Production.yml", "prod"),
     ("deploy/staging/account-types.json", "staging"), ("prod/account-types.json", "prod"),
     ("account-types.json", None), ("account-types-def.json", None),
     ("google.account-type.json", None), ("dev-to-prod.account-type.json", None)],
)
def test_environment_of_a_file(path: str, environment: str | None) -> None:
    assert environment_of(path) == environment


def test_dev_and_prod_files_may_share_ids_and_slugs(tmp_path: Path) -> None:
    dev = write(tmp_path, "account-types.dev.json", [ACCOUNT_TYPE, SECRET])
    prod = write(tmp_path, "account-types.prod.json", [ACCOUNT_TYPE, SECRET])
    assert codes(lint_files(dev, prod)) == []


def test_folders_per_environment(tmp_path: Path) -> None:
    dev = write(tmp_path, "dev/account-types.json", ACCOUNT_TYPE)
    prod = write(tmp_path, "prod/account-types.json", ACCOUNT_TYPE)
    assert codes(lint_files(dev, prod)) == []


def test_a_duplicate_within_one_environment_is_still_one(tmp_path: Path) -> None:
    dev = write(tmp_path, "account-types.dev.json", ACCOUNT_TYPE)
    other = write(tmp_path, "google.dev.account-type.json", ACCOUNT_TYPE)
    prod = write(tmp_path, "account-types.prod.json", ACCOUNT_TYPE)
    d = only(lint_files(dev, other, prod), "A018")
    assert d.file == str(other)


def test_a_file_of_no_environment_goes_to_every_one(tmp_path: Path) -> None:
    # Reported once, though it clashes in both environments' views.
    shared = write(tmp_path, "account-types.json", SECRET)
    dev = write(tmp_path, "account-types.dev.json", {**SECRET, "_id": "demo-dev"})
    prod = write(tmp_path, "account-types.prod.json", SECRET)
    found = lint_files(shared, dev, prod)
    assert sorted(codes(found)) == ["A017", "A017", "A018"]
    assert only(found, "A018").file == str(prod)


def test_two_files_without_environment_still_clash(tmp_path: Path) -> None:
    one = write(tmp_path, "a/account-types.json", ACCOUNT_TYPE)
    two = write(tmp_path, "b/account-types.json", ACCOUNT_TYPE)
    assert codes(lint_files(one, two)) == ["A018"]
