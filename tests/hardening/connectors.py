"""The small connector the hardening tests of `kpack build` start from."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bundle.helpers import MANIFEST

__all__ = ["MANIFEST", "small_connector"]


def small_connector(root: Path) -> Path:
    """A connector at `root` whose build/ holds a manifest, an index.js and an icon."""
    build = root / "build"
    build.mkdir(parents=True)
    (build / "manifest.konnector").write_text(json.dumps(MANIFEST))
    (build / "index.js").write_text("module.exports = 1\n")
    (build / "icon.svg").write_text("<svg/>\n")
    return root
