"""What `kpack provision` does, step by step; returns the exit code.

0 done; 1 the account-type rules found errors (only the diagnostics are printed);
2 usage or environment (a missing variable, CouchDB unreachable or refusing...).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kpack.provision.env import ProvisionError
from kpack.status import ExitStatus

if TYPE_CHECKING:
    from kpack.provision.substitute import Environment

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = ExitStatus.CLEAN, ExitStatus.FINDINGS, ExitStatus.USAGE


class Request(NamedTuple):
    paths: list[str]
    output_format: str | None
    bulk: bool = False
    apply: bool = False
    dry_run: bool = False
    context: str | None = None
    env_file: Path | None = None
    couchdb: str | None = None
    user: str | None = None
    reveal_secrets: bool = False
    timeout: float = 10.0
    total_timeout: float | None = None
    env_names: tuple[str, ...] = ()  # --env NAME: may fill placeholders anywhere


def _err(message: str) -> None:
    from kpack.escape import printable

    sys.stderr.write(printable(message) + "\n")
    sys.stderr.flush()


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def run(request: Request) -> int:
    try:
        return _run(request)
    except ProvisionError as exc:
        _err(f"kpack: error: {exc}")
        return EXIT_USAGE


def _run(request: Request) -> int:
    if request.bulk and request.output_format not in ("json",):
        raise ProvisionError("--bulk goes with --format json")
    if request.apply and request.output_format is not None:
        raise ProvisionError("--apply writes to CouchDB: it prints no payload, drop --format")
    if request.user is not None and not request.apply:
        raise ProvisionError("--user is for --apply; the script reads COUCHDB_USER when it runs")

    documents = _checked_documents(request.paths, request.context)
    if documents is None:
        return EXIT_FINDINGS

    from kpack.provision import payload as P

    prepared = P.prepare(documents, request.context)
    from kpack.provision.substitute import environment

    env_file = None
    if request.env_file is not None:
        from kpack.provision.env import read_env_file

        env_file = read_env_file(request.env_file)
    env = environment(dict(os.environ), env_file, request.env_names)
    if request.apply:
        return _apply(request, prepared, env)
    return _print(request, prepared, env)


def _checked_documents(paths: list[str], context: str | None) -> list[Any] | None:
    """Load the files and run the account-type rules; None when they found errors.

    With --context the rules run a second time on the ids as they will be stored
    (`NAME/<_id>`), so context-only problems (no `redirect_uri`...) are caught too."""
    from kpack.check import check_sources
    from kpack.diagnostics import Kind, Severity
    from kpack.load.discover import UsageError, discover
    from kpack.load.source import read_source
    from kpack.options import CheckOptions
    from kpack.reporters import Report, get_reporter

    files: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        try:
            if path.is_dir():
                found = [f for f in discover([given]) if f.kind is Kind.ACCOUNT_TYPE]
            else:
                found = discover([given], Kind.ACCOUNT_TYPE)
            files += [(f.path, f.display) for f in found]
        except UsageError as exc:
            raise ProvisionError(str(exc)) from None
    if not files:
        raise ProvisionError(f"no account-type file in {', '.join(paths)}")
    sources = [read_source(path, display, Kind.ACCOUNT_TYPE) for path, display in files]
    documents, diagnostics = check_sources(sources, CheckOptions())
    if context and "/" not in context and not any(
        d.severity is Severity.ERROR for d in diagnostics
    ):
        diagnostics = _with_context(documents, diagnostics, context)
    if diagnostics:
        report = get_reporter("text")(Report(diagnostics, len(sources)))
        sys.stderr.write(report)
        sys.stderr.flush()
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None
    if not documents:
        raise ProvisionError("no account type to provision")
    return documents


def _with_context(documents: list[Any], diagnostics: list[Any], context: str) -> list[Any]:
    from kpack.check import check_documents
    from kpack.documents import Document
    from kpack.options import CheckOptions

    renamed = [
        Document(d.source, d.pointer, {**d.data, "_id": f"{context}/{d.data['_id']}"})
        if isinstance(d.data.get("_id"), str) else d
        for d in documents
    ]
    seen = {(d.code, d.file, d.pointer) for d in diagnostics}
    extra = [
        diagnostic
        for diagnostic in check_documents(renamed, CheckOptions())
        if (diagnostic.code, diagnostic.file, diagnostic.pointer) not in seen
    ]
    return sorted([*diagnostics, *extra], key=lambda d: d.sort_key)


def _print(request: Request, prepared: list[Any], env: Environment) -> int:
    from kpack.provision import payload as P
    from kpack.provision.couch import locate
    from kpack.provision.substitute import substitute

    output_format = request.output_format or "curl"
    now = output_format == "json"
    result = substitute(prepared, env, now=now, reveal=request.reveal_secrets)
    masked_fields = [field for doc in result.documents for field in doc.masked]
    if now:
        bodies = [doc.shown for doc in result.documents]
        _out(P.plain_json({"docs": bodies} if request.bulk else bodies) + "\n")
        _filled_note(result.filled)
        _secrets_note(masked_fields, request.reveal_secrets, result.sensitive, "this JSON",
                      literal=False)
        return EXIT_OK

    # The script reads COUCHDB_URL at run time; the default printed in it has no credentials.
    url_env = {k: v for k, v in env.values.items() if k == "COUCHDB_URL"}
    default_url = locate(request.couchdb, None, url_env).display
    documents = [(doc.id, doc.shown, doc.masked) for doc in result.documents]
    if output_format == "curl":
        from kpack.provision.render_curl import render_curl

        for doc in prepared:
            if "\0" in doc.id:
                raise ProvisionError(
                    f"{doc.where}: \"_id\" holds a NUL character (U+0000), which a sh script "
                    "cannot carry: use --format json or --apply"
                )

        _out(render_curl(documents, result.references, default_url))
    else:
        from kpack.provision.render_http import render_http

        _out(render_http(documents, default_url))
    unset = [name for name in result.references if name not in env.values]
    if unset:
        _err(f"kpack: note: the {output_format} payload reads {', '.join(unset)} from the "
             "environment when it runs (not set here)")
    _secrets_note(masked_fields, request.reveal_secrets, result.sensitive,
                  f"the {output_format} payload")
    return EXIT_OK


def _filled_note(filled: dict[str, str]) -> None:
    """The names filled and where from: never the values."""
    if filled:
        _err("kpack: note: placeholders filled: "
             + ", ".join(f"{name} (from {origin})" for name, origin in filled.items()))


def _secrets_note(
    masked: list[str], reveal: bool, sensitive: bool, what: str, literal: bool = True,
) -> None:
    if masked:
        refusal = {
            "the curl payload": " (the script refuses to run rather than store the mask)",
            "the http payload": " (the masked documents get no request)",
        }.get(what, "")
        advice = (
            "Write secrets as $VAR placeholders, or pass --reveal-secrets."
            if literal else "Pass --reveal-secrets to print them."
        )
        _err(
            f"kpack: warning: {len(masked)} secret value{'s' if len(masked) > 1 else ''} masked "
            f"({'; '.join(masked)}): {what} will not work as printed{refusal}. {advice}"
        )
    elif reveal and sensitive:
        _err(f"kpack: warning: --reveal-secrets: {what} may show secret values in clear")


def _apply(request: Request, prepared: list[Any], env: Environment) -> int:
    from kpack.provision import payload as P
    from kpack.provision.apply import upsert
    from kpack.provision.couch import Client, locate
    from kpack.provision.substitute import substitute

    result = substitute(prepared, env, now=True, reveal=request.reveal_secrets)
    resolved = [doc.body for doc in result.documents]
    prompt = None
    if request.user is not None and sys.stdin.isatty():
        import getpass

        def prompt() -> str:
            return getpass.getpass(f"CouchDB password for {request.user}: ")

    values = env.values
    location = locate(request.couchdb, request.user, values, prompt)
    from kpack.provision.proxy import ignored_note

    note = ignored_note(location.scheme, values)
    if note:
        _err(f"kpack: note: {note}")
    client = Client(location, request.timeout, request.total_timeout, values)
    client.hide(result.hidden)
    try:
        outcomes = upsert(client, resolved, request.dry_run)
    finally:
        client.close()
    shown = {doc.id: doc.shown for doc in result.documents}
    lines = []
    for outcome in outcomes:
        line = f"{outcome.status:<12} {outcome.id}"
        if outcome.changes and not request.dry_run:
            line += f" ({', '.join(field for field, _ in outcome.changes)})"
        if outcome.note:
            line += f" — {outcome.note}"
        lines.append(line)
        if request.dry_run and outcome.status == "would-update":
            lines += _diff_lines(outcome.changes, shown[outcome.id])
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    order = ("would-create", "would-update", "created", "updated", "unchanged", "failed")
    summary = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
    where = f"{P.DATABASE} at {location.display}"
    verb = "Dry run against" if request.dry_run else "Provisioned into"
    lines.append(f"{verb} {where}: {summary} ({client.requests} HTTP request"
                 f"{'s' if client.requests != 1 else ''}).")
    _out("\n".join(lines) + "\n")
    _filled_note(result.filled)
    return EXIT_USAGE if counts.get("failed") else EXIT_OK


def _diff_lines(changes: list[tuple[str, str]], shown: dict[str, Any]) -> list[str]:
    """The dry run's changes, with the values as printed (secrets masked)."""
    import json

    from kpack.provision.payload import MASK

    lines = []
    for field, sign in changes:
        if sign == "-":
            lines.append(f"    - {field}")
            continue
        value = shown[field]
        text = MASK if value == MASK else json.dumps(value, ensure_ascii=False)
        lines.append(f"    {sign} {field}: {text}")
    return lines
