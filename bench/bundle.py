"""Bundle: `kpack build` vs `tar --sort=name | gzip -n -6` on three build folders.

    python bench/bundle.py [--mib 20] [--files 8000] [--real PATH] [--runs 5]

- a 20 MiB webpack-like build: a JS bundle and its source map (text, about 60 %) and binary
  assets (random bytes, incompressible). Goals: ratio <= 1.1, peak RSS <= 64 MiB;
- 8,000 small JS files (100 B - 4 KB, seeded) in a node_modules-like layout, where the
  cost per file dominates. Goal: ratio <= 0.6;
- a real node_modules (tests/node's, 5,500 files with `.bin` links, when it is installed;
  or --real PATH). Goal: ratio <= 0.6.

kpack selects, scans for secrets, writes a reproducible tar.gz and reads it back; the peer
only archives and compresses. Each tree prints the sha256 of kpack's archive: the same
code gives the same bytes, so comparing them across versions shows the archive unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

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
        name = f"module-{number % FILES_PER_PACKAGE:02d}.js"
        (folder / name).write_text(js_text(size, rng)[:size])


REAL_TREE = REPO / "tests" / "node" / "node_modules"  # npm ci --prefix tests/node


def copy_real(connector: Path, tree: Path) -> None:
    """A build folder that is a copy of a real node_modules (its links kept as links), with
    the manifest, the icon and index.js; secret hits in it are allowed (packages ship test
    keys): the scan still runs."""
    build = connector / "build"
    shutil.copytree(tree, build, symlinks=True)
    example = REPO / "examples" / "oauth-connector"
    shutil.copy(example / "manifest.konnector", build / "manifest.konnector")
    shutil.copy(example / "icon.svg", build / "icon.svg")
    (build / "index.js").write_text("module.exports = 1\n")
    (connector / ".kpack.yaml").write_text('allow-secrets: ["**"]\n')


class Tree(NamedTuple):
    name: str  # as it appears in the rows
    goal: str
    make: Callable[[Path], None]


def trees(args: argparse.Namespace) -> list[Tree]:
    found = [
        Tree(f"{args.mib} MiB", "≤ 1.1, ≤ 64 MiB", lambda c: generate(c, args.mib)),
        Tree(f"{args.files:,} small files", "≤ 0.6", lambda c: generate_small(c, args.files)),
    ]
    real = Path(args.real) if args.real else REAL_TREE
    if real.is_dir():
        count = sum(len(files) for _root, _dirs, files in os.walk(real))
        found.append(Tree(f"{real.name}, {count:,} files", "≤ 0.6", lambda c: copy_real(c, real)))
    else:
        print(f"(no {real}: the real tree is left out; `npm ci --prefix tests/node` makes it)")
    return found


def measure(tree: Tree, tmp: Path, runs: int) -> list[str]:
    connector = tmp / tree.name.replace(" ", "-").replace(",", "")
    tree.make(connector)
    peer = [
        "bash",
        "-c",
        "cd build && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner "
        "-cf - . | gzip -n -6 > ../peer.tar.gz",
    ]
    rows = []
    for mode in MODES:
        samples = kpack_vs_peer(mode, ["build", "."], peer, runs, cwd=connector)
        ours, theirs = seconds(samples["kpack"]), seconds(samples["peer"])
        rss = stats([s.max_rss_kib / 1024 for s in samples["kpack"]])
        peer_rss = stats([s.max_rss_kib / 1024 for s in samples["peer"]])
        archives = sorted((connector / "dist").glob("*.tar.gz"))
        size = archives[0].stat().st_size / MIB if archives else 0.0
        digest = hashlib.sha256(archives[0].read_bytes()).hexdigest() if archives else "-"
        peer_size = (connector / "peer.tar.gz").stat().st_size / MIB
        print(f"[{tree.name}, {mode}] kpack build: {ours}; peak RSS {rss.high:.0f} MiB; "
              f"{size:.1f} MiB, sha256 {digest}")
        print(f"[{tree.name}, {mode}] tar | gzip:  {theirs}; peak RSS {peer_rss.high:.0f} MiB; "
              f"{peer_size:.1f} MiB")
        print(
            f"[{tree.name}, {mode}] kpack / tar|gzip {ratio(ours, theirs):.2f} "
            f"(goal {tree.goal}); exit codes {sorted({s.returncode for s in samples['kpack']})}\n"
        )
        rows.append(
            row(
                f"bundle ({mode})",
                f"`kpack build` ({tree.name})",
                f"{fmt(ours)}; peak RSS {rss.high:.0f} MiB",
                f"{fmt(theirs)}; peak RSS {peer_rss.high:.0f} MiB",
                f"{ratio(ours, theirs):.2f}",
                tree.goal,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--files", type=int, default=SMALL_FILES)
    parser.add_argument("--real", help=f"a node_modules folder to bundle (default {REAL_TREE})")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    header(f"bundle: kpack build vs tar | gzip -n -6 ({args.runs} runs each)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kpack-bench-bundle-") as tmp:
        for tree in trees(args):
            rows.extend(measure(tree, Path(tmp), args.runs))
    print_rows(rows)


if __name__ == "__main__":
    main()
