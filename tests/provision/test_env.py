"""Placeholders in string values and dotenv files."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpack.provision.env import ProvisionError, Template, Var, parse_template, read_env_file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("$COZY_FB_CLIENT_ID", Template((Var("COZY_FB_CLIENT_ID"),))),
        ("${COZY_ID}", Template((Var("COZY_ID"),))),
        ("Bearer ${TOKEN}!", Template(("Bearer ", Var("TOKEN"), "!"))),
        ("$A$B", Template((Var("A"), Var("B")))),
        ("price: $$5 and $$HOME", "price: $5 and $HOME"),
        ("a $ alone, $1 and a trailing $", "a $ alone, $1 and a trailing $"),
        ("$$$X", Template(("$", Var("X")))),
    ],
)
def test_parse_template(text: str, expected: object) -> None:
    assert parse_template(text, "f.json: client_id") == expected


def test_malformed_placeholder_is_an_error_naming_the_place() -> None:
    with pytest.raises(ProvisionError, match=r"f.json: secret: malformed placeholder"):
        parse_template("${NOT-A-NAME}", "f.json: secret")


def test_template_resolves_from_the_environment() -> None:
    template = parse_template("x${A}y$B", "w")
    assert isinstance(template, Template)
    assert template.names == ["A", "B"]
    assert template.resolve({"A": "1", "B": "$C"}) == "x1y$C"  # values are not re-expanded


def test_read_env_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n"
        "\n"
        "PLAIN=value  # trailing comment\n"
        "export EXPORTED=yes\n"
        "SINGLE='it stays $HOME \\n'\n"
        'DOUBLE="tab\\there \\"quoted\\" back\\\\slash"\n'
        'MULTI="line one\n'
        'line two"\n'
        "EMPTY=\n"
        "SPACED = around \n"
        "HASH=a#b\n",
        encoding="utf-8",
    )
    assert read_env_file(path) == {
        "PLAIN": "value",
        "EXPORTED": "yes",
        "SINGLE": "it stays $HOME \\n",
        "DOUBLE": 'tab\there "quoted" back\\slash',
        "MULTI": "line one\nline two",
        "EMPTY": "",
        "SPACED": "around",
        "HASH": "a#b",
    }


def test_bad_env_line_names_the_line_never_the_content(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("GOOD=1\nthis is s3cr3t-value\n", encoding="utf-8")
    with pytest.raises(ProvisionError) as error:
        read_env_file(path)
    assert str(error.value) == f"{path}:2: expected NAME=VALUE"
    assert "s3cr3t" not in str(error.value)


def test_unterminated_quote(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('A="never closed\n', encoding="utf-8")
    with pytest.raises(ProvisionError, match=r":1: unterminated \"-quoted value"):
        read_env_file(path)


def test_missing_env_file(tmp_path: Path) -> None:
    with pytest.raises(ProvisionError, match="cannot read the env file"):
        read_env_file(tmp_path / "nope.env")


def test_env_file_expands_other_variables_as_python_dotenv_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FROM_ENV", "env-value")
    monkeypatch.delenv("NOWHERE", raising=False)
    path = tmp_path / ".env"
    path.write_text(
        "BASE=https://api.example\n"
        "TOKEN_URL=${BASE}/oauth/token\n"
        'QUOTED="${BASE}/x"\n'
        "OTHER=${FROM_ENV}-suffix\n"
        "DEFAULTED=${NOWHERE:-fallback}\n"
        "EMPTY=${NOWHERE}\n"
        "PLAIN=$BASE\n"  # without braces: not expanded (python-dotenv, docker compose)
        "BARE\n",
        encoding="utf-8",
    )
    assert read_env_file(path) == {
        "BASE": "https://api.example",
        "TOKEN_URL": "https://api.example/oauth/token",
        "QUOTED": "https://api.example/x",
        "OTHER": "env-value-suffix",
        "DEFAULTED": "fallback",
        "EMPTY": "",
        "PLAIN": "$BASE",
    }
    err = capsys.readouterr().err
    assert err == (
        f"kpack: warning: {path}:6: ${{NOWHERE}} is set neither earlier in the file nor in "
        "the environment: it expands to an empty string\n"
    )


def test_dotenv_is_imported_only_for_env_file() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom kpack.cli import main\n"
            "main(['provision', '--help'])\nprint('dotenv' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.rstrip().endswith("False"), result.stderr
