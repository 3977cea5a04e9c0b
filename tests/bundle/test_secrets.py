"""The secret scan: repository values, placeholders' variables, token shapes, positions."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from kpack.bundle import secrets
from kpack.bundle.secrets import Hit, KnownSecret, Scanner, harvest
from tests.bundle.helpers import write_tree

GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS = "AKIA" + "Q3EGRZ7XH2KD4N5P"
SLACK = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
NPM = "npm_" + "a" * 18 + "B" * 18
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + "x" * 60
    + "\n-----END RSA PRIVATE KEY-----"
)


def b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


JWT = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'sub': 'u-42', 'exp': 9999999999})}.{'s' * 43}"


def scan(content: bytes, known: list[KnownSecret] | None = None, chunk: int = 4096) -> list[Hit]:
    file_scan = Scanner(known or []).scan_file()
    for start in range(0, len(content), chunk):
        file_scan.feed(content[start : start + chunk])
    return file_scan.finish()


@pytest.mark.parametrize(
    ("token", "label"),
    [(GITHUB, "GitHub token"), (AWS, "AWS access key id"), (SLACK, "Slack token"),
     (NPM, "npm token"), (STRIPE, "Stripe live key"), (KEY, "private key"),
     (JWT, "signed JWT")],
)
def test_token_shapes_are_found_at_their_line_and_column(token: str, label: str) -> None:
    hits = scan(f"line one\n  const t = '{token}'\n".encode())
    assert hits == [Hit(2, 14, f"what looks like a {label}".replace("a AWS", "an AWS").replace(
        "a npm", "an npm"))]
    assert token not in repr(hits)


@pytest.mark.parametrize(
    "text",
    [
        # crypto libraries carry the PEM header as a constant, with no key after it
        'var h = "-----BEGIN RSA PRIVATE KEY-----";',
        "AKIAIOSFODNN7EXAMPLE",  # AWS's documentation key
        "ghp_short",
        "xghp_" + "A" * 36,  # not at a word start
        # jwt.io's sample token
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
        "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        # unsigned (alg none) and not-JSON look-alikes
        f"{b64({'alg': 'none'})}.{b64({'sub': 'x' * 10})}.{'s' * 20}",
        "eyJzzzzzzzzzzzz.eyJzzzzzzzzzzzzzz.ssssssssssssssssssss",
    ],
)
def test_look_alikes_are_not_hits(text: str) -> None:
    assert scan(text.encode()) == []


def test_literal_cut_by_a_block_boundary_is_found_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "SCAN_BLOCK", 100)
    monkeypatch.setattr(secrets, "MIN_OVERLAP", 32)
    value = "s3cr3t-value-123"
    content = ("x" * 50 + "\n") * 5 + "ab" + value + "\n" + "y" * 500 + value
    hits = scan(content.encode(), [KnownSecret(value.encode(), "`secret` in at.json")], chunk=7)
    assert hits == [
        Hit(6, 3, "the secret value of `secret` in at.json"),
        Hit(7, 501, "the secret value of `secret` in at.json"),
    ]


def test_short_literals_are_not_scanned() -> None:
    assert scan(b"the value fr is here", [KnownSecret(b"fr", "x")]) == []


def test_harvest_account_types_dev_config_tokens_and_env(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "account-types.json": [
            {"_id": "demo", "grant_mode": "authorization_code", "client_id": "public-client-id",
             "client_secret": "literal-client-secret", "auth_endpoint": "https://x"},
            {"_id": "demo2", "grant_mode": "secret", "slug": "demo",
             "secret": {"api_key": "$DEMO_API_KEY", "nested": ["nested-secret-1"]}},
        ],
        "konnector-dev-config.json": {
            "COZY_URL": "http://cozy.tools:8080",
            "fields": {"login": "bob@example.org", "password": "hunter2-hunter2",
                       "lang": "fr", "url": "https://www.example.com/login"},
            "COZY_PARAMETERS": {"secret": {"token": "${DEMO_TOKEN}"}},
        },
        ".token.json": {"access_token": "ya29.live-access-token", "expires_in": 3600},
    })
    known = harvest(
        [(tmp_path / "account-types.json", "account-types.json")],
        [(tmp_path / "konnector-dev-config.json", "konnector-dev-config.json")],
        [(tmp_path / ".token.json", ".token.json")],
        environ={"DEMO_API_KEY": "env-api-key-value", "DEMO_TOKEN": ""},
    )
    by_value = {k.value.decode(): k.origin for k in known}
    assert by_value == {
        "literal-client-secret": "`client_secret` in account-types.json",
        "env-api-key-value": "$DEMO_API_KEY (from `secret` in account-types.json)",
        "nested-secret-1": "`secret` in account-types.json",
        "bob@example.org": "`fields.login` in konnector-dev-config.json",
        "hunter2-hunter2": "`fields.password` in konnector-dev-config.json",
        "fr": "`fields.lang` in konnector-dev-config.json",
        "ya29.live-access-token": ".token.json",
    }
    # client_id is public (it travels in the browser's authorize URL): not a secret;
    # a plain URL is not one either; an unset or empty variable gives nothing to look for.


def test_harvest_survives_broken_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"account-types.json": "{", ".token.json": "not json",
                          "konnector-dev-config.json": "[1, 2]"})
    assert harvest(
        [(tmp_path / "account-types.json", "a")], [(tmp_path / "konnector-dev-config.json", "d")],
        [(tmp_path / ".token.json", "t")], environ={},
    ) == []


def test_a_binary_file_is_searched_for_literal_values_only() -> None:
    known = [KnownSecret(b"s3cr3t-value-42", "`client_secret` of a.json")]
    binary = b"\x89PNG\r\n\x1a\n\0\0" + f" {GITHUB} s3cr3t-value-42 ".encode()
    assert [h.what for h in scan(binary, known)] == [
        "the secret value of `client_secret` of a.json"
    ]
    text = binary.replace(b"\0", b" ")  # the same bytes without a NUL: text, shapes too
    assert [h.what for h in scan(text, known)] == [
        "what looks like a GitHub token", "the secret value of `client_secret` of a.json"
    ]
    # The NUL is looked for in the first 8,000 bytes only, as git does.
    late = b"x" * secrets.BINARY_SNIFF + b"\0" + f" {GITHUB}".encode()
    assert [h.what for h in scan(late, chunk=1 << 20)] == ["what looks like a GitHub token"]


@pytest.mark.parametrize(
    "token",
    [GITHUB, "gho_" + GITHUB[4:], "ghu_" + GITHUB[4:], "ghs_" + GITHUB[4:],
     "ghr_" + GITHUB[4:], "github_pat_" + "11AbCdEfG0" * 3, AWS, "ASIA" + AWS[4:],
     "xoxp-" + SLACK[5:], NPM, STRIPE, "rk_live_" + STRIPE[8:], KEY, JWT],
)
def test_every_shape_is_found_past_its_probe(token: str) -> None:
    """The probe looked for first (a substring, or a regex for a family) is in every match."""
    (label,) = [
        label for label, pattern in secrets.TOKEN_SHAPES if re.search(pattern, token.encode())
    ]
    assert secrets._present(secrets._PROBES[label], token.encode())
    hits = scan(f"x = '{token}';".encode(), chunk=1 << 20)
    assert [h.what for h in hits] == [f"what looks like {label}"]


def test_a_binary_file_with_no_known_value_is_not_buffered() -> None:
    file_scan = Scanner([]).scan_file()
    file_scan.feed(b"\x89PNG\0" + GITHUB.encode())
    file_scan.feed(b"more " * 1000)
    assert file_scan.idle and not file_scan.chunks
    assert file_scan.finish() == []
