"""`kpack check` end to end through `main(argv)`: exit codes, options, outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpack.cli import main
from tests.helpers import REPO, write

GOOD_MANIFEST = {
    "slug": "demo",
    "name": "Demo",
    "type": "konnector",
    "version": "1.0.0",
    "editor": "Me",
    "language": "node",
    "icon": "icon.svg",
    "permissions": {"files": {"type": "io.cozy.files"}},
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", GOOD_MANIFEST)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0, out
    assert "All checks passed (1 file checked)." in out


def test_error_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", '{"slug": "demo",}')
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    assert f"{path}:1:16: L003 [*] [error] trailing comma" in out


def test_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", '{"slug": "demo",}')
    assert run(capsys, "check", "--exit-zero", str(path))[0] == 0


def test_warnings_fail_only_with_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", '{"slug": "demo",}')
    config = write(tmp_path, "kpack.yaml", "severity: {L003: warning}\n")
    assert run(capsys, "check", "--config", str(config), str(path))[0] == 0
    assert run(capsys, "check", "--config", str(config), "--strict", str(path))[0] == 1


def test_select_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", '{"slug": "demo", "slug": "x",}')
    _, out, _ = run(
        capsys, "check", "--select", "L", "--ignore", "L003", str(path), "-o", "json"
    )
    assert [d["code"] for d in json.loads(out)["diagnostics"]] == ["L002"]
    _code, out, _ = run(
        capsys, "check", "--select", "L002,L003", "--ignore", "L002", str(path), "-o", "json"
    )
    assert [d["code"] for d in json.loads(out)["diagnostics"]] == ["L003"]


def test_unknown_selector_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "manifest.konnector", "{}")
    code, _, err = run(capsys, "check", "--select", "ZZ9", str(path))
    assert code == 2 and "matches no rule" in err


def test_missing_path_is_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(tmp_path / "nope"))
    assert code == 2 and out == "" and "no such file or directory" in err
    assert "Traceback" not in err


def test_bad_option_is_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--format", "xml")[0] == 2
    assert run(capsys, "check", "--no-such-option")[0] == 2


def test_kind_forces_the_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "whatever.json", '{"fields": {},}')
    _code, out, _ = run(capsys, "check", "--kind", "dev-config", str(path), "-o", "json")
    report = json.loads(out)
    assert report["diagnostics"][0]["kind"] == "dev-config"


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", '{"slug": "demo",}')
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    code, out, _err = run(capsys, "check", str(path), "-o", "json", "--output-file", str(report))
    assert code == 1 and out == ""
    assert json.loads(report.read_text())["summary"]["errors"] == 1
    assert [p.name for p in report.parent.iterdir()] == ["report.json"]


def test_output_file_in_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Missing parent folders are created, as eslint does (issue 15); under a file: exit 2."""
    path = write(tmp_path, "manifest.konnector", '{"clientSide": "yes"}')  # M001
    report = tmp_path / "no" / "such" / "r.txt"
    code, _, err = run(capsys, "check", str(path), "--output-file", str(report))
    assert code == 1 and "Traceback" not in err
    assert "manifest.konnector" in report.read_text()
    code, _, err = run(capsys, "check", str(path), "--output-file", str(path / "r.txt"))
    assert code == 2 and "cannot write" in err and err.count("\n") == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("kpack ")


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    path = write(tmp_path, "manifest.konnector", '{"slug": "demo",}')
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "kpack", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert result.returncode == 1 and "L003" in result.stdout
    assert result.stderr == ""


def test_console_entry_flushes_everything_before_its_quick_exit(tmp_path: Path) -> None:
    """`run` leaves with os._exit: a report larger than a pipe's buffer must arrive whole."""
    for i in range(300):
        write(tmp_path / f"c{i:03}", "manifest.konnector", '{"slug": "Bad Slug", "type": 1,}')
    result = subprocess.run(
        [sys.executable, "-m", "kpack", "check", "-o", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 1 and result.stderr == ""
    assert report["summary"]["files"] == 300 and len(result.stdout) > 65536


def test_console_entry_when_the_reader_goes_away(tmp_path: Path) -> None:
    # Far more than a pipe holds (64 KiB): kpack is still writing when the reader leaves.
    for i in range(1000):
        write(tmp_path / f"c{i:03}", "manifest.konnector", '{"slug": "Bad Slug", "type": 1,}')
    kpack = subprocess.Popen(
        [sys.executable, "-m", "kpack", "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert kpack.stdout is not None and kpack.stderr is not None
    first = kpack.stdout.readline()
    kpack.stdout.close()  # `kpack check | head -1`
    err = kpack.stderr.read()
    # Click ends a run whose reader left with exit 1 (its EPIPE handling), quietly.
    assert kpack.wait(timeout=60) == 1 and first.startswith(str(tmp_path).encode())
    assert err == b""


def test_default_path_is_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "manifest.konnector", '{"slug": "demo",}')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--select", "L")
    assert code == 1 and out.startswith("manifest.konnector:1:16:")


def test_seed_dev_config_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seed document's dev-config example has a trailing comma: exit 1, right position."""
    text = '{\n  "fields": {\n    "access_token": "<ACCESS_TOKEN>",\n  }\n}\n'
    path = write(tmp_path, "konnector-dev-config.json", text)
    code, out, _ = run(capsys, "check", str(path), "-o", "json")
    found = [d for d in json.loads(out)["diagnostics"] if d["code"] == "L003"]
    assert code == 1 and [(d["line"], d["column"]) for d in found] == [(3, 37)]


def test_a_folder_with_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "README.md", "# nothing here")
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and "0 files checked" in out
    assert "no manifest.konnector, account type or konnector-dev-config.json found" in err


@pytest.mark.parametrize("read", [".kpack.yaml", "package.json", "account-types-def.json"])
def test_output_file_never_replaces_a_file_the_run_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], read: str
) -> None:
    """Issue 18: not only the files checked, but the settings file, the package.json read
    for settings and a companion pulled in for the rules across files (the manifest is
    given by name, as pre-commit does) are refused as `--output-file`."""
    write(tmp_path, "package.json", '{"name": "x", "kpack": {"ignore": ["M004"]}}')
    if read != "package.json":  # else .kpack.yaml is the settings, package.json unread
        write(tmp_path, ".kpack.yaml", "ignore: [M003]\n")
    write(tmp_path, "account-types-def.json", {"_id": "x", "grant_mode": "secret"})
    manifest = write(tmp_path, "manifest.konnector", '{"clientSide": "yes"}')
    target = tmp_path / read
    before = target.read_bytes()
    code, _, err = run(capsys, "check", str(manifest), "--output-file", str(target))
    assert code == 2 and err.count("\n") == 1, err
    assert target.read_bytes() == before
