"""Issue 11 item 2: every file kpack writes goes through kpack.fsutil.write_file.

Devices are only ever nodes this test makes itself (mknod) in its temporary folder, never
the machine's /dev/null or /dev/full.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from kpack import fsutil
from kpack.cli import main
from tests.helpers import write

BAD = '{"slug": "demo",}'  # a finding: exit 1

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX devices, FIFOs, links")

needs_root = pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="mknod needs root"
)


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", *argv])
    _out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, err


def _device(folder: Path, name: str, minor: int) -> Path:
    """A character device node of our own: 1,3 is a null device, 1,7 a full device."""
    path = folder / name
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return path


@needs_root
def test_output_to_a_null_device_keeps_the_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    null = _device(tmp_path, "null", 3)
    manifest = write(tmp_path, "manifest.konnector", BAD)
    code, err = _check(capsys, str(manifest), "--output-file", str(null))
    assert code == 1, err
    assert stat.S_ISCHR(os.lstat(null).st_mode)  # not renamed over: still the device
    assert os.lstat(null).st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.konnector", "null"]


@needs_root
def test_output_to_a_full_device_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _device(tmp_path, "full", 7)
    manifest = write(tmp_path, "manifest.konnector", BAD)
    code, err = _check(capsys, str(manifest), "--output-file", str(full))
    assert code == 2 and "No space left on device" in err, err
    assert err.count("\n") == 1
    assert stat.S_ISCHR(os.lstat(full).st_mode)


@needs_root
def test_a_link_to_a_device_is_written_through(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    (tmp_path / "stdout").symlink_to(null)
    fsutil.write_file(tmp_path / "stdout", b"report")
    assert stat.S_ISCHR(os.lstat(null).st_mode) and os.path.islink(tmp_path / "stdout")


def test_output_to_a_fifo_is_written_directly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    manifest = write(tmp_path, "manifest.konnector", BAD)
    code, err = _check(capsys, str(manifest), "--output-file", str(fifo), "--format", "json")
    thread.join(timeout=30)
    if thread.is_alive():  # nothing was written into the FIFO: release the reader
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert code == 1, err
    assert b'"code"' in received[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_file_that_is_a_checked_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "manifest.konnector", BAD)
    code, err = _check(capsys, str(manifest), "--output-file", str(manifest))
    assert code == 2 and "input" in err and err.count("\n") == 1, err
    assert manifest.read_text() == BAD


def test_output_file_hard_linked_to_a_checked_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "c/manifest.konnector", BAD)
    os.link(manifest, tmp_path / "report.txt")
    code, err = _check(capsys, str(tmp_path / "c"), "--output-file", str(tmp_path / "report.txt"))
    assert code == 2 and "input" in err, err
    assert manifest.read_text() == BAD


def test_output_file_that_is_a_symlink_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkout planting `report.json -> ~/.bashrc` must not make kpack write there."""
    victim = write(tmp_path, "home/.bashrc", "echo hi\n")
    manifest = write(tmp_path, "c/manifest.konnector", BAD)
    (tmp_path / "c" / "report.json").symlink_to(victim)
    code, err = _check(
        capsys, str(manifest), "--output-file", str(tmp_path / "c" / "report.json")
    )
    assert code == 2 and "symbolic link" in err, err
    assert victim.read_text() == "echo hi\n"
    assert os.path.islink(tmp_path / "c" / "report.json")


def test_output_file_that_is_a_folder_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "manifest.konnector", BAD)
    (tmp_path / "out").mkdir()
    code, err = _check(capsys, str(manifest), "--output-file", str(tmp_path / "out"))
    assert code == 2 and "folder" in err and err.count("\n") == 1, err


def test_output_file_not_writable_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES (as for a user without rights: faked, root may write anywhere)."""
    manifest = write(tmp_path, "manifest.konnector", BAD)

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, err = _check(capsys, str(manifest), "--output-file", str(tmp_path / "new/r.txt"))
    assert code == 2 and "Permission denied" in err and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.konnector"]  # no new/


def test_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path: Path) -> None:
    target = write(tmp_path, "r.txt", "old")
    os.chmod(target, 0o600)
    before = os.stat(target).st_ino
    fsutil.write_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.stat(target).st_ino != before  # a new file renamed in, not rewritten in place
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_a_failed_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path, "r.txt", "old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        fsutil.write_file(target, b"new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_socket_and_dangling_link_are_refused(tmp_path: Path) -> None:
    import socket

    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(fsutil.WriteError, match="dangling"):
        fsutil.write_file(tmp_path / "gone", b"x")
    assert not (tmp_path / "nowhere").exists()
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s"))
        with pytest.raises(fsutil.WriteError, match="not a regular file"):
            fsutil.write_file(tmp_path / "s", b"x")
    finally:
        sock.close()
