"""How the account-type rules write values in their messages: quoted, shortened, listed."""

from __future__ import annotations

import json


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def quoted_list(values: tuple[str, ...]) -> str:
    return ", ".join(q(v) for v in values)
