/* `vecbench plot RESULTS --out DIR`: the data files (.dat) of the five plots,
 * drawn from a results JSON alone (old runs can be redrawn), then gnuplot
 * runs plots/<name>.gp on them for PNG and SVG. The .dat files are plain
 * tab-separated columns, so a script can be rerun by hand:
 *   gnuplot -c plots/speedup.gp png DIR DIR/speedup plots */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "prof.h"
#include "report.h"
#include "results_json.h"

#ifndef VB_PLOTS_DIR
#define VB_PLOTS_DIR "plots"
#endif

/* ---- reading a results JSON ---- */

static double num(const cJSON *o, const char *k) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *k) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* The batch: the number of examples, by the seeds' names for it. */
/* The op's batch dim (its descriptor's), NAN for an op this build lacks or one without. */
static double batch_of(const char *op_name, const char *dims) {
	const vb_op *op = vb_op_find(op_name);
	return op && op->batch ? vb_dims_value(dims, op->batch) : NAN;
}

/* dims without the swept one ("density" sweeps density_pm). */
static void sweep_curve(const char *dims, const char *swept, char *out, size_t len) {
	size_t at = 0, n = strlen(swept);
	out[0] = 0;
	for (const char *p = dims; *p;) {
		size_t item = strcspn(p, ",");
		int is_swept = (item > n && !strncmp(p, swept, n) && (p[n] == '=' || !strncmp(p + n, "_pm=", 4)));
		if (!is_swept && at + item + 2 < len)
			at += (size_t)snprintf(out + at, len - at, "%s%.*s", at ? "," : "", (int)item, p);
		p += item + (p[item] == ',');
	}
}

static int same_case(const vb_result *a, const char *op, const char *variant, const char *dims) {
	return !strcmp(a->op, op) && !strcmp(a->variant, variant) && !strcmp(a->dims, dims);
}

/* One record per op x variant x dims. Its time is the median aggregate when
 * repetitions ran, else the mean of its iteration runs; its other figures
 * come from that same entry (the first run's, for a mean). */
typedef struct {
	const cJSON *entry; /* where the record's fields come from */
	int from_median;
	double sum, count;
} source;

void vb_results_load(vb_results *rs, const char *path) {
	memset(rs, 0, sizeof *rs);
	char err[512];
	rs->root = vb_result_file_load_json(path, err, sizeof err);
	if (!rs->root) vb_die(VB_EXIT_USAGE, "%s", err);
	const cJSON *benches = cJSON_GetObjectItemCaseSensitive(rs->root, "benchmarks");
	rs->context = cJSON_GetObjectItemCaseSensitive(rs->root, "context");
	if (!cJSON_IsObject(rs->context)) rs->context = NULL;
	rs->have_cal = rs->context && vb_calibration_from_context(&rs->cal, rs->context) == 0;

	int cap = cJSON_GetArraySize(benches) + 1;
	rs->r = calloc((size_t)cap, sizeof *rs->r);
	source *src = calloc((size_t)cap, sizeof *src);
	if (!rs->r || !src) vb_die(VB_EXIT_USAGE, "out of memory reading %s", path);
	const cJSON *b;
	cJSON_ArrayForEach(b, benches) {
		const char *op = str(b, "op"), *variant = str(b, "variant"), *dims = str(b, "dims");
		const char *rt = str(b, "run_type"), *agg = str(b, "aggregate_name");
		if (!op || !variant || !dims || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "error_occurred")))
			continue;
		int aggregate = rt && !strcmp(rt, "aggregate");
		if (aggregate && (!agg || strcmp(agg, "median"))) continue;
		double sec = vb_time_to_seconds(num(b, "real_time"), str(b, "time_unit"));
		if (!(sec > 0))
			vb_die(VB_EXIT_USAGE, "%s: benchmark %s/%s/%s has no positive real_time", path, op, variant,
			       dims);
		int k = 0;
		while (k < rs->n && !same_case(&rs->r[k], op, variant, dims))
			k++;
		if (k == rs->n) {
			vb_result *x = &rs->r[rs->n++];
			x->op = op, x->variant = variant, x->dims = dims;
			x->family = str(b, "family") ? str(b, "family") : "ops";
			x->device = str(b, "device") ? str(b, "device") : "cpu";
		}
		source *s = &src[k];
		if (s->from_median) continue;
		if (aggregate) {
			*s = (source){.entry = b, .from_median = 1, .sum = sec, .count = 1};
		} else {
			if (!s->entry) s->entry = b;
			s->sum += sec, s->count += 1;
		}
	}
	if (rs->n == 0)
		vb_die(VB_EXIT_USAGE, "%s holds no vecbench benchmarks (entries with op, variant and dims)", path);

	for (int k = 0; k < rs->n; k++) {
		vb_result *x = &rs->r[k];
		const cJSON *e = src[k].entry;
		int single = src[k].count == 1; /* the entry's own figures are this record's */
		x->seconds = src[k].sum / src[k].count;
		x->iterations = num(e, "iterations");
		x->flops = num(e, "flops_per_iteration");
		x->bytes = num(e, "bytes_per_iteration");
		x->speedup = num(e, "speedup_vs_loop");
		x->io_bytes = num(e, "io_bytes");
		x->workspace_bytes = num(e, "workspace_bytes");
		x->heap_growth_bytes = num(e, "heap_growth_bytes");
		x->peak_rss_bytes = num(e, "peak_rss_bytes");
		x->gpu_peak_bytes = num(e, "gpu_peak_bytes");
		x->batch = batch_of(x->op, x->dims);
		x->sweep_dim = str(e, "sweep_dim");
		x->sweep_value = x->sweep_dim ? num(e, "sweep_value") : NAN;
		if (x->sweep_dim) sweep_curve(x->dims, x->sweep_dim, x->curve, sizeof x->curve);
		x->intensity = x->bytes > 0 ? x->flops / x->bytes : NAN;
		x->gflops = x->flops / x->seconds * 1e-9;
		x->gbs = x->bytes / x->seconds * 1e-9;
		x->roof_gflops = x->roof_pct = NAN;
		if (single && !isnan(num(e, "achieved_gflops"))) {
			x->gflops = num(e, "achieved_gflops");
			x->gbs = num(e, "achieved_gbs");
			x->intensity = num(e, "arithmetic_intensity");
		}
		if (single && !isnan(num(e, "roofline_pct"))) {
			x->roof_pct = num(e, "roofline_pct");
			x->roof_gflops = num(e, "roofline_gflops");
		} else if (rs->have_cal && !strcmp(x->device, "cpu")) {
			/* An older run, or a synthetic one: from the context's figures. */
			double set =
			    (x->io_bytes > 0 ? x->io_bytes : NAN) + (x->workspace_bytes > 0 ? x->workspace_bytes : 0);
			x->roof_pct = vb_roofline_pct_ws(&rs->cal, x->flops, x->bytes, x->seconds, set);
			x->roof_gflops = (x->bytes > 0 ? vb_roofline_ceiling_ws(&rs->cal, x->intensity, set)
			                               : rs->cal.sgemm_gflops * 1e9) *
			                 1e-9;
		}
	}
	/* Speedups the file lacks: loop's time at the same dims over this one's. */
	for (int k = 0; k < rs->n; k++) {
		vb_result *x = &rs->r[k];
		if (!isnan(x->speedup)) continue;
		for (int j = 0; j < rs->n; j++)
			if (same_case(&rs->r[j], x->op, "loop", x->dims)) x->speedup = rs->r[j].seconds / x->seconds;
	}
	for (int k = 0; k < rs->n; k++) {
		vb_result *x = &rs->r[k];
		x->vs_torch = NAN;
		for (int j = 0; j < rs->n; j++)
			if (same_case(&rs->r[j], x->op, "torch", x->dims)) x->vs_torch = rs->r[j].seconds / x->seconds;
	}
	free(src);
}

void vb_results_free(vb_results *rs) {
	cJSON_Delete(rs->root);
	free(rs->r);
	memset(rs, 0, sizeof *rs);
}

const char *vb_results_context(const vb_results *rs, const char *key) {
	return rs->context ? str(rs->context, key) : NULL;
}

/* ---- data files ---- */

static FILE *open_dat(const char *dir, const char *name, char *path, size_t len) {
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) vb_die(VB_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
	return f;
}

static void close_dat(FILE *f, const char *path) {
	if (ferror(f) | (fclose(f) != 0)) vb_die(VB_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
}

/* Numbers as the JSON has them (17 digits round-trip); "-" where there is none. */
static void put(FILE *f, double v) {
	if (isfinite(v))
		fprintf(f, "\t%.17g", v);
	else
		fputs("\t-", f);
}

static int starts(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

/* Variants in the order of the techniques they add, then any others. */
static const char *const variant_order[] = {"loop",      "loop_autovec", "semi",  "vec_1t", "vec",
                                            "cuda_loop", "cuda_vec",     "torch", "numpy"};
enum { NORDER = sizeof variant_order / sizeof *variant_order };

static int variant_rank(const char *v) {
	for (int i = 0; i < NORDER; i++)
		if (!strcmp(v, variant_order[i])) return i;
	return NORDER;
}

/* The distinct variants of the results, ordered; returns the count. */
static int variants_of(const vb_results *rs, const char **out) {
	int n = 0;
	for (int rank = 0; rank <= NORDER; rank++)
		for (int k = 0; k < rs->n; k++) {
			const char *v = rs->r[k].variant;
			if (variant_rank(v) != rank) continue;
			int seen = 0;
			for (int i = 0; i < n; i++)
				seen |= !strcmp(out[i], v);
			if (!seen) out[n++] = v;
		}
	return n;
}

/* A variant's colour index in every plot: its place in variant_order, then
 * the others (precision variants) after it in the results' order. */
static int variant_color(const char *const *vars, int nv, const char *v) {
	int rank = variant_rank(v);
	if (rank < NORDER) return rank + 1;
	int k = NORDER + 1;
	for (int i = 0; i < nv && strcmp(vars[i], v); i++)
		k += variant_rank(vars[i]) == NORDER;
	return k;
}

/* Distinct ops (in order of appearance), optionally of one family. */
static int ops_of(const vb_results *rs, const char *family, const char **out) {
	int n = 0;
	for (int k = 0; k < rs->n; k++) {
		if (family && strcmp(rs->r[k].family, family)) continue;
		int seen = 0;
		for (int i = 0; i < n; i++)
			seen |= !strcmp(out[i], rs->r[k].op);
		if (!seen) out[n++] = rs->r[k].op;
	}
	return n;
}

static int index_of(const char *const *list, int n, const char *s) {
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i], s)) return i;
	return -1;
}

/* The op's dims to show: its largest measured size (by FLOPs, then bytes)
 * where want(record) holds. */
static const char *largest_dims(const vb_results *rs, const char *op, int (*want)(const vb_result *)) {
	const vb_result *best = NULL;
	for (int k = 0; k < rs->n; k++) {
		const vb_result *x = &rs->r[k];
		if (strcmp(x->op, op) || !want(x)) continue;
		if (!best || x->flops > best->flops || (x->flops == best->flops && x->bytes > best->bytes)) best = x;
	}
	return best ? best->dims : NULL;
}

static const vb_result *find(const vb_results *rs, const char *op, const char *variant, const char *dims) {
	for (int k = 0; k < rs->n; k++)
		if (same_case(&rs->r[k], op, variant, dims)) return &rs->r[k];
	return NULL;
}

static int has_speedup(const vb_result *x) { return strcmp(x->variant, "loop") && isfinite(x->speedup); }
static int has_roof_cpu(const vb_result *x) {
	return !strcmp(x->device, "cpu") && isfinite(x->roof_pct) && x->gflops > 0 && x->intensity > 0;
}
static int has_roof_gpu(const vb_result *x) {
	return strcmp(x->device, "cpu") && isfinite(x->roof_pct) && x->gflops > 0 && x->intensity > 0;
}

/* 1) speedup.dat: one row per op at its largest size with a loop to compare
 * with, one column per variant that has a value there. Returns the number
 * of rows. */
static int write_speedup(const vb_results *rs, const char *dir) {
	const char *ops[rs->n], *vars[rs->n], *dims[rs->n];
	int nops = ops_of(rs, NULL, ops), nv = variants_of(rs, vars), rows = 0, used[rs->n];
	memset(used, 0, sizeof used);
	for (int i = 0; i < nops; i++) {
		dims[i] = largest_dims(rs, ops[i], has_speedup);
		for (int v = 0; v < nv && dims[i]; v++) {
			const vb_result *x = find(rs, ops[i], vars[v], dims[i]);
			used[v] |= x && has_speedup(x);
		}
	}
	char path[4200];
	FILE *f = open_dat(dir, "speedup.dat", path, sizeof path);
	fprintf(f, "# speedup over loop (x) per op at its largest measured size; \"-\": variant not measured there\n");
	fprintf(f, "op\tdims");
	for (int v = 0; v < nv; v++)
		if (used[v]) fprintf(f, "\t%s", vars[v]);
	fputc('\n', f);
	for (int i = 0; i < nops; i++) {
		if (!dims[i]) continue;
		fprintf(f, "%s\t%s", ops[i], dims[i]);
		for (int v = 0; v < nv; v++) {
			if (!used[v]) continue;
			const vb_result *x = find(rs, ops[i], vars[v], dims[i]);
			put(f, x ? x->speedup : NAN);
		}
		fputc('\n', f);
		rows++;
	}
	close_dat(f, path);
	/* Colours follow the variant, as in the other plots. */
	f = open_dat(dir, "speedup_colors.dat", path, sizeof path);
	fprintf(f, "# colour index of each speedup.dat column\n-\t-");
	for (int v = 0; v < nv; v++)
		if (used[v]) fprintf(f, "\t%d", variant_color(vars, nv, vars[v]));
	fputc('\n', f);
	close_dat(f, path);
	return rows;
}

/* 2) time_<family>.dat: one block per op x variant (blank lines between),
 * rows by problem size. Columns: FLOP per call, seconds per call, the
 * variant's colour index, the op's point index. */
static void write_time(const vb_results *rs, const char *dir, const char *family, const char *file) {
	const char *ops[rs->n], *vars[rs->n];
	int nops = ops_of(rs, family, ops), nv = variants_of(rs, vars);
	char path[4200];
	FILE *f = open_dat(dir, file, path, sizeof path);
	fprintf(f, "# time per call vs problem size, family %s; blocks: op/variant\n", family);
	int blocks = 0;
	for (int i = 0; i < nops; i++)
		for (int v = 0; v < nv; v++) {
			/* rows sorted by FLOPs */
			const vb_result *rows[rs->n];
			int nr = 0;
			for (int k = 0; k < rs->n; k++)
				if (!strcmp(rs->r[k].op, ops[i]) && !strcmp(rs->r[k].variant, vars[v]))
					rows[nr++] = &rs->r[k];
			if (!nr) continue;
			for (int a = 1; a < nr; a++)
				for (int b = a; b > 0 && rows[b]->flops < rows[b - 1]->flops; b--) {
					const vb_result *t = rows[b];
					rows[b] = rows[b - 1], rows[b - 1] = t;
				}
			fprintf(f, "%s\"%s/%s\"\tflops_per_call\tseconds\tvariant_index\top_index\tdims\n",
			        blocks ? "\n\n" : "", ops[i], vars[v]);
			for (int r = 0; r < nr; r++) {
				fprintf(f, "%.17g\t%.17g\t%d\t%d\t%s\n", rows[r]->flops, rows[r]->seconds,
				        variant_color(vars, nv, vars[v]), i + 1, rows[r]->dims);
			}
			blocks++;
		}
	close_dat(f, path);
}

/* Point classes of the roofline plots. */
static int roof_class(const char *variant) {
	if (!strcmp(variant, "loop")) return 0;
	if (starts(variant, "loop")) return 1; /* the loop, compiler-vectorized */
	if (starts(variant, "semi")) return 2;
	if (starts(variant, "cuda_loop")) return 4;
	if (strstr(variant, "tf32")) return 6;
	if (strstr(variant, "f16")) return 7; /* fp16, bf16 */
	if (starts(variant, "cuda")) return 5;
	if (!strcmp(variant, "torch") || !strcmp(variant, "numpy")) return 8; /* the peers */
	return 3;
}

/* The points of one roofline: every kernel (op x variant) that has a
 * roofline figure, at its op's largest such size; the labels file has each
 * op's name at its highest point. Returns the number of points. */
static int write_roof_points(const vb_results *rs, const char *dir, const char *name, int (*has)(const vb_result *)) {
	const char *ops[rs->n];
	int nops = ops_of(rs, NULL, ops), points = 0;
	char path[4200], lpath[4200], file[64];
	snprintf(file, sizeof file, "%s.dat", name);
	FILE *f = open_dat(dir, file, path, sizeof path);
	snprintf(file, sizeof file, "%s_labels.dat", name);
	FILE *lf = open_dat(dir, file, lpath, sizeof lpath);
	fprintf(f,
	        "# op\tvariant\tdims\tclass (0 loop, 1 auto-vectorized loop, 2 semi, 3 vectorized, 4 cuda_loop, 5 cuda "
	        "fp32, 6 cuda tf32, 7 cuda fp16/bf16)\tintensity_flop_per_byte\tachieved_gflops\troofline_gflops\t"
	        "roofline_pct\n");
	fprintf(lf, "# op\tintensity_flop_per_byte\tachieved_gflops (its fastest variant)\n");
	for (int i = 0; i < nops; i++) {
		const char *dims = largest_dims(rs, ops[i], has);
		if (!dims) continue;
		const vb_result *top = NULL;
		for (int k = 0; k < rs->n; k++) {
			const vb_result *x = &rs->r[k];
			if (strcmp(x->op, ops[i]) || strcmp(x->dims, dims) || !has(x)) continue;
			fprintf(f, "%s\t%s\t%s\t%d", x->op, x->variant, x->dims, roof_class(x->variant));
			put(f, x->intensity), put(f, x->gflops), put(f, x->roof_gflops), put(f, x->roof_pct);
			fputc('\n', f);
			if (!top || x->gflops > top->gflops) top = x;
			points++;
		}
		fprintf(lf, "%s\t%.17g\t%.17g\n", top->op, top->intensity, top->gflops);
	}
	close_dat(f, path);
	close_dat(lf, lpath);
	return points;
}

/* 3) roofline.dat: the CPU kernels; roofline_ceilings.dat: the calibrated
 * figures of the results' context. */
static int write_roofline(const vb_results *rs, const char *dir) {
	if (!rs->have_cal) return 0;
	char path[4200];
	FILE *f = open_dat(dir, "roofline_ceilings.dat", path, sizeof path);
	/* the cache levels' roofs: 0 when the run has none (gnuplot's stats need numbers) */
	fprintf(f, "# sgemm_gflops\tfma_gflops\ttriad_gbs\tcopy_gbs\tl1_gbs\tl2_gbs\tl3_gbs\n");
	fprintf(f, "%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", rs->cal.sgemm_gflops, rs->cal.fma_gflops,
	        rs->cal.triad_gbs, rs->cal.copy_gbs, rs->cal.l1_gbs > 0 ? rs->cal.l1_gbs : 0,
	        rs->cal.l2_gbs > 0 ? rs->cal.l2_gbs : 0, rs->cal.l3_gbs > 0 ? rs->cal.l3_gbs : 0);
	close_dat(f, path);
	return write_roof_points(rs, dir, "roofline", has_roof_cpu);
}

/* A context figure the CUDA bridge records as text ("1234"), or NAN. */
static double ctx_figure(const vb_results *rs, const char *key) {
	const cJSON *x = rs->context ? cJSON_GetObjectItemCaseSensitive(rs->context, key) : NULL;
	if (cJSON_IsNumber(x)) return x->valuedouble;
	if (!cJSON_IsString(x)) return NAN;
	char *end;
	double v = strtod(x->valuestring, &end);
	return end != x->valuestring && v > 0 ? v : NAN;
}

/* 3b) roofline_gpu.dat: the CUDA kernels with the roofline figures the CUDA
 * bridge measured (cuBLAS rate per precision, device copy bandwidth). */
static int write_roofline_gpu(const vb_results *rs, const char *dir) {
	double fig[5] = {ctx_figure(rs, "gpu_cublas_sgemm_gflops"), ctx_figure(rs, "gpu_cublas_tf32_gflops"),
	                 ctx_figure(rs, "gpu_cublas_fp16_gflops"), ctx_figure(rs, "gpu_cublas_bf16_gflops"),
	                 ctx_figure(rs, "gpu_measured_copy_bandwidth_GBps")};
	if (isnan(fig[0]) || isnan(fig[4])) return 0;
	char path[4200];
	FILE *f = open_dat(dir, "roofline_gpu_ceilings.dat", path, sizeof path);
	fprintf(f, "# fp32_gflops\ttf32_gflops\tfp16_gflops\tbf16_gflops\tcopy_gbs\n%.17g", fig[0]);
	for (int i = 1; i < 5; i++)
		put(f, fig[i]);
	fputc('\n', f);
	close_dat(f, path);
	return write_roof_points(rs, dir, "roofline_gpu", has_roof_gpu);
}

static int mem_category(const vb_result *x) {
	if (strstr(x->op, "accum") || strstr(x->variant, "accum")) return 3; /* gradient accumulation */
	if (starts(x->variant, "loop") || starts(x->variant, "cuda_loop")) return 1;
	return 2; /* vectorized */
}

static int training_op(const char *op) { return strstr(op, "train") || strstr(op, "accum") || strstr(op, "step"); }

/* Whether the run has a variant of op whose name contains part (on the CPU). */
static int has_variant(const vb_results *rs, const char *op, const char *part) {
	for (int k = 0; k < rs->n; k++)
		if (!strcmp(rs->r[k].op, op) && strstr(rs->r[k].variant, part) && !starts(rs->r[k].variant, "cuda"))
			return 1;
	return 0;
}

/* Memory a call needs: its tensors plus its workspace on the CPU, the
 * device's peak on the GPU when the run measured it. */
static double footprint(const vb_result *x) {
	if (x->gpu_peak_bytes > 0) return x->gpu_peak_bytes;
	if (isnan(x->io_bytes)) return NAN;
	return x->io_bytes + (isnan(x->workspace_bytes) ? 0 : x->workspace_bytes);
}

/* 4) memory.dat: one block per op x variant, rows by batch size. Ops: the
 * training steps (every variant) and the ops with a gradient-accumulation
 * variant (loop, vec and that variant), else the first family's. Returns
 * the number of blocks. */
static int write_memory(const vb_results *rs, const char *dir) {
	const char *ops[rs->n], *vars[rs->n], *sel[rs->n];
	int nops = ops_of(rs, NULL, ops), nv = variants_of(rs, vars), nsel = 0;
	for (int i = 0; i < nops; i++)
		if (training_op(ops[i]) || has_variant(rs, ops[i], "accum")) sel[nsel++] = ops[i];
	if (!nsel) nsel = ops_of(rs, rs->r[0].family, sel);
	char path[4200];
	FILE *f = open_dat(dir, "memory.dat", path, sizeof path);
	fprintf(
	    f,
	    "# memory vs batch size; blocks: op/variant (category: 1 loop, 2 vectorized, 3 gradient accumulation)\n");
	int blocks = 0;
	for (int i = 0; i < nsel; i++)
		for (int v = 0; v < nv; v++) {
			/* beside a technique: the plain loop and vec, for scale */
			if (!training_op(sel[i]) && strcmp(vars[v], "loop") && strcmp(vars[v], "vec") &&
			    !strstr(vars[v], "accum"))
				continue;
			const vb_result *rows[rs->n];
			int nr = 0;
			for (int k = 0; k < rs->n; k++) {
				const vb_result *x = &rs->r[k];
				if (!strcmp(x->op, sel[i]) && !strcmp(x->variant, vars[v]) && !isnan(x->batch) &&
				    isfinite(footprint(x)))
					rows[nr++] = x;
			}
			if (!nr) continue;
			for (int a = 1; a < nr; a++)
				for (int b = a; b > 0 && rows[b]->batch < rows[b - 1]->batch; b--) {
					const vb_result *t = rows[b];
					rows[b] = rows[b - 1], rows[b - 1] = t;
				}
			static const char *cat[] = {"", "loop", "vectorized", "gradient accumulation"};
			fprintf(
			    f,
			    "%s\"%s/%s (%s)\"\tbatch\tfootprint_bytes\tio_bytes\tworkspace_bytes\theap_growth_bytes\t"
			    "peak_rss_bytes\tgpu_peak_bytes\tcategory\tvariant_index\tdims\n",
			    blocks ? "\n\n" : "", sel[i], vars[v], cat[mem_category(rows[0])]);
			for (int r = 0; r < nr; r++) {
				const vb_result *x = rows[r];
				fprintf(f, "%.17g", x->batch);
				put(f, footprint(x)), put(f, x->io_bytes), put(f, x->workspace_bytes),
				    put(f, x->heap_growth_bytes);
				put(f, x->peak_rss_bytes), put(f, x->gpu_peak_bytes);
				fprintf(f, "\t%d\t%d\t%s\n", mem_category(x), variant_color(vars, nv, vars[v]),
				        x->dims);
			}
			blocks++;
		}
	close_dat(f, path);
	return blocks;
}

/* 5) breakdown.dat: the MLP training step through the techniques, each bar
 * its speedup over loop, labelled with what that step adds. The op is
 * mlp_train_step, else the op with most of these variants. */
static const char *const chain[] = {"loop", "loop_autovec", "vec_1t", "vec", "cuda_vec"};
static const char *const technique[] = {"scalar", "+ compiler SIMD", "+ SIMD/BLAS", "+ all threads", "+ GPU"};
enum { NCHAIN = sizeof chain / sizeof *chain };

static int write_breakdown(const vb_results *rs, const char *dir, char *title, size_t tlen) {
	const char *ops[rs->n], *vars[rs->n];
	int nops = ops_of(rs, NULL, ops), nv = variants_of(rs, vars), best = -1, best_count = 0;
	for (int i = 0; i < nops; i++) {
		int count = 0;
		for (int c = 0; c < NCHAIN; c++)
			for (int k = 0; k < rs->n; k++)
				if (!strcmp(rs->r[k].op, ops[i]) && !strcmp(rs->r[k].variant, chain[c])) {
					count++;
					break;
				}
		if (!strcmp(ops[i], "mlp_train_step") && count >= 2) count = NCHAIN + 1;
		if (count > best_count) best = i, best_count = count;
	}
	if (best < 0 || best_count < 2) return 0;
	const char *op = ops[best], *dims = largest_dims(rs, op, has_speedup);
	if (!dims) return 0;
	snprintf(title, tlen, "%s at %s", op, dims);
	char path[4200];
	FILE *f = open_dat(dir, "breakdown.dat", path, sizeof path);
	fprintf(f, "# speedup breakdown of %s at %s: each technique in turn\n", op, dims);
	fprintf(f, "# step\tvariant\tseconds\tspeedup_vs_loop\tstep_factor\tlabel\tvariant_index\ttechnique\n");
	double prev = NAN;
	int steps = 0;
	for (int c = 0; c < NCHAIN; c++) {
		const vb_result *x = find(rs, op, chain[c], dims);
		if (!x) continue;
		double s = !strcmp(x->variant, "loop") ? 1.0 : x->speedup, step = s / prev;
		char label[64];
		if (isnan(prev))
			snprintf(label, sizeof label, "1x");
		else
			snprintf(label, sizeof label, "%.3gx (x%.3g)", s, step);
		fprintf(f, "%d\t%s", steps, x->variant);
		put(f, x->seconds), put(f, s), put(f, step);
		fprintf(f, "\t%s\t%d\t%s\n", label, variant_color(vars, nv, x->variant), technique[c]);
		prev = s;
		steps++;
	}
	close_dat(f, path);
	return steps;
}

/* 6) sweep_<op>.dat: one row per point of the op's largest swept curve
 * (most FLOPs at its last point), time and workspace per variant;
 * sweep_<op>_cross.dat: where two variants other than loop trade places
 * (harness/sweep.c's interpolation), one row each: x, the y range of the
 * marker line, "a = b". Returns the number of points. */
static int write_sweep(const vb_results *rs, const char *dir, const char *op, const char *safe, char *title,
                       size_t tlen, int *ncross_out) { /* title: "DIM|M|TITLE" */
	const char *curve = NULL, *swept = NULL;
	double best = -1;
	for (int k = 0; k < rs->n; k++) {
		const vb_result *x = &rs->r[k];
		if (strcmp(x->op, op) || !x->sweep_dim || !(x->flops > best)) continue;
		best = x->flops, curve = x->curve, swept = x->sweep_dim;
	}
	if (!curve) return 0;
	const char *vars[rs->n];
	double xs[64];
	int nv = 0, np = 0;
	for (int k = 0; k < rs->n; k++) {
		const vb_result *x = &rs->r[k];
		if (strcmp(x->op, op) || !x->sweep_dim || strcmp(x->curve, curve) || strcmp(x->sweep_dim, swept))
			continue;
		if (index_of(vars, nv, x->variant) < 0) vars[nv++] = x->variant;
		int seen = 0;
		for (int q = 0; q < np; q++)
			seen |= xs[q] == x->sweep_value;
		if (!seen && np < 64) xs[np++] = x->sweep_value;
	}
	for (int a = 1; a < np; a++)
		for (int b = a; b > 0 && xs[b - 1] > xs[b]; b--) {
			double t = xs[b];
			xs[b] = xs[b - 1], xs[b - 1] = t;
		}
	double t[nv][64], w[nv][64], ylo = INFINITY, yhi = 0;
	for (int v = 0; v < nv; v++)
		for (int q = 0; q < np; q++) {
			t[v][q] = w[v][q] = NAN;
			for (int k = 0; k < rs->n; k++) {
				const vb_result *x = &rs->r[k];
				if (!strcmp(x->op, op) && x->sweep_dim && !strcmp(x->curve, curve) &&
				    !strcmp(x->sweep_dim, swept) && !strcmp(x->variant, vars[v]) &&
				    x->sweep_value == xs[q]) {
					t[v][q] = x->seconds, w[v][q] = x->workspace_bytes;
					ylo = x->seconds < ylo ? x->seconds : ylo;
					yhi = x->seconds > yhi ? x->seconds : yhi;
				}
			}
		}
	char path[4200], file[200];
	snprintf(file, sizeof file, "sweep_%s.dat", safe);
	FILE *f = open_dat(dir, file, path, sizeof path);
	fprintf(f, "%s", swept);
	for (int v = 0; v < nv; v++)
		fprintf(f, "\t%s", vars[v]);
	for (int v = 0; v < nv; v++)
		fprintf(f, "\t%s workspace", vars[v]);
	fprintf(f, "\n");
	for (int q = 0; q < np; q++) {
		fprintf(f, "%.17g", xs[q]);
		for (int v = 0; v < nv; v++)
			put(f, t[v][q]);
		for (int v = 0; v < nv; v++)
			put(f, w[v][q]);
		fprintf(f, "\n");
	}
	close_dat(f, path);
	snprintf(file, sizeof file, "sweep_%s_cross.dat", safe);
	f = open_dat(dir, file, path, sizeof path);
	fprintf(f, "x\tylo\tyhi\tpair\n");
	int ncross = 0;
	for (int a = 0; a < nv; a++)
		for (int b = a + 1; b < nv; b++) {
			if (!strcmp(vars[a], "loop") || !strcmp(vars[b], "loop")) continue;
			double xc[8];
			int k = vb_crossover(xs, t[a], t[b], np, xc, 8);
			for (int q = 0; q < k; q++, ncross++)
				fprintf(f, "%.17g\t%.17g\t%.17g\t%s = %s\n", xc[q], ylo, yhi, vars[a], vars[b]);
		}
	if (!ncross) fprintf(f, "-\t-\t-\tnone\n");
	close_dat(f, path);
	/* the colours, in the order of the columns */
	snprintf(file, sizeof file, "sweep_%s_colors.dat", safe);
	f = open_dat(dir, file, path, sizeof path);
	const char *all[rs->n];
	int na = variants_of(rs, all);
	for (int v = 0; v < nv; v++)
		fprintf(f, "%d\n", variant_color(all, na, vars[v]));
	close_dat(f, path);
	/* An epoch swept over its batch size b: examples per second, m / time. */
	double m = !strcmp(swept, "b") ? vb_dims_value(curve, "m") : NAN;
	snprintf(title, tlen, "%s|%.17g|%s (%s): %s and workspace vs %s", swept, isnan(m) ? 0 : m, op, curve,
	         isnan(m) ? "time" : "examples/s", swept);
	*ncross_out = ncross;
	return np;
}

/* ---- gnuplot ---- */

static off_t file_size(const char *path) {
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
}

/* Runs `gnuplot -c SCRIPT FMT DATADIR OUTBASE SCRIPTS [EXTRA]` for PNG and
 * SVG, its messages going to DIR/gnuplot.log; dies unless both images exist
 * and are not empty. */
static void draw(const char *scripts, const char *name, const char *dir, const char *outname, const char *extra) {
	char script[4200], outbase[4200], log[4200];
	snprintf(script, sizeof script, "%s/%s.gp", scripts, name);
	snprintf(outbase, sizeof outbase, "%s/%s", dir, outname);
	snprintf(log, sizeof log, "%s/gnuplot.log", dir);
	if (access(script, R_OK) != 0)
		vb_die(VB_EXIT_USAGE, "cannot read gnuplot script %s: %s", script, strerror(errno));
	static const char *const fmts[] = {"png", "svg"};
	for (int i = 0; i < 2; i++) {
		char image[4300];
		snprintf(image, sizeof image, "%s.%s", outbase, fmts[i]);
		unlink(image);
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) vb_die(VB_EXIT_USAGE, "cannot start gnuplot: %s", strerror(errno));
		if (pid == 0) {
			FILE *lf = freopen(log, "a", stderr);
			(void)lf;
			char *argv[] = {"gnuplot",   "-c",    script,          (char *)fmts[i],
			                (char *)dir, outbase, (char *)scripts, (char *)(extra ? extra : ""),
			                NULL};
			execvp("gnuplot", argv);
			fprintf(stderr, "cannot run gnuplot: %s\n", strerror(errno));
			_exit(127);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) vb_die(VB_EXIT_USAGE, "waiting for gnuplot: %s", strerror(errno));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			vb_die(VB_EXIT_USAGE, "gnuplot not found: install it (apt-get install gnuplot-nox)");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			vb_die(VB_EXIT_USAGE, "gnuplot failed on %s for %s (see %s)", script, image, log);
		if (file_size(image) <= 0) vb_die(VB_EXIT_USAGE, "gnuplot wrote no image %s (see %s)", image, log);
		printf("  %s\n", image);
	}
}

/* Family names become file names: [A-Za-z0-9_-] only. */
static void safe_name(const char *s, char *out, size_t len) {
	size_t i = 0;
	for (; s[i] && i + 1 < len; i++) {
		char c = s[i];
		out[i] =
		    (('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '-') ? c : '_';
	}
	out[i] = 0;
}

static void mkdir_p(const char *dir) {
	char *p = strdup(dir);
	if (!p) vb_die(VB_EXIT_USAGE, "out of memory");
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		vb_die(VB_EXIT_USAGE, "cannot create --out %s: %s", dir, strerror(errno));
	struct stat st;
	if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) vb_die(VB_EXIT_USAGE, "--out %s is not a directory", dir);
	free(p);
}

int vb_cmd_plot(int argc, char **argv) {
	vb_opt opts[] = {{"out", 1, NULL}, {"scripts", 1, NULL}};
	const char *pos[1];
	int npos;
	vb_parse_opts("plot", argc, argv, opts, 2, pos, 1, &npos, NULL, NULL);
	if (npos != 1) vb_die(VB_EXIT_USAGE, "plot: give one results file: vecbench plot RESULTS --out DIR");
	const char *dir = opts[0].value, *scripts = opts[1].value ? opts[1].value : VB_PLOTS_DIR;
	if (!dir) vb_die(VB_EXIT_USAGE, "plot: --out DIR is required");
	vb_results rs;
	vb_results_load(&rs, pos[0]);
	mkdir_p(dir);
	char log[4200];
	snprintf(log, sizeof log, "%s/gnuplot.log", dir);
	unlink(log);

	printf("plots of %s in %s:\n", pos[0], dir);
	int drawn = 0;
	if (write_speedup(&rs, dir) > 0)
		draw(scripts, "speedup", dir, "speedup", NULL), drawn++;
	else
		printf("  speedup: skipped, no variant measured next to a loop variant\n");

	const char *fams[rs.n];
	int nf = 0;
	for (int k = 0; k < rs.n; k++)
		if (index_of(fams, nf, rs.r[k].family) < 0) fams[nf++] = rs.r[k].family;
	for (int i = 0; i < nf; i++) {
		char safe[128], file[160], out[160];
		safe_name(fams[i], safe, sizeof safe);
		snprintf(file, sizeof file, "time_%s.dat", safe);
		snprintf(out, sizeof out, "time_%s", safe);
		write_time(&rs, dir, fams[i], file);
		draw(scripts, "time", dir, out, safe);
		drawn++;
	}

	if (write_roofline(&rs, dir) > 0)
		draw(scripts, "roofline", dir, "roofline", NULL), drawn++;
	else
		printf("  roofline: skipped, %s\n", rs.have_cal ? "no CPU kernel has a roofline figure"
		                                                : "the results' context has no calibration figures");
	if (write_roofline_gpu(&rs, dir) > 0) draw(scripts, "roofline_gpu", dir, "roofline_gpu", NULL), drawn++;

	if (write_memory(&rs, dir) > 0)
		draw(scripts, "memory", dir, "memory", NULL), drawn++;
	else
		printf("  memory: skipped, no memory counters with a batch dim (m) in these results\n");

	char title[512];
	if (write_breakdown(&rs, dir, title, sizeof title) > 0)
		draw(scripts, "breakdown", dir, "breakdown", title), drawn++;
	else
		printf(
		    "  breakdown: skipped, no op has two of loop, loop_autovec, vec_1t, vec, cuda_vec at one size\n");
	const char *ops[rs.n];
	int nops = ops_of(&rs, NULL, ops);
	for (int i = 0; i < nops; i++) {
		char safe[128], out[160], stitle[512];
		int ncross;
		safe_name(ops[i], safe, sizeof safe);
		if (write_sweep(&rs, dir, ops[i], safe, stitle, sizeof stitle, &ncross) < 2) continue;
		snprintf(out, sizeof out, "sweep_%s", safe);
		char extra[700];
		snprintf(extra, sizeof extra, "%s|%d|%s", safe, ncross, stitle);
		draw(scripts, "sweep", dir, out, extra), drawn++;
	}
	vb_results_free(&rs);
	printf("%d plots (PNG and SVG)\n", drawn);
	return VB_EXIT_OK;
}
