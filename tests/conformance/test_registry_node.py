"""`kpack check --target registry` against cozy-app-publish's own publisher (run by
tests/conformance/node/oracle.js against a registry served on 127.0.0.1).

What cozy-app-publish refuses, kpack refuses with the rule of that field. What it lets
through, kpack accepts when the field is well formed; kpack refuses more where the
registry itself (cozy-apps-registry, not executable here) refuses what cozy-app-publish
sends: REGISTRY_CHECKS says which and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpack import spec
from kpack.diagnostics import Kind
from tests.conformance.conftest import Oracle, conformance_settings, within_budget
from tests.conformance.kpack_side import describe, errors, kpack_check

NAME = "manifest.konnector"
_MISSING = object()

# cozy-app-publish's messages, and the rule that must report the same refusal.
REFUSALS = {
    "Registry editor is missing": "M005",
    "Property slug must be defined": "M002",
    "appType should be one of": "M003",
    "Option appVersion is required": "M004",
}

# Where kpack refuses what cozy-app-publish sends: the registry (or the stack) refuses it.
REGISTRY_CHECKS = {
    "M002": "a slug outside ^[a-z0-9-]+$: the registry refuses it (the stack itself replaces "
            "the manifest's slug by the install slug)",
    "M003": "no type (cozy-app-publish then publishes a webapp) or a type the registry "
            "refuses for a konnector",
    "M004": "a version outside the registry's format: the registry answers 400",
    "M005": "an editor that is not a non-empty string: the registry refuses it",
}


def _well_formed(manifest: dict[str, Any]) -> dict[str, bool]:
    editor, version = manifest.get("editor"), manifest.get("version")
    slug, kind = manifest.get("slug"), manifest.get("type")
    return {
        "M005": isinstance(editor, str) and editor.strip() != "",
        "M004": isinstance(version, str) and spec.VERSION_RE.match(version) is not None,
        "M002": isinstance(slug, str) and spec.SLUG_RE.match(slug) is not None,
        "M003": kind == "konnector",
    }


def _member(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from((_MISSING, *values))


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    choices = {
        "editor": _member(("Cozy", "", " ", None, 5, True, [], {})),
        "version": _member(("1.0.0", "1.0", "01.0.0", "1.0.0-dev.abc1", "1.0.0-beta.1", "",
                            None, 1, "v1.0.0")),
        "slug": _member(("my-konnector", "My_Konnector", "", None, 7)),
        "type": _member(("konnector", "webapp", "node", "", None, "Konnector")),
    }
    manifest = {"name": "My konnector"}
    for key, strategy in choices.items():
        value = draw(strategy)
        if value is not _MISSING:
            manifest[key] = value
    return manifest


def disagreements(manifest: dict[str, Any], answer: dict[str, Any], codes: set[str]) -> list[str]:
    if not answer["ok"]:
        rule = next((code for text, code in REFUSALS.items() if text in answer["error"]), None)
        if rule is None:
            return [f"cozy-app-publish refuses it for an unexpected reason: {answer['error']}"]
        return [] if rule in codes else [
            f"cozy-app-publish refuses it ({answer['error']}); kpack has no {rule} error"]
    return [f"{code}: well formed for cozy-app-publish and the registry, yet kpack refuses it"
            for code, good in _well_formed(manifest).items() if good and code in codes]


@conformance_settings()
@given(st.lists(manifests(), min_size=10, max_size=25))
def test_registry_target_agrees_with_cozy_app_publish(
    node_oracle: Oracle, tmp_path_factory: Any, documents: list[dict[str, Any]]
) -> None:
    if not within_budget("publish"):
        return
    tmp: Path = tmp_path_factory.mktemp("registry")
    texts = [json.dumps(m) for m in documents]
    answers = node_oracle.ask("publish", texts)
    failures = []
    for manifest, text, answer in zip(documents, texts, answers, strict=True):
        found = errors(kpack_check(tmp, NAME, text.encode(), Kind.MANIFEST, target="registry"))
        problems = disagreements(manifest, answer, {d.code for d in found})
        if problems:
            failures.append(f"{text}\n  " + "\n  ".join(problems) + f"\n  kpack: {describe(found)}")
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:5])


def test_the_oracle_really_publishes(node_oracle: Oracle) -> None:
    """A well-formed manifest reaches the (local) registry with what the registry reads."""
    manifest = {"slug": "my-konnector", "editor": "Cozy", "version": "1.2.3", "type": "konnector"}
    [answer] = node_oracle.ask("publish", [json.dumps(manifest)])
    assert answer["ok"], answer
    body = answer["posted"]["body"]
    assert answer["posted"]["path"] == "/registry/my-konnector"
    assert (body["editor"], body["version"], body["type"]) == ("Cozy", "1.2.3", "konnector")
    assert len(body["sha256"]) == 64
