"""Issue 18: `--fix` writes by the rules of `kpack.fsutil.write_file`, and `--diff` shows
what it would write as the text report shows findings (escaped, secrets masked)."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

import pytest

from kpack.escape import UNSAFE_PATTERN
from tests.fix.test_fix_cli import case_file, copy_case, run

CASE = "a003-token-mode-json"


# --- the writer -----------------------------------------------------------------------------


def test_a_file_that_is_a_symbolic_link_is_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = copy_case(CASE, tmp_path)
    before = target.read_bytes()
    (tmp_path / "linked").mkdir()
    link = tmp_path / "linked" / "account-type.json"
    link.symlink_to(target)
    code, out, err = run(capsys, "--fix-only", str(link))
    assert code == 2 and out == ""
    assert err.startswith(
        f"kpack: warning: cannot fix {link}: is a symbolic link: kpack does not write "
        f"through links (fix the real file: {target})\n"
    )
    assert link.is_symlink() and target.read_bytes() == before
    code, out, err = run(capsys, "--fix", str(link))
    assert code == 1 and "A003" in out and "cannot fix" in err
    assert target.read_bytes() == before
    # The real file itself is fixed.
    run(capsys, "--fix", str(target))
    assert target.read_bytes() == case_file(CASE, "after").read_bytes()


def test_a_file_swapped_for_a_link_while_fixing_is_not_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kpack.fix.apply as apply

    path = copy_case(CASE, tmp_path)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text('{"keep": "me"}')
    real_fix_bytes = apply.fix_bytes

    def swapped_meanwhile(*args: object, **kwargs: object) -> object:
        result = real_fix_bytes(*args, **kwargs)  # type: ignore[arg-type]
        path.unlink()
        path.symlink_to(elsewhere)  # a planted link, between the passes and the write
        return result

    monkeypatch.setattr(apply, "fix_bytes", swapped_meanwhile)
    code, _, err = run(capsys, "--fix-only", str(path))
    assert code == 2 and "is a symbolic link" in err
    assert elsewhere.read_text() == '{"keep": "me"}' and path.is_symlink()


def test_a_file_with_several_hard_links_is_not_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_case(CASE, tmp_path)
    before = path.read_bytes()
    other = tmp_path / "other-name.json"
    os.link(path, other)
    code, _, err = run(capsys, "--fix-only", str(path))
    assert code == 2
    assert f"kpack: warning: cannot fix {path}: has 2 hard links: replacing it would split" in err
    assert path.read_bytes() == before == other.read_bytes()
    assert os.stat(path).st_ino == os.stat(other).st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_the_fixed_file_keeps_its_owner_group_and_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_case(CASE, tmp_path)
    os.chown(path, 4321, 8765)
    path.chmod(0o640)
    code, _, _ = run(capsys, "--fix-only", str(path))
    assert code == 0
    assert path.read_bytes() == case_file(CASE, "after").read_bytes()
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (4321, 8765, 0o640)


def test_an_owner_kpack_cannot_keep_is_a_refusal_not_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a user who may write the file (its group's) but not give a new file its owner:
    the new file would be the user's. Simulated: only root can make that situation."""
    path = copy_case(CASE, tmp_path)
    before = path.read_bytes()
    owner = os.stat(path)
    real_fstat = os.fstat

    def someone_else(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        values = list(st)
        values[4] = owner.st_uid + 1  # the temporary file is ours, the fixed file is not
        return os.stat_result(values)

    def refused(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refused)
    monkeypatch.setattr(os, "fstat", someone_else)
    code, _, err = run(capsys, "--fix-only", str(path))
    monkeypatch.undo()
    assert code == 2
    assert "is owned by another user or group, which kpack cannot keep" in err
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


# --- --diff ---------------------------------------------------------------------------------


def _unsafe(text: str) -> list[str]:
    """The characters of `text` that could take a terminal over (a diff keeps its tabs and
    its line ends)."""
    found: list[str] = re.findall(UNSAFE_PATTERN, text.replace("\n", "").replace("\t", ""))
    return found


def test_diff_escapes_file_names_and_contents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "conn\x1b]0;pwned\x07\u202e"
    folder.mkdir()
    path = folder / "account-type.json"
    # JSON strings may hold C1 controls and separators raw; the fixed line and its
    # neighbours are shown.
    path.write_text(
        '{\n "_id": "demo",\n "grant_mode": "secret",\n "slug": "demo\\u0000",\n'
        ' "note": "\x9b2J\u2028x\u202e",\n "token_mode": "Basic"\n}\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--diff", folder.name)
    assert code == 1 and err.startswith("Would fix 1 finding")
    assert _unsafe(out) == []
    assert "conn\\x1b]0;pwned\\x07\\u202e/account-type.json" in out
    assert '"note": "\\x9b2J\\u2028x\\u202e",' in out
    assert '+ "token_mode": "basic"' in out


SENTINEL = "sntl" + secrets.token_hex(12)


@pytest.mark.parametrize("name", ["account-types.json", "account-types.yaml"])
def test_diff_masks_secrets(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    docs = [
        {"_id": "a", "grant_mode": "secret", "slug": "a", "secret": SENTINEL + "-1",
         "token_mode": "Basic"},
        {"_id": "b", "grant_mode": "authorization_code", "client-secret": SENTINEL + "-2",
         "client_id": SENTINEL + "-2", "secret": {"key": [SENTINEL + "-3", 12345]}},
    ]
    if name.endswith(".json"):
        path.write_text(json.dumps(docs, indent=1))
    else:
        import yaml

        path.write_text(yaml.safe_dump(docs, sort_keys=False))
    code, out, _ = run(capsys, "--diff", str(path))
    assert code == 1
    assert "basic" in out and "client_secret" in out  # the fixes are shown
    assert SENTINEL not in out and "12345" not in out
    assert "********" in out
    run(capsys, "--fix", str(path))
    assert SENTINEL + "-2" in path.read_text()  # --fix writes the real text


def test_diff_masks_the_dev_config_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "konnector-dev-config.json"
    path.write_text('{\n  "fields": {\n    "login": "me@example.com",\n'
                    f'    "password": "{SENTINEL}",\n  }},\n}}\n')
    code, out, _ = run(capsys, "--diff", str(path))
    assert code == 1
    assert SENTINEL not in out and "me@example.com" not in out
    assert '-    "password": "********",\n-  },\n+    "password": "********"\n+  }\n' in out
