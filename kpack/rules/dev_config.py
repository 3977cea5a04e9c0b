"""Rules for `konnector-dev-config.json`, the file cozy-jobs-cli reads in dev and standalone mode.

cozy-jobs-cli (`init-konnector-config.js`) strips JS comments and `JSON.parse`s the rest;
`COZY_URL` goes to the environment, `COZY_PARAMETERS` is JSON-encoded into it, and `fields`
are spread into the konnector's `fields` (its credentials). The file holds live
credentials, so the template git-ignores it. Messages never quote the file's values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpack import spec
from kpack.diagnostics import Finding, Kind, Severity
from kpack.documents import Document
from kpack.options import CheckOptions
from kpack.rulebook import define
from kpack.rules.common import did_you_mean, is_local_dev_host, parse_url, type_name
from kpack.rules.placeholders import is_env_reference, is_placeholder

E, W = Severity.ERROR, Severity.WARNING
DEV_CONFIG_NAME = "konnector-dev-config.json"
LEGACY_DEV_CONFIG_NAME = "env_fields.json"

FIELDS_NOT_OBJECT = define(
    "D001", "dev-config-fields-not-object", E, Kind.DEV_CONFIG,
    "`fields` is missing or not an object.",
    """
    cozy-jobs-cli hands `fields` to the konnector as the account's credentials (the
    `fields` argument of `BaseKonnector`'s start function). Without an object there, the
    konnector starts with no login, password or `access_token` and fails in ways that
    look like a bug in the konnector rather than in the config.
    """,
)
COZY_URL_INVALID = define(
    "D002", "dev-config-cozy-url-invalid", E, Kind.DEV_CONFIG,
    "`COZY_URL` is not an absolute http(s) URL.",
    """
    cozy-jobs-cli copies `COZY_URL` into the environment and the konnector's cozy-client
    connects to it: it must be an absolute `http://` or `https://` URL with a host, such
    as `http://cozy.localhost:8080` (the template's default) or
    `https://alice.mycozy.cloud`. A bare `cozy.tools:8080` is read as a URL whose scheme
    is `cozy.tools`.
    """,
)
COZY_URL_INSECURE = define(
    "D003", "dev-config-cozy-url-insecure", W, Kind.DEV_CONFIG,
    "`COZY_URL` uses plain http to a remote host.",
    """
    Plain http is normal for a local stack (`localhost`, `*.localhost`, `cozy.tools`),
    but a remote Cozy is served over https: over http the instance's token and the
    konnector's data travel in clear text, when the server answers at all.
    """,
)
TRACKED_BY_GIT = define(
    "D004", "dev-config-tracked-by-git", W, Kind.DEV_CONFIG,
    "`konnector-dev-config.json` is tracked by git.",
    """
    The file holds live credentials (logins, passwords, OAuth tokens). The konnector
    template git-ignores it, together with `.token.json`, `.account`, `data/` and
    `build/`. Once committed, pushing the repository publishes them: remove it from the
    index (`git rm --cached konnector-dev-config.json`), add it to `.gitignore`, and
    change any credential that was ever committed.

    Reported only when a value under `fields` is not a placeholder (the same test as
    D007 and the bundle's secret scan, B006): a committed template whose `fields` is `{}`
    (cozy-konnector-libs' visualizer ships one) or holds only `"<ACCESS_TOKEN>"`,
    `changeme`, `xxxxxxxx`, `12345678` or `$VAR` holds no credential. Once a real value is
    filled in, `git commit -a` would publish it, and the rule speaks.

    Only the file named `konnector-dev-config.json` (the one cozy-jobs-cli reads) and its
    2017 predecessor `env_fields.json` (also `data/env_fields.json`: cozy-konnector-libs
    v1's standalone mode reads the account's fields from it) are looked at: an example
    under another name is meant to be committed. Checked only inside a git work tree,
    when git is installed.
    """,
)
NOT_IGNORED_BY_GIT = define(
    "D005", "dev-config-not-git-ignored", W, Kind.DEV_CONFIG,
    "`konnector-dev-config.json` is not git-ignored.",
    """
    The file is not committed yet, but no ignore rule covers it: one `git add .` or
    `git commit -a` away from publishing live credentials. Add `konnector-dev-config.json`
    to `.gitignore`, as the konnector template does. Checked only inside a git work tree,
    when git is installed.
    """,
)

PARAMETERS_NOT_OBJECT = define(
    "D006", "dev-config-parameters-not-object", E, Kind.DEV_CONFIG,
    "`COZY_PARAMETERS` is not an object.",
    """
    cozy-jobs-cli JSON-encodes `COZY_PARAMETERS` into the environment and the konnector
    reads it back as the object of parameters the stack would give it (the manifest's
    `parameters`). Any other JSON type gives the konnector something it does not expect.
    """,
)
ACCESS_TOKEN_PLACEHOLDER = define(
    "D007", "dev-config-access-token-placeholder", W, Kind.DEV_CONFIG,
    "`fields.access_token` is empty or a placeholder.",
    """
    For an OAuth konnector, `fields.access_token` holds a token obtained by hand; the
    konnector uses it exactly as the stack would give it. An empty value or a
    placeholder such as `<ACCESS_TOKEN>` (the shape of the seed document's example) gives
    the konnector a useless token and a confusing 401 from the service. cozy-jobs-cli
    does not expand environment variables, so `$TOKEN` is sent as those six characters.
    Placeholders: empty, filler (`xxxxxxxx`, `...`), a wrapped name (`<TOKEN>`,
    `{{token}}`), a stand-in word (`changeme`, `your_access_token`) or a trivial number
    (`12345678`); the bundle's secret scan (B006) uses the same test.
    """,
)
UNKNOWN_KEY = define(
    "D008", "dev-config-unknown-key", W, Kind.DEV_CONFIG,
    "A top-level key cozy-jobs-cli does not read.",
    """
    cozy-jobs-cli reads `COZY_URL`, `fields` and `COZY_PARAMETERS`; anything else is
    ignored, usually a misspelling (`cozy_url`, `field`) or a credential that belongs
    under `fields`.
    """,
)
RUN_MEMBERS: tuple[str, ...] = ("fields",)  # git's view, and whether fields hold values
RUN_WAITS = True  # git answers; see kpack.check.KindRules


def check_run(
    documents: list[Document], options: CheckOptions
) -> Iterator[tuple[Document, Finding]]:
    yield from _check_git(documents)  # one git call per repository, not per file


def is_legacy(doc: Document) -> bool:
    """`env_fields.json` (cozy-konnector-libs v1): a flat object of the account's fields."""
    return doc.source.path.name == LEGACY_DEV_CONFIG_NAME


def check_document(doc: Document, options: CheckOptions) -> Iterator[Finding]:
    data = doc.data
    if is_legacy(doc):
        # The whole object is the fields: only the token check applies (at the root).
        yield from _check_access_token(doc, data, ())
        return
    for key in data:
        if key not in spec.DEV_CONFIG_KEYS:
            yield Finding(
                UNKNOWN_KEY, doc.at(key), f"unknown key {key!r}: cozy-jobs-cli ignores it",
                did_you_mean(key, spec.DEV_CONFIG_KEYS)
                or "cozy-jobs-cli reads COZY_URL, fields and COZY_PARAMETERS; "
                "credentials go under fields",
            )
    if "fields" not in data:
        yield Finding(
            FIELDS_NOT_OBJECT, doc.pointer,
            "`fields` is missing: the konnector would start without credentials",
            'add "fields": {} with the values the konnector expects (login, password, '
            "access_token...)",
        )
    elif not isinstance(data["fields"], dict):
        yield Finding(
            FIELDS_NOT_OBJECT, doc.at("fields"),
            f"`fields` must be an object, not {type_name(data['fields'])}",
            'write "fields": {"login": ..., "password": ...}',
        )
    else:
        yield from _check_access_token(doc, data["fields"], ("fields",))
    if "COZY_URL" in data:
        yield from _check_cozy_url(doc, data["COZY_URL"])
    if "COZY_PARAMETERS" in data and not isinstance(data["COZY_PARAMETERS"], dict):
        yield Finding(
            PARAMETERS_NOT_OBJECT, doc.at("COZY_PARAMETERS"),
            f"`COZY_PARAMETERS` must be an object, not {type_name(data['COZY_PARAMETERS'])}",
            "write it as the manifest's `parameters` object, or remove it",
        )


def _check_cozy_url(doc: Document, value: Any) -> Iterator[Finding]:
    pointer = doc.at("COZY_URL")
    if not isinstance(value, str):
        yield Finding(
            COZY_URL_INVALID, pointer, f"`COZY_URL` must be a string, not {type_name(value)}",
            'for a local stack: "COZY_URL": "http://cozy.localhost:8080"',
        )
        return
    parts = parse_url(value.strip())
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        if parts is not None and "://" in value and parts.scheme.lower() not in ("http", "https"):
            help = "the scheme must be http or https"
        else:
            help = (
                "write the URL of the instance, scheme and host included: "
                "http://cozy.localhost:8080 for a local stack, https://<instance> otherwise"
            )
        yield Finding(
            COZY_URL_INVALID, pointer, "`COZY_URL` is not an absolute http(s) URL", help,
            at_value=True,
        )
        return
    if value != value.strip():
        yield Finding(
            COZY_URL_INVALID, pointer, "`COZY_URL` has leading or trailing whitespace",
            "remove the spaces: they end up in every request URL", at_value=True,
        )
        return
    if parts.scheme.lower() == "http" and not is_local_dev_host(parts.hostname):
        yield Finding(
            COZY_URL_INSECURE, pointer,
            "`COZY_URL` uses plain http to a host that is not a local development host",
            "use https for a remote Cozy (http is fine for localhost, *.localhost and "
            "cozy.tools)",
            at_value=True,
        )


def _check_access_token(
    doc: Document, fields: dict[str, Any], where: tuple[str, ...]
) -> Iterator[Finding]:
    if "access_token" not in fields:
        return
    problem = _token_problem(fields["access_token"])
    if problem is None:
        return
    message, help = problem
    pointer = doc.at(*where, "access_token")
    yield Finding(ACCESS_TOKEN_PLACEHOLDER, pointer, message, help, at_value=True)


def _token_problem(token: Any) -> tuple[str, str] | None:
    """Why `token` cannot be a real access token (never quoting it), or None."""
    obtain = "paste the access token obtained from the service's OAuth flow"
    if not isinstance(token, str):
        return f"`fields.access_token` is {type_name(token)}, not a token string", obtain
    stripped = token.strip()
    if not stripped:
        return "`fields.access_token` is empty: the konnector gets a useless token", obtain
    if is_env_reference(stripped):
        return (
            "`fields.access_token` is an environment variable reference: cozy-jobs-cli "
            "does not expand it",
            obtain + " (the file is git-ignored: it may hold the real value)",
        )
    if is_placeholder(stripped):
        return (
            "`fields.access_token` is a placeholder: the konnector gets a useless token",
            obtain,
        )
    return None


def holds_credentials(value: Any) -> bool:
    """Whether `fields` holds a value that is not a placeholder (a template's `{}` or
    `"<ACCESS_TOKEN>"` holds none). Strings only: `true` or `3` is no credential."""
    if isinstance(value, str):
        return not is_placeholder(value)
    if isinstance(value, dict):
        return any(holds_credentials(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_credentials(item) for item in value)
    return False


def _check_git(documents: list[Document]) -> Iterator[tuple[Document, Finding]]:
    # Only the files the tools read hold live credentials; one git call per repository.
    candidates = [
        d for d in documents if d.source.path.name in (DEV_CONFIG_NAME, LEGACY_DEV_CONFIG_NAME)
    ]
    if not candidates:
        return
    from kpack.git import git_states

    folders = {d.source.path: d.source.folder for d in candidates if d.source.folder}
    states = git_states([d.source.path for d in candidates], folders)
    for document in candidates:
        state = states.get(document.source.path)
        if state is None:
            continue
        name = document.source.path.name
        if state.tracked and holds_credentials(_fields_of(document)):
            yield document, Finding(
                TRACKED_BY_GIT, document.pointer,
                f"{name} is tracked by git: it holds live credentials",
                f"git rm --cached {name}, add it to .gitignore, and change "
                "any credential it ever held",
            )
        elif not state.ignored and not state.tracked:
            yield document, Finding(
                NOT_IGNORED_BY_GIT, document.pointer,
                f"{name} is not git-ignored: one `git add .` away from "
                "committing live credentials",
                f"add {name} to .gitignore",
            )


def _fields_of(document: Document) -> Any:
    """The fields a dev config holds. The run rules see `fields` only (RUN_MEMBERS): the
    legacy flat file is read again, whole (a small file, tracked ones only)."""
    if not is_legacy(document):
        return document.data.get("fields")
    import json

    from kpack.fsutil import read_file
    from kpack.load.source import READ_MAX_BYTES

    try:
        return json.loads(read_file(document.source.path, READ_MAX_BYTES))
    except (OSError, ValueError):
        return {"unreadable": "assume it holds credentials"}
