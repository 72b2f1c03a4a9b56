/* Memory profiling, roofline calibration, the progress line, and the plots
 * and report drawn from a results JSON. */
#ifndef VB_PROF_H
#define VB_PROF_H

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "harness.h"

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
/* 1.5K, 12.0M, 3.2G (binary prefixes); "-" for NAN. */
void vb_fmt_bytes(double b, char *buf, size_t len);

/* ---- roofline.c: the machine's limits, measured once and cached ---- */
typedef struct {
	double sgemm_gflops; /* a large OpenBLAS sgemm: the compute roof */
	double fma_gflops;   /* a pure FMA loop: the theoretical check */
	double triad_gbs;    /* STREAM triad, all threads: the memory roof */
	double copy_gbs;     /* STREAM copy, all threads */
	/* The cache-aware roofline: triad bandwidth (all threads) with each
	 * thread's arrays at half of its share of the level, and the level's
	 * capacity over the threads (private levels add up across cores).
	 * NAN when the level is absent; DRAM is triad_gbs. */
	double l1_gbs, l2_gbs, l3_gbs;
	double l1_bytes, l2_bytes, l3_bytes;
	int threads;
	int sgemm_n;
	char fma_isa[16]; /* avx512, avx2, scalar */
	char cpu_model[128];
	char date[32];
	char source[1024]; /* measured or cached, and where */
	double seconds;    /* time the measurement took */
} vb_calibration;

/* Loads the cached calibration of this machine (XDG_CACHE_HOME or
 * ~/.cache/vecbench/<host>.json) or measures and caches it. */
void vb_calibrate(vb_calibration *cal, int recalibrate);
/* The cached calibration when its stack key matches this process; -1 otherwise. */
int vb_calibration_cached(vb_calibration *cal);
/* `vecbench calibration-key`: what the cache is keyed by, as JSON. */
int vb_cmd_calibration_key(int argc, char **argv);
/* One line on stdout: the figures and where they come from. */
void vb_calibration_print(const vb_calibration *cal);
/* The measurement itself (a few seconds). */
void vb_calibration_measure(vb_calibration *cal);
/* The theoretical check: the sgemm peak is not above the FMA loop's. */
int vb_calibration_consistent(const vb_calibration *cal);
/* The ceiling at an arithmetic intensity (FLOP/byte), in FLOP/s:
 * min(peak sgemm, intensity x triad bandwidth). */
double vb_roofline_ceiling(const vb_calibration *cal, double intensity);
/* Achieved rate as a percent of the ceiling at its intensity; a kernel that
 * does no FLOPs is measured against the bandwidth alone. NAN without figures. */
double vb_roofline_pct(const vb_calibration *cal, double flops, double bytes, double seconds);
/* The bandwidth roof (bytes/s) of the smallest level a working set (inputs,
 * outputs and workspace, bytes) fits in: L1, L2, L3, else DRAM (STREAM triad).
 * Never below a slower level's roof. level gets "L1".."L3" or "DRAM". */
double vb_roofline_bandwidth(const vb_calibration *cal, double working_set, const char **level);
/* The ceiling and %roof against that level's roof: data that fit in cache are
 * measured against the cache's bandwidth, so %roof means the same at every size. */
double vb_roofline_ceiling_ws(const vb_calibration *cal, double intensity, double working_set);
double vb_roofline_pct_ws(const vb_calibration *cal, double flops, double bytes, double seconds, double working_set);
/* Calibration figures into / out of a results JSON's context (numbers). */
void vb_calibration_to_context(const vb_calibration *cal, cJSON *context);
int vb_calibration_from_context(vb_calibration *cal, const cJSON *context); /* 0, or -1 when absent */
/* Adds arithmetic_intensity, achieved_gflops, achieved_gbs, roofline_gflops
 * and roofline_pct to every CPU benchmark entry of a results document. */
void vb_roofline_annotate(cJSON *root, const vb_calibration *cal);
/* A Google Benchmark real_time in its time_unit (ns when NULL), in seconds. */
double vb_time_to_seconds(double t, const char *unit);

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

/* ---- plot.c / report.c: from a results JSON alone ---- */
typedef struct {
	const char *op, *family, *variant, *dims, *device;
	double seconds; /* representative time per call: median aggregate, else mean of runs */
	double iterations;
	double flops, bytes; /* per call */
	double speedup;      /* over loop at the same dims, NAN without a loop */
	double vs_torch;     /* the torch variant's time at the same dims over this one's, NAN without it */
	double intensity, gflops, gbs, roof_gflops, roof_pct;
	double io_bytes, workspace_bytes, heap_growth_bytes, peak_rss_bytes, gpu_peak_bytes;
	double batch; /* the batch dim (m) when the op has one, else NAN */
	/* A sweep's point (run --sweep or the op's own sweep), else NULL, NAN;
	 * curve: the dims without the swept one, which the points of one curve share. */
	const char *sweep_dim;
	double sweep_value;
	char curve[128];
} vb_result;

typedef struct {
	cJSON *root;
	const cJSON *context;
	vb_result *r;
	int n;
	int have_cal;
	vb_calibration cal;
} vb_results;

/* Reads a results JSON; exits 2 with a one-line message when it is not one. */
void vb_results_load(vb_results *rs, const char *path);
void vb_results_free(vb_results *rs);
const char *vb_results_context(const vb_results *rs, const char *key);

int vb_cmd_plot(int argc, char **argv);
int vb_cmd_report(int argc, char **argv);

#endif
