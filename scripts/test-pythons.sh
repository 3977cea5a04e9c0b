#!/usr/bin/env bash
# The fast part of the suite on every other supported Python found on the machine
# (pyenv's versions, else python3.X on PATH), each in its own virtualenv (.venv-3.X).
# The main run (scripts/test.sh: ruff, mypy, the whole suite) stays on python3.
#   ./scripts/test-pythons.sh              3.10, 3.11, 3.12 and 3.13, except python3's
#   KPACK_PYTHONS="3.10 3.13" ./scripts/test-pythons.sh
#   extra arguments go to pytest (default: the subset below, -m 'not slow')
# A missing version is reported, not fatal (KPACK_REQUIRE_PYTHONS=1 makes it fatal).
set -euo pipefail
cd "$(dirname "$0")/.."

versions=${KPACK_PYTHONS:-3.10 3.11 3.12 3.13}
main=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pytest_args=("$@")
if [ ${#pytest_args[@]} -eq 0 ]; then
    # What can differ between Pythons: the pipeline from loading to reports (json, re,
    # pydantic), the command line (Typer, click), the archive bytes (tarfile, zlib), paths,
    # git, processes. The whole suite on three more Pythons would take CI past half an hour
    # on 2 CPUs; this part takes one to two minutes each. The per-kind rule tests (pure
    # logic on parsed data, 350 tests) run on python3 only.
    pytest_args=(-m "not slow" -q -x -p no:cacheprovider
        tests/test_check.py tests/test_cli_check.py tests/test_cli_help.py
        tests/test_cli_rules.py tests/test_config.py tests/test_discover.py
        tests/test_load_source.py tests/test_load_positions.py tests/test_models.py
        tests/test_git.py tests/test_realpath.py tests/test_parallel.py tests/test_packaging.py
        tests/test_stdin.py tests/test_terminal.py
        tests/reporters tests/rules/test_common.py tests/rules/test_cross_file.py
        tests/bundle/test_archive.py tests/bundle/test_gzip_stream.py
        tests/bundle/test_command.py tests/provision/test_payload.py tests/provision/test_env.py)
fi

find_python() {  # the newest interpreter of version $1, or nothing
    local version=$1 root=${PYENV_ROOT:-$HOME/.pyenv} candidate found=""
    for candidate in "$root"/versions/"$version".*/bin/python"$version"; do
        [ -x "$candidate" ] && found=$candidate  # the glob sorts: the last is the newest
    done
    if [ -z "$found" ]; then
        found=$(command -v "python$version" 2>/dev/null || true)
    fi
    # A pyenv shim answers even for a version it does not have: ask the interpreter.
    if [ -n "$found" ] && ! "$found" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$version'.split('.'))))" 2>/dev/null; then
        found=""
    fi
    echo "$found"
}

missing=()
for version in $versions; do
    if [ "$version" = "$main" ]; then
        echo "== Python $version: the main run (python3)"
        continue
    fi
    python=$(find_python "$version")
    if [ -z "$python" ]; then
        echo "kpack: warning: Python $version not found (pyenv install $version): not tested" >&2
        missing+=("$version")
        continue
    fi
    echo "== Python $version: $python"
    venv=.venv-$version
    "$python" -m venv "$venv"
    "$venv"/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    "$venv"/bin/python -m pytest "${pytest_args[@]}"
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "kpack: warning: not tested on Python ${missing[*]}" >&2
    if [ "${KPACK_REQUIRE_PYTHONS:-}" = 1 ]; then
        exit 1
    fi
fi
