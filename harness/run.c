/* `vecbench run`: check every selected variant, time the ones that pass
 * through Google Benchmark, write its JSON with vecbench's figures added,
 * and print a summary per op. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "cli.h"
#include "report.h"

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
} bench_case;

static bench_case *live;

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
	if (live != bc) {
		if (live) release(live);
		live = NULL;
		if (prepare(bc) != 0) {
			vb_bm_skip_with_error(st, "out of memory allocating the tensors");
			return;
		}
		live = bc;
		if (v->device == VB_CPU && op->flops(bc->dim) < WARMUP_MAX_FLOPS)
			v->fn(&(vb_call){.dim = bc->ts.dim, .t = bc->ts.ptr, .ws = bc->ws});
	}
	if (v->device == VB_CUDA) {
		char err[200];
		if (vb_cuda_bench(st, v, &bc->ts, bc->ws, bc->name, err, sizeof err) != 0) vb_bm_skip_with_error(st, err);
	} else {
		vb_call call = {.dim = bc->ts.dim, .t = bc->ts.ptr, .ws = bc->ws};
		vb_range_push(bc->name);
		while (vb_bm_keep_running(st)) {
			vb_arena_reset(bc->ws);
			v->fn(&call);
		}
		vb_range_pop();
	}
	vb_bm_counter(st, "FLOP/s", op->flops(bc->dim), VB_BM_RATE | VB_BM_ITER_INVARIANT);
	vb_bm_counter(st, "bytes/s", op->bytes(bc->dim), VB_BM_RATE | VB_BM_ITER_INVARIANT | VB_BM_BASE_1024);
	vb_bm_counter(st, "workspace_bytes", (double)vb_arena_peak(bc->ws), VB_BM_BASE_1024);
	vb_bm_counter(st, "io_bytes", vb_dims_footprint(op, bc->dim, v->dtype), VB_BM_BASE_1024);
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
		cJSON_AddNumberToObject(b, "bytes_per_iteration", bc->op->bytes(bc->dim));
		cJSON_AddNumberToObject(b, "check_err_bound", bc->ratio);
		const char *agg = str_field(b, "aggregate_name");
		double s = speedup(c, n, bc);
		if (!isnan(s) && (!agg || !strcmp(agg, "mean") || !strcmp(agg, "median")))
			cJSON_AddNumberToObject(b, "speedup_vs_loop", s);
	}
}

static void fmt_time(double us, char *buf, size_t len) {
	if (isnan(us)) snprintf(buf, len, "-");
	else if (us >= 1e6) snprintf(buf, len, "%.3g s", us * 1e-6);
	else if (us >= 1e3) snprintf(buf, len, "%.3g ms", us * 1e-3);
	else if (us >= 1) snprintf(buf, len, "%.3g us", us);
	else snprintf(buf, len, "%.3g ns", us * 1e3);
}

static void print_summary(bench_case *c, int n, const char *const *failed_notes, int nfailed) {
	printf("\n== vecbench summary: time per call (median or mean), speedup over the loop variant ==\n");
	const vb_op *op = NULL;
	const int64_t *dim = NULL;
	int few = 0;
	for (int i = 0; i < n; i++) {
		bench_case *x = &c[i];
		if (x->op != op) {
			printf("\n%s   %s\n  %-26s %-10s %10s %8s %9s %9s %9s\n", x->op->name, x->op->summary, "dims", "variant",
			       "time", "iters", "vs loop", "GFLOP/s", "GB/s");
			op = x->op;
			dim = NULL;
		}
		char d[256] = "", t[32];
		if (!dim || memcmp(dim, x->dim, sizeof x->dim)) vb_dims_format(x->op, x->dim, ',', d, sizeof d);
		dim = x->dim;
		fmt_time(x->time_us, t, sizeof t);
		double s = speedup(c, n, x), sec = x->time_us * 1e-6;
		printf("  %-26s %-10s %10s %8.0f %8.1fx %9.2f %9.2f%s\n", d, x->op->variants[x->vi].name, t, x->iterations,
		       s, x->op->flops(x->dim) / sec * 1e-9, x->op->bytes(x->dim) / sec * 1e-9,
		       x->iterations > 0 && x->iterations < 5 ? "  *" : "");
		few |= x->iterations > 0 && x->iterations < 5;
	}
	if (few) printf("\n  * few iterations: a slow variant at a large size runs until the minimum time is reached, "
		        "which may be a single call\n");
	for (int i = 0; i < nfailed; i++)
		printf("  not timed (check failed): %s\n", failed_notes[i]);
}

static int finish(const char *tmp, const char *out, bench_case *c, int n) {
	size_t len;
	char *text = vb_read_file(tmp, (size_t)1 << 30, &len);
	if (!text) vb_die(VB_EXIT_USAGE, "cannot read Google Benchmark output %s: %s", tmp, strerror(errno));
	cJSON *root = cJSON_Parse(text);
	free(text);
	cJSON *benches = root ? cJSON_GetObjectItemCaseSensitive(root, "benchmarks") : NULL;
	if (!cJSON_IsArray(benches)) vb_die(VB_EXIT_USAGE, "Google Benchmark wrote no results to %s", tmp);
	collect_times(benches, c, n);
	annotate(benches, c, n);
	if (out) {
		char *s = cJSON_Print(root);
		if (vb_write_file_atomic(out, s, strlen(s)) != 0)
			vb_die(VB_EXIT_USAGE, "cannot write %s: %s", out, strerror(errno));
		cJSON_free(s);
	}
	cJSON_Delete(root);
	return 0;
}

/* Fails early, before any work, when --out cannot be written. */
static void probe_writable(const char *path) {
	char *tmp = VB_XMALLOC(strlen(path) + 16);
	sprintf(tmp, "%s.probe", path);
	FILE *f = fopen(tmp, "w");
	if (!f) vb_die(VB_EXIT_USAGE, "cannot write --out %s: %s", path, strerror(errno));
	fclose(f);
	unlink(tmp);
	free(tmp);
}

int vb_cmd_run(int argc, char **argv) {
	vb_opt opts[] = {{"op", 1, NULL},    {"variant", 1, NULL}, {"dims", 1, NULL}, {"seed", 1, NULL},
	                 {"quick", 0, NULL}, {"quiet", 0, NULL},   {"out", 1, NULL}};
	enum { NOPTS = sizeof opts / sizeof opts[0] };
	const char *pos[1];
	int npos, nrest;
	char **rest;
	vb_parse_opts("run", argc, argv, opts, NOPTS, pos, 0, &npos, &rest, &nrest);
	vb_select s = {.op_regex = opts[0].value, .variants = opts[1].value, .dims = opts[2].value, .seed = 1, .scale = 1};
	if (opts[3].value) s.seed = vb_parse_u64("--seed", opts[3].value);
	s.quick = opts[4].value != NULL;
	s.quiet = opts[5].value != NULL;
	const char *out = opts[6].value;
	if (out) probe_writable(out);

	/* Google Benchmark's own flags, plus its JSON file that we annotate. */
	char tmp[] = "/tmp/vecbench-gb-XXXXXX";
	int fd = mkstemp(tmp);
	if (fd < 0) vb_die(VB_EXIT_USAGE, "cannot create a temporary file: %s", strerror(errno));
	close(fd);
	char outflag[64];
	snprintf(outflag, sizeof outflag, "--benchmark_out=%s", tmp);
	int gargc = 0;
	char **gargv = VB_XMALLOC(sizeof(char *) * (size_t)(nrest + 4));
	gargv[gargc++] = "vecbench";
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
	bench_case *bc = calloc((size_t)ncases * VB_MAX_VARIANTS, sizeof *bc);
	const char **failed = calloc((size_t)ncases * VB_MAX_VARIANTS, sizeof *failed);
	if (!bc || !failed) vb_die(VB_EXIT_USAGE, "out of memory");
	int n = 0, nfailed = 0, counts[3] = {0}, ok = 1;
	double ratio[VB_MAX_VARIANTS];
	printf("== checks: every variant against the float64 oracle before it is timed ==\n");
	vb_check_header();
	for (int i = 0; i < ncases; i++) {
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
				failed[nfailed++] = x->name;
				continue;
			}
			vb_bm_opts o = {.min_time = s.quick ? 0.05 : 0, .manual_time = x->op->variants[v].device == VB_CUDA};
			vb_bm_register(x->name, bench_fn, x, &o);
			n++;
		}
	}
	printf("check: %d passed, %d failed, %d skipped\n\n== timing (Google Benchmark) ==\n", counts[0], counts[1],
	       counts[2]);
	fflush(stdout);
	vb_context_register();
	vb_bm_run(s.quiet);
	if (live) release(live);
	live = NULL;
	finish(tmp, out, bc, n);
	unlink(tmp);
	print_summary(bc, n, failed, nfailed);
	if (out) printf("\nresults: %s (Google Benchmark JSON)\n", out);
	free(gargv);
	free(cases);
	free(failed);
	free(bc);
	return ok ? VB_EXIT_OK : VB_EXIT_FAIL;
}
