"""The GitHub Action (action.yml), its steps run with bash as the Actions runner runs them,
and the README's workflow that uses it.

The runner gives a composite action's `run:` steps `GITHUB_ACTION_PATH`, `GITHUB_WORKSPACE`
(the working folder), `RUNNER_TEMP` and the `GITHUB_PATH` / `GITHUB_OUTPUT` files; each
step's `env:` is evaluated (`${{ inputs.x }}` → the input, or its default), and what a step
appends to `GITHUB_PATH` is on `PATH` for the next steps. Here the same, without a runner:
the install step (a real `pip install` of this repository into a fresh virtualenv) once for
the module, then the check step with several inputs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpack import __version__, project
from tests.helpers import REPO
from tests.reporters.test_sarif import assert_valid_sarif

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
SEED = REPO / "examples" / "seed-mistakes"
GOOD = REPO / "examples" / "oauth-connector"
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")


def step(step_id: str) -> dict[str, Any]:
    (found,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == step_id]
    return dict(found)


def step_env(definition: Mapping[str, Any], inputs: Mapping[str, str]) -> dict[str, str]:
    """A step's `env:` with `${{ inputs.x }}` evaluated as the runner does."""
    declared = ACTION["inputs"]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in declared, f"action.yml uses an undeclared input {name}"
        return inputs.get(name, str(declared[name].get("default", "")))

    env = {}
    for key, template in (definition.get("env") or {}).items():
        text = str(template)
        assert "${{" not in EXPRESSION.sub("", text), f"{key}: only inputs are evaluated here"
        env[key] = EXPRESSION.sub(value, text)
    return env


class Runner:
    """The runner's side of a job: its files, its PATH, its environment."""

    def __init__(self, tmp: Path, workspace: Path):
        self.tmp = tmp
        self.workspace = workspace
        self.path_file = tmp / "github_path"
        self.path_file.touch()
        self.output_file = tmp / "github_output"

    def run(self, step_id: str, **inputs: str) -> subprocess.CompletedProcess[str]:
        definition = step(step_id)
        assert definition["shell"] == "bash"
        self.output_file.write_text("", encoding="utf-8")
        added = self.path_file.read_text(encoding="utf-8").split()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "KPACK_"))}
        env.update({
            "PATH": os.pathsep.join([*reversed(added), os.environ.get("PATH", "")]),
            "GITHUB_ACTIONS": "true", "CI": "true",
            "GITHUB_ACTION_PATH": str(REPO), "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_PATH": str(self.path_file), "GITHUB_OUTPUT": str(self.output_file),
            "GITHUB_SERVER_URL": "https://github.com", "RUNNER_TEMP": str(self.tmp),
            "NO_COLOR": "1",
        })
        env.update(step_env(definition, {k.replace("_", "-"): v for k, v in inputs.items()}))
        script = self.tmp / f"{step_id}.sh"
        script.write_text(definition["run"], encoding="utf-8")
        # The runner's bash: `bash --noprofile --norc -eo pipefail {0}`.
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace, env=env, capture_output=True, text=True, check=False,
            timeout=900,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output_file.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    if shutil.which("bash") is None or shutil.which("git") is None:
        pytest.skip("bash and git are needed")
    tmp = tmp_path_factory.mktemp("runner")
    workspace = tmp / "workspace"
    shutil.copytree(SEED, workspace / "seed")
    shutil.copytree(GOOD, workspace / "good")
    # A checkout: SARIF URIs are relative to the work tree.
    subprocess.run(["git", "init", "-q", str(workspace)], check=True, capture_output=True)
    actions = Runner(tmp, workspace)
    installed = actions.run("install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed.stdout.strip().endswith(f"kpack {__version__}")
    return actions


def test_action_is_a_composite_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "strict", "version", "sarif-file"}
    assert all(i.get("description") for i in ACTION["inputs"].values())
    assert [s["id"] for s in ACTION["runs"]["steps"]] == ["install", "check"]


@pytest.mark.slow
def test_install_puts_kpack_on_the_path_of_the_next_steps(runner: Runner) -> None:
    (folder,) = runner.path_file.read_text(encoding="utf-8").split()
    assert Path(folder, "kpack").exists()
    assert Path(folder).is_relative_to(runner.tmp)  # a private virtualenv, not the job's Python


@pytest.mark.slow
def test_the_installed_wheel_ships_the_schemas_and_the_licence(runner: Runner) -> None:
    """The install step built a wheel of this repository (not an editable install)."""
    (folder,) = runner.path_file.read_text(encoding="utf-8").split()
    python = str(Path(folder, "python"))
    where = subprocess.run(
        [str(Path(folder, "kpack")), "schema", "--path"], capture_output=True, text=True,
        check=True,
    ).stdout.strip()
    assert "site-packages" in where and not where.startswith(str(REPO))
    assert sorted(p.name for p in Path(where).iterdir()) == [
        "account-type.schema.json", "dev-config.schema.json", "manifest.schema.json",
    ]
    licence = subprocess.run(
        [python, "-c", "from importlib import metadata; "
         "print([str(f) for f in metadata.files('kpack') if f.name == 'LICENSE'])"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "LICENSE" in licence


@pytest.mark.slow
def test_findings_become_annotations_and_fail_the_step(runner: Runner) -> None:
    result = runner.run("check", paths="seed good")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines), result.stdout
    assert any(
        line.startswith("::error file=seed/account-types.json,line=4,") and "A002" in line
        for line in lines
    ), result.stdout
    assert not any("file=good/" in line for line in lines)
    assert runner.outputs() == {"sarif-file": ""}


@pytest.mark.slow
def test_a_clean_connector_passes_and_strict_fails_on_warnings(runner: Runner) -> None:
    clean = runner.run("check", paths="good")
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr
    warnings_only = runner.workspace / "warn"
    warnings_only.mkdir(exist_ok=True)
    # A placeholder token (D007) in a dev config: warnings, no error.
    config = {"COZY_URL": "http://cozy.tools:8080", "fields": {"access_token": "YOUR_TOKEN"}}
    (warnings_only / "konnector-dev-config.json").write_text(json.dumps(config))
    loose = runner.run("check", paths="warn", strict="false")
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert "::warning file=warn/konnector-dev-config.json" in loose.stdout
    strict = runner.run("check", paths="warn", strict="true")
    assert strict.returncode == 1, strict.stdout + strict.stderr


@pytest.mark.slow
def test_sarif_file_is_written_even_when_the_check_fails(runner: Runner) -> None:
    result = runner.run("check", paths="seed\ngood\n", sarif_file="reports/kpack.sarif")
    assert result.returncode == 1
    assert runner.outputs() == {"sarif-file": "reports/kpack.sarif"}
    log = json.loads((runner.workspace / "reports" / "kpack.sarif").read_text(encoding="utf-8"))
    assert_valid_sarif(log)
    (run,) = log["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]}
    assert uris == {"seed/account-types.json", "seed/konnector-dev-config.json"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (
        runner.workspace.resolve().as_uri() + "/"
    )
    assert all("partialFingerprints" in r for r in run["results"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("inputs", "message"),
    [({"strict": "yes"}, "strict must be true or false"),
     ({"paths": "does-not-exist"}, "does-not-exist: no such file or directory")],
)
def test_bad_inputs_fail_with_a_message(
    runner: Runner, inputs: dict[str, str], message: str
) -> None:
    result = runner.run("check", **inputs)
    assert result.returncode == 2
    assert message in result.stdout + result.stderr


def test_a_bad_version_is_refused_before_any_install(tmp_path: Path) -> None:
    actions = Runner(tmp_path, tmp_path)
    result = actions.run("install", version="latest; rm -rf /")
    assert result.returncode == 2
    assert "version must be X.Y.Z" in result.stdout
    assert actions.path_file.read_text(encoding="utf-8") == ""


# --- the README's workflow --------------------------------------------------------------------


def readme_workflow() -> dict[str, Any]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]
    (workflow,) = [b for b in blocks if isinstance(b, dict) and "jobs" in b]
    return dict(workflow)


def test_the_readme_workflow_uses_this_action_at_the_release_tag() -> None:
    workflow = readme_workflow()
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    (kpack_step,) = [s for s in steps if str(s.get("uses", "")).startswith("kpack-dev/kpack@")]
    assert kpack_step["uses"] == f"kpack-dev/kpack@{project.tag()}"
    assert project.REPOSITORY.endswith("/kpack-dev/kpack")
    assert set(kpack_step.get("with", {})) <= set(ACTION["inputs"])
    (upload,) = [s for s in steps
                 if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == kpack_step["with"]["sarif-file"]
    assert upload["if"] == "always()"  # findings fail the kpack step; upload them anyway
    assert workflow["permissions"]["security-events"] == "write"
    assert steps.index(kpack_step) < steps.index(upload)
