"""`kpack check - --stdin-filename NAME`: an editor's buffer, checked as the file NAME."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kpack.cli import main
from kpack.load.source import MANIFEST_MAX_BYTES
from tests.helpers import REPO

SEED = REPO / "examples" / "seed-mistakes"
BAD_MANIFEST = '{\n  "slug": "Bad_Slug",\n  "clientSide": "yes",\n  "type": "konnector"\n}\n'
BAD_YAML_ACCOUNT_TYPE = "_id: example\ngrant_mode: refresh_token\nredirect_url: http://x\n"


def feed(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["check", *args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("manifest.konnector", BAD_MANIFEST),
        ("secrets/google.account-type.yaml", BAD_YAML_ACCOUNT_TYPE),
        ("account-types.json", (SEED / "account-types.json").read_text(encoding="utf-8")),
        # Named otherwise, an account type is told by its content, on disk as on stdin.
        ("providers.json", (SEED / "account-types.json").read_text(encoding="utf-8")),
        ("secrets/providers.yml", BAD_YAML_ACCOUNT_TYPE),
        # Comments are allowed in dev configs only: the kind decides the parser.
        ("konnector-dev-config.json",
         (SEED / "konnector-dev-config.json").read_text(encoding="utf-8")),
    ],
)
def test_stdin_gives_the_report_of_the_file_it_names(
    name: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    on_disk = report(capsys, name)
    path.unlink()  # the name is never read
    feed(monkeypatch, text.encode())
    from_stdin = report(capsys, "-", "--stdin-filename", name)
    assert from_stdin[0] == on_disk[0] == 1
    assert from_stdin[1] == on_disk[1]
    assert {d["file"] for d in from_stdin[1]["diagnostics"]} == {name}


def test_the_buffer_wins_over_the_saved_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.konnector").write_text(BAD_MANIFEST, encoding="utf-8")
    good = {"slug": "good", "type": "konnector", "name": "Good", "language": "node",
            "version": "1.0.0", "editor": "Me", "permissions": {}}
    feed(monkeypatch, json.dumps(good).encode())
    code, log, _ = report(capsys, "--stdin-filename", "manifest.konnector", "--select", "M001,M002")
    assert code == 0
    assert log["diagnostics"] == []


def test_the_settings_of_the_named_place_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    (project / "konnectors" / "a").mkdir(parents=True)
    (project / ".kpack.yaml").write_text(
        'per-file-ignores:\n  "konnectors/a/*": [A006]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    text = (SEED / "account-types.json").read_bytes()
    feed(monkeypatch, text)
    _, log, _ = report(capsys, "-", "--stdin-filename", "project/konnectors/a/account-types.json")
    assert {d["code"] for d in log["diagnostics"]} == {"A002"}
    feed(monkeypatch, text)
    _, log, _ = report(capsys, "-", "--stdin-filename", "project/konnectors/b/account-types.json")
    assert {d["code"] for d in log["diagnostics"]} == {"A002", "A006"}


def test_kind_option_without_a_name_reports_under_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, BAD_MANIFEST.encode())
    code, log, _ = report(capsys, "-", "--kind", "manifest")
    assert code == 1
    assert {d["file"] for d in log["diagnostics"]} == {"-"}
    assert log["summary"]["files"] == 1


def test_kind_option_wins_over_the_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, BAD_MANIFEST.encode())
    _, log, _ = report(capsys, "-", "--stdin-filename", "notes.json", "--kind", "manifest")
    assert {d["kind"] for d in log["diagnostics"]} == {"manifest"}
    assert {d["file"] for d in log["diagnostics"]} == {"notes.json"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-"], "cannot tell what kind of document standard input holds"),
        (["-", "--stdin-filename", "notes.json"], "notes.json: cannot tell what kind"),
        (["-", "other.json"], "cannot be combined with other paths"),
        (["manifest.konnector", "--stdin-filename", "manifest.konnector"], "give `-` or no path"),
        (["-", "--stdin-filename", "folder/"], "a file name is needed"),
    ],
)
def test_usage_errors(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed(monkeypatch, b"{}")
    assert main(["check", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.count("\n") == 1


class CountingStream(io.RawIOBase):
    """An endless stream of spaces that counts what was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), 1 << 16)
        buffer[:size] = b" " * size
        self.given += size
        return size


def test_an_endless_input_is_cut_at_the_size_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = CountingStream()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(raw)))
    code, log, _ = report(capsys, "-", "--stdin-filename", "manifest.konnector")
    assert code == 1
    (finding,) = log["diagnostics"]
    assert finding["code"] == "L008"
    assert raw.given <= MANIFEST_MAX_BYTES + 1 + (1 << 16)  # one read past the limit at most


def test_through_the_installed_command() -> None:
    script = shutil.which("kpack", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the kpack entry point is not installed next to this Python")
    result = subprocess.run(
        [script, "check", "-", "--stdin-filename", "konnectors/x/manifest.konnector"],
        input=BAD_MANIFEST, capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("konnectors/x/manifest.konnector:"), result.stdout


def test_a_usage_error_does_not_wait_for_the_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Standard input is read only when needed: `kpack check -` typed in a terminal
    says at once that it needs a name, instead of waiting for an end of file."""

    class Unread(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise AssertionError("standard input was read")

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Unread())))
    assert main(["check", "-"]) == 2
    assert main(["check", "-", "--stdin-filename", "notes.txt"]) == 2  # not a data file
    assert main(["check", "-", "--stdin-filename", "package.json"]) == 2  # never one
    assert "cannot tell what kind" in capsys.readouterr().err


# --- --fix, --fix-only and --diff on the buffer (ruff's `check --fix -`) ---------------

# M002 (a warning for the stack) and M001 (an error) are left once the comma is fixed.
TRAILING_COMMA = (
    b'{\r\n  "slug": "Bad_Slug",\r\n  "clientSide": "yes",\r\n'
    b'  "type": "konnector",\r\n}\r\n'
)


def fix_on_disk(
    tmp_path: Path, name: str, raw: bytes, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[bytes, str]:
    """What `kpack check --fix` makes of the same bytes saved as `name`, and what `--diff`
    prints for it: what the buffer's answers must be."""
    path = tmp_path / "disk" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        main(["check", "--diff", name, *args])
        diff = capsys.readouterr().out
        main(["check", "--fix", name, *args])
        capsys.readouterr()
    finally:
        os.chdir(cwd)
    return path.read_bytes(), diff


def fix_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], raw: bytes,
    *args: str,
) -> tuple[int, bytes, str]:
    feed(monkeypatch, raw)
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out.encode("utf-8"), captured.err


def test_fix_prints_the_whole_fixed_buffer_and_reports_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fixed, _ = fix_on_disk(tmp_path, "manifest.konnector", TRAILING_COMMA, capsys)
    monkeypatch.chdir(tmp_path)
    code, out, err = fix_stdin(
        monkeypatch, capsys, TRAILING_COMMA, "--fix", "-", "--stdin-filename",
        "manifest.konnector",
    )
    assert out == fixed != TRAILING_COMMA  # the CRLF line endings kept, the comma gone
    assert code == 1  # M001 and M002 are left
    assert "M002" in err and "L003" not in err
    assert "Fixed 1 finding." in err
    assert not (tmp_path / "manifest.konnector").exists()  # nothing written


def test_fix_with_nothing_to_fix_prints_the_buffer_as_it_came(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = b'\xef\xbb\xbf{"slug": "Bad_Slug"}'  # a BOM is fixable: ignored here
    code, out, err = fix_stdin(
        monkeypatch, capsys, raw, "--fix", "--stdin-filename", "manifest.konnector",
        "--select", "M002", "--target", "registry",  # M002: an error for the registry
    )
    assert (code, out) == (1, raw)
    assert "M002" in err


def test_fix_reports_in_the_format_asked_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = fix_stdin(
        monkeypatch, capsys, TRAILING_COMMA, "--fix", "--stdin-filename", "manifest.konnector",
        "--format", "json",
    )
    assert out.startswith(b"{\r\n") and b",\r\n}" not in out
    assert {d["code"] for d in json.loads(err)["diagnostics"]} >= {"M002"}
    assert code == 1


def test_diff_on_the_buffer_prints_the_diff_of_the_same_file_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, diff = fix_on_disk(tmp_path, "manifest.konnector", TRAILING_COMMA, capsys)
    monkeypatch.chdir(tmp_path)
    code, out, err = fix_stdin(
        monkeypatch, capsys, TRAILING_COMMA, "--diff", "-", "--stdin-filename",
        "manifest.konnector",
    )
    assert code == 1
    assert out.decode() == diff and diff.startswith("--- a/manifest.konnector")
    assert err == "Would fix 1 finding.\n"
    assert "change" not in err
    assert not (tmp_path / "manifest.konnector").exists()


def test_diff_on_a_clean_buffer_prints_nothing_and_exits_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = fix_stdin(
        monkeypatch, capsys, b'{"slug": "Bad_Slug"}', "--diff", "--stdin-filename",
        "manifest.konnector",
    )
    assert (code, out, err) == (0, b"", "No fixes available.\n")


def test_fix_only_prints_the_buffer_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = fix_stdin(
        monkeypatch, capsys, TRAILING_COMMA, "--fix-only", "--stdin-filename",
        "manifest.konnector",
    )
    assert code == 0
    assert out == TRAILING_COMMA.replace(b",\r\n}", b"\r\n}")
    assert err == "Fixed 1 finding in 1 file.\n"
    feed(monkeypatch, TRAILING_COMMA)
    assert main(["check", "--fix-only", "--exit-non-zero-on-fix", "--stdin-filename",
                 "manifest.konnector"]) == 1


def test_unsafe_fixes_apply_to_the_buffer_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = (SEED / "account-types.json").read_bytes()  # refresh_token: an unsafe fix
    args = ("--fix", "--stdin-filename", "account-types.json", "--select", "A002")
    code, out, err = fix_stdin(monkeypatch, capsys, raw, *args)
    assert (code, out) == (1, raw)
    assert "1 hidden fix can be enabled" in err
    code, out, err = fix_stdin(monkeypatch, capsys, raw, *args, "--unsafe-fixes")
    assert code == 0
    assert out == raw.replace(b'"refresh_token"', b'"authorization_code"')


def test_fix_passes_a_buffer_over_the_size_limit_through_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not parsed, so not fixed; but stdout is still the whole buffer: an editor that
    replaces its text with it must not lose the end."""
    raw = b'{"slug": "x",' + b" " * MANIFEST_MAX_BYTES + b'"type": "konnector",}\n'
    code, out, err = fix_stdin(
        monkeypatch, capsys, raw, "--fix", "--stdin-filename", "manifest.konnector"
    )
    assert code == 1
    assert out == raw
    assert "L008" in err


def test_fix_through_the_installed_command_keeps_every_byte() -> None:
    script = shutil.which("kpack", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the kpack entry point is not installed next to this Python")
    result = subprocess.run(
        [script, "check", "--fix", "-", "--stdin-filename", "konnectors/x/manifest.konnector"],
        input=TRAILING_COMMA, capture_output=True, check=False, timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == TRAILING_COMMA.replace(b",\r\n}", b"\r\n}")
    assert result.stderr.startswith(b"konnectors/x/manifest.konnector:")
