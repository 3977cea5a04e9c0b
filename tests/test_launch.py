"""kpack.launch: a plain `kpack check` runs without Typer, with the very request and the
very endings Typer gives it (kpack.commands.argv, kpack.cli)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.main import get_command

import kpack.commands.check
from kpack import launch
from kpack.cli import app, main
from kpack.commands.argv import (
    CHOICES,
    CODES,
    COMPLETION_VARIABLE,
    COUNTS,
    FLAGS,
    TEXTS,
    check_request,
)
from kpack.commands.check import CheckRequest
from kpack.status import ExitStatus
from tests.helpers import REPO

# Options whose values click converts or checks itself (paths): left to Typer.
# Options whose values click converts or checks (paths), a pair of on/off spellings, help.
LEFT_TO_TYPER = {
    "--output-file", "--config", "--help", "--force-exclude", "--no-force-exclude",
}


def typer_request(
    monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> tuple[int, CheckRequest | None]:
    """What Typer makes of `kpack <args>`: its exit code and the request it runs."""
    seen: list[CheckRequest] = []

    def record(request: CheckRequest) -> ExitStatus:
        seen.append(request)
        return ExitStatus.CLEAN

    with monkeypatch.context() as patch:
        patch.setattr(kpack.commands.check, "run", record)
        code = main(args)
    return code, (seen[0] if seen else None)


def test_every_option_of_check_is_read_alike_or_left_to_typer() -> None:
    command = get_command(app)
    assert isinstance(command, click.Group)
    check = command.commands["check"]
    known: set[str] = set()
    for param in check.get_params(click.Context(check)):  # --help included
        if not isinstance(param, click.Option):
            continue
        opts = set(param.opts) | set(param.secondary_opts)
        known |= opts
        if opts & LEFT_TO_TYPER:
            continue
        assert not param.secondary_opts, param.opts
        for opt in opts:
            if param.is_flag:
                assert FLAGS[opt] == param.name
            elif isinstance(param.type, click.Choice):
                assert CHOICES[opt] == (param.name, tuple(param.type.choices))
            elif param.multiple:
                assert CODES[opt] == param.name
            elif isinstance(param.type, click.types.IntParamType):
                assert COUNTS[opt] == param.name
            else:
                assert TEXTS[opt] == param.name
    tables = {*FLAGS, *CHOICES, *CODES, *TEXTS, *COUNTS}
    assert tables | LEFT_TO_TYPER == known


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "manifest.konnector", "konnector-dev-config.json"],
        ["check", "--fix", "--exit-non-zero-on-fix", "a/manifest.konnector"],
        ["check", "-", "--stdin-filename", "x/manifest.konnector", "-o", "json"],
        ["check", "--format=sarif", "--select", "A,M", "--ignore=A016", "-j", "2", "."],
        ["check", "--kind", "account-type", "--target", "registry", "--color", "never", "f"],
        ["check", "--extend-select", "B", "--extend-ignore", " D004 ,", "--strict", "--diff"],
        ["check", "--unsafe-fixes", "--fix-only", "--exit-zero", "--", "-weird", "--fix"],
    ],
)
def test_plain_command_lines_give_typers_request(
    monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    request = check_request(args, {})
    assert request is not None
    assert typer_request(monkeypatch, args) == (0, request)


@pytest.mark.parametrize(
    "args",
    [
        [], ["--version"], ["check", "--help"], ["rules"], ["check", "--formt", "json"],
        ["check", "--format", "JSON"], ["check", "-ojson"], ["check", "-o=json"],
        ["check", "--jobs", "-1"], ["check", "--jobs", "²"], ["check", "--strict=1"],
        ["check", "--output-file", "r.json"], ["check", "--config", "k.yaml"],
        ["check", "--select"], ["check", "--stdin-filename", "-"],
    ],
)
def test_other_command_lines_are_left_to_typer(args: list[str]) -> None:
    assert check_request(args, {}) is None


def test_shell_completion_is_left_to_typer() -> None:
    assert check_request(["check"], {COMPLETION_VARIABLE: "bash_complete"}) is None


_VALUES = st.sampled_from(
    ["json", "text", "sarif", "github", "JSON", "stack", "registry", "never", "always",
     "auto", "manifest", "account-type", "dev-config", "A", "A,M", " ,", "", "0", "3", "007",
     "-1", "x", "-", "--fix", "é/é", "1.5"]
)
_OPTIONS = st.sampled_from(
    [*FLAGS, *CHOICES, *CODES, *TEXTS, *COUNTS, "--output-file", "--config", "--nope", "-x"]
)
_PATHS = st.sampled_from(["-", "--", "a.json", "", " ", "-a", "é", "check", "manifest.konnector"])


@st.composite
def _command_lines(draw: st.DrawFn) -> list[str]:
    args = ["check"]
    for _ in range(draw(st.integers(0, 6))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            args.append(draw(_PATHS))
        elif choice == 1:
            args.append(draw(_OPTIONS))
        elif choice == 2:
            args += [draw(_OPTIONS), draw(_VALUES)]
        else:
            args.append(f"{draw(_OPTIONS)}={draw(_VALUES)}")
    return args


@settings(max_examples=300, deadline=None)
@given(_command_lines())
def test_generated_command_lines(args: list[str]) -> None:
    """Whatever check_request reads, Typer reads the same way."""
    request = check_request(args, {})
    if request is None:
        return
    with pytest.MonkeyPatch.context() as patch:
        assert typer_request(patch, args) == (0, request)


def _raising(exc: BaseException) -> Callable[[CheckRequest], ExitStatus]:
    def run(request: CheckRequest) -> ExitStatus:
        raise exc

    return run


@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt(), EOFError(), BrokenPipeError(32, "Broken pipe")],
    ids=["interrupt", "eof", "broken-pipe"],
)
def test_endings_are_typers(
    exc: BaseException, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C, an end of input and a reader that went away end both paths alike."""
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # click wraps them after a broken pipe
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setattr(kpack.commands.check, "run", _raising(exc))
    through_typer = main(["check", "x"])
    typer_output = capsys.readouterr()
    request = check_request(["check", "x"], {})
    assert request is not None
    assert (launch.check(request), capsys.readouterr()) == (through_typer, typer_output)


def test_other_errors_are_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kpack.commands.check, "run", _raising(PermissionError(13, "denied")))
    with pytest.raises(PermissionError):
        launch.check(CheckRequest())


def test_kpack_check_starts_without_typer(tmp_path: Path) -> None:
    """The process pre-commit starts: no Typer, click, inspect (dataclasses), shutil,
    difflib or PyYAML (the example's settings are plain); `kpack rules` goes through Typer."""
    env = {**os.environ, "NO_COLOR": "1"}
    check = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kpack", "check", "examples/oauth-connector"],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )
    assert check.returncode == 0 and "All checks passed" in check.stdout
    imported = {line.split("|")[-1].strip() for line in check.stderr.splitlines()}
    assert "kpack.rules.account_type" in imported and "kpack.load.plain_yaml" in imported
    unwanted = {"typer", "click", "inspect", "dataclasses", "shutil", "difflib", "kpack.cli",
                "yaml"}
    assert imported & unwanted == set()
    rules = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kpack", "rules"],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )
    assert rules.returncode == 0 and "typer" in rules.stderr
