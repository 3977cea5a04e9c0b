"""The substitution policy: which variable may fill which placeholder, and what is hidden.

One function, `substitute`, serves every format. `--format json` and `--apply` fill the
placeholders now; the curl script and the `.http` file keep them as references that the
shell or the editor fills when it runs. The rules, in this order:

1. A placeholder never names one of kpack's own settings (`OWN_VARIABLES`: the CouchDB
   URL and credentials, the proxies, the terminal, the build's clock...), nor a variable
   of the env file whose value was made from one (`A=${COUCHDB_PASSWORD}`, then `$A`):
   an account-type file must not be able to copy the admin password into a document.
   Refused in every format, with one line naming the placeholder (exit 2).
2. In a secret field (`client_secret`, `secret`, `fcm_credentials`) a placeholder is filled
   from the environment or the env file: that is what they are for, and these values are
   masked in every output.
3. Anywhere else the value is printed in clear and stored where the stack shows it, so a
   file must not be able to read whatever the environment holds (`$GITHUB_TOKEN`,
   `$AWS_SECRET_ACCESS_KEY`): kpack fills it only from the `--env-file` the user chose, or
   from the environment for the names the user gives with `--env NAME`.
4. Whatever was filled from a variable whose name looks secret (`looks_secret`), or from
   an env-file variable made from one, is masked in every output (`********`) and hidden
   from every message, in any field, unless `--reveal-secrets`.
The names filled, and where each came from, are printed on stderr; never the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple

from kpack.provision.env import NAME, EnvFile, ProvisionError, Template
from kpack.provision.payload import MASK, SECRET_KEYS, Prepared

# Every environment variable kpack itself reads (tests/provision/test_substitute.py finds
# them in the code and checks this list): the CouchDB location and credentials (--apply,
# the curl script, the .http file), the proxies (--apply, as curl reads them), the curl
# script's temporary folder, the terminal (colours, width), the build's clock.
OWN_VARIABLES: Final = frozenset({
    "COUCHDB_URL", "COUCHDB_USER", "COUCHDB_PASSWORD",
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
    "no_proxy", "NO_PROXY",
    "TMPDIR",
    "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "LINES",
    "SOURCE_DATE_EPOCH",
})

# Words that make a variable's name look secret, matched against the name's words
# (`FB_APP_SECRET`, `apiKey`, `DB_PASS`), and fragments matched anywhere (`MYTOKEN`).
_SECRET_WORDS = frozenset({
    "secret", "secrets", "password", "passwords", "passwd", "pass", "passphrase", "pwd",
    "pin", "token", "tokens", "key", "keys", "apikey", "credential", "credentials", "cred",
    "creds", "private", "cookie", "session", "signature", "salt", "jwt", "bearer", "dsn",
})
_SECRET_FRAGMENTS = ("secret", "password", "passwd", "token", "apikey", "privatekey",
                     "credential")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def looks_secret(name: str) -> bool:
    """Whether a variable's name says it holds a secret."""
    lower = name.lower()
    if any(fragment in lower for fragment in _SECRET_FRAGMENTS):
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORD.findall(name))


class Environment(NamedTuple):
    """Where placeholder values come from: the environment wins over the env file."""

    environ: Mapping[str, str]
    file: EnvFile
    allowed: frozenset[str]  # --env NAME: may fill placeholders outside the secret fields

    @property
    def values(self) -> dict[str, str]:
        return {**self.file.values, **self.environ}

    def origin(self, name: str) -> str:
        return "the environment" if name in self.environ else "--env-file"

    def sources(self, name: str) -> frozenset[str]:
        """The variables `name`'s value was made from, itself included."""
        if name in self.environ or name not in self.file.sources:
            return frozenset({name})
        return self.file.sources[name] | {name}


def environment(
    environ: Mapping[str, str], file: EnvFile | None = None, allowed: Iterable[str] = (),
) -> Environment:
    names = frozenset(allowed)
    for name in sorted(names):
        if not re.fullmatch(NAME, name):
            raise ProvisionError(f"--env {name}: not a variable name (letters, digits and _)")
        if name in OWN_VARIABLES:
            raise ProvisionError(f"--env {name}: kpack's own setting, never substituted into "
                                 "a document")
    return Environment(environ, file or EnvFile({}, {}), names)


class Filled(NamedTuple):
    id: str
    body: dict[str, Any]  # to store: placeholders filled (now) or kept as Templates
    shown: dict[str, Any]  # to print: secrets masked unless --reveal-secrets
    masked: list[str]  # "id: field" of each field holding a masked value


class Substitution(NamedTuple):
    documents: list[Filled]
    filled: dict[str, str]  # name -> where its value came from (now), in order of use
    references: list[str]  # names read when the payload runs (curl, http), in order
    hidden: list[str]  # values no message may show (scrubbed from --apply's messages)
    sensitive: bool  # some value shown would be masked without --reveal-secrets


def substitute(
    prepared: list[Prepared], env: Environment, now: bool, reveal: bool,
) -> Substitution:
    """Check every placeholder against the policy, then fill them (`now`) or keep them as
    run-time references; mask what must not be printed. ProvisionError names what the
    policy refuses, or the variables not set, never a value."""
    uses = [(doc, key, name) for doc in prepared for key, value in doc.body.items()
            for name in _names(value)]
    _refuse_own(uses, env)
    references = list(dict.fromkeys(name for _, _, name in uses))
    if not now:
        documents = [_keep(doc, reveal) for doc in prepared]
        sensitive = any(key in SECRET_KEYS for doc in prepared for key in doc.body)
        return Substitution(documents, {}, references, [], sensitive)
    _refuse_outside_secret_fields(uses, env)
    values = env.values
    missing = [name for name in references if name not in values]
    if missing:
        plural = len(missing) > 1
        raise ProvisionError(
            f"environment variable{'s' if plural else ''} not set: {', '.join(missing)} "
            f"(export {'them' if plural else 'it'} or use --env-file)"
        )
    secret_names = {name for name in references if any(map(looks_secret, env.sources(name)))}
    filler = _Filler(values, secret_names, reveal)
    documents = [filler.fill(doc) for doc in prepared]
    filled = {name: env.origin(name) for name in references}
    hidden = filler.hidden + [values[name] for name in secret_names]
    return Substitution(documents, filled, [], hidden, filler.sensitive)


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, Template):
        yield from value.names
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _names(item)


def _refuse_own(uses: list[tuple[Prepared, str, str]], env: Environment) -> None:
    for doc, key, name in uses:
        own = sorted(env.sources(name) & OWN_VARIABLES)
        if name in OWN_VARIABLES:
            raise ProvisionError(
                f"{doc.where}: {key}: ${name} is kpack's own setting: it is never "
                "substituted into a document (rename the placeholder)"
            )
        if own:
            raise ProvisionError(
                f"{doc.where}: {key}: ${name} is made from kpack's own setting {own[0]} in "
                "--env-file: it is never substituted into a document"
            )


def _refuse_outside_secret_fields(
    uses: list[tuple[Prepared, str, str]], env: Environment,
) -> None:
    refused: dict[str, str] = {}
    for doc, key, name in uses:
        if key not in SECRET_KEYS and name not in env.file.values and name not in env.allowed:
            refused.setdefault(name, f"{doc.where}: {key}")
    if refused:
        listed = "; ".join(f"${name} ({where})" for name, where in refused.items())
        raise ProvisionError(
            f"outside the secret fields ({', '.join(SECRET_KEYS)}) kpack fills a placeholder "
            f"only from --env-file, or from the environment with --env NAME: {listed}"
        )


class _Filler:
    """Fills one document after another; remembers what must be hidden."""

    def __init__(self, values: Mapping[str, str], secret_names: set[str], reveal: bool):
        self.values, self.secret_names, self.reveal = values, secret_names, reveal
        self.hidden: list[str] = []
        self.sensitive = False

    def fill(self, doc: Prepared) -> Filled:
        body: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        masked: list[str] = []
        for key, value in doc.body.items():
            secret_field = key in SECRET_KEYS
            body[key], shown[key], hid = self._value(value, secret_field)
            if hid:
                self.sensitive = True
                if not self.reveal:
                    masked.append(f"{doc.id}: {key}")
        return Filled(doc.id, body, shown if not self.reveal else body, masked)

    def _value(self, value: Any, secret_field: bool) -> tuple[Any, Any, bool]:
        """(stored, shown, whether something was hidden) for one value."""
        if isinstance(value, list):
            items = [self._value(v, secret_field) for v in value]
            return [s for s, _, _ in items], [h for _, h, _ in items], any(x for *_, x in items)
        if isinstance(value, dict):
            pairs = {k: self._value(v, secret_field) for k, v in value.items()}
            return ({k: s for k, (s, _, _) in pairs.items()},
                    {k: h for k, (_, h, _) in pairs.items()}, any(x for *_, x in pairs.values()))
        stored = value.resolve(self.values) if isinstance(value, Template) else value
        secret = secret_field or (
            isinstance(value, Template) and any(n in self.secret_names for n in value.names))
        if not secret:
            return stored, stored, False
        if isinstance(stored, str) and stored:
            self.hidden.append(stored)
        return stored, MASK, True


def _keep(doc: Prepared, reveal: bool) -> Filled:
    """The document for a run-time format: placeholders stay references (nothing to hide);
    a literal value in a secret field is masked (the payload then refuses to store it)."""
    if reveal:
        return Filled(doc.id, doc.body, doc.body, [])
    shown = dict(doc.body)
    masked = []
    for key in SECRET_KEYS:
        if key in shown:
            shown[key], changed = _mask_literals(shown[key])
            if changed:
                masked.append(f"{doc.id}: {key}")
    return Filled(doc.id, doc.body, shown, masked)


def _mask_literals(value: Any) -> tuple[Any, bool]:
    if isinstance(value, Template):
        return value, False
    if isinstance(value, list):
        items = [_mask_literals(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        pairs = {k: _mask_literals(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(c for _, c in pairs.values())
    return MASK, True
