#!/bin/sh
# CUDA is found where the toolkit installs it, /usr/local/cuda/bin, also when
# PATH lacks that directory: through tests/gpu_smoke.sh (which passes
# -DCMAKE_CUDA_COMPILER) and through the CMake project alone, which also
# looks again past a NOTFOUND cached by an earlier configure. Exit 77
# (skipped) without a toolkit there.
#
#   test_gpu_configure.sh SOURCE_DIR
set -eu
src=$1
nvcc=/usr/local/cuda/bin/nvcc
[ -x "$nvcc" ] || { echo "skipped: no $nvcc"; exit 77; }
# A PATH with cmake, the compilers and pkg-config, without the toolkit.
path=/usr/bin:/bin:$(dirname "$(command -v cmake)")
if PATH=$path command -v nvcc >/dev/null; then
	echo "skipped: nvcc is on $path too ($(PATH=$path command -v nvcc))"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vecbench-configure-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clean_env() { env -u CUDACXX -u CUDA_PATH -u CMAKE_CUDA_COMPILER PATH="$path" "$@"; }
cached() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt"; }

# 1. The smoke script, stopped after configuring.
cd "$src"
clean_env VB_SMOKE_CONFIGURE_ONLY=1 tests/gpu_smoke.sh "$tmp/smoke" >"$tmp/smoke.log" 2>&1 || {
	cat "$tmp/smoke.log"
	echo "FAIL: gpu_smoke.sh did not configure with CUDA without nvcc on PATH"
	exit 1
}
[ "$(cached "$tmp/smoke" CMAKE_CUDA_COMPILER)" = "$nvcc" ] || {
	echo "FAIL: gpu_smoke.sh configured CMAKE_CUDA_COMPILER=$(cached "$tmp/smoke" CMAKE_CUDA_COMPILER)"
	exit 1
}

# 2. The project alone, with a NOTFOUND left by an earlier configure. CMake
# also searches /usr/local/bin, where some machines keep an nvcc wrapper:
# ignored, so the toolkit's own directory is the one that must be found.
clean_env cmake -S "$src" -B "$tmp/project" -DCMAKE_CUDA_COMPILER=CMAKE_CUDA_COMPILER-NOTFOUND \
	-DCMAKE_IGNORE_PATH=/usr/local/bin >"$tmp/project.log" 2>&1 || {
	cat "$tmp/project.log"
	echo "FAIL: configure without nvcc on PATH"
	exit 1
}
found=$(cached "$tmp/project" CMAKE_CUDA_COMPILER)
enabled=$(cached "$tmp/project" VB_CUDA_ENABLED)
if [ "$found" != "$nvcc" ] || [ "$enabled" != ON ]; then
	grep -i cuda "$tmp/project.log" || true
	echo "FAIL: the project found CMAKE_CUDA_COMPILER=$found, CUDA variants built: $enabled"
	exit 1
fi
echo "ok: $nvcc found by gpu_smoke.sh and by the project with PATH=$path"
