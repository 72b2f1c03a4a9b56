#!/usr/bin/env bash
# Builds a base revision's libvbops.so for `make compare AB=1 BASE=REV`:
# the revision is checked out in a temporary git worktree (removed again),
# configured into OUT_ROOT/base-<short rev> and only the vbops target built.
# A build already there is reused (a revision does not change). Prints the
# library's path; one line and exit 2 when REV is no revision, does not
# build, or predates libvbops.so.
#
# Usage: bench/ab_base.sh REV [OUT_ROOT]   (default OUT_ROOT: build-ab)
# Environment: CMAKE_FLAGS (extra cmake options), JOBS.
set -uo pipefail
rev=${1:-}
root=${2:-build-ab}
fail() {
	echo "make compare AB=1: $*" >&2
	exit 2
}
[ -n "$rev" ] || fail "name the base revision: BASE=REV (e.g. BASE=HEAD~1)"
sha=$(git rev-parse --verify --quiet "$rev^{commit}") || fail "'$rev' is not a revision of this repository"
short=$(git rev-parse --short "$sha")
mkdir -p "$root" || fail "cannot create $root"
out=$(cd "$root" && pwd)/base-$short
lib=$out/libvbops.so
if [ -f "$lib" ]; then
	echo "$lib"
	exit 0
fi
src=$(mktemp -d "${TMPDIR:-/tmp}/vecbench-base-XXXXXX") || fail "cannot create a temporary directory"
cleanup() {
	git worktree remove --force "$src" >/dev/null 2>&1
	rm -rf "$src"
	git worktree prune >/dev/null 2>&1
}
trap cleanup EXIT
git worktree add --detach "$src" "$sha" >/dev/null 2>&1 || fail "cannot check out $rev ($short) in a worktree"
log=$out.log
echo "make compare AB=1: building $rev ($short)'s libvbops.so in $out (log: $log)" >&2
# CPU kernels only: CUDA is not part of libvbops.so.
# shellcheck disable=SC2086 # CMAKE_FLAGS: several options
if ! cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DVB_CUDA=OFF ${CMAKE_FLAGS:-} >"$log" 2>&1; then
	fail "base revision $rev ($short) does not configure (see $log)"
fi
if ! grep -q '^vbops:' "$out/Makefile" 2>/dev/null && ! cmake --build "$out" --target help 2>/dev/null | grep -q '\bvbops\b'; then
	rm -rf "$out" "$log"
	fail "base revision $rev ($short) has no libvbops.so target (it predates vecbench ab): choose a later base"
fi
if ! cmake --build "$out" --target vbops -j "${JOBS:-$(nproc)}" >>"$log" 2>&1 || [ ! -f "$lib" ]; then
	mv "$log" "$root/base-$short.failed.log" 2>/dev/null
	rm -rf "$out"
	fail "base revision $rev ($short) does not build (see $root/base-$short.failed.log)"
fi
echo "$lib"
