"""Bundle: `kpack build` of a 20 MiB build folder vs `tar | gzip -n -6`.

    python bench/bundle.py [--mib 20] [--runs 5]

The synthetic build folder holds a webpack-like JS bundle and its source map (text, about
60 %) and binary assets (random bytes, incompressible). kpack selects, scans for secrets
and writes a reproducible tar.gz; the peer only archives and compresses. Goals: ratio
<= 1.1 and a peak RSS <= 64 MiB whatever the size (kpack streams).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    MODES,
    REPO,
    fmt,
    header,
    kpack_vs_peer,
    print_rows,
    ratio,
    row,
    seconds,
    stats,
)

MIB = 1024 * 1024
WORD_TEXT = (
    "function return const let var this module exports require async await object value "
    "fetch documents bills saveFiles cozy konnector account fields login password date "
    "amount vendor filename fileurl metadata contentType"
)
WORDS = WORD_TEXT.split()


def js_text(size: int, rng: random.Random) -> str:
    lines: list[str] = []
    total = 0
    number = 0
    while total < size:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 12)))
        line = f"  /* {number} */ function f{number}(a, b) {{ return a + b + '{words}' }}\n"
        lines.append(line)
        total += len(line)
        number += 1
    return "".join(lines)


def generate(connector: Path, mib: int) -> None:
    rng = random.Random(5)
    build = connector / "build"
    (build / "assets").mkdir(parents=True)
    example = REPO / "examples" / "oauth-connector"
    manifest = json.loads((example / "manifest.konnector").read_text())
    (build / "manifest.konnector").write_text(json.dumps(manifest, indent=2))
    shutil.copy(example / "icon.svg", build / "icon.svg")
    text_bytes = int(mib * MIB * 0.6)
    (build / "index.js").write_text(js_text(text_bytes // 2, rng))
    (build / "index.js.map").write_text(js_text(text_bytes // 2, rng))
    binary = mib * MIB - text_bytes
    for number in range(8):
        (build / "assets" / f"image-{number}.png").write_bytes(rng.randbytes(binary // 8))


SMALL_FILES = 8000
SMALL_MIN, SMALL_MAX = 100, 4096
FILES_PER_PACKAGE = 20


def generate_small(connector: Path, files: int = SMALL_FILES) -> None:
    """A node_modules-like build folder: `files` small JS files (100 B - 4 KB, seeded),
    twenty to a package, in nested folders, with the manifest, index.js and the icon."""
    rng = random.Random(7)
    build = connector / "build"
    build.mkdir(parents=True)
    example = REPO / "examples" / "oauth-connector"
    manifest = json.loads((example / "manifest.konnector").read_text())
    (build / "manifest.konnector").write_text(json.dumps(manifest, indent=2))
    shutil.copy(example / "icon.svg", build / "icon.svg")
    (build / "index.js").write_text("module.exports = require('./node_modules/pkg-0000')\n")
    for number in range(files - 3):  # with the manifest, the icon and index.js
        package = build / "node_modules" / f"pkg-{number // FILES_PER_PACKAGE:04d}"
        folder = package / ("lib" if number % 3 else "dist/cjs")
        folder.mkdir(parents=True, exist_ok=True)
        size = rng.randint(SMALL_MIN, SMALL_MAX)
        (folder / f"module-{number % FILES_PER_PACKAGE:02d}.js").write_text(js_text(size, rng)[:size])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    header(f"bundle: kpack build of {args.mib} MiB vs tar | gzip -n -6 ({args.runs} runs)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kpack-bench-bundle-") as tmp:
        connector = Path(tmp) / "connector"
        generate(connector, args.mib)
        peer = [
            "bash",
            "-c",
            "cd build && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner "
            "-cf - . | gzip -n -6 > ../peer.tar.gz",
        ]
        for mode in MODES:
            samples = kpack_vs_peer(mode, ["build", "."], peer, args.runs, cwd=connector)
            ours, theirs = seconds(samples["kpack"]), seconds(samples["peer"])
            rss = stats([s.max_rss_kib / 1024 for s in samples["kpack"]])
            peer_rss = stats([s.max_rss_kib / 1024 for s in samples["peer"]])
            archives = sorted((connector / "dist").glob("*.tar.gz"))
            size = archives[0].stat().st_size / MIB if archives else 0.0
            peer_size = (connector / "peer.tar.gz").stat().st_size / MIB
            print(f"[{mode}] kpack build: {ours}; peak RSS {rss.high:.0f} MiB; {size:.1f} MiB")
            print(
                f"[{mode}] tar | gzip:  {theirs}; peak RSS {peer_rss.high:.0f} MiB; "
                f"{peer_size:.1f} MiB"
            )
            print(
                f"[{mode}] ratio {ratio(ours, theirs):.2f} (goal <= 1.1); exit codes "
                f"{sorted({s.returncode for s in samples['kpack']})}\n"
            )
            rows.append(
                row(
                    f"bundle ({mode})",
                    f"`kpack build` ({args.mib} MiB)",
                    f"{fmt(ours)}; peak RSS {rss.high:.0f} MiB",
                    f"{fmt(theirs)}; peak RSS {peer_rss.high:.0f} MiB",
                    f"{ratio(ours, theirs):.2f}",
                    "≤ 1.1, ≤ 64 MiB",
                )
            )
    print_rows(rows)


if __name__ == "__main__":
    main()
