#!/bin/sh
# The GPU half in one go, for a machine with an NVIDIA GPU (sm_80 or newer):
# build with CUDA, check every CUDA variant against the float64 oracle, run
# the CUDA ctests, then a short timing run of cuda_loop, cuda_vec and the CPU
# vec side by side. Run from the repository root:
#
#   tests/gpu_smoke.sh [BUILD_DIR]        (default build-gpu)
#
# VB_FLUSH_L2=1 in the environment times every GPU iteration with a cold L2.
# VB_SMOKE_CONFIGURE_ONLY=1 stops after configuring (tests/test_gpu_configure.sh).
# Where mpirun and dp_cuda_vec (NCCL) are built, it ends with the data-parallel
# step on min(VB_SMOKE_RANKS (default 2), GPUs) ranks, one GPU each; the
# results land in BUILD_DIR/gpu_smoke_dp.json.
# Exits non-zero at the first failure; the results land in BUILD_DIR/gpu_smoke.json.
#
# VB_SMOKE_PREBUILT=BUNDLE runs a bundle made elsewhere by tests/gpu_bundle.sh
# (for a GPU machine without the build dependencies): no configure or build,
# the CUDA tests run directly instead of through ctest, and BUILD_DIR only
# receives the results.
set -eu
build=${1:-build-gpu}
variants=cuda_loop,cuda_vec,cuda_tf32,cuda_fp16,cuda_bf16
command -v nvidia-smi >/dev/null && nvidia-smi -L

if [ -n "${VB_SMOKE_PREBUILT:-}" ]; then
	pre=$(cd "$VB_SMOKE_PREBUILT" && pwd)
	[ -x "$pre/vecbench" ] || { echo "gpu_smoke: no vecbench in $pre (tests/gpu_bundle.sh makes it)" >&2; exit 2; }
	mkdir -p "$build"
	vb="$pre/vecbench"
	LD_LIBRARY_PATH="$pre/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LD_LIBRARY_PATH
	# NCCL from the pip wheel where the system has none (PyTorch brings it)
	if [ -z "${VB_NCCL_LIBRARY:-}" ] && nccl=$(python3 -c 'import os, nvidia.nccl as n
print(os.path.join(list(n.__path__)[0], "lib", "libnccl.so.2"))' 2>/dev/null) && [ -f "$nccl" ]; then
		VB_NCCL_LIBRARY=$nccl
		export VB_NCCL_LIBRARY
	fi
	py=python3
else
	py=/usr/bin/python3

	# nvcc from PATH, else the toolkit's default prefix; CMake is told which.
	nvcc=$(command -v nvcc || true)
	[ -n "$nvcc" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || nvcc=/usr/local/cuda/bin/nvcc
	[ -n "$nvcc" ] || { echo "gpu_smoke: no nvcc on PATH or in /usr/local/cuda/bin" >&2; exit 2; }

	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DVB_WERROR=ON -DCMAKE_CUDA_COMPILER="$nvcc"
	grep -q '^VB_CUDA_ENABLED:INTERNAL=ON' "$build/CMakeCache.txt" || {
		echo "gpu_smoke: CMake configured $build without CUDA (nvcc $nvcc)" >&2
		exit 1
	}
	[ "${VB_SMOKE_CONFIGURE_ONLY:-0}" = 1 ] && { echo "gpu_smoke: configured with CUDA ($nvcc)"; exit 0; }
	cmake --build "$build" -j "$(nproc)"
	vb="$build/vecbench"
fi

# A device the binary can use, or stop here with the reason.
if "$vb" list --json | $py -c '
import json, sys
v = [v for op in json.load(sys.stdin) for v in op["variants"] if v["name"] == "cuda_vec"]
sys.exit(0 if v and all(x["available"] for x in v) else 1)'; then :; else
	echo "gpu_smoke: the CUDA variants are unavailable here:" >&2
	"$vb" check --op '^dense_fwd$' --dims m=3,d=3,h=3 --variant cuda_vec >&2 || true
	exit 1
fi

echo "== check: every CUDA variant, default sizes =="
"$vb" check --variant "$variants"
if [ -n "${VB_SMOKE_PREBUILT:-}" ]; then
	echo "== the CUDA tests: every CUDA variant at odd sizes, the run's GPU counters, device faults =="
	$py tests/test_cuda.py "$vb" gpu
	$py tests/test_cuda_fault.py "$vb" 1
else
	echo "== ctest: the CUDA tests, and every variant (CUDA included) and gradient at odd sizes =="
	(cd "$build" && ctest --output-on-failure -R 'cuda|check_odd')
fi
echo "== run: cuda_loop, cuda_vec and vec, first size of each op =="
"$vb" run --quick --variant cuda_loop,cuda_vec,vec --out "$build/gpu_smoke.json" -- --benchmark_min_time=0.05

# dp_cuda_vec: NCCL's all-reduce between ranks, one GPU per rank (NCCL refuses
# two ranks of one communicator on one device): as many ranks as GPUs, at most
# VB_SMOKE_RANKS. Outside mpirun it says why it is unavailable: "not built"
# when this build has no NCCL variant.
why=$("$vb" list --json | $py -c '
import json, sys
v = [v for op in json.load(sys.stdin) for v in op["variants"] if v["name"] == "dp_cuda_vec"]
print(v[0].get("unavailable", "") if v else "not built: no dp_cuda_vec in this vecbench")')
if ! command -v mpirun >/dev/null; then
	echo "gpu_smoke: dp_cuda_vec skipped: no mpirun (apt-get install openmpi-bin libopenmpi-dev)"
elif [ "${why#not built}" != "$why" ]; then
	echo "gpu_smoke: dp_cuda_vec skipped: $why"
else
	gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
	[ "$gpus" -ge 1 ] || gpus=1
	np=${VB_SMOKE_RANKS:-2}
	[ "$np" -le "$gpus" ] || np=$gpus
	mpirun="mpirun --oversubscribe --allow-run-as-root -x OMP_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1 -np $np"
	[ -z "${VB_SMOKE_PREBUILT:-}" ] || mpirun="$mpirun -x LD_LIBRARY_PATH${VB_NCCL_LIBRARY:+ -x VB_NCCL_LIBRARY}"
	echo "== dp_cuda_vec: NCCL all-reduce on $np rank(s), one GPU each ($gpus GPU(s)) =="
	$mpirun "$vb" check --op '^dp_' --variant dp_vec,dp_cuda_vec | tee "$build/gpu_smoke_dp.txt"
	ok=$(grep -c ' dp_cuda_vec  *ok ' "$build/gpu_smoke_dp.txt" || true)
	all=$(grep -c ' dp_cuda_vec ' "$build/gpu_smoke_dp.txt" || true)
	[ "$ok" -ge 1 ] && [ "$ok" = "$all" ] || {
		echo "gpu_smoke: dp_cuda_vec did not pass every check ($ok of $all lines ok)" >&2
		exit 1
	}
	$mpirun "$vb" run --quick --op '^dp_' --variant dp_vec,dp_cuda_vec --out "$build/gpu_smoke_dp.json"
fi
echo "gpu_smoke: ok ($build/gpu_smoke.json)"
