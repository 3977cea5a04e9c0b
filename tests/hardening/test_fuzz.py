"""Fuzzing `kpack check`: arbitrary bytes, JSON and YAML values, and mutations of valid
manifests, account types and dev configs. The oracle is in fuzzing.py."""

from __future__ import annotations

from hypothesis import example, given

from kpack.diagnostics import Kind
from tests.hardening.conftest import fuzz_settings
from tests.hardening.fuzzing import Input, check_invariants, dump_json, inputs, mutated

SETTINGS = fuzz_settings()


@SETTINGS
@given(inputs())
@example(Input({"account-types.json": b'[1, {"_id": "x"},]'}))
@example(Input({"manifest.konnector": b'{"a": 1, "a": 2}'}, Kind.MANIFEST))
@example(Input({"account-types.yaml": b"a: &x [*x]\n"}))
@example(Input({"konnector-dev-config.json": b'{/* x */ "fields": {"a": NaN}}'}))
def test_check_keeps_its_invariants(case: Input) -> None:
    check_invariants(case)


@SETTINGS
@given(mutated())
def test_mutations_of_valid_documents(named: tuple[str, object]) -> None:
    name, value = named
    check_invariants(Input({name: dump_json(value, 2).encode()}), cli=False)
