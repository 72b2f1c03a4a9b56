/* A C interface to Google Benchmark. The only C++ in vecbench lives behind it
 * (bench_shim.cpp). */
#ifndef VB_BENCH_SHIM_H
#define VB_BENCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vb_bm_state vb_bm_state; /* benchmark::State, opaque */
typedef void (*vb_bm_fn)(vb_bm_state *st, void *arg);

typedef struct {
	int64_t iterations; /* > 0: exactly this many; 0: Google Benchmark decides */
	double min_time;    /* seconds; 0: the library default (or --benchmark_min_time) */
	int manual_time;    /* iteration time comes from vb_bm_set_iteration_time */
} vb_bm_opts;

/* Counter flags, mirroring benchmark::Counter::Flags. */
enum {
	VB_BM_RATE = 1 << 0,           /* divided by the elapsed time */
	VB_BM_ITER_INVARIANT = 1 << 1, /* multiplied by the iteration count */
	VB_BM_BASE_1024 = 1 << 3,      /* shown with binary prefixes */
};

/* Parses and removes --benchmark_* flags from argv. Returns 0, or -1 naming
 * the first argument Google Benchmark did not recognise in *bad. */
int vb_bm_init(int *argc, char **argv, const char **bad);
void vb_bm_register(const char *name, vb_bm_fn fn, void *arg, const vb_bm_opts *opts);
void vb_bm_add_context(const char *key, const char *value);
/* Runs every registered benchmark (honouring --benchmark_filter); returns the
 * number run. Console output goes to stdout unless quiet. */
size_t vb_bm_run(int quiet);
/* Drops all registrations (tests register more than once). */
void vb_bm_clear(void);

int vb_bm_keep_running(vb_bm_state *st);
void vb_bm_pause(vb_bm_state *st);
void vb_bm_resume(vb_bm_state *st);
/* The iterations this run of the benchmark function will do. */
int64_t vb_bm_max_iterations(const vb_bm_state *st);
void vb_bm_counter(vb_bm_state *st, const char *name, double value, unsigned flags);
void vb_bm_set_iteration_time(vb_bm_state *st, double seconds);
void vb_bm_skip_with_error(vb_bm_state *st, const char *msg);

#ifdef __cplusplus
}
#endif
#endif
