"""The shell side: colour from NO_COLOR / FORCE_COLOR, `kpack rules` in the terminal's
width (a real pseudo-terminal), and shell completion through real bash."""

from __future__ import annotations

import io
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpack.cli import main
from kpack.rules.catalogue import all_rules
from kpack.terminal import auto_color, rules_table, width
from tests.helpers import REPO

SEED = str(REPO / "examples" / "seed-mistakes")
ESCAPE = "\x1b["


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def kpack_script() -> str:
    found = shutil.which("kpack", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the kpack entry point is not installed next to this Python")
    return found


# --- colour ---------------------------------------------------------------------------


@pytest.fixture
def plain_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return monkeypatch


@pytest.mark.parametrize(
    ("env", "stream", "expected"),
    [
        ({}, Terminal(), True),
        ({}, io.StringIO(), False),
        ({"FORCE_COLOR": "1"}, io.StringIO(), True),  # a pipe, forced
        ({"FORCE_COLOR": ""}, io.StringIO(), False),  # empty: not set (force-color.org)
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, Terminal(), False),  # NO_COLOR wins
        ({"NO_COLOR": ""}, Terminal(), True),  # empty: not set (no-color.org)
        ({"FORCE_COLOR": "1"}, None, False),  # a file named by --output-file
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, io.StringIO(), True),
    ],
)
def test_auto_color(
    plain_env: pytest.MonkeyPatch, env: dict[str, str], stream: object, expected: bool
) -> None:
    for name, value in env.items():
        plain_env.setenv(name, value)
    assert auto_color(stream) is expected


def test_force_color_colours_the_check_report_in_a_pipe(
    plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", SEED]) == 1
    assert ESCAPE not in capsys.readouterr().out
    plain_env.setenv("FORCE_COLOR", "1")
    assert main(["check", SEED]) == 1
    assert ESCAPE in capsys.readouterr().out
    assert main(["check", SEED, "--color", "never"]) == 1
    assert ESCAPE not in capsys.readouterr().out
    plain_env.setenv("NO_COLOR", "1")
    assert main(["check", SEED]) == 1
    assert ESCAPE not in capsys.readouterr().out


def test_force_color_leaves_an_output_file_plain(
    plain_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_env.setenv("FORCE_COLOR", "1")
    report = tmp_path / "report.txt"
    assert main(["check", SEED, "--output-file", str(report)]) == 1
    assert "A002" in report.read_text(encoding="utf-8")
    assert ESCAPE not in report.read_text(encoding="utf-8")


def test_force_color_colours_the_build_findings(
    plain_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector = tmp_path / "c"
    connector.mkdir()
    (connector / "manifest.konnector").write_text('{"slug": "Bad Slug"}', encoding="utf-8")
    (connector / "index.js").write_text("module.exports = 1\n", encoding="utf-8")
    plain_env.setenv("FORCE_COLOR", "1")
    assert main(["build", str(connector), "--from", str(connector)]) == 1
    assert ESCAPE in capsys.readouterr().err


# --- `kpack rules` width ----------------------------------------------------------------


@given(st.integers(min_value=1, max_value=240))
def test_rules_table_fits_any_width(columns: int) -> None:
    rules = all_rules()
    lines = rules_table(rules, columns)
    assert all(len(line) <= columns for line in lines), columns
    # Nothing lost nor reordered: the same characters as the unwrapped table.
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", "".join(rules_table(rules, None)))


def test_rules_table_keeps_whole_lines_without_a_width() -> None:
    rules = all_rules()
    lines = rules_table(rules, None)
    assert len(lines) == len(rules)
    assert all(line.endswith(r.summary) for line, r in zip(lines, rules, strict=True))


def test_rules_table_wraps_summaries_under_their_column() -> None:
    rules = all_rules()
    lines = rules_table(rules, 100)
    assert max(len(line) for line in lines) <= 100
    continuation = [line for line in lines if line.startswith(" ")]
    assert continuation, "a 100-column terminal wraps some summary"
    starts = {len(line) - len(line.lstrip()) for line in continuation}
    assert len(starts) == 1  # one summary column


def test_width_is_none_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    assert width(io.StringIO()) is None
    assert width(Terminal()) == 50


def run_in_pty(args: list[str], env: dict[str, str]) -> str:
    """Run a command on a real pseudo-terminal; return what it printed."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            args, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.parametrize("columns", [50, 100])
def test_kpack_rules_fits_the_real_terminal(columns: int) -> None:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    output = run_in_pty([kpack_script(), "rules"], env)
    lines = output.replace("\r\n", "\n").splitlines()
    assert any(line.startswith("A002") for line in lines), output
    assert max(len(line) for line in lines) <= columns, output


# --- shell completion -------------------------------------------------------------------


def bash_complete(words: list[str], cword: int) -> list[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    script = kpack_script()
    folder = str(Path(script).parent)
    program = (
        'eval "$(kpack --show-completion bash)"\n'
        f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={cword}\n"
        "_kpack_completion kpack\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {
        **os.environ, "PATH": folder + os.pathsep + os.environ.get("PATH", ""),
        "SHELL": bash,
    }
    result = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
        env=env, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_show_completion_prints_a_bash_script() -> None:
    result = subprocess.run(
        [kpack_script(), "--show-completion", "bash"], capture_output=True, text=True,
        check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "_KPACK_COMPLETE" in result.stdout
    assert re.search(r"complete .*-F _kpack_completion kpack", result.stdout)


def test_bash_completes_commands_options_and_rule_codes() -> None:
    assert bash_complete(["kpack", "ch"], 1) == ["check"]
    assert "--format" in bash_complete(["kpack", "check", "--fo"], 2)
    assert bash_complete(["kpack", "check", "--format", "s"], 3) == ["sarif"]
    assert "A002" in bash_complete(["kpack", "rule", "A00"], 2)
    assert "a002" in bash_complete(["kpack", "rule", "a00"], 2)  # kpack rule a002 works too
    assert bash_complete(["kpack", "rule", "grant-mode-u"], 2) == ["grant-mode-unknown"]
