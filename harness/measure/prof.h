/* The measuring part: `vecbench run`, memory profiling, the roofline
 * calibration, the progress line, the results context, instruction counts,
 * NVTX ranges, and the timing side of the CUDA bridge, the peers and MPI.
 * Uses the core only. */
#ifndef VB_PROF_H
#define VB_PROF_H

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "calibration.h"
#include "cli.h"
#include "harness.h"
#include "record.h"

/* ---- memprof.c: memory of one op x variant x size; zero-initialised ---- */
typedef struct {
	double heap_base;       /* malloc'd bytes in use once the tensors exist */
	double heap_growth;     /* most malloc'd bytes in use above heap_base after a run */
	double peak_rss;        /* resident set high-water mark while the case ran */
	double gpu_peak;        /* device memory peak (the CUDA bridge's counter), 0 if none */
	double workspace;       /* the tracking arena's peak */
	double device_roof_pct; /* a GPU variant's roofline_pct from the CUDA bridge, against the device's figures */
} vb_memprof;

/* Before the case allocates its tensors: resets the RSS high-water mark. */
void vb_memprof_begin(vb_memprof *m);
/* Once the tensors exist, before the variant first runs: the heap baseline. */
void vb_memprof_mark(vb_memprof *m);
/* After each timed run: heap growth, peak RSS and the arena's peak so far. */
void vb_memprof_end(vb_memprof *m, const vb_arena *ws);
/* heap_growth_bytes and peak_rss_bytes as Google Benchmark counters. */
void vb_memprof_counters(const vb_memprof *m, vb_bm_state *st);
/* Picks up counters set elsewhere (gpu_peak_bytes, a GPU variant's
 * roofline_pct) from a benchmark entry, before vb_roofline_annotate. */
void vb_memprof_from_json(vb_memprof *m, const cJSON *bench);
/* "per benchmark (VmHWM reset)" or "whole process (getrusage)". */
const char *vb_memprof_rss_scope(void);

/* ---- roofline.c: the machine's limits, measured once and cached ---- */

/* Loads the cached calibration of this machine (XDG_CACHE_HOME or
 * ~/.cache/vecbench/<host>.json) or measures and caches it. */
void vb_calibrate(vb_calibration *cal, int recalibrate);
/* The cached calibration when its stack key matches this process; -1 otherwise. */
int vb_calibration_cached(vb_calibration *cal);
/* `vecbench calibration-key`: what the cache is keyed by, as JSON. */
int vb_cmd_calibration_key(int argc, char **argv);
extern const char vb_usage_calibration_key[];
/* One line on stdout: the figures and where they come from. */
void vb_calibration_print(const vb_calibration *cal);
/* The measurement itself (a few seconds). */
void vb_calibration_measure(vb_calibration *cal);
/* The theoretical check: the sgemm peak is not above the FMA loop's. */
int vb_calibration_consistent(const vb_calibration *cal);
/* Calibration figures (and the RSS scope) into a results JSON's context. */
void vb_calibration_to_context(const vb_calibration *cal, cJSON *context);
/* Adds arithmetic_intensity, achieved_gflops, achieved_gbs, roofline_gflops
 * and roofline_pct to every CPU benchmark entry of a results document. */
void vb_roofline_annotate(cJSON *root, const vb_calibration *cal);

/* The summary's extra columns: % of roofline, then memory (io: inputs and
 * outputs, wksp: arena peak, heap+: heap growth, RSS: peak resident set,
 * GPU: device peak, only when with_gpu). */
void vb_summary_extra_header(char *buf, size_t len, int with_gpu);
void vb_summary_extra(char *buf, size_t len, int with_gpu, const vb_calibration *cal, const vb_memprof *m, double flops,
                      double bytes, double seconds, double io_bytes, int on_gpu);
/* Notes on what the extra columns showed, after the table. */
void vb_summary_footnotes(void);

/* ---- progress.c: one line on stderr while a long run goes on ---- */
typedef struct {
	int on;
	int n;
	double t0;
	const char *phase;
} vb_progress;
/* On only when stderr is a terminal and not quiet. */
void vb_progress_start(vb_progress *p, const char *phase, int n, int quiet);
/* Item i (0-based) of n starts. */
void vb_progress_step(vb_progress *p, int i, const char *what);
void vb_progress_end(vb_progress *p);

/* ---- run.c ---- */
int vb_cmd_run(int argc, char **argv);
extern const char vb_usage_run[];

/* ---- context.c: the results context ---- */
int vb_context_count(void);
void vb_context_get(int i, const char **key, char *value, size_t len);
void vb_context_register(void);

/* ---- nvtx.c ---- */
void vb_range_push(const char *name);
void vb_range_pop(void);

/* ---- the CUDA bridge's timing side (cuda.cu, cuda_none.c) ---- */
/* Times a CUDA variant inside a Google Benchmark run (CUDA events as manual
 * iteration time), with the NVTX range name around it. */
int vb_cuda_bench(vb_bm_state *st, const vb_variant *v, vb_tensors *host, vb_arena *ws, const char *range, char *err,
                  size_t errlen);
/* Device facts and measured limits (copy bandwidth, cuBLAS peaks) into the
 * results context when a device is usable and a CUDA variant was called in
 * this process; otherwise only cuda_calibration, saying why not. */
void vb_cuda_context_register(void);

/* ---- peer_bench.c: timing the peer variants (core/peers.c runs them) ---- */
/* One Google Benchmark run of the prepared case: the worker's mean time per
 * call as manual iteration time; *peak_rss the worker's resident peak since
 * the case was prepared (NAN when unknown). */
int vb_peer_bench(vb_bm_state *st, const vb_variant *v, const vb_tensors *ts, double *peak_rss, char *err,
                  size_t errlen);
/* The interpreter and library versions into the results context, when a peer ran. */
void vb_peers_context_register(void);

/* ---- mpi_bench.c: timing the distributed variants (core/mpi.c runs them) ---- */
/* One distributed benchmark: each iteration's time is the slowest rank's
 * (manual time), with counters for the compute/communication split, bytes
 * moved and the world size. A watchdog aborts the job when a step hangs. */
void vb_mpi_bench(vb_bm_state *st, const vb_variant *v, const vb_call *call, vb_arena *ws);
/* The counters of n distributed steps: the compute/communication split per
 * step (totals given), bytes one rank moves per step, the world size. */
void vb_mpi_step_counters(vb_bm_state *st, double compute, double comm, int64_t n, double bytes);
/* world_size, hosts, the MPI library and its transport settings. */
void vb_mpi_context_register(void);

/* ---- count.c: instruction counts ---- */
/* machine_id (and inject_slowdown when set) into the run's context. */
void vb_regress_context_register(void);
/* `run --count-instructions`: checks natively, then counts each selected CPU
 * kernel's instructions per call under valgrind's callgrind (one thread,
 * fixed call count, the first size of each op's sweep unless --dims), writes Google Benchmark-shaped JSON with an
 * `instructions` field per benchmark to out (when given) and prints a table.
 * argv are run's arguments, passed again to the counting child. */
int vb_count_instructions(const vb_select *s, int argc, char **argv, const char *out);

#endif
