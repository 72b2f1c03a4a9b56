/* `vecbench report RESULTS --plots DIR --out FILE`: a Markdown report of one
 * run from its results JSON alone: machine and library facts, the roofline
 * calibration, the summary tables, and the plots `vecbench plot` drew. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "prof.h"

static void fmt_time(double s, char *buf, size_t len) {
	if (isnan(s))
		snprintf(buf, len, "-");
	else if (s >= 1)
		snprintf(buf, len, "%.3g s", s);
	else if (s >= 1e-3)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else if (s >= 1e-6)
		snprintf(buf, len, "%.3g us", s * 1e6);
	else
		snprintf(buf, len, "%.3g ns", s * 1e9);
}

static void fmt_num(double v, const char *fmt, char *buf, size_t len) {
	if (isfinite(v))
		snprintf(buf, len, fmt, v);
	else
		snprintf(buf, len, "-");
}

/* A context value as text: strings as they are, numbers without noise. */
static const char *ctx_text(const vb_results *rs, const char *key, char *buf, size_t len) {
	const cJSON *x = rs->context ? cJSON_GetObjectItemCaseSensitive(rs->context, key) : NULL;
	if (cJSON_IsString(x)) return x->valuestring;
	if (cJSON_IsNumber(x)) {
		snprintf(buf, len, "%.6g", x->valuedouble);
		return buf;
	}
	if (cJSON_IsBool(x)) return cJSON_IsTrue(x) ? "true" : "false";
	return NULL;
}

/* Table cells must not hold '|' or line breaks. */
static void cell(FILE *f, const char *s) {
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void fact(FILE *f, const vb_results *rs, const char *label, const char *key) {
	char buf[64];
	const char *v = ctx_text(rs, key, buf, sizeof buf);
	if (!v) return;
	fprintf(f, "| %s | ", label);
	cell(f, v);
	fputs(" |\n", f);
}

static void caches(FILE *f, const vb_results *rs) {
	const cJSON *arr = rs->context ? cJSON_GetObjectItemCaseSensitive(rs->context, "caches") : NULL;
	if (!cJSON_IsArray(arr) || !cJSON_GetArraySize(arr)) return;
	fputs("| caches |", f);
	const cJSON *c;
	int first = 1;
	cJSON_ArrayForEach(c, arr) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type"),
		            *level = cJSON_GetObjectItemCaseSensitive(c, "level"),
		            *size = cJSON_GetObjectItemCaseSensitive(c, "size"),
		            *sharing = cJSON_GetObjectItemCaseSensitive(c, "num_sharing");
		if (!cJSON_IsNumber(level) || !cJSON_IsNumber(size)) continue;
		char sz[16];
		vb_fmt_bytes(size->valuedouble, sz, sizeof sz);
		fprintf(f, "%s L%d %s %s", first ? "" : ",", level->valueint,
		        cJSON_IsString(type) ? type->valuestring : "", sz);
		if (cJSON_IsNumber(sharing) && sharing->valueint > 1) fprintf(f, " (shared by %d)", sharing->valueint);
		first = 0;
	}
	fputs(" |\n", f);
}

/* The doctor's findings (context.doctor), one line each, and whether the run
 * shared its CPUs with other processes. */
static void doctor(FILE *f, const vb_results *rs) {
	const cJSON *arr = rs->context ? cJSON_GetObjectItemCaseSensitive(rs->context, "doctor") : NULL;
	if (!cJSON_IsArray(arr)) return;
	fputs("## Doctor: the stack under the timings\n\n", f);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rs->context, "contended")))
		fputs("**Contended run**: other processes used the CPUs while it was timed; the times are slower and "
		      "noisier than the machine's (`vecbench compare` refuses them without `--allow-contended`).\n\n",
		      f);
	const cJSON *x;
	cJSON_ArrayForEach(x, arr) {
		const cJSON *sev = cJSON_GetObjectItemCaseSensitive(x, "severity"),
		            *msg = cJSON_GetObjectItemCaseSensitive(x, "message"),
		            *fix = cJSON_GetObjectItemCaseSensitive(x, "fix");
		if (!cJSON_IsString(sev) || !cJSON_IsString(msg)) continue;
		fprintf(f, "- **%s** ", sev->valuestring);
		cell(f, msg->valuestring);
		if (cJSON_IsString(fix) && *fix->valuestring) {
			fputs("; fix: ", f);
			cell(f, fix->valuestring);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

/* Path of target relative to the directory base (both existing). */
static void relpath(const char *target, const char *base, char *out, size_t len) {
	char t[PATH_MAX], b[PATH_MAX];
	if (!realpath(target, t) || !realpath(base, b)) {
		snprintf(out, len, "%s", target);
		return;
	}
	size_t common = 0, i = 0;
	for (; t[i] && t[i] == b[i]; i++)
		if (t[i] == '/') common = i;
	if (!b[i] && (t[i] == '/' || !t[i])) common = i; /* base is a prefix of target */
	out[0] = 0;
	size_t used = 0;
	for (const char *p = b + common; *p; p++)
		if (*p == '/') used += (size_t)snprintf(out + used, used < len ? len - used : 0, "../");
	const char *rest = t[common] == '/' ? t + common + 1 : t + common;
	snprintf(out + used, used < len ? len - used : 0, "%s", *rest ? rest : ".");
}

static int exists(const char *path) {
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static void plot(FILE *f, const char *dir, const char *rel, const char *name, const char *title, const char *what) {
	char png[PATH_MAX];
	snprintf(png, sizeof png, "%s/%s.png", dir, name);
	if (!exists(png)) return;
	fprintf(f, "### %s\n\n%s\n\n![%s](%s/%s.png)\n\n([SVG](%s/%s.svg), data: `%s/%s*.dat`)\n\n", title, what, title,
	        rel, name, rel, name, rel, name);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void plots(FILE *f, const char *dir, const char *report_dir) {
	char rel[PATH_MAX];
	relpath(dir, report_dir, rel, sizeof rel);
	fputs("## Plots\n\n", f);
	plot(f, dir, rel, "speedup", "Speedup over the loop variant",
	     "Each op at its largest measured size; log scale, dashed lines at the 10x and 100x the texts claim.");
	DIR *d = opendir(dir);
	char *names[256];
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) && n < 256;) {
		size_t len = strlen(e->d_name);
		if (!strncmp(e->d_name, "time_", 5) && len > 9 && !strcmp(e->d_name + len - 4, ".png")) {
			names[n] = strndup(e->d_name, len - 4);
			if (names[n]) n++;
		}
	}
	if (d) closedir(d);
	qsort(names, (size_t)n, sizeof *names, by_name);
	for (int i = 0; i < n; i++) {
		char title[300];
		snprintf(title, sizeof title, "Time vs problem size: %s", names[i] + 5);
		plot(f, dir, rel, names[i], title,
		     "Every variant of the family's ops, log-log: where the lines cross, vectorization starts to pay.");
		free(names[i]);
	}
	plot(f, dir, rel, "roofline", "Roofline",
	     "Each CPU kernel at its op's largest size against the measured sgemm peak, the STREAM triad bandwidth "
	     "(DRAM) and the triad with the data in L1, L2 and L3 where the run measured them.");
	plot(f, dir, rel, "roofline_gpu", "GPU roofline",
	     "Each CUDA kernel at its op's largest size against the device's cuBLAS rate per precision and measured "
	     "copy "
	     "bandwidth.");
	plot(f, dir, rel, "memory", "Memory vs batch size",
	     "Inputs, outputs and workspace per call (device peak for GPU variants) of loop, vectorized and "
	     "gradient-accumulation variants.");
	plot(f, dir, rel, "breakdown", "Speedup breakdown of the training step",
	     "Loop, the same loop auto-vectorized, SIMD/BLAS on one thread, all threads, GPU: what each technique "
	     "adds.");
}

static void summary(FILE *f, const vb_results *rs) {
	fputs(
	    "## Summary\n\nTime per call (median of repetitions, else mean), speedup over `loop` at the same size "
	    "(and `vs torch`: the PyTorch variant's time over this one's, when the run has it), "
	    "achieved rates, arithmetic intensity, % of the roofline at that intensity, and memory: inputs and outputs "
	    "(io), the variant's peak workspace, heap growth, peak RSS and the GPU's peak where measured. The "
	    "bandwidth roof is that of the smallest level the working set (io + workspace) fits in: L1, L2, L3 "
	    "(triad in cache, when the run measured them), else DRAM (STREAM triad). GPU variants are measured "
	    "against the device's own figures (the GPU table above).\n",
	    f);
	const char *op = NULL;
	int torch = 0; /* a `vs torch` column when the run has torch variants */
	for (int k = 0; k < rs->n; k++)
		torch |= !strcmp(rs->r[k].variant, "torch");
	for (int k = 0; k < rs->n; k++) {
		const vb_result *x = &rs->r[k];
		if (!op || strcmp(op, x->op)) {
			op = x->op;
			fprintf(f, "\n### %s (%s)\n\n", x->op, x->family);
			fprintf(
			    f,
			    "| dims | variant | time | vs loop |%s GFLOP/s | GB/s | FLOP/B | %% roofline | io | "
			    "workspace | heap "
			    "growth | peak RSS | GPU peak |\n|---|---|--:|--:|%s--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
			    torch ? " vs torch |" : "", torch ? "--:|" : "");
		}
		char t[32], s[32], g[32], b[32], ai[32], pct[32], io[16], ws[16], heap[16], rss[16], gpu[16],
		    vt[40] = "";
		fmt_time(x->seconds, t, sizeof t);
		fmt_num(x->speedup, "%.1fx", s, sizeof s);
		if (torch) {
			char v[32];
			fmt_num(x->vs_torch, "%.2fx", v, sizeof v);
			snprintf(vt, sizeof vt, " %s |", v);
		}
		fmt_num(x->gflops, "%.2f", g, sizeof g);
		fmt_num(x->gbs, "%.2f", b, sizeof b);
		fmt_num(x->intensity, "%.3g", ai, sizeof ai);
		fmt_num(x->roof_pct, "%.1f%%", pct, sizeof pct);
		vb_fmt_bytes(x->io_bytes, io, sizeof io);
		vb_fmt_bytes(x->workspace_bytes, ws, sizeof ws);
		vb_fmt_bytes(x->heap_growth_bytes, heap, sizeof heap);
		vb_fmt_bytes(x->peak_rss_bytes, rss, sizeof rss);
		vb_fmt_bytes(x->gpu_peak_bytes > 0 ? x->gpu_peak_bytes : NAN, gpu, sizeof gpu);
		fprintf(f, "| %s | %s | %s | %s |%s %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x->dims,
		        x->variant, t, s, vt, g, b, ai, pct, io, ws, heap, rss, gpu);
	}
	fputc('\n', f);
}

static void calibration(FILE *f, const vb_results *rs) {
	fputs("## Roofline calibration\n\n", f);
	if (!rs->have_cal) {
		fputs("The results carry no calibration figures (a run from before the roofline existed).\n\n", f);
		return;
	}
	const vb_calibration *c = &rs->cal;
	fprintf(f, "| limit | measured | role |\n|---|--:|---|\n");
	fprintf(f, "| OpenBLAS sgemm, n=%d, %d threads | %.1f GFLOP/s | compute roof |\n", c->sgemm_n, c->threads,
	        c->sgemm_gflops);
	fprintf(f, "| FMA loop (%s) | %.1f GFLOP/s | theoretical check |\n", c->fma_isa, c->fma_gflops);
	fprintf(f, "| STREAM triad | %.1f GB/s | memory roof (DRAM) |\n", c->triad_gbs);
	fprintf(f, "| STREAM copy | %.1f GB/s | |\n", c->copy_gbs);
	const double lgbs[] = {c->l1_gbs, c->l2_gbs, c->l3_gbs}, lcap[] = {c->l1_bytes, c->l2_bytes, c->l3_bytes};
	for (int l = 0; l < 3; l++)
		if (lgbs[l] > 0 && lcap[l] > 0) {
			char cap[16];
			vb_fmt_bytes(lcap[l], cap, sizeof cap);
			fprintf(f, "| triad in L%d | %.1f GB/s | roof of working sets up to %s (io + workspace) |\n",
			        l + 1, lgbs[l], cap);
		}
	fprintf(f, "| ridge point | %.2f FLOP/byte | kernels below it are bandwidth-bound |\n\n",
	        c->sgemm_gflops / c->triad_gbs);
	if (*c->source) fprintf(f, "Calibration: %s.\n\n", c->source);
}

/* The device's figures, as the CUDA bridge recorded them. */
static void gpu_calibration(FILE *f, const vb_results *rs) {
	static const char *const rows[][3] = {
	    {"gpu_cublas_sgemm_gflops", "cuBLAS sgemm", "GFLOP/s | fp32 compute roof"},
	    {"gpu_cublas_tf32_gflops", "cuBLAS tf32", "GFLOP/s | tf32 compute roof"},
	    {"gpu_cublas_fp16_gflops", "cuBLAS fp16", "GFLOP/s | fp16 compute roof"},
	    {"gpu_cublas_bf16_gflops", "cuBLAS bf16", "GFLOP/s | bf16 compute roof"},
	    {"gpu_measured_copy_bandwidth_GBps", "device copy", "GB/s | memory roof"},
	    {"gpu_theoretical_bandwidth_GBps", "memory bus (theoretical)", "GB/s | "}};
	char buf[64];
	if (!ctx_text(rs, rows[0][0], buf, sizeof buf)) return;
	fputs("GPU, measured by the CUDA bridge:\n\n| limit | measured | role |\n|---|--:|---|\n", f);
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const char *v = ctx_text(rs, rows[i][0], buf, sizeof buf);
		if (v) fprintf(f, "| %s | %s %s |\n", rows[i][1], v, rows[i][2]);
	}
	fputc('\n', f);
}

int vb_cmd_report(int argc, char **argv) {
	vb_opt opts[] = {{"plots", 1, NULL}, {"out", 1, NULL}};
	const char *pos[1];
	int npos;
	vb_parse_opts("report", argc, argv, opts, 2, pos, 1, &npos, NULL, NULL);
	if (npos != 1) vb_die(VB_EXIT_USAGE, "report: give one results file: vecbench report RESULTS --out FILE");
	const char *out = opts[1].value, *dir = opts[0].value;
	if (!out) vb_die(VB_EXIT_USAGE, "report: --out FILE is required");
	vb_results rs;
	vb_results_load(&rs, pos[0]);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) vb_die(VB_EXIT_USAGE, "out of memory");
	char buf[64];
	fprintf(f, "# vecbench report\n\nResults: `%s` (Google Benchmark JSON), run %s on %s.\n\n", pos[0],
	        ctx_text(&rs, "date", buf, sizeof buf) ? ctx_text(&rs, "date", buf, sizeof buf) : "(date unknown)",
	        vb_results_context(&rs, "host_name") ? vb_results_context(&rs, "host_name") : "(host unknown)");
	if (rs.context && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rs.context, "partial")))
		fputs("**Partial run**: interrupted; only the benchmarks that finished are here.\n\n", f);
	fputs("## Machine and libraries\n\n| | |\n|---|---|\n", f);
	fact(f, &rs, "CPU", "cpu_model");
	fact(f, &rs, "CPUs online", "online_cpus");
	fact(f, &rs, "MHz (reported)", "mhz_per_cpu");
	caches(f, &rs);
	fact(f, &rs, "OpenBLAS core", "openblas_core");
	fact(f, &rs, "OpenBLAS core detected", "blas_core_detected");
	fact(f, &rs, "OpenBLAS core, why", "blas_core_why");
	fact(f, &rs, "OpenBLAS build", "openblas_config");
	fact(f, &rs, "threads", "threads");
	fact(f, &rs, "compiler", "compiler");
	fact(f, &rs, "flags", "flags");
	fact(f, &rs, "CUDA", "cuda");
	fact(f, &rs, "GPU", "gpu_name");
	fact(f, &rs, "CUDA versions", "cuda_versions");
	fact(f, &rs, "Google Benchmark", "library_version");
	fact(f, &rs, "Google Benchmark build", "library_build_type");
	fact(f, &rs, "vecbench revision", "vecbench_revision");
	fact(f, &rs, "peak RSS measured", "peak_rss_scope");
	fputc('\n', f);
	doctor(f, &rs);
	calibration(f, &rs);
	gpu_calibration(f, &rs);
	summary(f, &rs);
	if (dir) {
		char *copy = strdup(out);
		if (!copy) vb_die(VB_EXIT_USAGE, "out of memory");
		char *slash = strrchr(copy, '/');
		const char *report_dir = slash ? (slash == copy ? "/" : (*slash = 0, copy)) : ".";
		plots(f, dir, report_dir);
		free(copy);
	}
	if (fclose(f) != 0) vb_die(VB_EXIT_USAGE, "out of memory");
	if (vb_write_file_atomic(out, text, len) != 0)
		vb_die(VB_EXIT_USAGE, "cannot write %s: %s", out, strerror(errno));
	free(text);
	vb_results_free(&rs);
	printf("report: %s\n", out);
	return VB_EXIT_OK;
}
