"""The archive: readable by tar, gzip, tarfile and the registry; byte-reproducible; atomic."""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpack.bundle import archive, tar_stream, verify
from kpack.bundle.archive import FIXED_EPOCH, resolve_mtime
from kpack.bundle.tar_stream import Headers, TarWriter, tarfile_header
from tests.bundle.helpers import ARCHIVE, MANIFEST, connector, kpack, read_like_registry, write_tree

EPOCH = "1700000000"


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def built(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Path:
    result = kpack(capsys, str(tmp_path), *args)
    assert result.code == 0, result.err
    return tmp_path / ARCHIVE


def rich_connector(root: Path) -> Path:
    connector(root, {
        "build/assets/img/logo.png": bytes(range(256)) * 64,
        "build/lib/helpers.js": "exports.x = 1\n",
        "build/bin/run.sh": "#!/bin/sh\nexec node index.js\n",
        "build/locales/fr.json": {"name": "Démo"},
        "build/README.md": "# Demo\n",
        "build/" + "deep/" * 30 + "long-name-" + "x" * 120 + ".js": "// long path\n",
    })
    os.chmod(root / "build/bin/run.sh", 0o755)
    return root


def test_real_tar_and_gzip_read_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = built(rich_connector(tmp_path), capsys)
    subprocess.run(["gzip", "-t", str(path)], check=True)
    listing = subprocess.run(
        ["tar", "-tvzf", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert any(line.startswith("-rwxr-xr-x 0/0") and line.endswith(" bin/run.sh")
               for line in listing)
    assert any(line.startswith("-rw-r--r-- 0/0") and line.endswith(" manifest.konnector")
               for line in listing)
    assert any(line.startswith("drwxr-xr-x 0/0") and line.endswith(" assets/") for line in listing)
    assert any(line.endswith(".js") and "long-name-" in line for line in listing)
    assert all("2023-11-14" in line for line in listing)  # SOURCE_DATE_EPOCH 1700000000
    names = subprocess.run(["tar", "-tzf", str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    assert names.index("manifest.konnector") >= 0 and not any(n.startswith("/") for n in names)


def test_python_tarfile_sees_normalised_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = built(rich_connector(tmp_path), capsys)
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        for member in members:
            assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
            assert member.mtime == int(EPOCH)
            assert member.isdir() or member.isfile()
            expected = 0o755 if member.isdir() or member.name == "bin/run.sh" else 0o644
            assert member.mode == expected, member.name
        names = [m.name for m in members]
        assert names[0] == "manifest.konnector"  # first: what FetchManifest meets first
        assert names[1:] == sorted(names[1:], key=lambda n: n.split("/"))
        handle = tar.extractfile("assets/img/logo.png")
        assert handle is not None and handle.read() == bytes(range(256)) * 64
        assert "locales/fr.json" in names


def test_pax_format_and_bare_gzip_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = built(connector(tmp_path), capsys)
    header = path.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    assert header[3] == 0  # FLG: no FNAME, no FCOMMENT, no FEXTRA
    assert header[4:8] == b"\0\0\0\0"  # MTIME 0
    import gzip

    raw = gzip.decompress(path.read_bytes())
    assert raw[257:263] == b"ustar\x00"  # POSIX (PAX writes ustar headers) not GNU "ustar  "


def test_registry_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = built(connector(tmp_path), capsys)
    recorded = (tmp_path / (ARCHIVE + ".sha256")).read_text()
    assert recorded == f"{sha256(path)}  demo-1.2.0.tar.gz\n"
    view = read_like_registry(path, recorded.split()[0])
    assert view.manifest == MANIFEST
    assert "manifest.konnector" in view.names  # entries at the root: nothing to strip
    subprocess.run(["sha256sum", "-c", "demo-1.2.0.tar.gz.sha256"], cwd=path.parent,
                   check=True, capture_output=True)


def test_dir_output_is_what_file_urls_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rich_connector(tmp_path / "c")
    out = tmp_path / "installed"
    result = kpack(capsys, str(tmp_path / "c"), "--dir", str(out))
    assert result.code == 0, result.err
    assert (out / "manifest.konnector").is_file()  # cozy-stack reads <dir>/manifest.konnector
    assert (out / "index.js").is_file()
    assert f"file://{out.resolve()}" in result.out
    assert os.stat(out / "bin/run.sh").st_mode & 0o777 == 0o755
    assert os.stat(out / "index.js").st_mode & 0o777 == 0o644
    assert os.stat(out / "index.js").st_mtime == int(EPOCH)
    assert not (tmp_path / "c" / "dist").exists()
    # the same tree as the archive
    built(tmp_path / "c", capsys)
    with tarfile.open(tmp_path / "c" / ARCHIVE) as tar:
        in_archive = sorted(m.name for m in tar.getmembers() if m.isfile())
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    # and nothing else: kpack's marker is beside the folder, which cozy-stack installs whole
    assert in_archive == on_disk
    assert (tmp_path / ".installed.kpack-bundle").is_file()
    # a rebuild replaces the previous bundle; a folder of other things is never replaced
    (out / "stale.js").write_text("x")
    assert kpack(capsys, str(tmp_path / "c"), "--dir", str(out)).code == 0
    assert not (out / "stale.js").exists()
    other = write_tree(tmp_path / "other", {"precious.txt": "x"})
    refused = kpack(capsys, str(tmp_path / "c"), "--dir", str(other))
    assert refused.code == 2 and "not empty" in refused.err
    assert (other / "precious.txt").is_file()
    # no temporary file left, only the marker of the folder kpack wrote
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [
        ".installed.kpack-bundle"
    ]


# -- reproducibility ----------------------------------------------------------------------------


def test_same_bytes_after_touch_umask_and_creation_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = sha256(built(rich_connector(tmp_path / "a"), capsys))
    # Another tree with the same contents, created in the reverse order, under another
    # umask, with other mtimes.
    files = sorted(p for p in (tmp_path / "a" / "build").rglob("*") if p.is_file())
    old = os.umask(0o077)
    try:
        for path in reversed(files):
            target = tmp_path / "b" / path.relative_to(tmp_path / "a")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
            if os.access(path, os.X_OK):
                os.chmod(target, 0o700)
            os.utime(target, (time.time() - 86400 * 365, time.time() - 12345))
    finally:
        os.umask(old)
    second = sha256(built(tmp_path / "b", capsys))
    assert second == first
    # rebuilding in place after touching everything gives the same bytes too
    for path in (tmp_path / "a" / "build").rglob("*"):
        os.utime(path, None)
    (tmp_path / "a" / ARCHIVE).unlink()
    assert sha256(built(tmp_path / "a", capsys)) == first


def test_copy_elsewhere_gives_the_same_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    first = sha256(built(rich_connector(tmp_path / "one"), capsys))
    shutil.copytree(tmp_path / "one", tmp_path / "elsewhere" / "two", symlinks=True)
    shutil.rmtree(tmp_path / "elsewhere" / "two" / "dist")
    assert sha256(built(tmp_path / "elsewhere" / "two", capsys)) == first


def test_mtime_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_mtime(tmp_path, {"SOURCE_DATE_EPOCH": "42"}) == (42, "SOURCE_DATE_EPOCH")
    assert resolve_mtime(tmp_path, {})[0] == FIXED_EPOCH
    for bad in ("soon", "-1"):
        with pytest.raises(archive.BuildError):
            resolve_mtime(tmp_path, {"SOURCE_DATE_EPOCH": bad})
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_DATE": "@1600000000 +0000",
           "GIT_COMMITTER_DATE": "@1600000000 +0000"}
    write_tree(tmp_path, {"manifest.konnector": "{}"})
    for args in (["init", "-q"], ["add", "."],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True)
    assert resolve_mtime(tmp_path, {}) == (1600000000, "last git commit")


def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    git = tmp_path / "bin" / "git"
    git.parent.mkdir()
    git.write_text(f"#!/bin/sh\n{script}\n")
    git.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(git))


def test_git_runs_while_the_build_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lookup starts git at once and waits for it only when asked."""
    fake_git(tmp_path, monkeypatch, "echo 1234")
    lookup = archive.MtimeLookup(tmp_path, {})
    assert lookup.process is not None
    assert lookup.result() == (1234, "last git commit")
    lookup.close()
    lookup.close()  # twice is harmless


def test_a_build_ending_early_stops_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_git(tmp_path, monkeypatch, "exec sleep 30")
    lookup = archive.MtimeLookup(tmp_path, {})
    process = lookup.process
    assert process is not None
    lookup.close()
    assert process.returncode is not None  # killed and reaped


def test_source_date_epoch_starts_no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_git(tmp_path, monkeypatch, "echo 1234")
    lookup = archive.MtimeLookup(tmp_path, {"SOURCE_DATE_EPOCH": "soon"})
    assert lookup.process is None
    with pytest.raises(archive.BuildError):  # reported when the build asks, not before
        lookup.result()


def test_invalid_source_date_epoch_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = kpack(capsys, str(tmp_path))
    assert result.code == 2 and "SOURCE_DATE_EPOCH" in result.err
    assert list((tmp_path / "dist").iterdir()) == [] if (tmp_path / "dist").exists() else True


# -- all or nothing -------------------------------------------------------------------------


def test_interrupt_mid_stream_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rich_connector(tmp_path)
    real_add_file = archive.TarSink.add_file
    calls = []

    def interrupted(self: archive.TarSink, entry: object, mode: int, reader: object) -> None:
        calls.append(entry)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_add_file(self, entry, mode, reader)  # type: ignore[arg-type]

    monkeypatch.setattr(archive.TarSink, "add_file", interrupted)
    result = kpack(capsys, str(tmp_path))
    assert result.code == 130
    assert not (tmp_path / "dist").exists()  # created by the build, removed again


def test_interrupt_keeps_an_existing_dist_and_its_contents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector(tmp_path)
    previous = write_tree(tmp_path, {"dist/demo-1.2.0.tar.gz": b"previous"})
    monkeypatch.setattr(archive.TarSink, "add_file", lambda *a: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    assert kpack(capsys, str(tmp_path)).code == 130
    assert sorted(p.name for p in (previous / "dist").iterdir()) == ["demo-1.2.0.tar.gz"]
    assert (previous / "dist/demo-1.2.0.tar.gz").read_bytes() == b"previous"


def test_dir_output_interrupted_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector(tmp_path / "c")
    monkeypatch.setattr(archive.DirSink, "close", lambda self: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    assert kpack(capsys, str(tmp_path / "c"), "--dir", str(tmp_path / "out")).code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def test_an_fsync_error_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive is synced on a thread while it is read back: its error still stops all."""
    connector(tmp_path)
    synced: list[int] = []

    def failing(fd: int) -> None:
        synced.append(fd)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    result = kpack(capsys, str(tmp_path))
    assert result.code == 2 and len(synced) == 1
    assert "Input/output error (nothing written)" in result.err
    assert not (tmp_path / "dist").exists()


def test_a_refused_archive_is_not_synced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector(tmp_path, {"build/leak.js": "const k = 'AKIAQ3EGRZ7XH2KD4N5P'\n"})
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    assert kpack(capsys, str(tmp_path)).code == 1
    assert synced == [] and not (tmp_path / "dist").exists()


def test_file_changing_while_read_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector(tmp_path)
    real = archive.pack

    def grow_then_pack(selection, *args, **kwargs):  # type: ignore[no-untyped-def]
        (tmp_path / "build/index.js").write_text("grown " * 100)
        return real(selection, *args, **kwargs)

    monkeypatch.setattr("kpack.bundle.run.pack", grow_then_pack)
    result = kpack(capsys, str(tmp_path))
    assert result.code == 2 and "changed while being bundled" in result.err
    assert not (tmp_path / "dist").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_real_sigint_leaves_nothing(tmp_path: Path) -> None:
    connector(tmp_path)
    # Incompressible data so the build takes a while; stdin-less child in its own group.
    for i in range(24):
        (tmp_path / "build" / f"blob{i:02d}.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    child = subprocess.Popen(
        [sys.executable, "-m", "kpack", "build", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    # Wait until the temporary archive exists (the build is streaming), then interrupt.
    dist = tmp_path / "dist"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        temps = [p for p in dist.iterdir() if p.name.endswith(".tmp")] if dist.is_dir() else []
        if temps and temps[0].stat().st_size > 1024 * 1024:
            break
        time.sleep(0.005)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    if child.returncode != 130:
        pytest.skip(f"the build finished before the signal (exit {child.returncode})")
    assert b"Traceback" not in err
    assert not dist.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/status")
def test_memory_stays_constant_on_a_large_tree(tmp_path: Path) -> None:
    connector(tmp_path)
    for i in range(5):  # 80 MiB of incompressible data: far over the registry's limit
        (tmp_path / "build" / f"blob{i}.bin").write_bytes(os.urandom(16 * 1024 * 1024))
    script = (
        "import sys\n"
        "from kpack.cli import main\n"
        "code = main(['build', sys.argv[1]])\n"
        # VmHWM: the peak RSS of this process image (ru_maxrss would include the RSS the
        # forked pytest parent had before exec).
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, timeout=600)
    assert done.returncode == 1, done.stderr
    assert "B010" in done.stderr  # over 20 MiB: refused, and nothing kept
    assert not (tmp_path / "dist").exists()
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    assert peak_kib <= 64 * 1024, f"peak RSS {peak_kib} KiB"


def test_size_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector(tmp_path, {"build/blob.bin": os.urandom(11 * 1024 * 1024)})
    result = kpack(capsys, str(tmp_path))
    assert result.code == 0
    [line] = [x for x in result.err.splitlines() if " B011 " in x]
    assert "[warning]" in line and "MiB" in line
    assert (tmp_path / ARCHIVE).is_file()


# -- the tar stream: tarfile's bytes, built faster ---------------------------------------------

NAME_CHARS = st.sampled_from([*"abcXYZ019-_.é漢", "/"])


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(NAME_CHARS, min_size=1, max_size=160).filter(
        lambda n: not n.startswith("/") and "//" not in n
    ),
    kind=st.sampled_from([(tarfile.REGTYPE, 0o644), (tarfile.REGTYPE, 0o755),
                          (tarfile.DIRTYPE, 0o755)]),
    size=st.one_of(st.integers(0, 4096), st.integers(0, 8**12)),
    mtime=st.one_of(st.sampled_from([0, 315532800, 1700000000, 8**11 - 1, 8**11]),
                    st.integers(0, 8**12)),
)
def test_headers_are_tarfiles(name: str, kind: tuple[bytes, int], size: int, mtime: int) -> None:
    """Every header (fast template or PAX through tarfile) is what TarFile.addfile writes."""
    kind_code, mode = kind
    name = name + "/" if kind_code == tarfile.DIRTYPE else name
    size = 0 if kind_code == tarfile.DIRTYPE else size
    expected = tarfile_header(name, kind_code, mode, size, mtime)
    assert Headers(mtime).header(name, kind_code, mode, size) == expected


def test_the_template_is_used_for_the_usual_entry() -> None:
    headers = Headers(1700000000)
    assert headers.fast
    headers.header("lib/index.js", tarfile.REGTYPE, 0o644, 10)
    assert (tarfile.REGTYPE, 0o644) in headers.templates


def test_a_tarfile_that_writes_otherwise_turns_the_templates_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a Python whose tarfile writes another header, every header comes from tarfile."""
    real = tar_stream.tarfile_header

    def other(name: str, kind: bytes, mode: int, size: int, mtime: int) -> bytes:
        block = real(name, kind, mode, size, mtime)
        return block[:300] + b"X" + block[301:]  # e.g. a device field written otherwise

    monkeypatch.setattr(tar_stream, "tarfile_header", other)
    headers = Headers(1700000000)
    assert not headers.fast
    assert headers.header("a.js", tarfile.REGTYPE, 0o644, 3) == other(
        "a.js", tarfile.REGTYPE, 0o644, 3, 1700000000
    )


def test_a_whole_stream_is_tarfiles() -> None:
    """Folders, files read whole and streamed, long and non-ASCII names, then the end."""
    rng = random.Random(4)
    entries: list[tuple[str, bytes | None, int]] = [("lib", None, 0o755)]
    for number in range(60):
        name = f"lib/{'n' * rng.randrange(1, 130)}-{number}{'é' if number % 7 == 0 else ''}.js"
        mode = 0o755 if number % 5 else 0o644
        entries.append((name, rng.randbytes(rng.randrange(0, 3000)), mode))
    ours = io.BytesIO()
    writer = TarWriter(ours, 1700000000)
    for number, (name, data, mode) in enumerate(entries):
        if data is None:
            writer.add_dir(name, mode)
        elif number % 2:
            writer.add_bytes(name, mode, data)
        else:
            writer.start_file(name, mode, len(data))
            for start in range(0, len(data), 1000):
                writer.write_data(data[start : start + 1000])
            writer.end_file()
    writer.close()
    theirs = io.BytesIO()
    with tarfile.TarFile(fileobj=theirs, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE if data is None else tarfile.REGTYPE
            info.mode, info.size, info.mtime = mode, len(data or b""), 1700000000
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    assert ours.getvalue() == theirs.getvalue()
    assert writer.offset == len(theirs.getvalue())


# -- reading the files: small ones whole, large ones streamed ----------------------------------


@pytest.mark.parametrize("name", ["index.js", "big.bin"])
@pytest.mark.parametrize("change", ["grown", "shrunk"])
def test_a_file_changed_since_selected_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    name: str, change: str,
) -> None:
    """Read whole (index.js) or streamed (over WHOLE_FILE): a file that grew or shrank
    between the selection and the read ends the build with nothing written."""
    connector(tmp_path, {"build/big.bin": b"b" * (archive.WHOLE_FILE + 10)})
    real = archive.pack

    def change_then_pack(selection, *args, **kwargs):  # type: ignore[no-untyped-def]
        path = tmp_path / "build" / name
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.truncate(size + 100 if change == "grown" else size // 2)
        return real(selection, *args, **kwargs)

    monkeypatch.setattr("kpack.bundle.run.pack", change_then_pack)
    result = kpack(capsys, str(tmp_path))
    expected = "changed while" if change == "grown" else "shrank while"
    assert result.code == 2 and f"{name} {expected} being bundled" in result.err, result.err
    assert not (tmp_path / "dist").exists()


def test_secret_hits_of_batched_small_files_are_a_file_by_file_scan(tmp_path: Path) -> None:
    """Small files are scanned together and split down to the files that hold a probe: the
    hits are those of scanning each file on its own, in archive order."""
    from kpack.bundle.secrets import Hit, KnownSecret, Scanner
    from kpack.bundle.select import select

    rng = random.Random(9)
    secret = b"s3cr3t-value-of-the-account"
    token = b"ghp_" + b"A" * 36
    files: dict[str, str | bytes | Any] = {}
    for number in range(400):
        body = rng.randbytes(rng.randrange(0, 2000)).replace(b"\0", b"x")
        planted = number % 97 == 3
        if planted:
            body += b"\nconst t = '" + (secret if number % 2 else token) + b"'\n"
        if number % 61 == 5:
            body += b"npm_ is only a probe"  # a probe without a hit: the batch splits
        files[f"f/{number:03d}.js"] = body
    files["f/big.js"] = b"x" * (archive.WHOLE_FILE + 1) + b"\n" + token
    write_tree(tmp_path, files)
    scanner = Scanner([KnownSecret(secret, "`client_secret` in x")])
    selection = select(tmp_path, "")
    packed = archive.pack(selection, archive.NullSink(), scanner)
    expected: dict[str, list[Hit]] = {}
    for entry in selection.files:
        scan = scanner.scan_file()
        data = Path(entry.path).read_bytes()
        for start in range(0, len(data), archive.COPY_BLOCK):
            scan.feed(data[start : start + archive.COPY_BLOCK])
        found = scan.finish()
        if found:
            expected[entry.arcname] = found
    assert packed.hits == expected
    assert list(packed.hits) == list(expected)  # archive order
    assert len(expected) == 6


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(st.sampled_from([
        b"x", b"\n", b"ghp_" + b"a" * 36, b"AKIA" + b"B" * 16, b"xoxb-12345678-abcdefgh",
        b"npm_" + b"c" * 36, b"sk_live_" + b"d" * 24, b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.",
        b"-----BEGIN RSA PRIVATE KEY-----\n" + b"e" * 40, b"s3cr3t-value", b"\0",
    ]), max_size=30),
)
def test_could_find_never_misses_what_find_finds(parts: list[bytes]) -> None:
    from kpack.bundle.secrets import KnownSecret, Scanner

    block = b"".join(parts)
    scanner = Scanner([KnownSecret(b"s3cr3t-value", "x")])
    if any(scanner.find(block)):
        assert scanner.could_find(block)
        assert scanner.could_find(b"padding " + block + b" more")


# -- the read-back ------------------------------------------------------------------------------


def _verified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, object]:
    from kpack.bundle.select import select

    path = built(rich_connector(tmp_path), capsys)
    return path, select(tmp_path / "build", "")


def test_read_back_reads_long_and_plain_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, selection = _verified(tmp_path, capsys)
    with open(path, "rb") as handle:
        found = verify._read_entries(handle, int(EPOCH))
    assert found == verify.expected_entries(selection)  # type: ignore[arg-type]
    assert any(len(name) > 100 for name, *_ in found)  # a PAX path


@pytest.mark.parametrize("damage", ["flip", "cut", "trailing", "other-mtime", "missing"])
def test_read_back_refuses_a_damaged_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    path, selection = _verified(tmp_path, capsys)
    data = path.read_bytes()
    mtime = int(EPOCH)
    if damage == "flip":
        data = data[:200] + bytes([data[200] ^ 0x20]) + data[201:]
    elif damage == "cut":
        data = data[: len(data) // 2]
    elif damage == "trailing":
        data += b"\0garbage"
    elif damage == "other-mtime":
        mtime += 1
    else:
        selection.files.pop()  # type: ignore[attr-defined]
    path.write_bytes(data)
    with pytest.raises(archive.BuildError, match="internal error"):
        verify.verify_archive(path, selection, mtime)  # type: ignore[arg-type]
    assert not [t for t in threading.enumerate() if t.name == "kpack-inflate"]


def test_read_back_leaves_what_kpack_does_not_write_to_tarfile(tmp_path: Path) -> None:
    """A GNU long-name header is not parsed here: tarfile reads the archive instead."""
    from kpack.bundle.select import select

    build = write_tree(tmp_path / "build", {"manifest.konnector": "{}", "n" * 120: "x"})
    archive_path = tmp_path / "gnu.tar.gz"
    with tarfile.open(archive_path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name in ("manifest.konnector", "n" * 120):
            info = tar.gettarinfo(build / name, arcname=name)
            info.mode, info.mtime, info.uid, info.gid, info.uname, info.gname = (
                0o644, int(EPOCH), 0, 0, "", ""
            )
            with open(build / name, "rb") as handle:
                tar.addfile(info, handle)
    with open(archive_path, "rb") as handle, pytest.raises(verify._Unusual):
        verify._read_entries(handle, int(EPOCH))
    verify.verify_archive(archive_path, select(build, ""), int(EPOCH))  # no error


@pytest.mark.parametrize("records", [b"0 path=x\n", b"3 path=x\n", b"12 path=x\n", b"x path=y\n",
                                     b"11 path=x\n"])
def test_a_malformed_pax_record_is_refused_at_once(records: bytes) -> None:
    """A record length that does not move forward (0, shorter than its own digits) must not
    make the reader loop."""
    outcome: list[BaseException] = []

    def parse() -> None:
        try:
            verify._pax_path(records)
        except BaseException as exc:  # kept for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=parse, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the PAX reader loops"
    assert len(outcome) == 1 and isinstance(outcome[0], verify._Broken)
