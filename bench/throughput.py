"""Throughput (CI over a monorepo): `kpack check` on 2,000 connectors vs check-jsonschema.

    python bench/throughput.py [--connectors 2000] [--runs 5] [--jobs 2]

Each synthetic connector has a manifest, an account type and a dev config; about one in
eight carries a mistake (trailing comma, bad grant mode, misspelt field, wrong type...).
The tree is a git work tree, as a monorepo is (the dev-config rules ask git, once).
check-jsonschema validates only the manifests, in one process. Goals: >= 2,000 files/s for
kpack and a ratio <= 0.5.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BIN,
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

FILES_PER_CONNECTOR = 3


def manifest(slug: str, rng: random.Random) -> dict[str, Any]:
    return {
        "version": f"1.{rng.randrange(20)}.{rng.randrange(10)}",
        "name": f"Connector {slug}",
        "type": "konnector",
        "language": "node",
        "icon": "icon.svg",
        "slug": slug,
        "source": f"git@github.com:example/cozy-konnector-{slug}.git",
        "editor": "Example",
        "vendor_link": f"https://{slug}.example",
        "categories": [rng.choice(["online_services", "energy", "telecom", "shopping"])],
        "frequency": "weekly",
        "data_types": ["document", "bill"][: rng.randrange(1, 3)],
        "fields": {},
        "oauth": {"scope": ["read:documents"]},
        "folders": [{"defaultDir": "$administrative/$konnector/$account"}],
        "permissions": {
            "files": {"type": "io.cozy.files", "description": "Save your documents"},
            "accounts": {"type": "io.cozy.accounts", "verbs": ["GET", "PUT"]},
        },
        "developer": {"name": "Example", "url": "https://example.org"},
        "langs": ["en", "fr"],
        "locales": {
            "en": {"short_description": f"Fetch {slug}", "long_description": f"Fetch {slug}."},
            "fr": {"short_description": f"Récupère {slug}", "long_description": "Avec OAuth."},
        },
        "manifest_version": "2",
    }


def account_type(slug: str) -> dict[str, Any]:
    upper = slug.upper().replace("-", "_")
    return {
        "_id": slug,
        "grant_mode": "authorization_code",
        "client_id": f"${upper}_CLIENT_ID",
        "client_secret": f"${upper}_CLIENT_SECRET",
        "auth_endpoint": f"https://accounts.{slug}.example/oauth/authorize",
        "token_endpoint": f"https://api.{slug}.example/oauth/token",
        "token_mode": "basic",
        "redirect_uri": f"https://oauthcallback.cozy.tools/accounts/{slug}/redirect",
    }


def dev_config() -> dict[str, Any]:
    return {"COZY_URL": "http://cozy.tools:8080", "fields": {"access_token": "dev-token"}}


def generate(root: Path, count: int, seed: int = 5) -> list[str]:
    """Write `count` connectors under `root`; the manifests' paths, relative to `root`."""
    rng = random.Random(seed)
    manifests = []
    for number in range(count):
        slug = f"connector-{number:05d}"
        folder = root / "connectors" / slug
        folder.mkdir(parents=True)
        m, a, d = manifest(slug, rng), account_type(slug), dev_config()
        mistake = rng.randrange(8) if number % 8 == 0 else None
        if mistake == 1:
            a["grant_mode"] = "refresh_token"
        elif mistake == 2:
            a["redirect_url"] = a.pop("redirect_uri")
        elif mistake == 3:
            m["frequency"] = 7
        elif mistake == 4:
            del m["slug"]
        elif mistake == 5:
            a["token_endpoint"] = "https://api.other-provider.example/token"
        texts = {
            "manifest.konnector": json.dumps(m, indent=2, ensure_ascii=False),
            "account-types-def.json": json.dumps(a, indent=2),
            "konnector-dev-config.json": json.dumps(d, indent=2),
        }
        if mistake == 0:  # the seed's mistake: a trailing comma
            texts["konnector-dev-config.json"] = texts["konnector-dev-config.json"].replace(
                '"dev-token"', '"dev-token",'
            )
        elif mistake == 6:
            texts["manifest.konnector"] = texts["manifest.konnector"][:-40]  # truncated
        for name, text in texts.items():
            (folder / name).write_text(text + "\n", encoding="utf-8")
        manifests.append(f"connectors/{slug}/manifest.konnector")
    (root / ".gitignore").write_text("konnector-dev-config.json\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return manifests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connectors", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--jobs", type=int, default=0, help="also time `kpack check --jobs N` (0: skip)"
    )
    args = parser.parse_args()
    files = args.connectors * FILES_PER_CONNECTOR
    header(
        f"throughput: kpack check on {args.connectors} connectors ({files} files) "
        f"vs check-jsonschema on {args.connectors} manifests ({args.runs} runs)"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="kpack-bench-tree-") as tmp:
        tree = Path(tmp)
        manifests = generate(tree, args.connectors)
        peer = [
            str(BIN / "check-jsonschema"),
            "--schemafile",
            str(REPO / "schemas" / "manifest.schema.json"),
            *manifests,
        ]
        # `kpack check --jobs N` timed alongside, with the same copy of kpack.
        jobs = (
            {"kpack-jobs": ["check", "--jobs", str(args.jobs), "connectors"]} if args.jobs else None
        )
        for mode in MODES:
            samples = kpack_vs_peer(
                mode, ["check", "connectors"], peer, args.runs, cwd=tree, more=jobs
            )
            theirs = seconds(samples["peer"])
            print(f"[{mode}] check-jsonschema: {theirs}")
            for name in [n for n in samples if n != "peer"]:
                ours = seconds(samples[name])
                rate = stats([files / s.seconds for s in samples[name]])
                label = "kpack check" + (f" --jobs {args.jobs}" if name == "kpack-jobs" else "")
                print(
                    f"[{mode}] {label}: {ours}; {rate.median:,.0f} files/s; "
                    f"ratio {ratio(ours, theirs):.2f} (goals >= 2,000 files/s, <= 0.5); "
                    f"exit codes {sorted({s.returncode for s in samples[name]})}"
                )
                rows.append(
                    row(
                        f"throughput ({mode})",
                        f"`{label}` ({files} files)",
                        f"{fmt(ours)}; {rate.median:,.0f} files/s",
                        fmt(theirs),
                        f"{ratio(ours, theirs):.2f}",
                        "≥ 2,000 files/s, ≤ 0.5",
                    )
                )
            print()
    print_rows(rows)


if __name__ == "__main__":
    main()
