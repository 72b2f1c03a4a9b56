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
#include "gemm.h"
#include "prof.h"
#include "regress.h"
#include "report.h"
#include "results_json.h"

/* Kernels cheaper than this get one untimed call first (page faults, thread
 * start-up, scratch allocation); dearer ones amortise it inside the timing. */
#define WARMUP_MAX_FLOPS 5e8

typedef struct {
	const vb_op *op;
	int vi;
	int64_t dim[VB_MAX_DIMS];
	uint64_t seed;
	double ratio; /* check err/bound */
	char name[256];
	vb_tensors ts; /* held while Google Benchmark calls this case */
	vb_arena *ws;
	double time_us; /* representative time: median over repetitions, else mean */
	double iterations;
	vb_memprof mem;
	vb_inject inject; /* VB_INJECT_SLOWDOWN: tests of the regression gate only */
} bench_case;

static bench_case *live;
static bench_case *all_cases; /* for the progress line's "i of N" */
static vb_progress progress;  /* prof.h */
static vb_calibration calib;  /* the roofline's figures, prof.h */

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
	if (interrupted) {
		vb_bm_skip_with_error(st, INTERRUPTED);
		return;
	}
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
	} else {
		vb_memprof_mark(&bc->mem); /* heap growth of this call alone, not Google Benchmark's records */
	}
	if (v->device == VB_CUDA) {
		char err[200];
		if (vb_cuda_bench(st, v, &bc->ts, bc->ws, bc->name, err, sizeof err) != 0)
			vb_bm_skip_with_error(st, err);
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
	vb_bm_counter(st, "FLOP/s", op->flops(bc->dim), VB_BM_RATE | VB_BM_ITER_INVARIANT);
	vb_bm_counter(st, "bytes/s", vb_variant_bytes(op, v, bc->dim),
	              VB_BM_RATE | VB_BM_ITER_INVARIANT | VB_BM_BASE_1024);
	vb_bm_counter(st, "workspace_bytes", (double)vb_arena_peak(bc->ws), VB_BM_BASE_1024);
	vb_bm_counter(st, "io_bytes", vb_dims_footprint(op, bc->dim, v->dtype), VB_BM_BASE_1024);
	vb_memprof_counters(&bc->mem, st);
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

static const char *str_field(cJSON *o, const char *k) {
	cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static double num_field(cJSON *o, const char *k) {
	cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static double to_us(double t, const char *unit) {
	if (!unit || !strcmp(unit, "us")) return t;
	if (!strcmp(unit, "ns")) return t * 1e-3;
	if (!strcmp(unit, "ms")) return t * 1e3;
	return t * 1e6; /* "s" */
}

/* Each case's representative time: the median aggregate when repetitions
 * ran, else the mean of its iteration runs. */
static void collect_times(cJSON *benches, bench_case *c, int n) {
	double sum[n], cnt[n], iters[n];
	memset(sum, 0, sizeof sum), memset(cnt, 0, sizeof cnt), memset(iters, 0, sizeof iters);
	for (int i = 0; i < n; i++)
		c[i].time_us = NAN;
	cJSON *b;
	cJSON_ArrayForEach(b, benches) {
		bench_case *bc = case_by_name(c, n, str_field(b, "run_name") ? str_field(b, "run_name") : "");
		if (!bc || cJSON_IsTrue(cJSON_GetObjectItem(b, "error_occurred"))) continue;
		double t = to_us(num_field(b, "real_time"), str_field(b, "time_unit"));
		const char *rt = str_field(b, "run_type"), *agg = str_field(b, "aggregate_name");
		int k = (int)(bc - c);
		if (rt && !strcmp(rt, "aggregate")) {
			if (agg && !strcmp(agg, "median")) bc->time_us = t;
		} else {
			sum[k] += t;
			cnt[k] += 1;
			iters[k] += num_field(b, "iterations");
		}
	}
	for (int k = 0; k < n; k++) {
		if (isnan(c[k].time_us) && cnt[k] > 0) c[k].time_us = sum[k] / cnt[k];
		c[k].iterations = cnt[k] > 0 ? iters[k] / cnt[k] : 0;
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

static void annotate(cJSON *benches, bench_case *c, int n) {
	cJSON *b;
	cJSON_ArrayForEach(b, benches) {
		bench_case *bc = case_by_name(c, n, str_field(b, "run_name") ? str_field(b, "run_name") : "");
		if (!bc) continue;
		vb_memprof_from_json(&bc->mem, b);
		const vb_variant *v = &bc->op->variants[bc->vi];
		char d[256];
		vb_dims_format(bc->op, bc->dim, ',', d, sizeof d);
		cJSON_AddStringToObject(b, "op", bc->op->name);
		cJSON_AddStringToObject(b, "family", bc->op->family);
		cJSON_AddStringToObject(b, "variant", v->name);
		cJSON_AddStringToObject(b, "dims", d);
		cJSON_AddStringToObject(b, "dtype", vb_dtype_name(v->dtype));
		cJSON_AddStringToObject(b, "device", v->device == VB_CUDA ? "cuda" : "cpu");
		cJSON_AddNumberToObject(b, "flops_per_iteration", bc->op->flops(bc->dim));
		cJSON_AddNumberToObject(b, "bytes_per_iteration", vb_variant_bytes(bc->op, v, bc->dim));
		cJSON_AddNumberToObject(b, "check_err_bound", bc->ratio);
		const char *agg = str_field(b, "aggregate_name");
		double s = speedup(c, n, bc);
		if (!isnan(s) && (!agg || !strcmp(agg, "mean") || !strcmp(agg, "median")))
			cJSON_AddNumberToObject(b, "speedup_vs_loop", s);
		/* GPU variants: the speedup again with the host<->device copies counted. */
		double e2e = num_field(b, "e2e_time_us");
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

static void print_summary(bench_case *c, int n, const char *const *failed_notes, int nfailed) {
	printf("\n== vecbench summary: time per call (median or mean), speedup over the loop variant ==\n");
	const vb_op *op = NULL;
	const int64_t *dim = NULL;
	int few = 0, gpu = 0;
	char extra[128], extra_header[128];
	for (int i = 0; i < n; i++)
		gpu |= c[i].mem.gpu_peak > 0;
	vb_summary_extra_header(extra_header, sizeof extra_header, gpu);
	for (int i = 0; i < n; i++) {
		bench_case *x = &c[i];
		if (x->op != op) {
			printf("\n%s   %s\n  %-26s %-10s %10s %8s %9s %9s %9s%s\n", x->op->name, x->op->summary, "dims",
			       "variant", "time", "iters", "vs loop", "GFLOP/s", "GB/s", extra_header);
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
		printf("  %-26s %-10s %10s %8.0f %8.1fx %9.2f %9.2f%s%s\n", d, v->name, t, x->iterations, s,
		       x->op->flops(x->dim) / sec * 1e-9, bytes / sec * 1e-9, extra,
		       x->iterations > 0 && x->iterations < 5 ? "  *" : "");
		few |= x->iterations > 0 && x->iterations < 5;
	}
	if (few)
		printf("\n  * few iterations: a slow variant at a large size runs until the minimum time is reached, "
		       "which may be a single call\n");
	vb_summary_footnotes();
	for (int i = 0; i < nfailed; i++)
		printf("  not timed (check failed): %s\n", failed_notes[i]);
}

/* After an interrupt: only the benchmarks that finished, marked partial. */
static void keep_finished(cJSON *root, cJSON *benches) {
	for (cJSON *b = benches->child, *next; b; b = next) {
		next = b->next;
		const char *msg = str_field(b, "error_message");
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

int vb_cmd_run(int argc, char **argv) {
	vb_opt opts[] = {{"op", 1, NULL},         {"variant", 1, NULL},     {"dims", 1, NULL},
	                 {"seed", 1, NULL},       {"quick", 0, NULL},       {"quiet", 0, NULL},
	                 {"out", 1, NULL},        {"recalibrate", 0, NULL}, {"count-instructions", 0, NULL},
	                 {"repetitions", 1, NULL}};
	enum { NOPTS = sizeof opts / sizeof opts[0] };
	const char *pos[1];
	int npos, nrest;
	char **rest;
	vb_parse_opts("run", argc, argv, opts, NOPTS, pos, 0, &npos, &rest, &nrest);
	vb_select s = {
	    .op_regex = opts[0].value, .variants = opts[1].value, .dims = opts[2].value, .seed = 1, .scale = 1};
	if (opts[3].value) s.seed = vb_parse_u64("--seed", opts[3].value);
	s.quick = opts[4].value != NULL;
	s.quiet = opts[5].value != NULL;
	const char *out = opts[6].value;
	if (out) probe_writable(out);
	const char *reps_s = vb_opt_get(opts, NOPTS, "repetitions");
	uint64_t reps = reps_s ? vb_parse_u64("--repetitions", reps_s) : 0;
	if (reps_s && (reps < 1 || reps > 1000))
		vb_die(VB_EXIT_USAGE, "bad --repetitions '%s': expected 1 to 1000", reps_s);
	if (vb_opt_get(opts, NOPTS, "count-instructions")) {
		if (nrest || reps_s)
			vb_die(VB_EXIT_USAGE, "--count-instructions takes neither --repetitions nor '--' flags");
		return vb_count_instructions(&s, argc, argv, out);
	}
	catch_signals();

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
	const char *bad;
	if (vb_bm_init(&gargc, gargv, &bad) != 0 || gargc > 1) {
		unlink(tmp);
		vb_die(VB_EXIT_USAGE, "unknown Google Benchmark flag '%s'", gargc > 1 ? gargv[1] : bad);
	}

	vb_case *cases;
	int ncases = vb_select_cases(&s, &cases);
	vb_inject_validate(&s, cases, ncases);
	vb_calibrate(&calib, vb_opt_get(opts, NOPTS, "recalibrate") != NULL);
	vb_calibration_print(&calib);
	vb_gemm_calibrate(); /* which GEMM backend `vec` uses: before the checks */
	char gemm_line[512];
	vb_gemm_describe(gemm_line, sizeof gemm_line);
	printf("gemm backend: %s\n", gemm_line);
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
			char d[200];
			vb_dims_format(x->op, x->dim, '/', d, sizeof d);
			snprintf(x->name, sizeof x->name, "%s/%s/%s", x->op->name, x->op->variants[v].name, d);
			if (isinf(ratio[v])) {
				failed[nfailed++] = strdup(x->name); /* x is reused by the next variant */
				continue;
			}
			vb_bm_opts o = {.min_time = s.quick ? 0.05 : 0,
			                .manual_time = x->op->variants[v].device == VB_CUDA};
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
	vb_regress_context_register();
	all_cases = bc;
	vb_progress_start(&progress, "time", n, s.quiet);
	vb_bm_run(s.quiet);
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
	return ok ? VB_EXIT_OK : VB_EXIT_FAIL;
}
