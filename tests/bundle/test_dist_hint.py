"""Issue 15 item 9: `kpack build` tells the user to git-ignore dist/ when git does not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.bundle.helpers import connector, kpack

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def test_hint_when_dist_is_not_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = connector(tmp_path / "c")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    result = kpack(capsys, str(root))
    assert result.code == 0, result.err
    assert "hint: git does not ignore" in result.err and "`dist/`" in result.err
    (root / ".gitignore").write_text("/dist/\n")
    result = kpack(capsys, str(root))
    assert result.code == 0 and "hint" not in result.err, result.err


def test_no_hint_outside_git_or_for_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = connector(tmp_path / "c")
    result = kpack(capsys, str(root))
    assert result.code == 0 and "hint" not in result.err, result.err
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    result = kpack(capsys, str(root), "--dir", str(tmp_path / "out"))
    assert result.code == 0 and "hint" not in result.err, result.err
