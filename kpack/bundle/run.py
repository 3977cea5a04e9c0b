"""`kpack build`, step by step: manifest rules, selection, contents, scan + write, summary.

Nothing is written before every check that can run first has passed; the scan runs while
the archive is written to a temporary file, which is removed when it finds anything.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from kpack.bundle.archive import (
    BuildError,
    DirSink,
    MtimeLookup,
    NullSink,
    Packed,
    Pending,
    TarSink,
    check_dir_target,
    pack,
)
from kpack.bundle.contents import MANIFEST, archive_name, check_contents
from kpack.bundle.ignore import IGNORE_FILE, IgnoreError, IgnoreFile
from kpack.bundle.progress import Progress
from kpack.bundle.secrets import Hit, Scanner, harvest, looks_like_dev_config, password_hits
from kpack.bundle.select import Selection, file_diagnostic, select
from kpack.bundle.summary import display as _display
from kpack.bundle.summary import human as _human
from kpack.bundle.summary import report as _report
from kpack.diagnostics import Diagnostic, Kind, Severity
from kpack.load.source import SourceFile
from kpack.rules import bundle as R
from kpack.signals import deferred_signals
from kpack.status import ExitStatus

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = ExitStatus.CLEAN, ExitStatus.FINDINGS, ExitStatus.USAGE
WARN_BYTES = 10 * 1024 * 1024
MAX_BYTES = 20 * 1024 * 1024
MAX_CONTENT_BYTES = 200 * 1024 * 1024  # uncompressed (B016): a decompression bomb's bound

SECRET_REASONS = ("account-type file", "dev config", "OAuth tokens")


class BuildOptions(NamedTuple):
    directory: Path = Path(".")
    from_path: Path | None = None
    out_dir: Path | None = None
    list_only: bool = False
    allow_secret: Sequence[str] = ()
    output_format: str = "text"
    target: str | None = None
    environ: dict[str, str] | None = None


class Outcome:
    """What a build found and wrote. (Not a dataclass: see kpack.bundle.select.)"""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.selection: Selection | None = None
        self.manifest: dict[str, Any] = {}
        self.output: Path | None = None
        self.sha256: str | None = None
        self.archive_size: int | None = None
        self.mtime = 0
        self.mtime_source = ""

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def _inside(child: Path, parent: Path) -> str | None:
    """`child` relative to `parent` as a bundle path, when it is inside."""
    try:
        relative = child.resolve().relative_to(parent.resolve())
    except ValueError:
        return None
    return relative.as_posix() if str(relative) != "." else None


def _check_dist(directory: Path, tree: Path) -> None:
    """The archive goes to DIR/dist: never the bundled tree itself (when dist/ is inside
    the tree, even through a link, it is left out of the bundle)."""
    if os.path.realpath(directory / "dist") == os.path.realpath(tree):
        raise BuildError(
            f"{_display(directory / 'dist')} (where the archive goes) is the bundled tree "
            f"{_display(tree)}: the archive would be written into what it bundles"
        )


def _check_dist_is_ours(directory: Path) -> None:
    """DIR/dist, where the archive and its .sha256 go (a folder kpack chose, not one given
    on the command line), is a real folder of the connector: a planted `dist ->
    ../../elsewhere` must not make kpack write, or replace a .sha256, outside it."""
    dist = directory / "dist"
    if os.path.islink(dist):
        raise BuildError(
            f"{_display(dist)} (where the archive goes) is a symbolic link to "
            f"{os.path.realpath(dist)}: kpack writes the archive only into a real dist/ "
            "folder of the connector (remove the link; --dir names any folder)"
        )
    real_dir = os.path.realpath(directory)
    real_dist = os.path.realpath(dist)
    if not real_dist.startswith(real_dir.rstrip(os.sep) + os.sep):  # a junction, a mount
        raise BuildError(
            f"{_display(dist)} (where the archive goes) leads outside the connector, to "
            f"{real_dist}: kpack does not write there"
        )


def run_build(
    options: BuildOptions, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout  # looked up now, not at import: tests and callers swap them
    err = err or sys.stderr
    try:
        outcome = _build(options, err)
    except BuildError as exc:
        from kpack.escape import printable

        err.write(f"kpack: error: {printable(str(exc))}\n")
        return EXIT_USAGE
    _report(options, outcome, out, err)
    if outcome.sha256 is not None and outcome.output is not None:
        hint = dist_hint(outcome.output)
        if hint:
            err.write(hint + "\n")
    return EXIT_FINDINGS if outcome.failed else EXIT_OK


def _in_work_tree(folder: Path) -> bool:
    current = os.path.abspath(folder)
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def dist_hint(archive: Path) -> str | None:
    """A hint when git would not ignore the archive written into dist/ (one `git` call,
    only inside a work tree): archives do not belong in the repository."""
    if not _in_work_tree(archive.parent):  # no `.git` above: not even kpack.git is imported
        return None
    from kpack.git import git_states

    state = git_states([archive]).get(archive)
    if state is None or state.ignored:
        return None
    name = archive.parent.name
    if state.tracked:
        return (
            f"kpack: hint: {_display(archive)} is tracked by git: `git rm --cached` it "
            f"and add `{name}/` to .gitignore"
        )
    return (
        f"kpack: hint: git does not ignore {_display(archive.parent)}/: add `{name}/` to "
        ".gitignore so that archives are not committed"
    )


def _build(options: BuildOptions, err: TextIO) -> Outcome:
    environ = dict(os.environ) if options.environ is None else options.environ
    directory = options.directory
    if not directory.is_dir():
        raise BuildError(f"{directory}: not a folder (give the connector's root)")
    if options.from_path is not None:
        tree = options.from_path
        if not tree.is_dir():
            raise BuildError(f"--from {tree}: not a folder")
    elif (directory / "build").is_dir():
        tree = directory / "build"
    else:
        raise BuildError(
            f"{_display(directory)} has no build/ folder: run the webpack build first "
            "(yarn build), or name the folder to bundle with --from PATH (e.g. --from .)"
        )
    if options.out_dir is not None:
        check_dir_target(options.out_dir, directory, tree)
    _check_dist(directory, tree)
    if options.out_dir is None and not options.list_only:
        _check_dist_is_ours(directory)
    try:  # a bad .kpackignore ends the build at once (exit 2), before any check
        ignore = IgnoreFile.load(directory / IGNORE_FILE)
    except IgnoreError as exc:
        raise BuildError(str(exc)) from None
    mtime = MtimeLookup(directory, environ)  # git runs while the checks do
    try:
        return _steps(options, err, environ, tree, mtime, ignore)
    finally:
        mtime.close()


def _steps(
    options: BuildOptions, err: TextIO, environ: dict[str, str], tree: Path, mtime: MtimeLookup,
    ignore: IgnoreFile | None,
) -> Outcome:
    directory = options.directory
    # Paths read as `kpack check` prints them: `index.js`, not `./index.js`.
    display_root = "" if _display(tree) == "." else _display(tree)
    outcome = Outcome()

    # 1. The manifest's rules, exactly as `kpack check` runs them.
    target = options.target or ("stack" if options.out_dir is not None else "registry")
    manifest = _check_manifest(tree, display_root, target, outcome)
    if outcome.failed and not options.list_only:
        return outcome

    # 2. What goes in, what is left out, what is refused; then what must be there.
    skip: dict[str, str] = {}
    dist = directory / "dist"
    for folder, why in ((dist, "kpack's output folder"), (options.out_dir, "the --dir output")):
        inside = _inside(folder, tree) if folder is not None else None
        if inside:
            skip[inside] = why
    selection = select(tree, display_root, None, skip, ignore=ignore)
    outcome.selection = selection
    outcome.diagnostics.extend(selection.diagnostics)
    if selection.total_size > MAX_CONTENT_BYTES:  # nothing read yet: st_size adds up
        outcome.diagnostics.append(file_diagnostic(
            R.CONTENT_TOO_LARGE, display_root or ".",
            f"the files to bundle add up to {_human(selection.total_size)} uncompressed; "
            f"kpack refuses more than {_human(MAX_CONTENT_BYTES)} (nothing was read)",
            "see what goes in with `kpack build --list` and leave the rest out with "
            ".kpackignore",
        ))
        outcome.diagnostics.sort(key=lambda d: d.sort_key)
        return outcome
    outcome.diagnostics.extend(check_contents(selection, manifest, display_root))
    allowed = Allowed(_allowed(options.allow_secret, tree, directory), directory)
    outcome.diagnostics.extend(_secret_findings(
        Packed(_password_hits(selection, display_root)), allowed, display_root
    ))
    slug = version = ""
    if manifest is not None and manifest.readable and not outcome.failed:
        slug, version, problems = archive_name(manifest)
        outcome.diagnostics.extend(problems)
    if outcome.failed and not options.list_only:
        return outcome

    # 3. Scan while writing (or only reading, for --list); keep the result only when clean.
    try:
        known = harvest(*_secret_sources(directory, tree, selection), environ=environ)
    except OSError as exc:  # a token file kpack's reader refuses (a FIFO, over 1 MiB...)
        raise BuildError(f"cannot read {exc.filename}: {exc.strerror or exc}") from None
    scanner = Scanner(known)
    outcome.mtime, outcome.mtime_source = mtime.result()
    progress = Progress(selection.total_size, len(selection.files), err)
    try:
        if options.list_only:
            packed = pack(selection, NullSink(), scanner, progress)
            outcome.diagnostics.extend(_secret_findings(packed, allowed, display_root))
        elif options.out_dir is not None:
            _write_dir(
                options.out_dir, selection, scanner, progress, allowed, outcome, display_root
            )
        else:
            final = dist / f"{slug}-{version}.tar.gz"
            _write_archive(final, selection, scanner, progress, allowed, outcome, display_root)
    finally:
        progress.close()
    outcome.diagnostics.sort(key=lambda d: d.sort_key)
    return outcome


def _check_manifest(
    tree: Path, display_root: str, target: str, outcome: Outcome
) -> SourceFile | None:
    """The bundled manifest, checked as `kpack check` does (findings into `outcome`)."""
    from kpack.check import check_sources
    from kpack.load.source import read_source
    from kpack.options import CheckOptions

    manifest_path = tree / MANIFEST
    if not manifest_path.is_file():
        return None
    manifest = read_source(manifest_path, os.path.join(display_root, MANIFEST), Kind.MANIFEST)
    _, found = check_sources([manifest], CheckOptions(target=target))
    outcome.diagnostics.extend(found)
    if isinstance(manifest.data, dict):
        outcome.manifest = manifest.data
    return manifest


def _write_archive(
    final: Path, selection: Selection, scanner: Scanner, progress: Progress,
    allowed: Allowed, outcome: Outcome, display_root: str,
) -> None:
    from kpack.bundle.verify import verify_archive

    pending: Pending | None = None
    checksum: Pending | None = None
    try:
        with deferred_signals():
            pending = Pending(final)
        with open(pending.temp, "wb") as raw:
            sink = TarSink(raw, outcome.mtime)
            try:
                packed = pack(selection, sink, scanner, progress)
            except BaseException:
                sink.abort()  # join the compressing thread before `raw` closes
                raise
            sha256, size = sink.close()
            raw.flush()
            outcome.diagnostics.extend(_secret_findings(packed, allowed, display_root))
            outcome.diagnostics.extend(_size_findings(size, str(final)))
            if not outcome.failed:  # a refused archive is discarded: no need to sync it
                # The read-back (CPU) runs while the disk syncs (about 20 ms for 10 MiB).
                with _syncing(raw.fileno()):
                    verify_archive(pending.temp, selection, outcome.mtime)
        if outcome.failed:
            pending.discard()
            return
        with deferred_signals():
            checksum = Pending(final.with_name(final.name + ".sha256"))
        _write_synced(checksum.temp, f"{sha256}  {final.name}\n".encode())
        pending.commit()
        checksum.commit()
    except BaseException as exc:
        if pending is not None:
            pending.discard()
        if checksum is not None:
            checksum.discard()
        if isinstance(exc, OSError):  # a full disk...: one message, no traceback
            reason = exc.strerror or exc
            raise BuildError(f"{_display(final)}: {reason} (nothing written)") from None
        raise
    outcome.output, outcome.sha256, outcome.archive_size = final, sha256, size


def _write_synced(path: Path, data: bytes) -> None:
    """Fill a temporary file made by Pending, and fsync it before it is renamed."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def _syncing(fd: int) -> Iterator[None]:
    """`os.fsync(fd)` on a thread while the body runs; its error is raised after the body."""
    errors: list[OSError] = []

    def sync() -> None:
        try:
            os.fsync(fd)
        except OSError as exc:
            errors.append(exc)

    thread = threading.Thread(target=sync, name="kpack-fsync", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if errors:
        raise errors[0]


def _write_dir(
    out_dir: Path, selection: Selection, scanner: Scanner, progress: Progress,
    allowed: Allowed, outcome: Outcome, display_root: str,
) -> None:
    pending: Pending | None = None
    try:
        with deferred_signals():
            pending = Pending(out_dir, is_dir=True)
        sink = DirSink(pending.temp, outcome.mtime)
        packed = pack(selection, sink, scanner, progress)
        sink.close()
        outcome.diagnostics.extend(_secret_findings(packed, allowed, display_root))
        if outcome.failed:
            pending.discard()
            return
        pending.commit()
    except BaseException as exc:
        if pending is not None:
            pending.discard()
        if isinstance(exc, OSError):
            reason = exc.strerror or exc
            raise BuildError(f"{_display(out_dir)}: {reason} (nothing written)") from None
        raise
    outcome.output = out_dir


def _secret_sources(
    directory: Path, tree: Path, selection: Selection
) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]], list[tuple[Path, str]]]:
    """The repository's account types, dev configs and token files (where secrets live)."""
    from kpack.load.discover import DEV_CONFIG_NAME, UsageError, discover

    account_types: dict[Path, tuple[Path, str]] = {}
    dev_configs: dict[Path, tuple[Path, str]] = {}
    tokens: dict[Path, tuple[Path, str]] = {}
    try:
        found = discover([str(directory)])
    except UsageError:
        found = []
    for item in found:
        if item.kind is Kind.ACCOUNT_TYPE:
            account_types.setdefault(item.path.resolve(), (item.path, _display(item.path)))
        elif item.kind is Kind.DEV_CONFIG:
            dev_configs.setdefault(item.path.resolve(), (item.path, _display(item.path)))
    for root in {directory, tree}:
        token_file = root / ".token.json"
        if token_file.is_file():
            tokens.setdefault(token_file.resolve(), (token_file, _display(token_file)))
    for excluded in selection.excluded:
        if excluded.is_dir or not excluded.path.is_file():
            continue
        name = excluded.path.name.lower()  # left out in any case (select.builtin_reason)
        pair = (excluded.path, _display(excluded.path))
        if name in (DEV_CONFIG_NAME, "env_fields.json"):
            dev_configs.setdefault(excluded.path.resolve(), pair)
        elif name == ".token.json":
            tokens.setdefault(excluded.path.resolve(), pair)
        elif excluded.reason.startswith("account-type file"):
            account_types.setdefault(excluded.path.resolve(), pair)
    return list(account_types.values()), list(dev_configs.values()), list(tokens.values())


def _password_hits(selection: Selection, display_root: str) -> dict[str, list[Hit]]:
    """B006 hits of the bundled JSON files named like a dev config that hold a password
    (`kpack.bundle.secrets.password_hits`), by bundle path."""
    found = {}
    for entry in selection.files:
        if looks_like_dev_config(entry.arcname.rsplit("/", 1)[-1]):
            hits = password_hits(Path(entry.path), os.path.join(display_root, entry.arcname))
            if hits:
                found[entry.arcname] = hits
    return found


def _allowed(paths: Sequence[str], tree: Path, directory: Path) -> set[str]:
    """`--allow-secret` paths as bundle paths: given relative to the bundle root, or as a
    path to the file (from the current folder or from the connector's root)."""
    allowed = set()
    for given in paths:
        path = given.replace(os.sep, "/")
        while path.startswith("./"):
            path = path[2:]
        allowed.add(path)
        for base in (Path.cwd(), directory):
            inside = _inside(base / given, tree)
            if inside:
                allowed.add(inside)
    return allowed


class Allowed:
    """Where secret hits are allowed: `--allow-secret` paths, `allow-secrets` globs."""

    def __init__(self, paths: set[str], directory: Path) -> None:
        from kpack.bundle.secrets import AllowedSecrets

        self.paths = paths
        try:
            self.globs = AllowedSecrets.load(directory)
        except ValueError as exc:
            raise BuildError(str(exc)) from None

    def why(self, arcname: str) -> str | None:
        if arcname in self.paths:
            return "--allow-secret"
        glob = self.globs.match(arcname)
        return f"allow-secrets {glob!r} in {self.globs.where}" if glob is not None else None


def _secret_help(arcname: str) -> str:
    if arcname.startswith("node_modules/") or "/node_modules/" in arcname:
        return (
            "this file belongs to a dependency in node_modules/ (packages ship public test "
            "keys): leave node_modules out of the bundle (the webpack build bundles what "
            "index.js needs), or allow it in .kpack.yaml with "
            '`allow-secrets: ["node_modules/**"]` if you review it as a false positive'
        )
    return (
        f"remove it from the bundled file and revoke it; --allow-secret {arcname} (or an "
        "`allow-secrets` glob in .kpack.yaml) if it is a false positive"
    )


def _secret_findings(packed: Packed, allowed: Allowed, display_root: str) -> list[Diagnostic]:
    found = []
    for arcname, hits in packed.hits.items():
        why = allowed.why(arcname)
        display = os.path.join(display_root, arcname)
        for hit in hits:
            if why is not None:
                found.append(file_diagnostic(
                    R.SECRET, display, f"{hit.what} (allowed by {why})",
                    line=hit.line, column=hit.column, severity=Severity.INFO,
                ))
            else:
                found.append(file_diagnostic(
                    R.SECRET, display, f"{hit.what} would be shipped in the bundle",
                    _secret_help(arcname), line=hit.line, column=hit.column,
                ))
    return found


def _size_findings(size: int, display: str) -> list[Diagnostic]:
    mib = size / (1024 * 1024)
    if size > MAX_BYTES:
        return [file_diagnostic(
            R.TOO_LARGE, display,
            f"the archive is {mib:.1f} MiB; the registry refuses more than 20 MiB",
            "see what goes in with `kpack build --list` and leave the rest out with .kpackignore",
        )]
    if size > WARN_BYTES:
        return [file_diagnostic(
            R.LARGE, display, f"the archive is {mib:.1f} MiB (the registry's limit is 20 MiB)",
            "see what goes in with `kpack build --list`",
        )]
    return []
