/* The results record: what one benchmark entry of a results JSON holds and
 * how its fields are read. run and count write the entries, compare, plot,
 * report and the calibration read them, all through these helpers, so a
 * field, a unit or the representative-time rule has one definition.
 *
 * vecbench's fields of an entry, besides Google Benchmark's (name, run_name,
 * run_type, aggregate_name, iterations, real_time and time_unit, ...):
 *   op, family, variant, dims ("m=256,d=784"), dtype, device ("cpu", "cuda")
 *   flops_per_iteration     FLOP per call
 *   bytes_per_iteration     bytes moved per call, in the variant's storage type
 *   check_err_bound         the check's max |err| / bound (< 1 passes)
 *   sweep_dim, sweep_value  a sweep's point (run --sweep or the op's own sweep)
 *   speedup_vs_loop         loop time / this time, same op and dims
 *   speedup_vs_torch        torch time / this time, same op and dims
 *   speedup_vs_loop_e2e     the same as vs loop with a GPU variant's copies counted
 *   io_bytes, workspace_bytes, heap_growth_bytes, peak_rss_bytes,
 *   gpu_peak_bytes          memory, bytes (measure/memprof.c)
 *   arithmetic_intensity    FLOP/byte
 *   achieved_gflops, achieved_gbs, roofline_bandwidth_gbs, roofline_level,
 *   roofline_gflops, roofline_pct
 *                           the roofline (measure/roofline.c)
 *   instructions            per call (run --count-instructions) */
#ifndef VB_RECORD_H
#define VB_RECORD_H

#include <cjson/cJSON.h>

#include "vb.h"

/* ---- fields ---- */
/* A number field of a JSON object, or NAN when absent or not a number. */
double vb_json_num(const cJSON *o, const char *key);
/* A string field of a JSON object, or fallback when absent or not a string. */
const char *vb_json_str(const cJSON *o, const char *key, const char *fallback);
/* Sets (replacing) a number field; a non-finite value is left out, as JSON
 * has no NaN or infinity. */
void vb_json_set_num(cJSON *o, const char *key, double v);
/* Sets (replacing) a string field. */
void vb_json_set_str(cJSON *o, const char *key, const char *v);

/* vecbench's fields of one case, from op through check_err_bound above. */
void vb_record_put_case(cJSON *bench, const vb_op *op, const vb_variant *v, const int64_t *dim, double check_err_bound);

/* qsort's comparison of doubles, ascending. */
int vb_cmp_double(const void *a, const void *b);

/* ---- units ---- */
/* Nanoseconds per Google Benchmark time_unit ("ns", "us", "ms", "s"), or 0
 * for anything else. */
double vb_time_unit_ns(const char *unit);
/* A time in its time_unit, in seconds: ns (Google Benchmark's default) when
 * unit is NULL or empty, NAN for an unknown unit. */
double vb_time_to_seconds(double t, const char *unit);

/* ---- the representative time of a case ----
 * The median aggregate when repetitions ran, else the mean of the iteration
 * runs; the case's other figures come from that same entry (the first
 * run's, for a mean). Feed every non-errored entry of the case in file
 * order; other aggregates (mean, stddev, cv) are passed over. */
typedef struct {
	const cJSON *entry; /* the median aggregate, else the first iteration run */
	int from_median;
	double median_seconds;
	int runs;           /* iteration runs */
	double run_seconds; /* their sum */
	double run_iterations;
} vb_rep_time;

void vb_rep_time_add(vb_rep_time *r, const cJSON *bench, double seconds);
/* Seconds per call, NAN when no entry counted. */
double vb_rep_time_seconds(const vb_rep_time *r);
/* Iterations per run: the mean over the iteration runs, 0 when none ran. */
double vb_rep_time_iterations(const vb_rep_time *r);
/* 1 when the time is one entry's own (a median, or a single run), so that
 * entry's derived figures (achieved_gflops, ...) are the case's. */
int vb_rep_time_single(const vb_rep_time *r);

#endif
