#!/usr/bin/env bash
# Tag a release (docs/releasing.md): checks that the version is said the same everywhere
# and that the changelog dates it, then creates the annotated tag vX.Y.Z and builds the
# wheel into dist/.
#   ./scripts/release.sh             tag and build
#   ./scripts/release.sh --no-build  tag only
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
case "${1:-}" in
    "") ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac

fail() { echo "release: $*" >&2; exit 1; }

version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' pyproject.toml | head -n 1)
[ -n "$version" ] || fail "no version in pyproject.toml"
echo "$version" | grep -Eq '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$' \
    || fail "version $version is not X.Y.Z (semantic versioning)"
tag="v$version"

package=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' kpack/__init__.py)
[ "$package" = "$version" ] || fail "kpack/__init__.py says $package, pyproject.toml $version"
grep -Eq "^ *rev: $tag\$" README.md || fail "README.md's pre-commit snippet does not say rev: $tag"
grep -Eq "^## \[$version\] - [0-9]{4}-[0-9]{2}-[0-9]{2}\$" CHANGELOG.md \
    || fail "CHANGELOG.md has no dated section '## [$version] - YYYY-MM-DD'"

[ -z "$(git status --porcelain --untracked-files=no)" ] || fail "the work tree has uncommitted changes"
if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
    fail "tag $tag exists already (tags are never moved)"
fi

git tag -a "$tag" -m "kpack $version"
echo "tagged $tag at $(git rev-parse --short HEAD)"
if [ "$build" = 1 ]; then
    "${PYTHON:-python3}" -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist .
    echo "built dist/kpack-$version-py3-none-any.whl"
fi
echo "next: git push origin HEAD $tag, then publish dist/ (docs/releasing.md)"
