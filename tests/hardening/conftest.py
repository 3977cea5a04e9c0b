"""Hypothesis profiles for the fuzz tests: "ci" (quick, the default) and "long".

Select one with HYPOTHESIS_PROFILE=long; bench/fuzz.py runs far longer, counting failures.
The profiles are registered here but only applied by the tests of this folder (through
`fuzz_settings`), so the other property tests keep their own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=150, derandomize=False, deadline=None, suppress_health_check=_SUPPRESSED
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=_SUPPRESSED
)


def fuzz_settings() -> settings:
    return settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# pouchdb-server (a real CouchDB API) for the secret and fault tests.
from tests.provision.conftest import couch, couch_server  # noqa: E402, F401
