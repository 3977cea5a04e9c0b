"""What counts as a placeholder rather than a real credential: one test for every rule.

The dev config rules (D007 warns about a placeholder `access_token`, D004 speaks of live
credentials only when a field holds a real value) and the bundle's secret scan (B006 does
not look for a placeholder in the bundled files) must agree: `"<ACCESS_TOKEN>"` in a dev
config and in `index.js` is not a leaked secret, and `kpack check` already calls it a
placeholder. Messages never quote the value.
"""

from __future__ import annotations

import re

# Only filler (`...`, `xxxxxxxx`, `***`, `____`).
_FILLER = re.compile(r"^[\s.…*xX_#-]*$")
# A template's stand-in: `<ACCESS_TOKEN>`, `{{token}}`, `${TOKEN}` / `$TOKEN`, `%TOKEN%`.
_WRAPPED = re.compile(r"^(<[^<>]*>|\{\{[^{}]*\}\}|\{[^{}]*\}|%[^%]+%|\[[^\[\]]*\])$")
_ENV_REFERENCE = re.compile(r"^\$(\{\w+\}|\w+)$")
_WORDS = frozenset({
    "accesstoken", "token", "changeme", "changeit", "todo", "fixme", "tbd", "placeholder",
    "secret", "clientsecret", "clientid", "password", "passwd", "login", "username", "user",
    "email", "null", "undefined", "none", "empty", "dummy", "example", "sample", "test",
    "foo", "bar", "foobar", "redacted", "hidden", "notset", "unset", "insertaccesstokenhere",
    "pasteyourtokenhere", "youraccesstoken", "myaccesstoken", "yourtoken", "mytoken",
})
# A sentence telling what to put there ("your_access_token", "INSERT-TOKEN-HERE"): a
# prompt word, a separator, then letters and separators only.
_PROMPT = re.compile(r"^(your|my|insert|paste|replace|enter|put)[ _.-][a-z _.-]*$", re.I)
# The demo values of konnectors/template's konnector-dev-config.json (its `password` is
# `123456`, a trivial number): kept as they are by konnectors made from it.
_DEMO_VALUES = frozenset({"zuck.m@rk.fb"})
_ASCENDING = "01234567890123456789"
_DESCENDING = "98765432109876543210"


def is_env_reference(value: str) -> bool:
    """`$VAR` or `${VAR}`, the whole value."""
    return _ENV_REFERENCE.match(value.strip()) is not None


def _trivial_digits(text: str) -> bool:
    """`12345678`, `00000000`, `987654`: what people type when a value is required."""
    return text.isdigit() and (
        len(set(text)) == 1 or text in _ASCENDING or text in _DESCENDING
    )


def is_placeholder(value: str) -> bool:
    """Whether `value` stands in for a credential rather than being one: empty, filler,
    a wrapped name, an environment reference, a stand-in word, a trivial number or a
    template's demo value."""
    stripped = value.strip()
    if not stripped or _FILLER.match(stripped) or _WRAPPED.match(stripped):
        return True
    if is_env_reference(stripped) or _trivial_digits(stripped):
        return True
    if stripped.lower() in _DEMO_VALUES:
        return True
    words = re.sub(r"[^a-z]", "", stripped.lower())
    return words in _WORDS or (len(stripped) <= 64 and _PROMPT.match(stripped) is not None)
