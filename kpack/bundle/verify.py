"""Read a freshly written archive back, as the registry will, before it is renamed into place.

A self-check, not a user-facing rule: when it fails, kpack has a bug, and the archive is
discarded rather than published.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from kpack.bundle.archive import DIR_MODE, EXEC_MODE, FILE_MODE, BuildError
from kpack.bundle.select import Selection, archive_order

REGISTRY_MAX_BYTES = 20 * 1024 * 1024


def expected_entries(selection: Selection) -> list[tuple[str, bytes, int, int]]:
    """(name, type, size, mode) in archive order."""
    items = [(d.split("/"), d, tarfile.DIRTYPE, 0, DIR_MODE) for d in selection.dirs]
    items.extend(
        (e.arcname.split("/"), e.arcname, tarfile.REGTYPE, e.size,
         EXEC_MODE if e.executable else FILE_MODE)
        for e in selection.files
    )
    items.sort(key=lambda item: archive_order(item[0]))
    return [(name, kind, size, mode) for _parts, name, kind, size, mode in items]


def verify_archive(path: Path, selection: Selection, mtime: int) -> None:
    """Raise BuildError unless the archive holds exactly the selection, normalised."""
    found: list[tuple[str, bytes, int, int]] = []
    try:
        # Stream mode: one pass, constant memory; reaching the end checks the gzip CRC.
        with tarfile.open(path, "r|gz") as tar:
            for member in tar:
                if (member.mtime, member.uid, member.gid, member.uname, member.gname) != (
                    mtime, 0, 0, "", ""
                ):
                    raise BuildError(f"internal error: {member.name} is not normalised")
                found.append((member.name.rstrip("/"), member.type, member.size, member.mode))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BuildError(f"internal error: the archive cannot be read back: {exc}") from None
    if found != expected_entries(selection):
        raise BuildError("internal error: the archive does not hold what was selected")
    top = {name.split("/", 1)[0] for name, *_ in found}
    if "manifest.konnector" not in top:
        raise BuildError("internal error: manifest.konnector is not at the archive root")
