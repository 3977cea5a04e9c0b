#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, then lint, types, tests.
#   ./scripts/test.sh            everything
#   ./scripts/test.sh -k config  extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
# pouchdb-server (a CouchDB-API server, in memory) for the provisioning tests. Install
# scripts only fetch or compile on-disk storage backends that in-memory mode does not use.
npm ci --prefix tests/node --ignore-scripts --no-audit --no-fund --loglevel=error

.venv/bin/ruff check kpack tests bench
.venv/bin/mypy --strict kpack tests
.venv/bin/python -m pytest "$@"
