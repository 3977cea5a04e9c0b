"""The check pipeline: the two passes, and the same report for any number of jobs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from kpack import check, parallel
from kpack.check import (
    check_file,
    reduced,
    run_documents,
    run_members,
)
from kpack.cli import main
from kpack.diagnostics import Kind
from kpack.load.discover import discover
from kpack.load.source import read_source
from kpack.options import CheckOptions
from tests.helpers import write

Item = TypeVar("Item")
Result = TypeVar("Result")

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def manifest(slug: str, **extra: Any) -> dict[str, Any]:
    return {"slug": slug, "name": slug, "type": "konnector", "version": "1.0.0",
            "editor": "Me", "language": "node", "icon": "icon.svg",
            "permissions": {"files": {"type": "io.cozy.files"}}, **extra}


def account_type(doc_id: str, **extra: Any) -> dict[str, Any]:
    return {"_id": doc_id, "grant_mode": "authorization_code",
            "client_id": "$CLIENT_ID", "client_secret": "$CLIENT_SECRET",
            "auth_endpoint": "https://login.example/authorize",
            "token_endpoint": "https://login.example/token", "token_mode": "basic",
            "redirect_uri": f"https://oauthcallback.cozy.tools/accounts/{doc_id}/redirect",
            **extra}


def monorepo(root: Path, count: int = 40) -> Path:
    """`count` connectors whose mistakes need the run rules, spread so that a parallel
    run splits them across chunks: a duplicate `_id` and secret slug between the first
    and the last connector, manifest/account-type mismatches, a YAML account type, git."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write(root, ".gitignore", "connectors/c00*/konnector-dev-config.json\n")
    for number in range(count):
        folder = f"connectors/c{number:03d}"
        slug = f"c{number:03d}"
        oauth = {"scope": ["read"]} if number % 3 else None
        write(root, f"{folder}/manifest.konnector",
              manifest(slug, **({"oauth": oauth} if oauth else {})))
        doc_id = "shared-id" if number in (0, count - 1) else slug
        if number == 7:
            doc_id = "someone-else"  # X001
        extra = {"slug": "shared-slug", "grant_mode": "secret"} if number in (1, count - 2) else {}
        if number == 11:  # YAML: the positions of its run findings come from a YAML index
            write(root, f"{folder}/account-types.yaml",
                  f"- _id: {slug}\n  grant_mode: secret\n- _id: {slug}\n  grant_mode: secret\n")
        else:
            write(root, f"{folder}/account-types-def.json", account_type(doc_id, **extra))
        dev = {"COZY_URL": "http://cozy.tools:8080", "fields": {"login": "me"}}
        write(root, f"{folder}/konnector-dev-config.json",
              json.dumps(dev) + ("\n," if number == 5 else ""))  # 5: a syntax error
    subprocess.run(["git", "-C", str(root), "add", "connectors/c030/konnector-dev-config.json"],
                   check=True)
    return root


def report(capsys: pytest.CaptureFixture[str], root: Path, *options: str) -> str:
    code = main(["check", str(root / "connectors"), "--format", "json", *options])
    out = capsys.readouterr().out
    assert code == 1
    return out


@pytest.fixture
def pool_jobs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `jobs` of each call to map_in_order (which still runs): did workers start?"""
    calls: list[int] = []
    real_map = parallel.map_in_order

    def recording_map(
        function: Callable[[Item], Result], items: Iterable[Item], jobs: int
    ) -> list[Result]:
        calls.append(jobs)
        return real_map(function, items, jobs)

    monkeypatch.setattr(parallel, "map_in_order", recording_map)
    return calls


@needs_git
def test_any_number_of_jobs_gives_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pool_jobs: list[int]
) -> None:
    root = monorepo(tmp_path)
    serial = report(capsys, root, "--jobs", "1")
    found = {d["code"] for d in json.loads(serial)["diagnostics"]}
    # The run rules did find something, so the comparison below means something.
    assert {"A017", "A018", "X001", "X002", "D004", "D005", "L001"} <= found
    for jobs in ("2", "3"):
        assert report(capsys, root, "--jobs", jobs) == serial
    assert pool_jobs == [2, 3]  # the workers did run


@needs_git
def test_run_rules_waiting_on_git_on_a_thread_give_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpack.rules import dev_config

    root = monorepo(tmp_path, count=31)  # c030: a tracked dev config (D004)
    threaded = report(capsys, root, "--jobs", "1")
    monkeypatch.setattr(dev_config, "RUN_WAITS", False)  # in turn, on this thread
    assert report(capsys, root, "--jobs", "1") == threaded
    assert {"D004", "D005"} <= {d["code"] for d in json.loads(threaded)["diagnostics"]}


def test_an_error_in_a_waiting_run_rule_is_raised_by_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpack.rules import dev_config

    def broken(documents: list[Any], options: CheckOptions) -> Iterable[Any]:
        raise OSError("git exploded")

    monkeypatch.setattr(dev_config, "check_run", broken)
    write(tmp_path, "manifest.konnector", manifest("demo"))
    write(tmp_path, "konnector-dev-config.json", {"fields": {}})
    sources = [read_source(f.path, f.display, f.kind) for f in discover([str(tmp_path)])]
    with pytest.raises(OSError, match="git exploded"):
        check.check_sources(sources, CheckOptions())


def test_a_yaml_run_finding_is_positioned_from_another_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "connectors/a/account-types.yaml", "- _id: x\n  grant_mode: secret\n")
    write(tmp_path, "connectors/b/account-types.yaml", "# b\n\n- _id: x\n  grant_mode: secret\n")
    for jobs in ("1", "2"):
        found = json.loads(report(capsys, tmp_path, "--jobs", jobs))["diagnostics"]
        duplicate = next(d for d in found if d["code"] == "A018")
        assert (duplicate["file"], duplicate["line"], duplicate["column"]) == (
            str(tmp_path / "connectors/b/account-types.yaml"), 3, 3)
        assert "account-types.yaml:1:3" in duplicate["message"] + (duplicate["help"] or "")


def test_run_rules_see_only_the_members_they_read(tmp_path: Path) -> None:
    path = write(tmp_path, "account-types-def.json", account_type("demo", slug="demo"))
    file = discover([str(path)])[0]
    result = check_file(file, CheckOptions())
    expected = {"_id": "demo", "slug": "demo", "grant_mode": "authorization_code"}
    assert result.documents == [("", expected)]
    (document,) = run_documents(file, result)
    assert document.source.data is None and document.source.problems == []
    assert document.source.span(document.at("_id")).line == 2  # still located


def test_run_members_include_the_cross_file_rules() -> None:
    assert set(run_members(Kind.MANIFEST)) == {"slug", "oauth"}
    assert set(run_members(Kind.ACCOUNT_TYPE)) == {"_id", "slug", "grant_mode"}
    # D004 speaks only when `fields` holds a value that is not a placeholder.
    assert run_members(Kind.DEV_CONFIG) == ("fields",)


def test_reduced_keeps_the_source_and_the_pointer(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", [account_type("a"), account_type("b")])
    source = read_source(path, "a.json", Kind.ACCOUNT_TYPE)
    from kpack.documents import split_documents

    second = reduced(split_documents(source)[1])
    assert second.pointer == "/1" and second.source is source
    assert second.data == {"_id": "b", "grant_mode": "authorization_code"}


@pytest.mark.parametrize(
    ("jobs", "files", "expected"),
    [
        ("1", 12, None),  # asked for one process: no worker
        ("0", 3, None),  # the default, on fewer files than PARALLEL_FROM_FILES
        ("0", 12, 3),  # the default, on more: one process per CPU
        ("2", 3, 2),  # asked for: even on a few files
    ],
)
def test_when_workers_start(
    jobs: str, files: int, expected: int | None, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pool_jobs: list[int],
) -> None:
    for number in range(files):
        write(tmp_path, f"connectors/c{number}/manifest.konnector", manifest(f"c{number}"))
    monkeypatch.setattr(check, "PARALLEL_FROM_FILES", 10)
    monkeypatch.setattr(check, "CHUNK_FILES", 2)
    monkeypatch.setattr(check, "available_cpus", lambda: 3)
    assert main(["check", str(tmp_path / "connectors"), "--jobs", jobs]) == 0
    assert f"All checks passed ({files} files checked)." in capsys.readouterr().out
    assert pool_jobs == ([] if expected is None else [expected])


def test_negative_jobs_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "manifest.konnector", manifest("demo"))
    assert main(["check", "--jobs", "-1", str(path)]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_a_worker_that_dies_fails_the_run_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(6):
        write(tmp_path, f"c{number}/manifest.konnector", manifest(f"c{number}"))
    real_check_file = check.check_file
    main_process = os.getpid()

    def killed_in_a_worker(file: Any, options: CheckOptions) -> Any:
        if os.getpid() != main_process:
            os._exit(9)  # as the OOM killer would
        return real_check_file(file, options)

    monkeypatch.setattr(check, "check_file", killed_in_a_worker)
    monkeypatch.setattr(check, "CHUNK_FILES", 1)
    assert main(["check", str(tmp_path), "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "kpack: error: a worker process ended unexpectedly (exit code 9)"
