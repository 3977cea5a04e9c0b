"""The real `--help` of every command, from the installed `kpack` entry point.

A fresh install once resolved click 8.5, on which Typer 0.24 prints no argument's help text
(`kpack rule --help` showed `CODE [required]`), and from click 8.4 on a typo's suggestion is
printed twice. These tests run the `kpack` script pip installed next to this interpreter,
with whatever click and Typer the install resolved, and compare its output with the help
texts declared on the command tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main

from kpack.cli import app


def kpack_script() -> str:
    found = shutil.which("kpack", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the kpack entry point is not installed next to this Python")
    return found


def run_kpack(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [kpack_script(), *args], capture_output=True, text=True, env=env, check=False,
        timeout=60,
    )


def commands() -> dict[str, click.Command]:
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    return {name: root.commands[name] for name in sorted(root.commands)}


def flat(text: str) -> str:
    """Help text with its line wrapping undone (click may wrap after a hyphen too)."""
    return re.sub(r"\s+", "", text)


def declared_help(param: click.Parameter) -> str | None:
    # Typer keeps an argument's help on the parameter (click's Argument has none).
    help_text = getattr(param, "help", None)
    return help_text if isinstance(help_text, str) and help_text else None


def test_the_command_tree_is_the_one_users_get() -> None:
    assert set(commands()) >= {"check", "rules", "rule", "schema", "provision", "build"}


@pytest.mark.parametrize("name", sorted(commands()))
def test_help_shows_every_argument_and_option_text(name: str) -> None:
    command = commands()[name]
    result = run_kpack(name, "--help")
    assert result.returncode == 0, result.stderr
    shown = flat(result.stdout)
    assert command.help and flat(command.help) in shown
    expected = [(param, text) for param in command.params if (text := declared_help(param))]
    assert expected, f"{name}: no parameter declares a help text"
    missing = [
        f"{param.name}: {text!r}" for param, text in expected if flat(text) not in shown
    ]
    assert not missing, f"`kpack {name} --help` lacks:\n" + "\n".join(missing) + "\n" + shown


@pytest.mark.parametrize(("name", "argument"), [("check", "PATHS"), ("rule", "CODE")])
def test_arguments_are_listed_with_their_text(name: str, argument: str) -> None:
    """The issue's two examples, line by line: the argument's row carries its text."""
    result = run_kpack(name, "--help", columns=200)
    rows = [line for line in result.stdout.splitlines() if line.strip().startswith(
        (argument, f"[{argument}]")
    )]
    assert rows, result.stdout
    assert any(len(row.split()) > 2 for row in rows), rows
    assert "\\[" not in result.stdout  # a Rich escape left in plain text (old Typers)


def test_a_typo_gets_one_suggestion() -> None:
    result = run_kpack("chek")
    assert result.returncode == 2
    assert "No such command 'chek'" in result.stderr
    assert result.stderr.count("Did you mean") == 1, result.stderr
    assert "'check'" in result.stderr


def test_root_help_lists_every_command() -> None:
    result = run_kpack("--help")
    assert result.returncode == 0
    for name in commands():
        assert re.search(rf"^\s+{name}\b", result.stdout, re.MULTILINE), name


@pytest.mark.parametrize("name", ["", *sorted(commands())])
def test_dash_h_is_help_for_every_command(name: str) -> None:
    """ruff's `-h`: the same text as `--help`, which lists it."""
    args = [name] if name else []
    short, long = run_kpack(*args, "-h"), run_kpack(*args, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout
    assert re.search(r"^\s+-h, --help\s", long.stdout, re.MULTILINE), long.stdout


def test_check_help_lists_ruffs_habits() -> None:
    """The options issue 20 added to `kpack check`, under ruff's names (and short forms)."""
    shown = run_kpack("check", "--help", columns=200).stdout
    for names in ["-o, --format, --output-format", "-q, --quiet", "-s, --silent",
                  "--statistics", "--show-settings", "--show-files"]:
        assert re.search(rf"^\s+{re.escape(names)}\s", shown, re.MULTILINE), (names, shown)
    assert "--output-format" in run_kpack("rules", "--help").stdout
