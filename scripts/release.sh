#!/usr/bin/env bash
# Tag a release (docs/releasing.md): checks that the version is said the same everywhere
# and that the changelog dates it, builds the source distribution and the wheel
# (python -m build: the wheel is built from the sdist, so a file missing from the sdist
# fails here, not on a user's machine), then creates the annotated tag vX.Y.Z and puts
# both files in dist/.
#   ./scripts/release.sh             build, tag
#   ./scripts/release.sh --no-build  tag only
#   ./scripts/release.sh --dry-run   every check and the build (into a temporary folder):
#                                    no tag, dist/ untouched; with --no-build, checks only
# PYTHON names the interpreter that runs `-m build` (default python3; pip install build).
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
dry_run=0
for argument in "$@"; do
    case "$argument" in
        --no-build) build=0 ;;
        --dry-run) dry_run=1 ;;
        *) echo "usage: $0 [--dry-run] [--no-build]" >&2; exit 2 ;;
    esac
done

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

# The build comes first, into a temporary folder: a build that fails leaves no tag.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
built=()
if [ "$build" = 1 ]; then
    "${PYTHON:-python3}" -m build --outdir "$scratch/dist" . >"$scratch/build.log" 2>&1 \
        || { cat "$scratch/build.log" >&2; fail "the build failed (python -m build; pip install build)"; }
    # The distribution is cozy-kpack (kpack/project.py), normalised to cozy_kpack in file names.
    for name in "cozy_kpack-$version.tar.gz" "cozy_kpack-$version-py3-none-any.whl"; do
        [ -f "$scratch/dist/$name" ] || fail "the build did not make $name"
        built+=("$name")
        echo "built $name"
    done
fi

if [ "$dry_run" = 1 ]; then
    echo "dry run: every check passed; would tag $tag at $(git rev-parse --short HEAD)"
    echo "dry run: no tag created, dist/ untouched"
    exit 0
fi

git tag -a "$tag" -m "kpack $version"
echo "tagged $tag at $(git rev-parse --short HEAD)"
if [ ${#built[@]} -gt 0 ]; then
    mkdir -p dist
    for name in "${built[@]}"; do
        mv -f "$scratch/dist/$name" "dist/$name"
    done
    echo "in dist/: ${built[*]}"
fi
echo "next: git push origin HEAD $tag, then publish dist/ (docs/releasing.md)"
