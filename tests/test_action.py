"""The GitHub Action (action.yml), its steps run with bash as the Actions runner runs them,
and the README's workflow that uses it.

The runner gives a composite action's `run:` steps `GITHUB_ACTION_PATH`, `GITHUB_WORKSPACE`
(the working folder), `RUNNER_TEMP` and the `GITHUB_PATH` / `GITHUB_OUTPUT` files; each
step's `env:` is evaluated (`${{ inputs.x }}` → the input, or its default;
`${{ steps.ID.outputs.NAME }}` → what that step wrote), and what a step appends to
`GITHUB_PATH` is on `PATH` for the next steps. Here the same, without a runner: the `uses:`
steps (actions/cache) are skipped, as a cache miss; the install step is a real `pip install`
in a fresh virtualenv, of a wheel of this repository found by pip as the package index
would serve it, once for the module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
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
EXPRESSION = re.compile(r"\$\{\{\s*(inputs|steps)\.([A-Za-z0-9_.-]+)\s*\}\}")
STEP_OUTPUT = re.compile(r"([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")


def step(step_id: str) -> dict[str, Any]:
    (found,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == step_id]
    return dict(found)


def evaluate(
    template: str, inputs: Mapping[str, str], steps: Mapping[str, Mapping[str, str]]
) -> str:
    """`${{ inputs.x }}` and `${{ steps.id.outputs.y }}` evaluated as the runner does."""
    declared = ACTION["inputs"]

    def value(match: re.Match[str]) -> str:
        context, name = match.groups()
        if context == "inputs":
            assert name in declared, f"action.yml uses an undeclared input {name}"
            return inputs.get(name, str(declared[name].get("default", "")))
        reference = STEP_OUTPUT.fullmatch(name)
        assert reference, name
        return steps.get(reference.group(1), {}).get(reference.group(2), "")

    assert "${{" not in EXPRESSION.sub("", template), f"{template}: not evaluated here"
    return EXPRESSION.sub(value, template)


def parse_outputs(text: str) -> dict[str, str]:
    """A GITHUB_OUTPUT file read as the runner reads it: `name=value` or `name<<END`
    … `END` (the runner fails the step when END never comes)."""
    lines, outputs = text.splitlines(), {}
    while lines:
        line = lines.pop(0)
        if "=" in line and ("<<" not in line or line.index("=") < line.index("<<")):
            name, value = line.split("=", 1)
        else:
            name, end = line.split("<<", 1)
            assert end in lines, f"no closing {end!r} for output {name}"
            value = "\n".join(lines[: lines.index(end)])
            lines = lines[lines.index(end) + 1:]
        outputs[name] = value
    return outputs


@dataclass
class Result:
    returncode: int
    stdout: str = ""
    stderr: str = ""
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    written: str = ""  # every line written to GITHUB_OUTPUT, raw

    @property
    def outputs(self) -> dict[str, str]:
        """The action's outputs, as the workflow's `steps.<id>.outputs` shows them."""
        return {name: evaluate(str(o["value"]), {}, self.steps)
                for name, o in ACTION["outputs"].items()}

    @property
    def text(self) -> str:
        return self.stdout + self.stderr + self.written


class Runner:
    """The runner's side of a job: its files, its PATH, its environment."""

    def __init__(self, tmp: Path, workspace: Path, env: Mapping[str, str] | None = None):
        self.tmp = tmp
        self.workspace = workspace
        self.path_file = tmp / "github_path"
        self.path_file.touch()
        self.output_file = tmp / "github_output"
        self.extra_env = dict(env or {})
        self.installed: dict[str, str] | None = None  # the install step's outputs, once run

    def run_step(
        self, definition: Mapping[str, Any], inputs: Mapping[str, str],
        steps: Mapping[str, Mapping[str, str]],
    ) -> subprocess.CompletedProcess[str]:
        assert definition["shell"] == "bash"
        self.output_file.write_text("", encoding="utf-8")  # one file per step
        added = self.path_file.read_text(encoding="utf-8").split()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "KPACK_", "PIP_CACHE"))}
        env.update({
            "PATH": os.pathsep.join([*reversed(added), os.environ.get("PATH", "")]),
            "GITHUB_ACTIONS": "true", "CI": "true",
            "GITHUB_ACTION_PATH": str(REPO), "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_PATH": str(self.path_file), "GITHUB_OUTPUT": str(self.output_file),
            "GITHUB_SERVER_URL": "https://github.com", "RUNNER_TEMP": str(self.tmp),
            "NO_COLOR": "1", **self.extra_env,
        })
        for key, template in (definition.get("env") or {}).items():
            env[key] = evaluate(str(template), inputs, steps)
        script = self.tmp / f"{definition['id']}.sh"
        script.write_text(definition["run"], encoding="utf-8")
        # The runner's bash: `bash --noprofile --norc -eo pipefail {0}`.
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace, env=env, capture_output=True, text=True, check=False,
            timeout=900,
        )

    def action(self, *, only: str = "", **given: str) -> Result:
        """Every `run:` step in order (or `only` one), as far as the first failure (the
        install step only once: later runs reuse its virtualenv and outputs)."""
        inputs = {k.replace("_", "-"): v for k, v in given.items()}
        result = Result(0)
        for definition in ACTION["runs"]["steps"]:
            if only and definition.get("id") != only:
                continue
            if "uses" in definition:
                continue  # actions/cache: a miss
            if definition["id"] == "install" and self.installed is not None:
                result.steps["install"] = self.installed
                continue
            done = self.run_step(definition, inputs, result.steps)
            written = self.output_file.read_text(encoding="utf-8")
            result.stdout += done.stdout
            result.stderr += done.stderr
            result.written += written
            result.steps[definition["id"]] = parse_outputs(written)
            result.returncode = done.returncode
            if done.returncode:
                break
            if definition["id"] == "install":
                self.installed = result.steps["install"]
        return result


def annotation_lines(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("::")]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this repository where pip looks for `cozy-kpack==X.Y.Z`."""
    folder = tmp_path_factory.mktemp("index")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder),
         str(REPO)], check=True, capture_output=True, timeout=600,
    )
    return folder


def find_links(*folders: Path) -> dict[str, str]:
    return {"PIP_FIND_LINKS": " ".join([*map(str, folders), os.environ.get("PIP_FIND_LINKS", "")])}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, index: Path) -> tuple[Runner, Result]:
    if shutil.which("bash") is None or shutil.which("git") is None:
        pytest.skip("bash and git are needed")
    tmp = tmp_path_factory.mktemp("runner")
    workspace = tmp / "workspace"
    shutil.copytree(SEED, workspace / "seed")
    shutil.copytree(GOOD, workspace / "good")
    # A checkout: SARIF URIs are relative to the work tree.
    subprocess.run(["git", "init", "-q", str(workspace)], check=True, capture_output=True)
    actions = Runner(tmp, workspace, find_links(index))
    result = actions.action(paths="good")  # the default version: this release
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"kpack {__version__}" in result.stdout.splitlines()
    return actions, result


@pytest.fixture(scope="module")
def runner(first_run: tuple[Runner, Result]) -> Runner:
    return first_run[0]


def test_action_is_a_composite_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "args", "strict", "version", "sarif-file", "cache"}
    assert set(ACTION["outputs"]) == {"sarif-file", "version"}
    assert all(i.get("description") for i in ACTION["inputs"].values())
    steps = ACTION["runs"]["steps"]
    assert [s.get("id") or s["uses"] for s in steps] == [
        "inputs", "actions/cache@v4", "install", "check"]
    # Inputs reach scripts through env: only (an expression in `run:` is pasted as code).
    assert not any("${{" in s.get("run", "") for s in steps)


def test_the_cache_step_saves_the_folder_pip_uses() -> None:
    cache = ACTION["runs"]["steps"][1]
    assert cache["with"]["path"] == "${{ steps.inputs.outputs.pip-cache }}"
    assert step("install")["env"]["KPACK_PIP_CACHE"] == cache["with"]["path"]
    assert cache["continue-on-error"] is True  # a cache outage costs time, not the job
    assert cache["if"] == "steps.inputs.outputs.cache == 'true'"


@pytest.mark.parametrize(
    ("version", "requirement"),
    [("", f"cozy-kpack=={__version__}"), ("0.2.0", "cozy-kpack==0.2.0"),
     ("v1.2.3rc1", "cozy-kpack==1.2.3rc1"),
     ("latest", "latest"), ("source", "source")],
)
def test_the_version_input_names_a_release_on_the_index(
    tmp_path: Path, version: str, requirement: str
) -> None:
    result = Runner(tmp_path, tmp_path).action(only="inputs", version=version, cache="false")
    assert result.steps["inputs"]["requirement"] == requirement
    assert result.steps["inputs"]["cache"] == "false"


@pytest.mark.slow
def test_install_puts_kpack_on_the_path_of_the_next_steps(runner: Runner) -> None:
    (folder,) = runner.path_file.read_text(encoding="utf-8").split()
    assert Path(folder, "kpack").exists()
    assert Path(folder).is_relative_to(runner.tmp)  # a private virtualenv, not the job's Python


@pytest.mark.slow
def test_the_version_output_is_the_kpack_that_ran(first_run: tuple[Runner, Result]) -> None:
    runner, result = first_run
    assert result.outputs == {"version": __version__, "sarif-file": ""}
    # The folder actions/cache keeps: the job's PIP_CACHE_DIR, else one in RUNNER_TEMP.
    assert result.steps["inputs"]["pip-cache"] == str(runner.tmp / "kpack-action-pip")


@pytest.mark.slow
def test_the_installed_wheel_ships_the_schemas_and_the_licence(runner: Runner) -> None:
    """The install step installed a wheel (not an editable install)."""
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
         "print([str(f) for f in metadata.files('cozy-kpack') if f.name == 'LICENSE'])"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "LICENSE" in licence


@pytest.mark.slow
def test_findings_become_annotations_and_fail_the_step(runner: Runner) -> None:
    result = runner.action(paths="seed good")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines), result.stdout
    assert any(
        line.startswith("::error file=seed/account-types.json,line=4,") and "A002" in line
        for line in lines
    ), result.stdout
    assert not any("file=good/" in line for line in lines)
    assert result.outputs == {"sarif-file": "", "version": __version__}


@pytest.mark.slow
def test_a_clean_connector_passes_and_strict_fails_on_warnings(runner: Runner) -> None:
    clean = runner.action(paths="good")
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr
    warnings_only = runner.workspace / "warn"
    warnings_only.mkdir(exist_ok=True)
    # A placeholder token (D007) in a dev config: warnings, no error.
    config = {"COZY_URL": "http://cozy.tools:8080", "fields": {"access_token": "YOUR_TOKEN"}}
    (warnings_only / "konnector-dev-config.json").write_text(json.dumps(config))
    loose = runner.action(paths="warn", strict="false")
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert "::warning file=warn/konnector-dev-config.json" in loose.stdout
    strict = runner.action(paths="warn", strict="TRUE")
    assert strict.returncode == 1, strict.stdout + strict.stderr


@pytest.mark.slow
def test_sarif_file_is_written_even_when_the_check_fails(runner: Runner) -> None:
    result = runner.action(paths="seed\ngood\n", sarif_file="reports/kpack.sarif")
    assert result.returncode == 1
    assert result.outputs == {"sarif-file": "reports/kpack.sarif", "version": __version__}
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
def test_args_are_passed_to_both_reports(runner: Runner) -> None:
    everything = annotation_lines(runner.action(paths="seed"))
    assert {"A002", "A006", "D007"} <= {re.sub(r".*title=(\S+) .*", r"\1", a) for a in everything}
    result = runner.action(paths="seed", args="--select A002 --ignore=D", sarif_file="a.sarif")
    assert result.returncode == 1
    (only,) = annotation_lines(result)
    assert "title=A002 " in only
    log = json.loads((runner.workspace / "a.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["A002"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("inputs", "message"),
    [({"strict": "yes"}, "strict must be true or false"),
     ({"paths": "does-not-exist"}, "does-not-exist: no such file or directory"),
     ({"args": "--target nowhere"}, "nowhere")],
)
def test_bad_inputs_fail_with_a_message(
    runner: Runner, inputs: dict[str, str], message: str
) -> None:
    result = runner.action(**inputs)
    assert result.returncode == 2
    assert message in result.stdout + result.stderr


HOSTILE = {
    "sarif-file newline": {"sarif_file": "x.sarif\nforged=1"},
    "sarif-file delimiter": {"sarif_file": "x.sarif\nforged<<END\n1\nEND"},
    "sarif-file outside": {"sarif_file": "../forged.sarif"},
    "sarif-file absolute": {"sarif_file": "/tmp/forged.sarif"},
    "strict command": {"strict": "true\n::warning::forged"},
    "strict %0A": {"strict": "x%0A::warning::forged"},
    "version command": {"version": "1.0.0\n::warning::forged"},
    "cache command": {"cache": "true\n::warning::forged"},
    "paths command": {"paths": "good ::warning::forged"},
    "paths %0A": {"paths": "good%0A::warning::forged"},
    "args newline": {"args": "--select A002\n::warning::forged"},
    "args command": {"args": "--select ::warning::forged"},
    "args substitution": {"args": "--select $(touch${IFS}forged) `touch forged`"},
    "args separator": {"args": "--select A002;touch forged|touch forged&&touch forged"},
    "args quoting": {"args": "--config 'forged file.yaml'"},
    "args format": {"args": "--format json"},
    "args short format": {"args": "-ojson"},
    "args output file": {"args": "--output-file=forged.txt"},
}


@pytest.mark.parametrize("inputs", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_input_is_refused_and_never_echoed(
    tmp_path: Path, inputs: dict[str, str]
) -> None:
    """Refused by the first step, before any install (a fresh runner: one that let the
    input through would install and check)."""
    runner = Runner(tmp_path, tmp_path / "workspace")
    shutil.copytree(GOOD, runner.workspace / "good")
    result = runner.action(**{"paths": "good", **inputs})
    assert result.returncode == 2, result.text
    commands = [line for line in result.text.splitlines() if line.lstrip().startswith("::")]
    (error,) = commands
    assert error.startswith("::error title=kpack action::"), error
    assert "forged" not in result.text and "%" not in result.text
    assert parse_outputs(result.written).keys() <= {"cache", "requirement", "pip-cache",
                                                     "cache-key"}
    assert not list(tmp_path.rglob("forged*"))
    assert runner.path_file.read_text(encoding="utf-8") == ""  # nothing installed


def test_a_bad_version_is_refused_before_any_install(tmp_path: Path) -> None:
    actions = Runner(tmp_path, tmp_path)
    result = actions.action(version="latest; rm -rf /")
    assert result.returncode == 2
    assert "version must be X.Y.Z" in result.stdout
    assert "install" not in result.steps
    assert actions.path_file.read_text(encoding="utf-8") == ""


def foreign_wheel(folder: Path, marker: Path) -> None:
    """A cozy-kpack 9.9.9 of another project (a squatter): its `kpack` command, if it
    ever ran, would leave a marker."""
    name = "cozy_kpack-9.9.9"
    files = {
        "kpack_foreign.py": f"def main():\n    open({str(marker)!r}, 'w').close()\n",
        f"{name}.dist-info/METADATA": "Metadata-Version: 2.1\nName: cozy-kpack\nVersion: 9.9.9\n"
                                      "Project-URL: Homepage, https://example.invalid/kpack\n",
        f"{name}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\n"
                                   "Root-Is-Purelib: true\nTag: py3-none-any\n",
        f"{name}.dist-info/entry_points.txt": "[console_scripts]\nkpack = kpack_foreign:main\n",
    }
    files[f"{name}.dist-info/RECORD"] = "".join(f"{path},,\n" for path in [*files, "RECORD"])
    with zipfile.ZipFile(folder / f"{name}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


@pytest.mark.slow
def test_a_kpack_of_another_project_is_installed_but_never_run(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    marker = tmp_path / "it-ran"
    foreign_wheel(index, marker)
    actions = Runner(tmp_path, tmp_path, find_links(index))
    result = actions.action(version="9.9.9", cache="false")
    assert result.returncode == 2, result.text
    assert "::error title=kpack action::the kpack installed is not this project's" in result.stdout
    assert not marker.exists()
    assert actions.path_file.read_text(encoding="utf-8") == ""
    assert result.outputs["version"] == ""


@pytest.mark.slow
def test_version_source_installs_the_actions_own_copy(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(GOOD, workspace)
    result = Runner(tmp_path, workspace).action(version="source")
    assert result.returncode == 0, result.text
    assert result.outputs["version"] == __version__
    report = json.loads((tmp_path / "kpack-action-install.json").read_text(encoding="utf-8"))
    (kpack,) = [i for i in report["install"] if i["metadata"]["name"] == project.DISTRIBUTION]
    assert kpack["download_info"]["url"] == REPO.as_uri()


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
