/* `vecbench run`: check every selected variant, time the ones that pass
 * through Google Benchmark, write its JSON with vecbench's figures added,
 * and print a summary per op. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "cli.h"
#include "doctor.h"
#include "gemm.h"
#include "inject.h"
#include "prof.h"
#include "results_json.h"
#include "vb_mpi.h"

/* Kernels cheaper than this get one untimed call first (page faults, thread
 * start-up, scratch allocation); dearer ones amortise it inside the timing. */
#define WARMUP_MAX_FLOPS 5e8
/* --repetitions accepts 1 to this many. */
#define MAX_REPETITIONS 1000
/* --quick: Google Benchmark's minimum time per benchmark, seconds. */
#define QUICK_MIN_TIME_S 0.05
/* The summary marks a time from fewer iterations than this (a slow variant
 * at a large size may run once). */
#define FEW_ITERATIONS 5

typedef struct {
	const vb_op *op;
	int vi;
	int64_t dim[VB_MAX_DIMS];
	char sweep_name[16]; /* vb_case's */
	double sweep_value;
	uint64_t seed;
	double ratio; /* check err/bound */
	char name[256];
	vb_tensors ts; /* held while Google Benchmark calls this case */
	vb_arena *ws;
	double time_us; /* representative time: median over repetitions, else mean */
	double iterations;
	vb_memprof mem;
	vb_inject inject;            /* VB_INJECT_SLOWDOWN: tests of the regression gate only */
	double others_cpu_s, wall_s; /* other processes' CPU seconds while this case ran, and its wall time */
	int cpu_samples;             /* pairs of samples they add up */
	int peer_threads;            /* torch, numpy: the thread count the worker found best */
} bench_case;

static bench_case *live;
static bench_case *all_cases; /* for the progress line's "i of N" */
static vb_progress progress;  /* prof.h */
static vb_calibration calib;  /* the roofline's figures, prof.h */
static int doctor_printed;    /* findings shown before the checks; the summary shows the later ones */

/* SIGINT/SIGTERM: the first one stops the run after the current iteration
 * (finished benchmarks go to <out>.partial.json); a second one kills. */
static volatile sig_atomic_t interrupted;
#define INTERRUPTED "interrupted"

static void on_signal(int sig) { interrupted = sig; }

static void catch_signals(void) {
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESETHAND | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Google Benchmark's JSON file, removed however the run ends. */
static char gb_tmp[4096];
static void remove_gb_tmp(void) {
	if (gb_tmp[0]) unlink(gb_tmp);
}

static void release(bench_case *bc) {
	vb_tensors_free(&bc->ts);
	vb_arena_free(bc->ws);
	bc->ws = NULL;
}

static int prepare(bench_case *bc) {
	const vb_variant *v = &bc->op->variants[bc->vi];
	vb_tensors ref;
	if (vb_tensors_alloc(&ref, bc->op, bc->dim, VB_F64) != 0) return -1;
	if (vb_fill_inputs(&ref, bc->seed, 1.0) != 0 || vb_tensors_alloc(&bc->ts, bc->op, bc->dim, v->dtype) != 0) {
		vb_tensors_free(&ref);
		return -1;
	}
	vb_tensors_convert(&bc->ts, &ref, 1);
	vb_tensors_free(&ref);
	bc->ws = vb_arena_new();
	return 0;
}

static void bench_fn(vb_bm_state *st, void *arg) {
	bench_case *bc = arg;
	const vb_op *op = bc->op;
	const vb_variant *v = &op->variants[bc->vi];
	double peer_rss = NAN;
	if (interrupted) {
		vb_bm_skip_with_error(st, INTERRUPTED);
		return;
	}
	vb_cpu_sample cpu0, cpu1; /* outside the timed loop: Google Benchmark times keep_running only */
	vb_cpu_sample_take(&cpu0);
	if (live != bc) {
		if (live) release(live);
		live = NULL;
		vb_memprof_begin(&bc->mem);
		if (prepare(bc) != 0) {
			vb_bm_skip_with_error(st, "out of memory allocating the tensors");
			return;
		}
		live = bc;
		vb_memprof_mark(&bc->mem);
		vb_progress_step(&progress, (int)(bc - all_cases), bc->name);
		if (v->device == VB_CPU && op->flops(bc->dim) < WARMUP_MAX_FLOPS)
			v->fn(&(vb_call){.dim = bc->ts.dim, .t = bc->ts.ptr, .ws = bc->ws});
		char err[320];
		if (v->device == VB_PEER && vb_peer_prepare(v, &bc->ts, &bc->peer_threads, err, sizeof err) != 0) {
			vb_bm_skip_with_error(st, err);
			return;
		}
	} else {
		vb_memprof_mark(&bc->mem); /* heap growth of this call alone, not Google Benchmark's records */
	}
	if (v->distributed && v->device != VB_CUDA) { /* a CUDA one: the bridge's events, in lockstep */
		vb_mpi_bench(st, v, &(vb_call){.dim = bc->ts.dim, .t = bc->ts.ptr, .ws = bc->ws}, bc->ws);
	} else if (v->device == VB_CUDA) {
		char err[200];
		if (vb_cuda_bench(st, v, &bc->ts, bc->ws, bc->name, err, sizeof err) != 0)
			vb_bm_skip_with_error(st, err);
	} else if (v->device == VB_PEER) {
		char err[320];
		if (vb_peer_bench(st, v, &bc->ts, &peer_rss, err, sizeof err) != 0) vb_bm_skip_with_error(st, err);
	} else {
		vb_call call = {.dim = bc->ts.dim, .t = bc->ts.ptr, .ws = bc->ws};
		vb_range_push(bc->name);
		while (vb_bm_keep_running(st)) {
			if (interrupted) {
				vb_bm_skip_with_error(st, INTERRUPTED);
				break;
			}
			vb_arena_reset(bc->ws);
			v->fn(&call);
			if (bc->inject.pct > 0) vb_inject_after_call(&bc->inject, v, &call, bc->ws);
		}
		vb_range_pop();
	}
	vb_memprof_end(&bc->mem, bc->ws); /* before the counters allocate */
	if (v->device == VB_PEER) {
		/* The memory is the worker's: its resident peak; workspace and heap growth are not measured there. */
		bc->mem.workspace = bc->mem.heap_growth = NAN;
		bc->mem.peak_rss = peer_rss;
	}
	vb_bm_counter(st, "FLOP/s", op->flops(bc->dim), VB_BM_RATE | VB_BM_ITER_INVARIANT);
	vb_bm_counter(st, "bytes/s", vb_variant_bytes(op, v, bc->dim),
	              VB_BM_RATE | VB_BM_ITER_INVARIANT | VB_BM_BASE_1024);
	vb_bm_counter(st, "workspace_bytes", v->device == VB_PEER ? NAN : (double)vb_arena_peak(bc->ws),
	              VB_BM_BASE_1024);
	vb_bm_counter(st, "io_bytes", vb_dims_footprint(op, bc->dim, v->dtype), VB_BM_BASE_1024);
	vb_memprof_counters(&bc->mem, st);
	vb_cpu_sample_take(&cpu1);
	bc->others_cpu_s += vb_cpu_others(&cpu0, &cpu1);
	bc->wall_s += cpu1.wall - cpu0.wall;
	bc->cpu_samples++;
	if (v->device == VB_PEER) vb_bm_counter(st, "peer_threads", bc->peer_threads, 0);
}

/* This case shared its CPUs: other processes used more than VB_CONTENDED_SHARE
 * of them, beyond what the counters' ticks can misread. */
static int case_contended(const bench_case *bc) {
	return bc->wall_s > 0 && bc->others_cpu_s - bc->cpu_samples * vb_cpu_sample_slack() >
	                             VB_CONTENDED_SHARE * vb_cpus_allowed() * bc->wall_s;
}

/* ---- results ---- */

/* Google Benchmark appends settings ("/real_time", "/manual_time") to the
 * registered name. */
static bench_case *case_by_name(bench_case *c, int n, const char *name) {
	for (int i = 0; i < n; i++) {
		size_t len = strlen(c[i].name);
		if (strncmp(c[i].name, name, len) == 0 && (name[len] == 0 || name[len] == '/')) return &c[i];
	}
	return NULL;
}

/* Each case's representative time (record.h's rule: the median aggregate
 * when repetitions ran, else the mean of its iteration runs). */
static void collect_times(cJSON *benches, bench_case *c, int n) {
	vb_rep_time rep[n];
	memset(rep, 0, sizeof rep);
	cJSON *b;
	cJSON_ArrayForEach(b, benches) {
		bench_case *bc = case_by_name(c, n, vb_json_str(b, "run_name", ""));
		if (!bc || cJSON_IsTrue(cJSON_GetObjectItem(b, "error_occurred"))) continue;
		vb_rep_time_add(&rep[bc - c], b,
		                vb_time_to_seconds(vb_json_num(b, "real_time"), vb_json_str(b, "time_unit", NULL)));
	}
	for (int k = 0; k < n; k++) {
		c[k].time_us = vb_rep_time_seconds(&rep[k]) * 1e6;
		c[k].iterations = vb_rep_time_iterations(&rep[k]);
	}
}

static bench_case *loop_of(bench_case *c, int n, const bench_case *x) {
	for (int i = 0; i < n; i++)
		if (c[i].op == x->op && !strcmp(c[i].op->variants[c[i].vi].name, "loop") &&
		    !memcmp(c[i].dim, x->dim, sizeof x->dim))
			return &c[i];
	return NULL;
}

static double speedup(bench_case *c, int n, const bench_case *x) {
	bench_case *l = loop_of(c, n, x);
	return l && x->time_us > 0 ? l->time_us / x->time_us : NAN;
}

/* Time of the op's torch variant at the same size over x's: above 1, x is faster. */
static double vs_torch(bench_case *c, int n, const bench_case *x) {
	for (int i = 0; i < n; i++)
		if (c[i].op == x->op && !strcmp(c[i].op->variants[c[i].vi].name, "torch") &&
		    !memcmp(c[i].dim, x->dim, sizeof x->dim))
			return x->time_us > 0 ? c[i].time_us / x->time_us : NAN;
	return NAN;
}

static void annotate(cJSON *benches, bench_case *c, int n) {
	cJSON *b;
	cJSON_ArrayForEach(b, benches) {
		bench_case *bc = case_by_name(c, n, vb_json_str(b, "run_name", ""));
		if (!bc) continue;
		vb_memprof_from_json(&bc->mem, b);
		const vb_variant *v = &bc->op->variants[bc->vi];
		vb_record_put_case(b, bc->op, v, bc->dim, bc->ratio);
		if (bc->wall_s > 0) {
			cJSON_AddBoolToObject(b, "contended", case_contended(bc));
			cJSON_AddNumberToObject(b, "contention_other_cpus",
			                        fmin(bc->others_cpu_s / bc->wall_s, vb_cpus_allowed()));
		}
		if (bc->sweep_name[0]) {
			cJSON_AddStringToObject(b, "sweep_dim", bc->sweep_name);
			cJSON_AddNumberToObject(b, "sweep_value", bc->sweep_value);
		}
		const char *agg = vb_json_str(b, "aggregate_name", NULL);
		double s = speedup(c, n, bc);
		if (!isnan(s) && (!agg || !strcmp(agg, "mean") || !strcmp(agg, "median")))
			cJSON_AddNumberToObject(b, "speedup_vs_loop", s);
		double t = vs_torch(c, n, bc);
		if (!isnan(t) && (!agg || !strcmp(agg, "mean") || !strcmp(agg, "median")))
			cJSON_AddNumberToObject(b, "speedup_vs_torch", t);
		/* GPU variants: the speedup again with the host<->device copies counted. */
		double e2e = vb_json_num(b, "e2e_time_us");
		bench_case *l = loop_of(c, n, bc);
		if (e2e > 0 && l && l->time_us > 0 && (!agg || !strcmp(agg, "mean") || !strcmp(agg, "median")))
			cJSON_AddNumberToObject(b, "speedup_vs_loop_e2e", l->time_us / e2e);
	}
}

static void fmt_time(double us, char *buf, size_t len) {
	if (isnan(us))
		snprintf(buf, len, "-");
	else if (us >= 1e6)
		snprintf(buf, len, "%.3g s", us * 1e-6);
	else if (us >= 1e3)
		snprintf(buf, len, "%.3g ms", us * 1e-3);
	else if (us >= 1)
		snprintf(buf, len, "%.3g us", us);
	else
		snprintf(buf, len, "%.3g ns", us * 1e3);
}

static void print_crossovers(bench_case *c, int n);

static void print_summary(bench_case *c, int n, const char *const *failed_notes, int nfailed) {
	printf("\n== vecbench summary: time per call (median or mean), speedup over the loop variant ==\n");
	const vb_op *op = NULL;
	const int64_t *dim = NULL;
	int few = 0, gpu = 0, contended = 0, torch = 0;
	char extra[128], extra_header[128];
	for (int i = 0; i < n; i++) {
		gpu |= c[i].mem.gpu_peak > 0;
		torch |= !strcmp(c[i].op->variants[c[i].vi].name, "torch");
	}
	vb_summary_extra_header(extra_header, sizeof extra_header, gpu);
	for (int i = 0; i < n; i++) {
		bench_case *x = &c[i];
		if (x->op != op) {
			printf("\n%s   %s\n  %-26s %-10s %10s %8s %9s%s %9s %9s%s\n", x->op->name, x->op->summary,
			       "dims", "variant", "time", "iters", "vs loop", torch ? "  vs torch" : "", "GFLOP/s",
			       "GB/s", extra_header);
			op = x->op;
			dim = NULL;
		}
		char d[256] = "", t[32];
		if (!dim || memcmp(dim, x->dim, sizeof x->dim)) vb_dims_format(x->op, x->dim, ',', d, sizeof d);
		dim = x->dim;
		fmt_time(x->time_us, t, sizeof t);
		double s = speedup(c, n, x), sec = x->time_us * 1e-6;
		const vb_variant *v = &x->op->variants[x->vi];
		double bytes = vb_variant_bytes(x->op, v, x->dim);
		vb_summary_extra(extra, sizeof extra, gpu, &calib, &x->mem, x->op->flops(x->dim), bytes, sec,
		                 vb_dims_footprint(x->op, x->dim, v->dtype), v->device == VB_CUDA);
		char vs[32] = "-", vt[16] = "";
		if (!isnan(s)) snprintf(vs, sizeof vs, "%.1fx", s);
		double tv = torch ? vs_torch(c, n, x) : NAN;
		if (torch && isnan(tv))
			snprintf(vt, sizeof vt, " %9s", "-");
		else if (torch)
			snprintf(vt, sizeof vt, " %8.2fx", tv);
		printf("  %-26s %-10s %10s %8.0f %9s%s %9.2f %9.2f%s%s%s\n", d, v->name, t, x->iterations, vs, vt,
		       x->op->flops(x->dim) / sec * 1e-9, bytes / sec * 1e-9, extra,
		       x->iterations > 0 && x->iterations < FEW_ITERATIONS ? "  *" : "",
		       case_contended(x) ? "  C" : "");
		few |= x->iterations > 0 && x->iterations < FEW_ITERATIONS;
		contended += case_contended(x);
	}
	if (few)
		printf("\n  * few iterations: a slow variant at a large size runs until the minimum time is reached, "
		       "which may be a single call\n");
	print_crossovers(c, n);
	vb_summary_footnotes();
	if (contended || vb_contended())
		printf(
		    "\n  C contended: other processes used more than %.0f%% of the usable CPUs while it ran (%d of %d "
		    "benchmarks%s); these times are slower and noisier than the machine's, and `vecbench compare` "
		    "refuses them without --allow-contended\n",
		    100 * VB_CONTENDED_SHARE, contended, n, vb_contended() ? "; the run as a whole too" : "");
	for (int i = 0; i < nfailed; i++)
		printf("  not timed (check failed): %s\n", failed_notes[i]);
	if (vb_doctor_count() > doctor_printed) {
		printf("\n  doctor, after the run:\n");
		vb_doctor_print_from(stdout, doctor_printed);
	}
}

/* Same op and the same dims but the swept one: one curve. */
static int same_curve(const bench_case *a, const bench_case *b) {
	if (a->op != b->op || strcmp(a->sweep_name, b->sweep_name)) return 0;
	int per_mille, swept = vb_sweep_dim(a->op, a->sweep_name, &per_mille);
	for (int k = 0; k < vb_op_ndims(a->op); k++)
		if (a->dim[k] != b->dim[k] && k != swept) return 0;
	return 1;
}

/* Per swept curve, where each pair of variants trades places. */
static void print_crossovers(bench_case *c, int n) {
	int header = 0;
	for (int i = 0; i < n; i++) {
		if (!c[i].sweep_name[0]) continue;
		int first = 1;
		for (int j = 0; j < i && first; j++)
			first = !same_curve(&c[j], &c[i]);
		if (!first) continue;
		/* The curve's points in order of the sweep value, and its variants. */
		double x[64];
		int np = 0, vis[VB_MAX_VARIANTS], nv = 0;
		for (int j = i; j < n; j++) {
			if (!same_curve(&c[j], &c[i])) continue;
			int seen = 0;
			for (int q = 0; q < np; q++)
				seen |= x[q] == c[j].sweep_value;
			if (!seen && np < 64) x[np++] = c[j].sweep_value;
			seen = 0;
			for (int q = 0; q < nv; q++)
				seen |= vis[q] == c[j].vi;
			if (!seen) vis[nv++] = c[j].vi;
		}
		for (int a = 1; a < np; a++)
			for (int b = a; b > 0 && x[b - 1] > x[b]; b--) {
				double t = x[b];
				x[b] = x[b - 1], x[b - 1] = t;
			}
		double t[VB_MAX_VARIANTS][64];
		for (int v = 0; v < nv; v++)
			for (int q = 0; q < np; q++) {
				t[v][q] = NAN;
				for (int j = i; j < n; j++)
					if (same_curve(&c[j], &c[i]) && c[j].vi == vis[v] && c[j].sweep_value == x[q])
						t[v][q] = c[j].time_us;
			}
		/* the curve's fixed dims: all but the swept one */
		char d[256] = "";
		int per_mille, swept = vb_sweep_dim(c[i].op, c[i].sweep_name, &per_mille);
		for (int k = 0, at = 0; k < vb_op_ndims(c[i].op) && at < (int)sizeof d; k++)
			if (k != swept)
				at += snprintf(d + at, sizeof d - (size_t)at, "%s%s=%lld", at ? "," : "",
				               c[i].op->dims[k], (long long)c[i].dim[k]);
		/* the loop variant's speedups are in the table; these pairs are the faster forms */
		for (int a = 0; a < nv; a++)
			for (int b = a + 1; b < nv; b++) {
				if (!strcmp(c[i].op->variants[vis[a]].name, "loop") ||
				    !strcmp(c[i].op->variants[vis[b]].name, "loop"))
					continue;
				double xc[8];
				int k = vb_crossover(x, t[a], t[b], np, xc, 8);
				if (!k) continue;
				if (!header)
					printf("\n  crossovers (where two variants trade places along a sweep):\n");
				header = 1;
				const char *na = c[i].op->variants[vis[a]].name, *nb = c[i].op->variants[vis[b]].name;
				printf("    %s (%s): %s vs %s at %s =", c[i].op->name, d, na, nb, c[i].sweep_name);
				for (int q = 0; q < k; q++)
					printf("%s %.3g", q ? "," : "", xc[q]);
				/* which is faster below the first crossing */
				int below = -1;
				for (int q = 0; q < np && below < 0; q++)
					if (t[a][q] > 0 && t[b][q] > 0 && t[a][q] != t[b][q])
						below = t[a][q] < t[b][q] ? a : b;
				if (below >= 0) printf(" (%s faster below)", c[i].op->variants[vis[below]].name);
				printf("\n");
			}
	}
}

/* After an interrupt: only the benchmarks that finished, marked partial. */
static void keep_finished(cJSON *root, cJSON *benches) {
	for (cJSON *b = benches->child, *next; b; b = next) {
		next = b->next;
		const char *msg = vb_json_str(b, "error_message", NULL);
		if (cJSON_IsTrue(cJSON_GetObjectItem(b, "error_occurred")) && msg && !strcmp(msg, INTERRUPTED))
			cJSON_Delete(cJSON_DetachItemViaPointer(benches, b));
	}
	cJSON *ctx = cJSON_GetObjectItemCaseSensitive(root, "context");
	if (!cJSON_IsObject(ctx)) ctx = cJSON_AddObjectToObject(root, "context");
	cJSON_AddTrueToObject(ctx, "partial");
	cJSON_AddStringToObject(ctx, "interrupted_by", interrupted == SIGINT ? "SIGINT" : "SIGTERM");
}

static int finish(const char *tmp, const char *out, bench_case *c, int n) {
	size_t len;
	char *text = vb_read_file(tmp, (size_t)1 << 30, &len);
	if (!text) vb_die(VB_EXIT_USAGE, "cannot read Google Benchmark output %s: %s", tmp, strerror(errno));
	/* Google Benchmark writes NaN for undefined figures (the cv of a zero counter). */
	char *clean = vb_json_null_nonfinite(text, len, NULL);
	cJSON *root = clean ? cJSON_Parse(clean) : NULL;
	free(clean);
	free(text);
	cJSON *benches = root ? cJSON_GetObjectItemCaseSensitive(root, "benchmarks") : NULL;
	if (!cJSON_IsArray(benches)) {
		cJSON_Delete(root);
		vb_die(VB_EXIT_USAGE, "Google Benchmark wrote no results to %s", tmp);
	}
	if (interrupted) keep_finished(root, benches);
	collect_times(benches, c, n);
	annotate(benches, c, n);
	vb_roofline_annotate(root, &calib);
	cJSON *ctx = cJSON_GetObjectItemCaseSensitive(root, "context");
	if (cJSON_IsObject(ctx)) {
		vb_doctor_check_above_roof(benches);
		vb_doctor_check_build_type(vb_json_str(ctx, "library_build_type", NULL));
		vb_doctor_to_context(ctx);
	}
	if (out) {
		char *s = cJSON_Print(root);
		int rc = vb_write_file_atomic(out, s, strlen(s)), e = errno;
		cJSON_free(s);
		if (rc != 0) {
			cJSON_Delete(root);
			vb_die(VB_EXIT_USAGE, "cannot write %s: %s", out, strerror(e));
		}
	}
	cJSON_Delete(root);
	return 0;
}

/* Fails early, before any work, when --out cannot be written. */
static void probe_writable(const char *path) {
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		vb_die(VB_EXIT_USAGE, "cannot write --out %s: is a directory", path);
	char *tmp = VB_XMALLOC(strlen(path) + 16);
	sprintf(tmp, "%s.probe", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		int e = errno;
		free(tmp);
		vb_die(VB_EXIT_USAGE, "cannot write --out %s: %s", path, strerror(e));
	}
	fclose(f);
	unlink(tmp);
	free(tmp);
}

const char vb_usage_run[] =
    "  run   [--op REGEX] [--variant V[,V]] [--dims ...] [--seed N] [--quick] [--quiet]\n"
    "        [--sweep DIM=v1,v2,...]                   a curve: crossovers in the summary\n"
    "        [--out FILE] [-- <Google Benchmark flags>]  check, then time through Google Benchmark\n"
    "        [--recalibrate]                           measure the roofline again (else cached per machine)\n"
    "        [--repetitions N]                         N repetitions of each benchmark (compare: 9)\n"
    "        [--count-instructions]                    instructions per call (callgrind), not times\n"
    "        [--blas-core auto|asis|NAME]              OpenBLAS core: auto re-runs on a better one when\n"
    "                                                  OpenBLAS chose a fallback below the CPU (default)\n";

int vb_cmd_run(int argc, char **argv) {
	enum { OP = 1, VARIANT, DIMS, SEED, QUICK, QUIET, OUT, RECALIBRATE, COUNT, REPETITIONS, BLAS_CORE, SWEEP };
	static const struct option opts[] = {{"op", required_argument, NULL, OP},
	                                     {"variant", required_argument, NULL, VARIANT},
	                                     {"dims", required_argument, NULL, DIMS},
	                                     {"seed", required_argument, NULL, SEED},
	                                     {"quick", no_argument, NULL, QUICK},
	                                     {"quiet", no_argument, NULL, QUIET},
	                                     {"out", required_argument, NULL, OUT},
	                                     {"recalibrate", no_argument, NULL, RECALIBRATE},
	                                     {"count-instructions", no_argument, NULL, COUNT},
	                                     {"repetitions", required_argument, NULL, REPETITIONS},
	                                     {"blas-core", required_argument, NULL, BLAS_CORE},
	                                     {"sweep", required_argument, NULL, SWEEP},
	                                     {0}};
	vb_select s = {.seed = 1, .scale = 1};
	const char *seed = NULL, *out = NULL, *reps_s = NULL, *blas_core = NULL;
	int recalibrate = 0, count_instructions = 0;
	vb_args a;
	vb_args_start(&a, "run", vb_usage_run, argc, argv, opts, 0, 1);
	for (int c; (c = vb_args_next(&a)) != -1;)
		switch (c) {
		case OP: s.op_regex = a.value; break;
		case VARIANT: s.variants = a.value; break;
		case DIMS: s.dims = a.value; break;
		case SEED: seed = a.value; break;
		case QUICK: s.quick = 1; break;
		case QUIET: s.quiet = 1; break;
		case OUT: out = a.value; break;
		case RECALIBRATE: recalibrate = 1; break;
		case COUNT: count_instructions = 1; break;
		case REPETITIONS: reps_s = a.value; break;
		case BLAS_CORE: blas_core = a.value; break;
		case SWEEP: s.sweep = a.value; break;
		}
	int nrest = a.nrest;
	char **rest = a.rest;
	if (seed) s.seed = vb_parse_u64("--seed", seed);
	if (vb_mpi_rank() != 0) out = NULL; /* rank 0 writes */
	if (out) probe_writable(out);
	uint64_t reps = reps_s ? vb_parse_u64("--repetitions", reps_s) : 0;
	if (reps_s && (reps < 1 || reps > MAX_REPETITIONS))
		vb_die(VB_EXIT_USAGE, "bad --repetitions '%s': expected 1 to %d", reps_s, MAX_REPETITIONS);
	if (count_instructions) {
		if (nrest || reps_s)
			vb_die(VB_EXIT_USAGE, "--count-instructions takes neither --repetitions nor '--' flags");
		if (!vb_mpi_unavailable()) vb_die(VB_EXIT_USAGE, "--count-instructions does not run under mpirun");
		return vb_count_instructions(&s, argc, argv, out);
	}
	/* Before anything loads or prints: this may re-execute the process on a better BLAS core. */
	char **full_argv = VB_XMALLOC(sizeof(char *) * (size_t)(argc + 3));
	full_argv[0] = "vecbench", full_argv[1] = "run";
	memcpy(full_argv + 2, argv, sizeof(char *) * (size_t)argc);
	full_argv[argc + 2] = NULL;
	/* Under mpirun MPI is initialised already: no re-execution (the launch's
	 * environment sets the core for every rank). */
	int under_mpi = vb_mpi_size() > 1 || getenv("OMPI_COMM_WORLD_SIZE");
	vb_blas_core_select(under_mpi ? "asis" : blas_core ? blas_core : "auto", full_argv);
	free(full_argv);
	if (vb_mpi_size() == 1) catch_signals(); /* several ranks: harness/core/mpi.c stops them all */

	/* Google Benchmark's own flags, plus its JSON file that we annotate. */
	const char *tmpdir = getenv("TMPDIR");
	char *tmp = gb_tmp;
	snprintf(tmp, sizeof gb_tmp, "%s/vecbench-gb-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmp);
	if (fd < 0) vb_die(VB_EXIT_USAGE, "cannot create a temporary file %s: %s", tmp, strerror(errno));
	close(fd);
	atexit(remove_gb_tmp);
	char outflag[sizeof gb_tmp + 32];
	snprintf(outflag, sizeof outflag, "--benchmark_out=%s", tmp);
	int gargc = 0;
	char **gargv = VB_XMALLOC(sizeof(char *) * (size_t)(nrest + 5));
	gargv[gargc++] = "vecbench";
	/* --repetitions N is Google Benchmark's flag (a per-benchmark setting would
	 * add "/repeats:N" to the names); a later '--' flag overrides it. */
	char repflag[64];
	snprintf(repflag, sizeof repflag, "--benchmark_repetitions=%d", (int)reps);
	if (reps) gargv[gargc++] = repflag;
	for (int i = 0; i < nrest; i++)
		gargv[gargc++] = rest[i];
	gargv[gargc++] = outflag;
	gargv[gargc++] = "--benchmark_out_format=json";
	gargv[gargc] = NULL;
	for (int i = 0; i < nrest && vb_mpi_size() > 1; i++) /* each rank would shuffle its own way */
		if (strstr(rest[i], "random_interleaving"))
			vb_die(VB_EXIT_USAGE, "'%s' is not supported with several MPI ranks", rest[i]);
	const char *bad;
	if (vb_bm_init(&gargc, gargv, &bad) != 0 || gargc > 1) {
		unlink(tmp);
		vb_die(VB_EXIT_USAGE, "unknown Google Benchmark flag '%s'", gargc > 1 ? gargv[1] : bad);
	}

	vb_case *cases;
	int ncases = vb_select_cases(&s, &cases);
	vb_inject_validate(&s, cases, ncases);
	ncases = vb_mpi_select(cases, ncases);
	if (vb_mpi_rank() == 0) { /* the other ranks write no results */
		vb_calibrate(&calib, recalibrate);
		vb_calibration_print(&calib);
		vb_gemm_calibrate(); /* which GEMM backend `vec` uses: before the checks */
		char gemm_line[1024];
		vb_gemm_describe(gemm_line, sizeof gemm_line);
		printf("gemm backend: %s\n", gemm_line);
		printf("== doctor: what in the stack would falsify the timings (vecbench doctor) ==\n");
		vb_doctor_check_stack();
		vb_doctor_check_calibration(calib.sgemm_gflops, calib.fma_gflops, calib.fma_isa);
		vb_doctor_print(stdout);
		doctor_printed = vb_doctor_count();
	}
	vb_mpi_quiet_barrier();
	bench_case *bc = calloc((size_t)ncases * VB_MAX_VARIANTS, sizeof *bc);
	const char **failed = calloc((size_t)ncases * VB_MAX_VARIANTS, sizeof *failed);
	if (!bc || !failed) vb_die(VB_EXIT_USAGE, "out of memory");
	int n = 0, nfailed = 0, counts[3] = {0}, ok = 1;
	double ratio[VB_MAX_VARIANTS];
	printf("== checks: every variant against the float64 oracle before it is timed ==\n");
	vb_check_header();
	vb_progress_start(&progress, "check", ncases, s.quiet);
	for (int i = 0; i < ncases && !interrupted; i++) {
		vb_progress_step(&progress, i, cases[i].op->name);
		ok &= vb_check_case(&s, &cases[i], ratio, counts);
		fflush(stdout);
		for (int v = 0; v < vb_op_nvariants(cases[i].op); v++) {
			if (isnan(ratio[v])) continue; /* not selected, or unavailable */
			bench_case *x = &bc[n];
			x->op = cases[i].op;
			x->vi = v;
			x->seed = s.seed;
			x->ratio = ratio[v];
			memcpy(x->dim, cases[i].dim, sizeof x->dim);
			memcpy(x->sweep_name, cases[i].sweep_name, sizeof x->sweep_name);
			x->sweep_value = cases[i].sweep_value;
			char d[200];
			vb_dims_format(x->op, x->dim, '/', d, sizeof d);
			snprintf(x->name, sizeof x->name, "%s/%s/%s", x->op->name, x->op->variants[v].name, d);
			if (isinf(ratio[v])) {
				failed[nfailed++] = strdup(x->name); /* x is reused by the next variant */
				continue;
			}
			vb_bm_opts o = {.min_time = s.quick ? QUICK_MIN_TIME_S : 0,
			                .manual_time = x->op->variants[v].device != VB_CPU};
			if (x->op->variants[v].distributed) { /* the same count on every rank */
				o.iterations = vb_mpi_iterations(x->op, v, x->dim, x->seed, o.min_time);
				o.min_time = 0; /* Google Benchmark takes one or the other */
				o.manual_time = 1;
			}
			x->inject = vb_inject_for(x->op, &x->op->variants[v]);
			vb_bm_register(x->name, bench_fn, x, &o);
			n++;
		}
	}
	vb_progress_end(&progress);
	printf("check: %d passed, %d failed, %d skipped\n", counts[0], counts[1], counts[2]);
	if (interrupted || n == 0) {
		for (int i = 0; i < nfailed; i++)
			free((char *)failed[i]);
		free(gargv), free(cases), free(failed), free(bc);
		if (interrupted) {
			printf("interrupted by %s during the checks: nothing timed, nothing written\n",
			       interrupted == SIGINT ? "SIGINT" : "SIGTERM");
			return 128 + interrupted;
		}
		if (!ok) return VB_EXIT_FAIL; /* every selected variant failed its check */
		vb_die(VB_EXIT_USAGE, "nothing to time: no selected variant can run on this machine");
	}
	printf("\n== timing (Google Benchmark) ==\n");
	fflush(stdout);
	vb_context_register();
	vb_peers_context_register();
	vb_regress_context_register();
	vb_mpi_context_register();
	all_cases = bc;
	vb_progress_start(&progress, "time", n, s.quiet);
	vb_cpu_sample before, after;
	vb_cpu_sample_take(&before);
	vb_bm_run(s.quiet);
	vb_cpu_sample_take(&after);
	vb_contention_record(&before, &after);
	vb_progress_end(&progress);
	if (live) release(live);
	live = NULL;
	/* Interrupted: what finished goes to <out>.partial.json, never to --out. */
	char *partial = NULL;
	if (interrupted && out) {
		partial = VB_XMALLOC(strlen(out) + 16);
		sprintf(partial, "%s.partial.json", out);
	}
	finish(tmp, interrupted ? partial : out, bc, n);
	unlink(tmp);
	print_summary(bc, n, failed, nfailed);
	if (interrupted) {
		printf("\ninterrupted by %s: %s%s\n", interrupted == SIGINT ? "SIGINT" : "SIGTERM",
		       partial ? "finished benchmarks kept in " : "no --out given, nothing written",
		       partial ? partial : "");
		free(partial);
	} else if (out) {
		printf("\nresults: %s (Google Benchmark JSON)\n", out);
	}
	free(gargv);
	free(cases);
	for (int i = 0; i < nfailed; i++)
		free((char *)failed[i]);
	free(failed);
	free(bc);
	if (interrupted) return 128 + interrupted;
	return ok && !vb_peer_died() ? VB_EXIT_OK : VB_EXIT_FAIL;
}
