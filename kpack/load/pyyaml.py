"""PyYAML, imported without compiling its regular expressions up front.

`import yaml` compiles about a dozen patterns at import time. One of them, the Reader's
`NON_PRINTABLE` (a negated class over the whole of Unicode), takes 9-10 ms alone: a
third of PyYAML's import and a tenth of `kpack check` on a connector with a `.kpack.yaml`.
Yet the C loader kpack uses (`CSafeLoader`) never calls it, and the resolver's and the
constructor's patterns serve only plain scalars starting with a digit, a sign or one of
the words they match, and timestamps.

So the patterns PyYAML's own modules compile while it is imported become `_Deferred`
ones, compiled on their first use: same pattern, same flags, same answers. Calls from
other modules (another thread) go straight to `re.compile`. The settings are read with
`yaml.safe_load`, whose pure-Python Reader does search a text with `NON_PRINTABLE`: on an
ASCII text (nearly every `.kpack.yaml`) the ASCII part of the class gives the same answer
(tests/test_startup.py). Import PyYAML through this module: `from kpack.load.pyyaml import
yaml`.
"""

from __future__ import annotations

import re
import sys
from typing import Any


class _Deferred:
    """A pattern compiled on first use; then it stands for the compiled one."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(*self._args)
        return getattr(compiled, name)


# yaml.reader.Reader.NON_PRINTABLE (PyYAML 5 and 6), and its ASCII characters alone.
NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
NON_PRINTABLE_ASCII = "[^\x09\x0A\x0D\x20-\x7E]"


class _NonPrintable(_Deferred):
    """`NON_PRINTABLE`, whose other characters are not ASCII: an ASCII text needs only
    the ASCII part of the class (0.1 ms to compile, not 10)."""

    __slots__ = ()

    def search(self, text: Any, *args: Any) -> Any:
        if not args and isinstance(text, str) and text.isascii():
            return re.compile(NON_PRINTABLE_ASCII).search(text)
        return self.__getattr__("search")(text, *args)


def _import_yaml() -> None:
    real_compile = re.compile

    def deferring_compile(pattern: Any, flags: Any = 0) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("yaml.") and isinstance(pattern, str):
            if caller == "yaml.reader" and pattern == NON_PRINTABLE and not flags:
                return _NonPrintable(pattern, flags)
            return _Deferred(pattern, flags)
        return real_compile(pattern, flags)

    re.compile = deferring_compile
    try:
        import yaml  # noqa: F401
    finally:
        re.compile = real_compile


if "yaml" not in sys.modules:
    _import_yaml()

import yaml as yaml  # noqa: E402 - imported by _import_yaml above
