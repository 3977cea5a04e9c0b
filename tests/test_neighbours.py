"""kpack in a shared virtualenv: one `pip install` of kpack beside check-jsonschema and black.

A linter lives in developers' shared environments (issue 20). kpack once capped click
below 8.4: pip then chose an old check-jsonschema that crashed at import, or, installed the
other way round, a click on which kpack lost every argument's help and said "Did you mean"
twice. This test asks pip (from PyPI) what it picks for the two tools alone, then installs
kpack with them in one command into a fresh virtualenv: kpack must hold neither back, and
all three must work. It needs the network; without it, it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow

NEIGHBOURS = ("check-jsonschema", "black")
OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
           "ConnectTimeoutError", "ProxyError")


def pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True, text=True, check=False, timeout=900,
    )
    if result.returncode and any(word in result.stderr for word in OFFLINE):
        pytest.skip("PyPI is not reachable")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def picked(report: Path) -> dict[str, str]:
    """Distribution name -> version, from a `pip install --report` file."""
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}


def run(tool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(tool), *args], capture_output=True, text=True, env=env, check=False,
        timeout=120, cwd=tool.parent,
    )


@pytest.fixture(scope="module")
def shared_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh virtualenv after one `pip install kpack check-jsonschema black`; and what pip
    picks for the two tools without kpack."""
    root = tmp_path_factory.mktemp("neighbours")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    alone = root / "alone.json"
    pip(python, "install", "--dry-run", "--quiet", "--report", str(alone), *NEIGHBOURS)
    pip(python, "install", "--quiet", str(source_copy(root / "kpack")), *NEIGHBOURS)
    return python.parent, picked(alone)


def source_copy(target: Path) -> Path:
    """kpack's sources, copied: pip builds a folder in place, and would leave its `build/`
    (and stale modules in it for the next build) in this repository."""
    shutil.copytree(
        REPO, target,
        ignore=shutil.ignore_patterns(".git", ".venv*", "node_modules", "build", "dist",
                                      "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"),
    )
    return target


def installed(bin_dir: Path) -> dict[str, str]:
    listed = pip(bin_dir / "python", "list", "--format", "json").stdout
    return {d["name"].lower(): d["version"] for d in json.loads(listed)}


def test_kpack_holds_no_neighbour_back(shared_env: tuple[Path, dict[str, str]]) -> None:
    bin_dir, alone = shared_env
    versions = installed(bin_dir)
    for name in (*NEIGHBOURS, "click"):
        assert versions[name] == alone[name], f"{name}: {versions[name]} beside kpack, " \
            f"{alone[name]} alone"
    pip(bin_dir / "python", "check")


@pytest.mark.parametrize("tool", NEIGHBOURS)
def test_the_neighbours_start(shared_env: tuple[Path, dict[str, str]], tool: str) -> None:
    bin_dir, _ = shared_env
    for flag in ("--version", "--help"):
        result = run(bin_dir / tool, flag)
        assert result.returncode == 0, f"{tool} {flag}: {result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr


def test_check_jsonschema_reads_kpack_schema(shared_env: tuple[Path, dict[str, str]]) -> None:
    """docs/editors.md's recipe, in that environment."""
    bin_dir, _ = shared_env
    schema = run(bin_dir / "kpack", "schema", "manifest", "--path")
    assert schema.returncode == 0, schema.stderr
    manifest = REPO / "examples" / "oauth-connector" / "manifest.konnector"
    result = run(bin_dir / "check-jsonschema", "--schemafile", schema.stdout.strip(),
                 str(manifest))
    assert result.returncode == 0, result.stdout + result.stderr


def test_kpack_help_is_intact(shared_env: tuple[Path, dict[str, str]]) -> None:
    bin_dir, _ = shared_env
    kpack = bin_dir / "kpack"
    assert run(kpack, "--help").returncode == 0
    check = run(kpack, "check", "--help")
    assert check.returncode == 0, check.stderr
    rows = [line.split() for line in check.stdout.splitlines()
            if line.strip().startswith("[PATHS]")]
    assert rows and rows[0][1:4] == ["Files", "or", "connector"], check.stdout
    rule = run(kpack, "rule", "--help")
    assert "A rule code or name" in rule.stdout, rule.stdout
    typo = run(kpack, "chek")
    assert typo.returncode == 2
    assert typo.stderr.count("Did you mean") == 1, typo.stderr
    version = run(kpack, "--version")
    assert version.stdout.startswith("kpack "), version.stdout + version.stderr
