"""kpack.fsutil.read_file, the one reader (issue 18), and the commands that read through it.

Device nodes are made with `mknod` in the test's own folder (skipped when not allowed);
the machine's /dev is only ever read through a link, in a child process with a time and a
memory limit, so a regression fails instead of hanging the suite or eating the machine.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpack.fsutil import NotRegularFile, ReadError, TooLarge, read_file

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")


def run_kpack(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """kpack in a child: 60 s and 1 GiB of address space at most (the old `.kpackignore
    -> /dev/zero` read until killed at 24 GB)."""

    def limit() -> None:  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "kpack", *args], capture_output=True, text=True, timeout=60,
        check=False, cwd=cwd, preexec_fn=limit if sys.platform != "win32" else None,
    )


@pytest.fixture
def deadline() -> Iterator[None]:
    """SIGALRM after 20 s: a regression that blocks (a FIFO open) fails instead of hanging."""
    import signal

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("blocked: the reader waited on a FIFO or a device")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def char_device(path: Path) -> Path:
    """A character device like /dev/zero (1, 5), made in the test's folder."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("mknod is not allowed here")
    return path


# -- the function ---------------------------------------------------------------------------


def test_a_regular_file_is_read_whole_up_to_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_file(path, 100) == b"x" * 100
    with pytest.raises(TooLarge) as refused:
        read_file(path, 99)
    assert refused.value.size == 100 and refused.value.limit == 99
    assert refused.value.filename == str(path) and "over the limit of 99" in str(
        refused.value.strerror
    )


@POSIX
def test_never_more_than_cap_plus_one_bytes_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/proc files say they are empty (st_size 0) and hold more: the reader asks for the
    size plus one, then reads on only up to the cap plus one."""
    proc = Path("/proc/self/status")
    if not proc.exists():
        pytest.skip("needs /proc")
    asked: list[int] = []
    real_read = os.read

    def counting(fd: int, size: int) -> bytes:
        asked.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", counting)  # the module os.read of fsutil too
    with pytest.raises(TooLarge) as refused:
        read_file(proc, 10)
    assert refused.value.size is None  # it grew past what fstat said
    assert sum(asked) <= 11, asked


@POSIX
@pytest.mark.usefixtures("deadline")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for path in (fifo, link):
        with pytest.raises(NotRegularFile, match="a FIFO"):
            read_file(path, 1024)


@POSIX
@pytest.mark.usefixtures("deadline")
def test_a_device_is_refused_before_a_byte_is_read(tmp_path: Path) -> None:
    zero = char_device(tmp_path / "zero")
    link = tmp_path / "link"
    link.symlink_to(zero)
    for path in (zero, link):
        with pytest.raises(NotRegularFile, match="a device"):
            read_file(path, 1 << 20)  # a regression reads 1 MiB of zeros, then fails


@POSIX
def test_a_socket_and_a_folder_are_refused(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(NotRegularFile, match="a socket"):
            read_file(tmp_path / "sock", 1024)
    finally:
        server.close()
    with pytest.raises(NotRegularFile, match="a directory"):
        read_file(tmp_path, 1024)


@POSIX
def test_nofollow_refuses_a_link_and_the_default_follows_it(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("secret")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert read_file(link, 100) == b"secret"
    with pytest.raises(ReadError, match="symbolic link"):
        read_file(link, 100, nofollow=True)
    assert read_file(target, 100, nofollow=True) == b"secret"


def test_a_missing_file_is_the_systems_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_file(tmp_path / "nothing", 100)


def test_head_reads_the_start_of_a_file_of_any_size(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"a" * 10 + b"b" * 100)
    assert read_file(path, 10, head=True) == b"a" * 10
    assert read_file(path, 1000, head=True) == b"a" * 10 + b"b" * 100


# -- the commands ---------------------------------------------------------------------------


def _connector(root: Path) -> Path:
    from tests.bundle.helpers import connector

    return connector(root)


@POSIX
@pytest.mark.parametrize("shape", ["link-to-dev-zero", "device", "fifo", "link", "too-large"])
def test_build_refuses_a_kpackignore_that_is_not_a_small_regular_file(
    tmp_path: Path, shape: str
) -> None:
    """Issue 18 item 1: `.kpackignore -> /dev/zero` ate all memory; now exit 2 at once."""
    root = _connector(tmp_path / "c")
    ignore = root / ".kpackignore"
    if shape == "link-to-dev-zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("needs /dev/zero")
        ignore.symlink_to("/dev/zero")  # read only, in a bounded child
    elif shape == "device":
        char_device(ignore)
    elif shape == "fifo":
        os.mkfifo(ignore)
    elif shape == "link":
        (root / "shared-ignore").write_text("*.map\n")
        ignore.symlink_to(root / "shared-ignore")
    else:
        ignore.write_bytes(b"# x\n" * (1024 * 1024 // 4 + 1))
    result = run_kpack("build", str(root), "--list")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@POSIX
@pytest.mark.parametrize("shape", ["fifo", "link", "device"])
def test_check_refuses_settings_that_are_not_a_regular_file_of_the_connector(
    tmp_path: Path, shape: str
) -> None:
    """A settings file kpack finds inside the connector: regular, not a link (a planted
    `.kpack.yaml -> ~/.netrc` would be parsed and quoted in an error)."""
    (tmp_path / "manifest.konnector").write_text("{}")
    config = tmp_path / ".kpack.yaml"
    if shape == "fifo":
        os.mkfifo(config)
    elif shape == "device":
        char_device(config)
    else:
        (tmp_path / "elsewhere.yaml").write_text("target: stack\n")
        config.symlink_to(tmp_path / "elsewhere.yaml")
    result = run_kpack("check", str(tmp_path / "manifest.konnector"))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and ".kpack.yaml" in result.stderr, result.stderr


@POSIX
def test_check_follows_a_settings_file_named_with_config(tmp_path: Path) -> None:
    """Named on the command line, a link is the user's choice: followed."""
    (tmp_path / "manifest.konnector").write_text("{}")
    (tmp_path / "real.yaml").write_text("target: nowhere\n")  # read: a usage error says so
    (tmp_path / "given.yaml").symlink_to(tmp_path / "real.yaml")
    result = run_kpack("check", "--config", str(tmp_path / "given.yaml"),
                       str(tmp_path / "manifest.konnector"))
    assert result.returncode == 2 and "target must be one of" in result.stderr, result.stderr


@POSIX
def test_env_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    """In a child: the old read waited for a writer forever."""
    fifo = tmp_path / "env"
    os.mkfifo(fifo)
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from kpack.provision.env import ProvisionError, read_env_file\n"
        "try:\n    read_env_file(Path(sys.argv[1]))\n"
        "except ProvisionError as exc:\n    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and "not a regular file" in result.stdout, result


def test_bundled_package_json_over_its_cap_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kpack.bundle import contents
    from tests.bundle.helpers import connector, kpack

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(contents, "PACKAGE_MAX_BYTES", 64)
    root = connector(tmp_path / "c", {"build/package.json": {"main": "index.js", "x": "y" * 100}})
    result = kpack(capsys, str(root), "--list")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "package.json" in result.err and "over the limit" in result.err
