"""Placeholders in string values and dotenv files."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpack.provision.env import (
    MAX_EXPANDED,
    ProvisionError,
    Template,
    Var,
    parse_template,
    read_env_file,
)
from tests.helpers import write


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
    assert read_env_file(path).values == {
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
    assert read_env_file(path).values == {
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


def test_env_file_sources_see_through_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FROM_ENV", "x")
    path = write(tmp_path, ".env", "A=${FROM_ENV}\nB=pre-${A}\nC=plain\nD=${B:-d}${NOWHERE:-e}\n")
    assert read_env_file(path).sources == {
        "A": {"FROM_ENV"}, "B": {"A", "FROM_ENV"}, "C": set(),
        "D": {"B", "A", "FROM_ENV", "NOWHERE"},
    }


# -- the same values as python-dotenv, the size bounded (issue 18) ----------------------------

_NAMES = st.sampled_from(["A", "B", "C", "IN_ENV", "EMPTY_ENV"])
_VALUE_PIECES = st.one_of(
    st.text(st.characters(codec="ascii", exclude_characters="\n\r\\'\"#$"), max_size=6),
    _NAMES.map(lambda n: f"${{{n}}}"),
    st.tuples(_NAMES, st.text(st.characters(codec="ascii", exclude_characters="\n\r\\'\"#$}"),
                              max_size=4)).map(lambda t: f"${{{t[0]}:-{t[1]}}}"),
    st.just("$"), st.just(" "),
)
_LINE = st.one_of(
    st.tuples(_NAMES, st.lists(_VALUE_PIECES, max_size=5).map("".join),
              st.sampled_from(["{}={}", "{}='{}'", '{}="{}"', "export {}={}"]))
    .map(lambda t: t[2].format(t[0], t[1])),
    _NAMES,  # a bare NAME: sets nothing, and expands to an empty string after
    st.just("# comment ${A}"),
)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINE, max_size=8))
def test_expansion_is_python_dotenvs(lines: list[str]) -> None:
    import contextlib
    import io
    import tempfile

    from dotenv import dotenv_values

    text = "\n".join(lines) + "\n"
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as folder:
        for name in ("A", "B", "C"):
            patch.delenv(name, raising=False)
        patch.setenv("IN_ENV", "from-env")
        patch.setenv("EMPTY_ENV", "")
        expected = dotenv_values(stream=io.StringIO(text), interpolate=True)
        path = write(Path(folder), ".env", text)
        with contextlib.redirect_stderr(io.StringIO()):  # the unset-variable warnings
            mine = read_env_file(path).values
    assert mine == {k: v for k, v in expected.items() if v is not None}


def _doubling(levels: int, width: int = 8) -> str:
    """A=16 characters, then each line repeats the one before `width` times."""
    lines = ["L0=" + "x" * 16]
    lines += [f"L{i}=" + f"${{L{i - 1}}}" * width for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_expansion_past_the_bound_is_refused_having_built_nothing(tmp_path: Path) -> None:
    # L6 alone is 16 x 8^6 = 4 MiB: with the lines before it, past the bound at line 7,
    # before its value is joined (L7, 32 MiB, is never reached).
    path = write(tmp_path, ".env", _doubling(7))
    with pytest.raises(ProvisionError) as error:
        read_env_file(path)
    assert str(error.value) == (
        f"{path}:7: the ${{...}} references make the env file's values longer than 4 MiB: "
        "refused"
    )
    # Under the bound is fine: one level less, 585 KiB in all.
    values = read_env_file(write(tmp_path, "ok.env", _doubling(5))).values
    assert len(values["L5"]) == 16 * 8**5 and sum(map(len, values.values())) < MAX_EXPANDED


def test_a_large_environment_value_repeated_is_bounded_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BIG", "b" * 100_000)
    path = write(tmp_path, ".env", "A=" + "${BIG}" * 50 + "\n")  # 5 MB from 300 bytes
    with pytest.raises(ProvisionError, match=r":1: the \$\{...\} references make"):
        read_env_file(path)


def _limited() -> None:
    # 1 GiB of address space: the old expansion (1 GB and more) fails fast instead of
    # eating the machine; 60 s of CPU, so a regression cannot spin forever either.
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def test_a_small_hostile_env_file_ends_in_exit_2(tmp_path: Path) -> None:
    """The issue's shape: a few hundred bytes that python-dotenv expands to gigabytes."""
    hostile = write(tmp_path, ".env", _doubling(10))  # 16 x 8^10: 16 GiB
    assert hostile.stat().st_size < 500
    write(tmp_path, "account-type.json",
          {"_id": "svc", "grant_mode": "secret", "slug": "svc", "secret": "$L10"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COUCHDB_", "L"))}
    result = subprocess.run(
        [sys.executable, "-m", "kpack", "provision", "account-type.json", "-o", "json",
         "--env-file", ".env"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=_limited,
    )
    assert (result.returncode, result.stdout) == (2, ""), result.stderr[-2000:]
    assert result.stderr == (
        "kpack: error: .env:7: the ${...} references make the env file's values longer "
        "than 4 MiB: refused\n"
    )
