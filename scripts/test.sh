#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, then lint, types, tests.
#   ./scripts/test.sh            everything
#   ./scripts/test.sh -k config  extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
# pouchdb-server (a CouchDB-API server, in memory) for the provisioning tests, and the Node
# conformance oracles (strip-json-comments, cozy-app-publish). Install scripts only fetch or
# compile on-disk storage backends that in-memory mode does not use.
npm ci --prefix tests/node --ignore-scripts --no-audit --no-fund --loglevel=error
# Go (the standard library only) builds the conformance oracle of tests/conformance/go.
if ! command -v go >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq golang-go
fi

.venv/bin/ruff check kpack tests bench
.venv/bin/mypy --strict kpack tests
# The layers (docs/architecture.md): no import from a lower layer to a higher one.
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
