"""The bad-input catalogue, for `kpack check`, `kpack provision` and `kpack build`.

Every case runs the real command in a subprocess (`python -m kpack ...`, with a timeout, as
a pre-commit hook or CI would) and demands: exit 1 or 2, a message naming the file, no
traceback, and nothing written anywhere in the folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.hardening.connectors import small_connector

KPACK = [sys.executable, "-m", "kpack"]
TIMEOUT = 600  # a hang fails the case instead of the whole run (a million findings: ~2 min)
ACCOUNT_TYPE = {"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": "$SVC"}


def _doc(**members: object) -> bytes:
    return json.dumps({**ACCOUNT_TYPE, **members}).encode()


# -- contents: bytes written where a document is expected --------------------------------------

CONTENTS: dict[str, Callable[[], bytes]] = {
    "utf8-bom": lambda: b"\xef\xbb\xbf" + _doc(),
    "utf16": lambda: json.dumps(ACCOUNT_TYPE).encode("utf-16"),
    "utf16-no-bom": lambda: json.dumps(ACCOUNT_TYPE).encode("utf-16-le"),
    "invalid-utf8": lambda: _doc()[:-2] + b'\xff\xfe"}',
    "nul-bytes": lambda: _doc()[:10] + b"\0\0" + _doc()[10:],
    "empty": lambda: b"",
    "whitespace-only": lambda: b"  \n\t\r\n  ",
    "10mb-string": lambda: _doc(grant_mode="x" * (10 * 1024 * 1024)),
    "million-element-array": lambda: b"[" + b",".join([b"0"] * 1_000_000) + b"]",
    "100k-nesting-arrays": lambda: b"[" * 100_000 + b"]" * 100_000,
    "100k-nesting-objects": lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "nan": lambda: _doc()[:-1] + b', "extras": {"n": NaN}}',
    "infinity": lambda: _doc()[:-1] + b', "extras": {"n": -Infinity}}',
    "huge-integer": lambda: _doc()[:-1] + b', "extras": {"n": ' + b"9" * 5000 + b"}}",
    "duplicate-keys": lambda: b'{"_id": "a", "_id": "b", "grant_mode": "secret", "slug": "s"}',
    "truncated": lambda: _doc()[:-5],
}
YAML_CONTENTS: dict[str, Callable[[], bytes]] = {
    "yaml-100k-nesting": lambda: b"[" * 100_000 + b"]" * 100_000,
    "yaml-100k-block-nesting": lambda: b"".join(b"  " * i + b"a:\n" for i in range(3000)),
    "yaml-alias-cycle": lambda: b"- &x {_id: a, grant_mode: secret, extras: *x}\n",
    "yaml-tab-indent": lambda: b"_id: a\n\tgrant_mode: secret\n",
    "yaml-million-items": lambda: b"- 0\n" * 1_000_000,
}


# -- the file system: what is found where a file is expected -----------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere.json")


def _loop(path: Path) -> None:
    other = path.parent / "loop-b.json"
    other.symlink_to(path)
    path.symlink_to(other)


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "x.txt").write_text("x")


def _missing(path: Path) -> None:
    pass


def _unreadable(path: Path) -> None:
    path.write_bytes(_doc())
    path.chmod(0)


FILE_SYSTEM: dict[str, Callable[[Path], None]] = {
    "fifo": _fifo,
    "dangling-symlink": _dangling,
    "symlink-loop": _loop,
    "directory": _directory,
    "missing": _missing,
}
if hasattr(os, "geteuid") and os.geteuid() != 0:  # root reads anything
    FILE_SYSTEM["chmod-000"] = _unreadable

ODD_FOLDER = "a folder with spaces é ü 日本"
# Tens of seconds each (a million findings to report...): deselect with -m 'not slow'.
HEAVY = {"10mb-string", "million-element-array", "yaml-million-items"}


def _marks(key: str) -> tuple[pytest.MarkDecorator, ...]:
    return (pytest.mark.slow,) if key in HEAVY else ()


class Outcome(NamedTuple):
    code: int
    out: str
    err: str


def run(*args: str, cwd: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COUCHDB_", "SVC"))}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    done = subprocess.run(
        [*KPACK, *args],
        cwd=cwd,
        capture_output=True,
        timeout=TIMEOUT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return Outcome(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


Snapshot = dict[str, tuple[int, int, int]]  # path: (mode, size, mtime_ns)


def snapshot(root: Path) -> Snapshot:
    """Every entry under root (links not followed): what would show anything written."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            st = path.lstat()
            found[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return found


def assert_refused(result: Outcome, name: str, before: Snapshot, root: Path) -> None:
    assert result.code in (1, 2), result
    assert "Traceback" not in result.err, result.err[-3000:]
    assert name in result.out + result.err, (name, result.out[-2000:], result.err[-2000:])
    assert snapshot(root) == before, "something was written"


# -- check and provision: the bad file given by name -------------------------------------------

CHECK_CASES = [
    *[
        pytest.param("account-types.json", make, None, id=f"json-{key}", marks=_marks(key))
        for key, make in CONTENTS.items()
    ],
    *[
        pytest.param("account-types.yaml", make, None, id=key, marks=_marks(key))
        for key, make in YAML_CONTENTS.items()
    ],
    pytest.param(
        "manifest.konnector",
        CONTENTS["10mb-string"],
        None,
        id="manifest-10mb",
        marks=_marks("10mb-string"),
    ),
    pytest.param("konnector-dev-config.json", CONTENTS["nul-bytes"], None, id="dev-config-nul"),
    *[
        pytest.param("account-types.json", None, make, id=f"fs-{key}")
        for key, make in FILE_SYSTEM.items()
    ],
    pytest.param(
        f"{ODD_FOLDER}/account-types.json", CONTENTS["truncated"], None, id="odd-path-json"
    ),
]


def _prepare(
    root: Path,
    name: str,
    content: Callable[[], bytes] | None,
    make: Callable[[Path], None] | None,
) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is not None:
        path.write_bytes(content())
    if make is not None:
        make(path)
    return path


def _refused_by(
    tmp_path: Path,
    name: str,
    content: Callable[[], bytes] | None,
    make: Callable[[Path], None] | None,
    *command: str,
) -> tuple[Outcome, str]:
    """Prepare the bad file, run `kpack <command> <file>` on it and assert it is refused;
    the outcome and the file's path as given."""
    path = _prepare(tmp_path, name, content, make)
    before = snapshot(tmp_path)
    relative = str(path.relative_to(tmp_path))
    result = run(*command, relative, cwd=tmp_path)
    assert_refused(result, path.name, before, tmp_path)
    return result, relative


def _forced_kind(make: Callable[[Path], None] | None) -> list[str]:
    # A folder is a valid argument of `check`: --kind says a file is expected.
    return ["--kind", "account-type"] if make is _directory else []


@pytest.mark.parametrize(("name", "content", "make"), CHECK_CASES)
def test_check(
    tmp_path: Path,
    name: str,
    content: Callable[[], bytes] | None,
    make: Callable[[Path], None] | None,
) -> None:
    _refused_by(tmp_path, name, content, make, "check", *_forced_kind(make))


@pytest.mark.parametrize(("name", "content", "make"), CHECK_CASES)
def test_check_json_report(
    tmp_path: Path,
    name: str,
    content: Callable[[], bytes] | None,
    make: Callable[[Path], None] | None,
) -> None:
    """The same through --format json: still valid JSON on stdout (or a usage error)."""
    result, relative = _refused_by(
        tmp_path, name, content, make, "check", "--format", "json", *_forced_kind(make)
    )
    if result.code == 1:
        report = json.loads(result.out)
        assert report["summary"]["errors"] >= 1
        assert {d["file"] for d in report["diagnostics"]} <= {relative}


@pytest.mark.parametrize(("name", "content", "make"), CHECK_CASES)
def test_provision(
    tmp_path: Path,
    name: str,
    content: Callable[[], bytes] | None,
    make: Callable[[Path], None] | None,
) -> None:
    if name.endswith(".konnector") or "dev-config" in name:
        name = "account-types.json"  # provision reads account types only
    _refused_by(tmp_path, name, content, make, "provision")


def test_check_scans_a_folder_holding_a_fifo_without_blocking(tmp_path: Path) -> None:
    """A FIFO named like data (`*.json`) is not opened to sniff its content."""
    os.mkfifo(tmp_path / "data.json")
    os.mkfifo(tmp_path / "account-types.json")
    before = snapshot(tmp_path)
    result = run("check", ".", cwd=tmp_path)
    assert_refused(result, "account-types.json", before, tmp_path)
    assert "data.json" not in result.out  # not an account type: not reported


# -- build: the bad file is the bundle's manifest ----------------------------------------------


BUILD_CASES = [
    *[
        pytest.param(make, None, id=f"manifest-{key}", marks=_marks(key))
        for key, make in CONTENTS.items()
    ],
    *[pytest.param(None, make, id=f"manifest-fs-{key}") for key, make in FILE_SYSTEM.items()],
]


@pytest.mark.parametrize(
    "args",
    [[], ["--list"], ["--format", "json"], ["--dir", "out"]],
    ids=["archive", "list", "json", "dir"],
)
@pytest.mark.parametrize(("content", "make"), BUILD_CASES)
def test_build(
    tmp_path: Path,
    content: Callable[[], bytes] | None,
    make: Callable[[Path], None] | None,
    args: list[str],
) -> None:
    root = small_connector(tmp_path / ODD_FOLDER)
    manifest = root / "build" / "manifest.konnector"
    manifest.unlink()
    if content is not None:
        manifest.write_bytes(content())
    if make is not None:
        make(manifest)
    before = snapshot(tmp_path)
    result = run("build", ODD_FOLDER, *args, cwd=tmp_path)
    assert_refused(result, "manifest.konnector", before, tmp_path)
    if args == ["--format", "json"] and result.code == 1:
        assert json.loads(result.out)["ok"] is False


@pytest.mark.parametrize(
    "make", [_fifo, _dangling, _loop], ids=["fifo", "dangling-symlink", "symlink-loop"]
)
def test_build_refuses_odd_files_in_the_tree(tmp_path: Path, make: Callable[[Path], None]) -> None:
    root = small_connector(tmp_path / ODD_FOLDER)
    make(root / "build" / "odd é.js")
    before = snapshot(tmp_path)
    result = run("build", ODD_FOLDER, cwd=tmp_path)
    assert_refused(result, "odd é.js", before, tmp_path)


def test_build_of_a_missing_folder(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run("build", "no such é", cwd=tmp_path)
    assert_refused(result, "no such é", before, tmp_path)


def test_build_of_a_file(tmp_path: Path) -> None:
    (tmp_path / "file é").write_text("x")
    before = snapshot(tmp_path)
    result = run("build", "file é", cwd=tmp_path)
    assert_refused(result, "file é", before, tmp_path)


def test_the_odd_folder_itself_builds(tmp_path: Path) -> None:
    """The control: spaces and non-ASCII in the path are not what the cases refuse."""
    small_connector(tmp_path / ODD_FOLDER)
    result = run("build", ODD_FOLDER, "--target", "stack", cwd=tmp_path)
    assert result.code == 0, result
    assert (tmp_path / ODD_FOLDER / "dist" / "demo-1.2.0.tar.gz").is_file()
    assert sorted(p.name for p in (tmp_path / ODD_FOLDER / "dist").iterdir()) == [
        "demo-1.2.0.tar.gz",
        "demo-1.2.0.tar.gz.sha256",
    ]


def test_catalogue_size() -> None:
    """The figure the hardening issue asks for (each case and command runs above)."""
    cases = 3 * len(CHECK_CASES) + 4 * len(BUILD_CASES) + 3 + 1 + 2 + 1
    assert cases >= 150, cases
