"""What `kpack build` prints: the listing (`--list`), the summary, the JSON body."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kpack.bundle.select import shown

if TYPE_CHECKING:
    from kpack.bundle.run import BuildOptions, Outcome

JSON_FORMAT_VERSION = 1
TREE_LINES = 20


def display(path: Path) -> str:
    """A path as the user would recognise it: relative to the current folder when inside."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if relative.startswith("..") else relative


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover


def registry_fields(outcome: Outcome) -> dict[str, Any]:
    manifest = outcome.manifest
    return {
        "editor": manifest.get("editor"),
        "version": manifest.get("version"),
        "type": manifest.get("type") or "konnector",
        "sha256": outcome.sha256,
    }


def publish_command(outcome: Outcome) -> str | None:
    if outcome.output is None or outcome.sha256 is None:
        return None
    version = outcome.manifest.get("version", "")
    return (
        'cozy-app-publish --token "$REGISTRY_TOKEN" '
        f"--build-url https://<where-you-host-it>/{outcome.output.name} "
        f"--manual-version {version}"
    )


def report(options: BuildOptions, outcome: Outcome, out: TextIO, err: TextIO) -> None:
    if outcome.diagnostics:
        from kpack.reporters import Report, get_reporter

        files = len(outcome.selection.files) if outcome.selection else 1
        from kpack.terminal import auto_color

        color = auto_color(err)  # NO_COLOR, FORCE_COLOR, a TTY
        err.write(get_reporter("text")(Report(outcome.diagnostics, files, color=color)))
    if options.output_format == "json":
        out.write(json.dumps(_json_body(options, outcome), indent=2, ensure_ascii=False) + "\n")
    elif options.list_only:
        out.write(_list_text(outcome))
    elif not outcome.failed and outcome.selection is not None:
        out.write(_summary_text(options, outcome))


def _list_text(outcome: Outcome) -> str:
    selection = outcome.selection
    if selection is None:
        return ""
    lines = [f"+ {e.arcname}  ({human(e.size)})" for e in selection.files]
    lines.extend(  # left-out names are not checked (B014): escape them
        f"- {shown(x.arcname)}{'/' if x.is_dir else ''}  ({shown(x.reason)})"
        for x in selection.excluded
    )
    lines.append(
        f"{len(selection.files)} files in, {human(selection.total_size)}; "
        f"{len(selection.excluded)} left out"
    )
    return "\n".join(lines) + "\n"


def _summary_text(options: BuildOptions, outcome: Outcome) -> str:
    selection = outcome.selection
    assert selection is not None
    lines = []
    name = outcome.output if outcome.output is not None else Path("?")
    what = "Directory" if options.out_dir is not None else "Archive"
    lines.append(f"{what}: {display(name)}")
    for entry in selection.files[:TREE_LINES]:
        lines.append(f"  {entry.arcname:<50} {human(entry.size):>10}")
    if len(selection.files) > TREE_LINES:
        lines.append(f"  … and {len(selection.files) - TREE_LINES} more (see --list)")
    size = f"{len(selection.files)} files, {human(selection.total_size)}"
    if outcome.archive_size is not None:
        size += f" ({human(outcome.archive_size)} compressed)"
    lines.append(size)
    if selection.excluded:
        lines.append(f"{len(selection.excluded)} left out (see --list for why)")
    lines.append(f"mtime {outcome.mtime} ({outcome.mtime_source})")
    if outcome.sha256 is not None:
        lines.append(f"sha256 {outcome.sha256}")
        lines.append("Registry fields: " + json.dumps(registry_fields(outcome)))
        lines.append(f"Publish: {publish_command(outcome)}")
    else:
        slug = outcome.manifest.get("slug", "<slug>")
        lines.append(f"Install: cozy-stack konnectors install {slug} file://{name.resolve()}")
    return "\n".join(lines) + "\n"


def _json_body(options: BuildOptions, outcome: Outcome) -> dict[str, Any]:
    from kpack.reporters.json_report import diagnostic_to_dict

    selection = outcome.selection
    body: dict[str, Any] = {
        "version": JSON_FORMAT_VERSION,
        "ok": not outcome.failed,
        "list_only": options.list_only,
        "archive": str(outcome.output) if outcome.output and options.out_dir is None else None,
        "directory": str(outcome.output) if outcome.output and options.out_dir else None,
        "sha256": outcome.sha256,
        "archive_size": outcome.archive_size,
        "files": len(selection.files) if selection else 0,
        "content_size": selection.total_size if selection else 0,
        "mtime": outcome.mtime,
        "tree": [
            {"path": e.arcname, "size": e.size, "mode": "0755" if e.executable else "0644"}
            for e in (selection.files if selection else [])
        ],
        "excluded": [
            {"path": shown(x.arcname), "reason": shown(x.reason)}
            for x in (selection.excluded if selection else [])
        ],
        "registry": registry_fields(outcome) if outcome.sha256 else None,
        "publish_command": publish_command(outcome),
        "diagnostics": [diagnostic_to_dict(d) for d in outcome.diagnostics],
    }
    return body
