# vecbench front door: `make bench` and `make test` do everything from a
# fresh Debian 12 clone (install what is missing, configure, build, run).
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
OUT ?= results/latest.json
PLOTS ?= results/plots
REPORT ?= results/report.md
# Build and run dependencies, from Debian's archive.
APT_PKGS = cmake make g++ pkg-config libopenblas-openmp-dev libbenchmark-dev libcjson-dev libsleef-dev gnuplot-nox
# valgrind: `run --count-instructions` (make baseline/compare INSTR=1, the deterministic gate test).
APT_PKGS += valgrind
# PEERS=1: Debian's PyTorch and NumPy (for /usr/bin/python3), so the torch and numpy
# variants run; without them those variants are listed unavailable with the reason.
APT_PKGS += $(if $(PEERS),python3-torch python3-numpy python3-threadpoolctl)
# The GEMM backends beside OpenBLAS (vec_blis, vec_dnnl; `vec` takes the fastest): optional in CMake.
APT_PKGS += libblis-openmp-dev libdnnl-dev

# Open MPI: the data-parallel variants (`make bench-mpi`, mpirun -np N build/vecbench run --op dp).
APT_PKGS += libopenmpi-dev openmpi-bin


.PHONY: all deps configure build bench bench-mpi plots doctor test test-valgrind baseline compare clean

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "vecbench needs these packages; run as root:"; \
	    echo "  apt-get update && apt-get install -y$$missing"; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The plots (PNG, SVG and their .dat) and the report, from $(OUT) alone.
DRAW = $(BUILD)/vecbench plot $(OUT) --out $(PLOTS) && $(BUILD)/vecbench report $(OUT) --plots $(PLOTS) --out $(REPORT)

# Checks every variant, then times them; QUICK=1 for a short run, RECALIBRATE=1
# to measure the roofline again. Ends with the plots and the report, also when
# a check failed (exit 1: results written).
bench: build
	@mkdir -p $(dir $(OUT))
	$(BUILD)/vecbench run $(if $(QUICK),--quick) $(if $(RECALIBRATE),--recalibrate) --out $(OUT); rc=$$?; \
	  if [ $$rc -le 1 ]; then $(DRAW) || exit 2; fi; exit $$rc

# The data-parallel step under MPI, one thread per rank: strong scaling (the
# default batches at 1 and NP ranks) and weak scaling (WEAK_M examples per
# rank: WEAK_M at 1 rank, NP times it at NP ranks), then the scaling table and
# plot from the JSON files alone. HOSTFILE=FILE
# spreads the ranks over the machines it names. QUICK=1 for a short run.
NP ?= 2
WEAK_M ?= 256
MPI_OUT ?= results/mpi
# Waiting ranks yield their core (mpi_yield_when_idle) instead of spinning on
# it: on a machine shared with other work a spinning rank starves a computing one.
MPIRUN ?= mpirun --oversubscribe --allow-run-as-root $(if $(HOSTFILE),--hostfile $(HOSTFILE)) \
	--mca mpi_yield_when_idle 1 -x OMP_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1
bench-mpi: build
	@command -v mpirun >/dev/null || { echo "bench-mpi needs mpirun: apt-get install -y openmpi-bin libopenmpi-dev"; exit 2; }
	@mkdir -p $(MPI_OUT)
	$(MPIRUN) -np 1 $(BUILD)/vecbench run --op '^dp_' $(if $(QUICK),--quick) --out $(MPI_OUT)/np1.json
	$(MPIRUN) -np $(NP) $(BUILD)/vecbench run --op '^dp_' $(if $(QUICK),--quick) --out $(MPI_OUT)/np$(NP).json
	$(MPIRUN) -np 1 $(BUILD)/vecbench run --op '^dp_' --variant dp_loop,dp_vec,dp_overlap,dp_cuda_vec $(if $(QUICK),--quick) \
	  --dims m=$(WEAK_M) --out $(MPI_OUT)/weak-np1.json
	$(MPIRUN) -np $(NP) $(BUILD)/vecbench run --op '^dp_' $(if $(QUICK),--quick) --dims m=$$(( $(WEAK_M) * $(NP) )) \
	  --out $(MPI_OUT)/weak-np$(NP).json
	/usr/bin/python3 plots/dp_scaling.py --out $(MPI_OUT) $(MPI_OUT)/np1.json $(MPI_OUT)/np$(NP).json \
	  $(MPI_OUT)/weak-np1.json $(MPI_OUT)/weak-np$(NP).json

# Redraws the plots and the report from $(OUT) (an old run too).
plots: build
	$(DRAW)

# What in the stack would falsify timings (BLAS core, threads, other
# processes, frequency): one line each; exit 1 when one does.
doctor: build
	$(BUILD)/vecbench doctor

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The core tests under valgrind memcheck: zero errors, zero definite leaks.
# A build of its own without CUDA, kernels for AVX2 (valgrind has no AVX-512).
VG_BUILD ?= build-valgrind
VALGRIND = valgrind -q --error-exitcode=1 --errors-for-leak-kinds=definite --leak-check=full \
	--show-leak-kinds=definite --track-origins=yes
test-valgrind: deps
	@command -v valgrind >/dev/null || { echo "test-valgrind needs valgrind: apt-get install -y valgrind"; exit 1; }
	cmake -S . -B $(VG_BUILD) -DCMAKE_BUILD_TYPE=Release -DVB_CUDA=OFF -DVB_FLAGS_KERNELS="-O3 -march=x86-64-v3" \
	  $(CMAKE_FLAGS)
	cmake --build $(VG_BUILD) -j $(JOBS) --target vecbench test_checker test_shim
	$(VALGRIND) $(VG_BUILD)/tests/test_checker >$(VG_BUILD)/vg.log || { tail -n 30 $(VG_BUILD)/vg.log; exit 1; }
	$(VALGRIND) $(VG_BUILD)/tests/test_shim
	@# every op at size 5 in every dim: all variants, oracles and gradient checks
	dims=$$($(VG_BUILD)/vecbench list --json | /usr/bin/python3 -c \
	  'import json,sys; print(",".join(sorted({d + "=5" for o in json.load(sys.stdin) for d in o["dims"]})))') && \
	$(VALGRIND) $(VG_BUILD)/vecbench check --dims "$$dims" >$(VG_BUILD)/vg.log || { tail -n 30 $(VG_BUILD)/vg.log; exit 1; }
	@echo "test-valgrind: no memcheck errors, no definite leaks"

# Regression gate. `make baseline` files a run under $(BASELINES)/<machine-id>.json
# (vecbench machine-id; written atomically); `make compare` runs the same
# selection again and compares: non-zero exit when a kernel is SLOWER.
# Both take OPS=REGEX DIMS=m=..,d=.. QUICK=1 REPS=N (>= 9) BENCH_ARGS='Google
# Benchmark flags'; compare also THRESHOLD=PCT, BASELINE=FILE and
# ALLOW_CONTENDED=1 (decide on runs timed beside other processes). INSTR=1 counts
# instructions under callgrind instead of timing (deterministic: for CI).
REPS ?= 9
BASELINES ?= results/baselines
COMPARE_OUT ?= results/compare$(if $(INSTR),-instructions).json
# Timed gate runs interleave repetitions at random, so a slow spell of the
# machine spreads over all benchmarks instead of landing on one.
GATE_RUN = $(if $(INSTR),--count-instructions,--repetitions $(REPS)) $(if $(OPS),--op '$(OPS)') \
	$(if $(DIMS),--dims '$(DIMS)') $(if $(QUICK),--quick)
GATE_BENCH = $(if $(INSTR),,-- --benchmark_enable_random_interleaving=true $(BENCH_ARGS))
GATE_FILE = $(BASELINES)/$$id$(if $(INSTR),-instructions).json

baseline: build
	@mkdir -p $(BASELINES)
	@id=$$($(BUILD)/vecbench machine-id) || exit 2; \
	echo "baseline: $(GATE_FILE)"; \
	$(BUILD)/vecbench run --quiet $(GATE_RUN) --out $(GATE_FILE) $(GATE_BENCH)

# AB=1 BASE=REV: the paired gate instead (vecbench ab): REV's libvbops.so,
# built in a separate worktree (bench/ab_base.sh, under $(AB_ROOT)), against
# this tree's, timed side by side in one process. Takes OPS, DIMS, THRESHOLD,
# BUDGET=SECONDS (per benchmark) and AB_ARGS='more vecbench ab options'.
AB_ROOT ?= build-ab
ifdef AB
compare: build
	@base=$$(bench/ab_base.sh '$(BASE)' $(AB_ROOT)) || exit 2; \
	$(BUILD)/vecbench ab "$$base" $(BUILD)/libvbops.so $(if $(OPS),--op '$(OPS)') $(if $(DIMS),--dims '$(DIMS)') \
	  $(if $(THRESHOLD),--threshold $(THRESHOLD)) $(if $(BUDGET),--budget $(BUDGET)) $(AB_ARGS)
else
compare: build
	@id=$$($(BUILD)/vecbench machine-id) || exit 2; \
	base=$(if $(BASELINE),$(BASELINE),$(GATE_FILE)); \
	[ -f "$$base" ] || { echo "make compare: no baseline $$base: run 'make baseline' (same options) first"; exit 2; }; \
	mkdir -p $(dir $(COMPARE_OUT)); \
	$(BUILD)/vecbench run --quiet $(GATE_RUN) --out $(COMPARE_OUT) $(GATE_BENCH) || exit $$?; \
	$(BUILD)/vecbench compare "$$base" $(COMPARE_OUT) $(if $(THRESHOLD),--threshold $(THRESHOLD)) \
	  $(if $(ALLOW_CONTENDED),--allow-contended)
endif

clean:
	rm -rf $(BUILD)
