"""`kpack provision`: account-type payloads (curl, http, json) or a safe upsert (--apply).

Only typer and the standard library at module top: the work is in sibling modules,
imported when the command runs.
"""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

EXIT_FINDINGS, EXIT_USAGE = 1, 2


class PayloadFormat(str, Enum):
    curl = "curl"
    http = "http"
    json = "json"


def provision(
    paths: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10
        typer.Argument(help="Account-type files or folders (default: the current folder)."),
    ] = None,
    output_format: Annotated[
        Optional[PayloadFormat],  # noqa: UP045
        typer.Option("--format", "-o", help="curl (a sh script, default), http or json."),
    ] = None,
    bulk: Annotated[
        bool,
        typer.Option("--bulk", help='With --format json: the _bulk_docs body {"docs": [...]}.'),
    ] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Upsert into CouchDB yourself instead of printing.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what --apply would change; write nothing.")
    ] = False,
    context: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--context", metavar="NAME", help="Provision NAME/<_id>: the override for a context."
        ),
    ] = None,
    env_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--env-file", metavar="FILE",
            help="dotenv file with placeholder values (the environment wins).",
        ),
    ] = None,
    env_names: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--env", metavar="NAME",
            help="Let NAME from the environment fill placeholders outside the secret fields "
            "(json, --apply); repeatable.",
        ),
    ] = None,
    couchdb: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--couchdb", metavar="URL", help="CouchDB URL (default: $COUCHDB_URL, else http://localhost:5984)."),
    ] = None,
    user: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--user", metavar="NAME", help="CouchDB user (password: COUCHDB_PASSWORD, or asked)."
        ),
    ] = None,
    reveal_secrets: Annotated[
        bool,
        typer.Option("--reveal-secrets", help="Print secret values instead of masking them."),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Seconds for each request to CouchDB, to the last byte.", min=0.1
        ),
    ] = 10.0,
    total_timeout: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--total-timeout", metavar="SECONDS", min=0.1,
            help="Seconds for all the requests of --apply together (default: 6 x --timeout).",
        ),
    ] = None,
) -> None:
    """Provision account types into CouchDB: print a payload, or --apply it."""
    from kpack.provision.run import Request, run

    code = run(Request(
        paths=paths or ["."], output_format=output_format.value if output_format else None,
        bulk=bulk, apply=apply or dry_run, dry_run=dry_run, context=context,
        env_file=env_file, couchdb=couchdb, user=user, reveal_secrets=reveal_secrets,
        timeout=timeout, total_timeout=total_timeout, env_names=tuple(env_names or ()),
    ))
    if code:
        raise typer.Exit(code)
