// The C shim over Google Benchmark: vecbench's only C++ file.
#include "bench_shim.h"

#include <benchmark/benchmark.h>

#include <string>

static benchmark::State &S(vb_bm_state *st) { return *reinterpret_cast<benchmark::State *>(st); }

extern "C" {

int vb_bm_init(int *argc, char **argv, const char **bad) {
	benchmark::Initialize(argc, argv);
	for (int i = 1; i < *argc; i++) {
		if (std::string(argv[i]).rfind("--benchmark_", 0) == 0) {
			*bad = argv[i];
			return -1;
		}
	}
	return 0;
}

void vb_bm_register(const char *name, vb_bm_fn fn, void *arg, const vb_bm_opts *o) {
	auto *b = benchmark::RegisterBenchmark(
	    name, [fn, arg](benchmark::State &st) { fn(reinterpret_cast<vb_bm_state *>(&st), arg); });
	b->Unit(benchmark::kMicrosecond);
	if (o->manual_time)
		b->UseManualTime();
	else
		b->UseRealTime(); // kernels are multithreaded: wall time, not CPU time
	if (o->iterations > 0) b->Iterations(o->iterations);
	if (o->min_time > 0) b->MinTime(o->min_time);
}

void vb_bm_add_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

size_t vb_bm_run(int quiet) {
	if (quiet) {
		struct Silent : benchmark::ConsoleReporter {
			bool ReportContext(const Context &) override { return true; }
			void ReportRuns(const std::vector<Run> &) override {}
		} silent;
		return benchmark::RunSpecifiedBenchmarks(&silent);
	}
	return benchmark::RunSpecifiedBenchmarks();
}

void vb_bm_clear(void) { benchmark::ClearRegisteredBenchmarks(); }

int vb_bm_keep_running(vb_bm_state *st) { return S(st).KeepRunning(); }
void vb_bm_pause(vb_bm_state *st) { S(st).PauseTiming(); }
void vb_bm_resume(vb_bm_state *st) { S(st).ResumeTiming(); }

int64_t vb_bm_max_iterations(const vb_bm_state *st) {
	return reinterpret_cast<const benchmark::State *>(st)->max_iterations;
}

void vb_bm_counter(vb_bm_state *st, const char *name, double value, unsigned flags) {
	int f = benchmark::Counter::kDefaults;
	if (flags & VB_BM_RATE) f |= benchmark::Counter::kIsRate;
	if (flags & VB_BM_ITER_INVARIANT) f |= benchmark::Counter::kIsIterationInvariant;
	auto base = (flags & VB_BM_BASE_1024) ? benchmark::Counter::kIs1024 : benchmark::Counter::kIs1000;
	S(st).counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f), base);
}

void vb_bm_set_iteration_time(vb_bm_state *st, double seconds) { S(st).SetIterationTime(seconds); }
void vb_bm_skip_with_error(vb_bm_state *st, const char *msg) { S(st).SkipWithError(msg); }

} // extern "C"
