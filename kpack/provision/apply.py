"""`--apply`: upsert the documents in a constant number of round trips.

1. `POST /db/_all_docs?include_docs=true {"keys": [...]}` reads every current document
   (a 404 "no such database" means none exist: the database is created, one more request).
2. Documents whose stored content equals ours are left alone (no write, no new revision);
   the others go in one `POST /db/_bulk_docs`, each with the `_rev` we read: CouchDB refuses
   a write based on a stale revision (conflict), so nobody's update is overwritten unseen.
3. Conflicted documents (someone wrote between our read and our write) are read again and
   retried, at most MAX_ATTEMPTS times in all; what happened is reported per document.
Hence 2 requests for any number of documents (3 when the database is created, 1 when
nothing changed), plus 2 per retry round. Every step can be re-run: a re-run finishes
whatever an interrupted run left.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kpack.provision.couch import Client, CouchError, one_line
from kpack.provision.payload import DATABASE
from kpack.provision.scrub import server_words

MAX_ATTEMPTS = 3
# Kept from the stored document: attachments are not ours to drop.
CARRIED_KEYS = ("_attachments",)
IGNORED_KEYS = ("_rev", "_attachments", "_conflicts", "_revisions", "_deleted_conflicts")


class Outcome(NamedTuple):
    id: str
    status: str  # created, updated, unchanged, failed (dry run: would-create, would-update)
    changes: list[tuple[str, str]]  # (field, "+", "-" or "~") for updates
    note: str = ""


def _content(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in IGNORED_KEYS}


def _changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, str]]:
    if old is None:
        return []
    old, new = _content(old), _content(new)
    changes = [(k, "~") for k in new if k in old and old[k] != new[k]]
    changes += [(k, "+") for k in new if k not in old]
    changes += [(k, "-") for k in old if k not in new]
    return changes


def read_current(client: Client, ids: list[str]) -> dict[str, dict[str, Any]] | None:
    """The stored documents by id (deleted or missing ones absent); None: no database."""
    response = client.request(
        "POST", client.path(DATABASE, "_all_docs"), {"keys": ids}, "include_docs=true"
    )
    if response.status == 404 and _is_missing_db(response.data):
        return None
    if response.status != 200 or not isinstance(response.data, dict):
        raise client.fail(response, "reading the current documents")
    current: dict[str, dict[str, Any]] = {}
    for row in response.data.get("rows", []):
        doc = row.get("doc") if isinstance(row, dict) else None
        if isinstance(doc, dict) and isinstance(doc.get("_id"), str):
            current[doc["_id"]] = doc
    return current


def _is_missing_db(data: Any) -> bool:
    # CouchDB 3: "Database does not exist."; CouchDB 1 and PouchDB: "no_db_file".
    return isinstance(data, dict) and data.get("error") == "not_found" and (
        data.get("reason") in ("no_db_file", "Database does not exist.")
    )


def create_database(client: Client) -> None:
    response = client.request("PUT", client.path(DATABASE))
    if response.status not in (201, 202, 412):  # 412: created meanwhile by someone else
        raise client.fail(response, f"creating the database {DATABASE}")


def upsert(client: Client, documents: list[dict[str, Any]], dry_run: bool) -> list[Outcome]:
    wanted = {doc["_id"]: doc for doc in documents}
    outcomes: dict[str, Outcome] = {}
    pending = list(wanted)
    conflicts: dict[str, int] = {}
    for _attempt in range(MAX_ATTEMPTS):
        current = read_current(client, pending)
        if current is None:
            if dry_run:
                for doc_id in pending:
                    outcomes[doc_id] = Outcome(doc_id, "would-create", [], "new database")
                pending = []
                break
            create_database(client)
            current = {}
        writes: list[dict[str, Any]] = []
        for doc_id in pending:
            ours, stored = wanted[doc_id], current.get(doc_id)
            note = _conflict_note(conflicts.get(doc_id, 0))
            if stored is not None and _content(stored) == _content(ours):
                outcomes[doc_id] = Outcome(doc_id, "unchanged", [], note)
                continue
            if dry_run:
                status = "would-update" if stored else "would-create"
                outcomes[doc_id] = Outcome(doc_id, status, _changes(stored, ours))
                continue
            write = dict(ours)
            if stored is not None:
                write["_rev"] = stored["_rev"]
                write.update({k: stored[k] for k in CARRIED_KEYS if k in stored})
            writes.append(write)
            outcomes[doc_id] = Outcome(
                doc_id, "updated" if stored else "created", _changes(stored, ours), note
            )
        if dry_run or not writes:
            pending = []
            break
        pending = _bulk_write(client, writes, outcomes, conflicts)
        if not pending:
            break
    for doc_id in pending:
        outcomes[doc_id] = Outcome(
            doc_id, "failed", [],
            f"changed by someone else during each of {MAX_ATTEMPTS} attempts: run again",
        )
    return [outcomes[doc_id] for doc_id in wanted]


def _conflict_note(count: int) -> str:
    if not count:
        return ""
    return f"after {count} conflict{'s' if count > 1 else ''}: someone else wrote it meanwhile"


def _bulk_write(
    client: Client, writes: list[dict[str, Any]], outcomes: dict[str, Outcome],
    conflicts: dict[str, int],
) -> list[str]:
    """Write; return the ids that met a conflict (to re-read and retry)."""
    response = client.request("POST", client.path(DATABASE, "_bulk_docs"), {"docs": writes})
    if response.status not in (201, 202) or not isinstance(response.data, list):
        raise client.fail(response, "writing the documents")
    retry: list[str] = []
    answered = set()
    for row in response.data:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        doc_id = row["id"]
        answered.add(doc_id)
        if row.get("error") == "conflict":
            conflicts[doc_id] = conflicts.get(doc_id, 0) + 1
            retry.append(doc_id)
        elif row.get("error"):
            reason = one_line(client.scrub(server_words(row) or "refused"))
            outcomes[doc_id] = Outcome(doc_id, "failed", [], reason)
    for write in writes:
        if write["_id"] not in answered:
            outcomes[write["_id"]] = Outcome(write["_id"], "failed", [], "no answer for it")
    return retry


__all__ = ["CouchError", "Outcome", "upsert"]
