"""How the home app turns `oauth.scope` into the `scope` parameter: a documented fact, not
an executable oracle.

cozy-harvest-lib (39.1.4, `dist/helpers/oauth.js`, `getOAuthUrl`) is an ES module that
imports cozy-client, cozy-realtime and cozy-ui: loading it needs the whole React stack of
the home app (16 peer dependencies), far beyond this suite's install budget. Its rule, read
from that file:

    if (scope !== undefined && scope !== null && scope !== false)
        urlScope = Array.isArray(scope) ? scope.join('%2B') : scope
        url.searchParams.set('scope', urlScope)

So `undefined`, `null` and `false` send no scope, an array is joined, anything else is
sent as it is. kpack (M015) accepts the first three, arrays of strings and a string;
it refuses other values on purpose: `true` or a number would be sent as the scope
"true" or "5", which no provider means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import lint

MANIFEST: dict[str, Any] = {
    "slug": "my-konnector", "type": "konnector", "name": "My", "editor": "Me",
    "version": "1.0.0", "oauth": {},
}


@pytest.mark.parametrize(
    ("scope", "sends"),
    [(None, None), (False, None), (["openid profile"], "openid profile"),
     (["a", "b"], "a%2Bb"), ("openid", "openid")],
)
def test_what_the_home_app_sends_kpack_accepts(tmp_path: Path, scope: Any, sends: Any) -> None:
    oauth = {} if scope is None and sends is None else {"scope": scope}
    found = lint(tmp_path, "manifest.konnector", {**MANIFEST, "oauth": oauth})
    assert "M015" not in [d.code for d in found]
    assert _harvest_scope(scope) == sends


@pytest.mark.parametrize("scope", [True, 5, {"a": "b"}, [1]])
def test_what_no_provider_means_kpack_refuses(tmp_path: Path, scope: Any) -> None:
    found = lint(tmp_path, "manifest.konnector", {**MANIFEST, "oauth": {"scope": scope}})
    assert "M015" in [d.code for d in found]


def _harvest_scope(scope: Any) -> str | None:
    """getOAuthUrl's rule, transcribed (see the module docstring)."""
    if scope is None or scope is False:
        return None
    if isinstance(scope, list):
        return "%2B".join(str(item) for item in scope)
    return str(scope)
