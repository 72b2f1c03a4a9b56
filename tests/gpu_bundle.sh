#!/bin/sh
# A GPU machine without vecbench's build dependencies (no OpenBLAS, Google
# Benchmark or cJSON headers, no network to fetch them) can still run the GPU
# half: build here, then carry the binary and the shared libraries it links
# beyond the C and C++ runtimes, and run tests/gpu_smoke.sh there with
# VB_SMOKE_PREBUILT naming the bundle.
#
#   tests/gpu_bundle.sh [BUILD_DIR] [BUNDLE_DIR]   (defaults build-gpu, .gpu)
#
# The bundle is BUNDLE_DIR/vecbench and BUNDLE_DIR/lib (about 50 MB: most of
# it libopenblas). oneDNN and BLIS are opened by absolute path at run time,
# so they are not carried: vec runs on OpenBLAS there.
set -eu
build=${1:-build-gpu}
dest=${2:-.gpu}
vb="$build/vecbench"
[ -x "$vb" ] || { echo "gpu_bundle: no $vb: build it first (tests/gpu_smoke.sh $build, or cmake)" >&2; exit 2; }
grep -q '^VB_CUDA_ENABLED:INTERNAL=ON' "$build/CMakeCache.txt" 2>/dev/null || {
	echo "gpu_bundle: $build is not a CUDA build (VB_CUDA_ENABLED is not ON)" >&2
	exit 1
}
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/lib"
cp "$vb" "$dest.tmp/vecbench"
# The runtimes every Linux has (and a newer one there must win) stay behind.
ldd "$vb" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
	grep -v -E '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' |
	while read -r lib; do cp -L "$lib" "$dest.tmp/lib/"; done
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "gpu_bundle: $dest ($(du -sh "$dest" | cut -f1)): run VB_SMOKE_PREBUILT=$dest tests/gpu_smoke.sh there"
