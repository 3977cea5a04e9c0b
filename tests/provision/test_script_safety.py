"""The curl script at run time: a masked secret is never stored, and curl's credentials
file lives in a fresh private folder that is removed on every exit path.

Run with the real sh and curl against pouchdb-server. A small `curl` in front of the real
one records where its `-K` config file lives (and can hang, to be interrupted); a `mktemp`
in front of the real one plants a file where the script will create its own, a situation
a private folder makes impossible, to prove the script checks rather than trusts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write
from tests.provision.conftest import DB_PATH, KPACK, Server

pytestmark = pytest.mark.couchdb

SECRET = "real-secret-v4lue"
DOCS: list[dict[str, Any]] = [
    {"_id": "literal", "grant_mode": "secret", "slug": "literal", "secret": SECRET},
    {"_id": "placeholder", "grant_mode": "secret", "slug": "placeholder", "secret": "$TOKEN"},
]


@pytest.fixture
def tools() -> tuple[str, str]:
    curl, mktemp = shutil.which("curl"), shutil.which("mktemp")
    if curl is None or mktemp is None or shutil.which("sh") is None:
        pytest.skip("needs sh, curl and mktemp")
    return curl, mktemp


def generate(tmp_path: Path, env: dict[str, str], *args: str) -> Path:
    write(tmp_path, "account-types.json", DOCS)
    result = subprocess.run([*KPACK, "provision", "account-types.json", *args], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return write(tmp_path, "provision.sh", result.stdout)


def test_masked_script_refuses_and_never_stores_the_mask(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], tools: tuple[str, str],
) -> None:
    env = {**kpack_env, "TOKEN": "token-value"}
    applied = subprocess.run([*KPACK, "provision", "account-types.json", "--apply"], env=env,
                             cwd=write(tmp_path, "account-types.json", DOCS).parent,
                             capture_output=True, text=True, timeout=300)
    assert applied.returncode == 0, applied.stderr
    script = generate(tmp_path, env)  # the literal secret is masked
    assert SECRET not in script.read_text()
    before = {doc["_id"]: couch.doc(doc["_id"]) for doc in DOCS}
    result = subprocess.run(["sh", str(script)], env={**env, "TOKEN": "changed"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "kpack: literal: secret is masked in this script (********)\n"
        "kpack: refusing to run: it would store the mask over the real secret.\n"
        "Print the script again with the secret as a $VAR placeholder, or with "
        "--reveal-secrets.\n"
    )
    # Nothing written: the real secret stays, the other document is not touched either.
    assert {doc["_id"]: couch.doc(doc["_id"]) for doc in DOCS} == before
    assert couch.doc("literal")["secret"] == SECRET


def _curl_spy(folder: Path, real_curl: str) -> Path:
    """A `curl` that logs its -K file's folder and modes, then runs the real curl (or waits
    to be interrupted when KPACK_TEST_HANG names a file to create)."""
    spy = folder / "bin" / "curl"
    spy.parent.mkdir()
    spy.write_text(
        "#!/bin/sh\n"
        'cfg= prev=\n'
        'for a in "$@"; do [ "$prev" = -K ] && cfg=$a; prev=$a; done\n'
        'stat -c "%n|%F|%a|%u" "$(dirname "$cfg")" "$cfg" >> "$KPACK_TEST_LOG"\n'
        'if [ -n "${KPACK_TEST_HANG:-}" ]; then : > "$KPACK_TEST_HANG"; sleep 60; fi\n'
        f'exec {real_curl} "$@"\n'
    )
    spy.chmod(0o755)
    return spy.parent


def _spied_env(tmp_path: Path, kpack_env: dict[str, str], real_curl: str) -> dict[str, str]:
    temp = tmp_path / "tmpdir"
    temp.mkdir()
    bin_dir = _curl_spy(tmp_path, real_curl)
    return {**kpack_env, "TOKEN": "t", "TMPDIR": str(temp), "KPACK_TEST_LOG":
            str(tmp_path / "curl.log"), "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def _check_private(tmp_path: Path, env: dict[str, str]) -> None:
    lines = (tmp_path / "curl.log").read_text().splitlines()
    assert lines, "curl never ran"
    uid = str(os.getuid())
    for folder_line, file_line in zip(lines[::2], lines[1::2], strict=True):
        folder, kind, mode, owner = folder_line.split("|")
        assert Path(folder).parent == Path(env["TMPDIR"])  # a folder of its own in TMPDIR
        assert (kind, mode, owner) == ("directory", "700", uid)
        name, kind, mode, owner = file_line.split("|")
        assert Path(name).parent == Path(folder)
        assert (kind, mode, owner) in {("regular file", "600", uid),
                                       ("regular empty file", "600", uid)}


@pytest.mark.parametrize("outcome", ["success", "unauthorized", "curl-fails"])
def test_credentials_file_is_private_and_removed(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], tools: tuple[str, str],
    outcome: str,
) -> None:
    env = _spied_env(tmp_path, kpack_env, tools[0])
    script = generate(tmp_path, env, "--reveal-secrets")
    if outcome == "curl-fails":
        env["COUCHDB_URL"] = "http://127.0.0.1:1"  # nothing listens: curl exits 7
    if outcome == "unauthorized":  # pouchdb-server has no such user: 401
        env.update(COUCHDB_USER="admin", COUCHDB_PASSWORD="pw-Secret-77")
    result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == (0 if outcome == "success" else 1), result.stderr
    _check_private(tmp_path, env)
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # removed on the way out
    assert "pw-Secret-77" not in result.stdout + result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_credentials_file_is_removed_when_interrupted(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], tools: tuple[str, str],
    signum: int,
) -> None:
    env = _spied_env(tmp_path, kpack_env, tools[0])
    script = generate(tmp_path, env, "--reveal-secrets")
    hang = tmp_path / "curl-is-waiting"
    env["KPACK_TEST_HANG"] = str(hang)
    process = subprocess.Popen(["sh", str(script)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60  # readiness wait, not a timing assertion
        while not hang.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "curl never started"
            time.sleep(0.05)
        _check_private(tmp_path, env)
        assert len(list(Path(env["TMPDIR"]).iterdir())) == 1
        os.killpg(process.pid, signum)  # as a terminal does: the whole foreground group
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 128 + signum
    assert list(Path(env["TMPDIR"]).iterdir()) == []
    assert couch.request("GET", DB_PATH)[0] == 404  # interrupted before any write


@pytest.mark.parametrize("planted", ["fifo", "symlink", "config"])
def test_a_planted_credentials_file_is_refused(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], tools: tuple[str, str],
    planted: str,
) -> None:
    """Only root or the user could plant a file in the private folder: if anything is there,
    the script refuses it rather than write credentials into it (or block on a FIFO)."""
    env = _spied_env(tmp_path, kpack_env, tools[0])
    script = generate(tmp_path, env, "--reveal-secrets")
    target = tmp_path / "stolen"
    plant = {
        "fifo": 'mkfifo "$d/curl.cfg"',
        "symlink": f'ln -s {target} "$d/curl.cfg"',
        "config": f'printf "output = {target}\\n" > "$d/curl.cfg"',
    }[planted]
    fake = tmp_path / "bin" / "mktemp"
    fake.write_text(f'#!/bin/sh\nd=$({tools[1]} "$@")\n{plant}\nprintf "%s\\n" "$d"\n')
    fake.chmod(0o755)
    result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr == (
        "kpack: the private temporary folder is not new and empty: refusing to use it\n"
    )
    assert not (tmp_path / "curl.log").exists()  # curl never ran
    assert not target.exists()
    assert list(Path(env["TMPDIR"]).iterdir()) == []
    assert couch.request("GET", DB_PATH)[0] == 404


def test_private_folder_mode_is_not_the_umask_of_the_caller(
    tmp_path: Path, couch: Server, kpack_env: dict[str, str], tools: tuple[str, str],
) -> None:
    """A permissive umask (0) in the caller does not open the folder or the file."""
    env = _spied_env(tmp_path, kpack_env, tools[0])
    script = generate(tmp_path, env, "--reveal-secrets")
    result = subprocess.run(["sh", "-c", f"umask 0; . {script}"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    _check_private(tmp_path, env)
