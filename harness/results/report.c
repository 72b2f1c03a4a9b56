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

#include "record.h"
#include "results.h"
#include "results_json.h"

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
	DIR *sd = opendir(dir);
	n = 0;
	for (struct dirent *e; sd && (e = readdir(sd)) && n < 256;) {
		size_t len = strlen(e->d_name);
		if (!strncmp(e->d_name, "sweep_", 6) && len > 10 && !strcmp(e->d_name + len - 4, ".png")) {
			names[n] = strndup(e->d_name, len - 4);
			if (names[n]) n++;
		}
	}
	if (sd) closedir(sd);
	qsort(names, (size_t)n, sizeof *names, by_name);
	for (int i = 0; i < n; i++) {
		char title[300];
		snprintf(title, sizeof title, "Sweep: %s", names[i] + 6);
		plot(f, dir, rel, names[i], title,
		     "Every variant along the swept dim (time, or examples/s for an epoch over its batch size; "
		     "workspace below); dashed lines where two variants other than loop trade places.");
		free(names[i]);
	}
	plot(f, dir, rel, "breakdown", "Speedup breakdown of the training step",
	     "Loop, the same loop auto-vectorized, SIMD/BLAS on one thread, all threads, GPU: what each technique "
	     "adds.");
}

/* ---- the seeds' claims, answered from the results ---- */

static const vb_result *result(const vb_results *rs, const char *op, const char *variant, const char *dims) {
	for (int k = 0; k < rs->n; k++)
		if (!strcmp(rs->r[k].op, op) && !strcmp(rs->r[k].variant, variant) &&
		    (!dims || !strcmp(rs->r[k].dims, dims)))
			return &rs->r[k];
	return NULL;
}

/* The dims (most FLOPs) at which op has both variants; NULL if none. */
static const char *largest_both(const vb_results *rs, const char *op, const char *a, const char *b) {
	const char *best = NULL;
	double flops = -1;
	for (int k = 0; k < rs->n; k++) {
		const vb_result *x = &rs->r[k];
		if (strcmp(x->op, op) || strcmp(x->variant, a) || !result(rs, op, b, x->dims)) continue;
		if (x->flops > flops) flops = x->flops, best = x->dims;
	}
	return best;
}

/* One swept curve of op: the largest (most FLOPs at a point); its points in
 * order and each variant's seconds there (NAN: not measured). Returns the
 * number of points. */
static int curve(const vb_results *rs, const char *op, const char *const *vars, int nv, double *x, double t[][64],
                 double ws[][64], const char **name) {
	const vb_result *big = NULL;
	for (int k = 0; k < rs->n; k++)
		if (!strcmp(rs->r[k].op, op) && rs->r[k].sweep_dim && (!big || rs->r[k].flops > big->flops))
			big = &rs->r[k];
	if (!big) return 0;
	int np = 0;
	for (int k = 0; k < rs->n; k++) {
		const vb_result *r = &rs->r[k];
		if (strcmp(r->op, op) || !r->sweep_dim || strcmp(r->curve, big->curve)) continue;
		int seen = 0;
		for (int q = 0; q < np; q++)
			seen |= x[q] == r->sweep_value;
		if (!seen && np < 64) x[np++] = r->sweep_value;
	}
	qsort(x, (size_t)np, sizeof *x, vb_cmp_double);
	for (int v = 0; v < nv; v++)
		for (int q = 0; q < np; q++) {
			t[v][q] = ws[v][q] = NAN;
			for (int k = 0; k < rs->n; k++) {
				const vb_result *r = &rs->r[k];
				if (!strcmp(r->op, op) && r->sweep_dim && !strcmp(r->curve, big->curve) &&
				    !strcmp(r->variant, vars[v]) && r->sweep_value == x[q])
					t[v][q] = r->seconds, ws[v][q] = r->workspace_bytes;
			}
		}
	*name = big->curve;
	return np;
}

/* rel: the plots' directory relative to the report, or NULL (names only). */
static void claim(FILE *f, const char *rel, const char *text, const char *answer, const char *plot, const char *cmd) {
	fprintf(f, "| %s | ", text);
	cell(f, answer);
	if (rel)
		fprintf(f, " | [%s](%s/%s.png) | `", plot, rel, plot);
	else
		fprintf(f, " | %s | `", plot);
	cell(f, cmd);
	fputs("` |\n", f);
}

static void claims(FILE *f, const vb_results *rs, const char *rel) {
	fputs("## The claims, answered\n\nEach claim of the seeds with what this run measured (times as in the summary "
	      "below; `-`: the run did not include the ops that answer it), the plot that shows it and a command "
	      "that measures it again.\n\n| claim | measured here | plot | reproduce |\n|---|---|---|---|\n",
	      f);
	char a[2048];

	/* vectorization: vec over loop, each op at its largest size with both */
	double sp[rs->n];
	const char *spop[rs->n];
	int n = 0, tens = 0;
	for (int k = 0; k < rs->n; k++) {
		const vb_result *x = &rs->r[k];
		int seen = x->sweep_dim != NULL; /* swept ops answer their own claims */
		for (int i = 0; i < n; i++)
			seen |= !strcmp(spop[i], x->op);
		const char *dims = seen ? NULL : largest_both(rs, x->op, "loop", "vec");
		if (!dims) continue;
		spop[n] = x->op;
		sp[n] = result(rs, x->op, "loop", dims)->seconds / result(rs, x->op, "vec", dims)->seconds;
		tens += sp[n] >= 10;
		n++;
	}
	if (n) {
		int lo = 0, hi = 0;
		for (int i = 1; i < n; i++)
			lo = sp[i] < sp[lo] ? i : lo, hi = sp[i] > sp[hi] ? i : hi;
		double sorted[n];
		memcpy(sorted, sp, sizeof sorted);
		qsort(sorted, (size_t)n, sizeof *sorted, vb_cmp_double);
		snprintf(a, sizeof a,
		         "vec over loop, each op at its largest size: %.1fx (%s) to %.0fx (%s), median %.1fx; %d of %d "
		         "ops at 10x or more",
		         sp[lo], spop[lo], sp[hi], spop[hi], sorted[n / 2], tens, n);
	} else {
		snprintf(a, sizeof a, "-");
	}
	claim(f, rel, "vectorization gives 10-100x", a, "speedup", "make bench");

	/* batching: examples per second and workspace along the batch size */
	const char *ev[] = {"loop", "vec"};
	double x[64], t[2][64], w[2][64];
	const char *cname = NULL;
	int np = curve(rs, "mlp_sgd_epoch", ev, 2, x, t, w, &cname);
	snprintf(a, sizeof a, "-");
	if (np >= 2) {
		double m = vb_dims_value(cname, "m");
		int best = 0;
		for (int q = 0; q < np; q++)
			if (t[1][q] < t[1][best] || isnan(t[1][best])) best = q;
		char w0[16], wb[16];
		vb_fmt_bytes(w[1][0], w0, sizeof w0);
		vb_fmt_bytes(w[1][best], wb, sizeof wb);
		snprintf(
		    a, sizeof a,
		    "MLP epoch (%s): vec %.3g examples/s at b=%g, %.3g at b=%g (%.1fx), workspace %s -> %s; loop %.3g "
		    "examples/s at b=%g",
		    cname, m / t[1][0], x[0], m / t[1][best], x[best], t[1][0] / t[1][best], w0, wb, m / t[0][0], x[0]);
	}
	claim(f, rel, "batching amortizes overhead", a, "sweep_mlp_sgd_epoch",
	      "vecbench run --op '^mlp_sgd_epoch$' --dims m=16384 --variant vec");

	/* sparsity: where CSR stops paying */
	const char *sv[] = {"vec", "vec_csr", "loop_csr"};
	double ts[3][64], wsp[3][64];
	np = curve(rs, "sparse_dense_fwd", sv, 3, x, ts, wsp, &cname);
	snprintf(a, sizeof a, "-");
	if (np >= 2) {
		double xc[8];
		int k = vb_crossover(x, ts[1], ts[0], np, xc, 8);
		int at = snprintf(a, sizeof a, "%s: vec_csr %.2gx dense vec's speed at density %g, %.2gx at %g; ",
		                  cname, ts[0][0] / ts[1][0], x[0], ts[0][np - 1] / ts[1][np - 1], x[np - 1]);
		if (k)
			at +=
			    snprintf(a + at, sizeof a - (size_t)at, "crossover (vec_csr = vec) at density %.3g", xc[0]);
		else
			at += snprintf(a + at, sizeof a - (size_t)at, "no crossover in the swept range");
		/* the scalar CSR product, where it was measured */
		if (ts[2][0] > 0 && at < (int)sizeof a) {
			k = vb_crossover(x, ts[2], ts[0], np, xc, 8);
			at += snprintf(a + at, sizeof a - (size_t)at, "; loop_csr %.2gx dense vec's speed at %g, ",
			               ts[0][0] / ts[2][0], x[0]);
			if (at < (int)sizeof a && k)
				snprintf(a + at, sizeof a - (size_t)at, "crossover (loop_csr = vec) at density %.3g",
				         xc[0]);
			else if (at < (int)sizeof a)
				snprintf(a + at, sizeof a - (size_t)at, "no crossover with vec in the swept range");
		}
	}
	claim(f, rel, "sparse weights pay at low density", a, "sweep_sparse_dense_fwd",
	      "vecbench run --op '^sparse_dense_fwd$' --dims m=512,d=1024,h=512 --sweep "
	      "density=0.001,0.01,0.05,0.1,0.25,0.5");

	/* layout: the same product with examples in rows or in columns */
	snprintf(a, sizeof a, "-");
	const char *dr = largest_both(rs, "dense_fwd", "loop", "vec");
	const vb_result *rv = dr ? result(rs, "dense_fwd", "vec", dr) : NULL,
	                *cv = dr ? result(rs, "dense_fwd_cm", "vec", dr) : NULL;
	const vb_result *rl = dr ? result(rs, "dense_fwd", "loop", dr) : NULL,
	                *cl = dr ? result(rs, "dense_fwd_cm", "loop", dr) : NULL;
	if (rv && cv && rl && cl) {
		char t1[32], t2[32], t3[32], t4[32];
		fmt_time(rl->seconds, t1, sizeof t1), fmt_time(cl->seconds, t2, sizeof t2);
		fmt_time(rv->seconds, t3, sizeof t3), fmt_time(cv->seconds, t4, sizeof t4);
		snprintf(a, sizeof a, "%s, examples in rows vs columns: loop %s vs %s, vec %s vs %s", dr, t1, t2, t3,
		         t4);
	}
	/* the strided operand in place, copied, or read through the transpose flag; X aligned or not */
	const char *dlay = largest_both(rs, "layout_fwd", "vec", "vec_copy");
	if (dlay) {
		static const char *const lv[] = {"vec",  "vec_copy",    "vec_strided",
		                                 "loop", "vec_aligned", "vec_misaligned"};
		static const char *const what[] = {
		    "transpose flag",          "copied contiguous", "strided in place (BLAS dot)",
		    "strided in place (loop)", "X aligned",         "X misaligned"};
		int at = strcmp(a, "-") ? (int)strlen(a) : 0;
		at += snprintf(a + at, sizeof a - (size_t)at, "%slayout_fwd %s:", at ? "; " : "", dlay);
		for (size_t q = 0; q < sizeof lv / sizeof *lv && at < (int)sizeof a; q++) {
			const vb_result *x = result(rs, "layout_fwd", lv[q], dlay);
			if (!x) continue;
			char tt[32];
			fmt_time(x->seconds, tt, sizeof tt);
			at += snprintf(a + at, sizeof a - (size_t)at, "%s %s %s (%.3g GB/s)", q ? "," : "", what[q], tt,
			               x->bytes / x->seconds * 1e-9);
		}
	}
	claim(f, rel, "memory layout matters", a, "time_advanced",
	      "vecbench run --op '^(layout_fwd|dense_fwd(_cm)?)$'");

	/* matmul order: the same Z, two orders */
	snprintf(a, sizeof a, "-");
	const char *dl = largest_both(rs, "lowrank_fwd", "vec", "vec_merged");
	if (dl) {
		double mm = vb_dims_value(dl, "m"), d = vb_dims_value(dl, "d"), h = vb_dims_value(dl, "h"),
		       r = vb_dims_value(dl, "r");
		double flop_ratio = (2 * h * r * d + 2 * mm * d * h) / (2 * mm * r * (d + h));
		snprintf(a, sizeof a, "%s: forming V U first costs %.1fx the FLOPs and %.1fx the time of X U^T first",
		         dl, flop_ratio,
		         result(rs, "lowrank_fwd", "vec_merged", dl)->seconds /
		             result(rs, "lowrank_fwd", "vec", dl)->seconds);
	}
	/* chains of 3 to 6: left to right (vec) against the cheapest order (vec_optimal, the op's FLOP count) */
	for (int nm = 3; nm <= 6; nm++) {
		char op[32];
		snprintf(op, sizeof op, "matchain%d_fwd", nm);
		const char *dc = largest_both(rs, op, "vec", "vec_optimal");
		if (!dc) continue;
		double pd[8], ltr = 0;
		for (int i = 0; i <= nm; i++) {
			char nme[8];
			snprintf(nme, sizeof nme, "p%d", i);
			pd[i] = vb_dims_value(dc, nme);
		}
		for (int i = 1; i < nm; i++)
			ltr += 2 * pd[0] * pd[i] * pd[i + 1];
		const vb_result *opt = result(rs, op, "vec_optimal", dc), *l2r = result(rs, op, "vec", dc);
		size_t at = strcmp(a, "-") ? strlen(a) : 0;
		snprintf(a + at, sizeof a - at, "%s%d matrices (%s): left to right %.1fx the FLOPs, %.1fx the time",
		         at ? "; " : "", nm, dc, ltr / opt->flops, l2r->seconds / opt->seconds);
	}
	claim(f, rel, "matmul order matters", a, "time_advanced",
	      "vecbench run --op '^(lowrank|matchain[3-6])_fwd$' --variant vec,vec_merged,vec_optimal");

	/* mixed precision: bf16 storage against float32 */
	snprintf(a, sizeof a, "-");
	const char *db = largest_both(rs, "dense_fwd", "vec", "vec_bf16");
	if (db) {
		const vb_result *f32 = result(rs, "dense_fwd", "vec", db),
		                *b16 = result(rs, "dense_fwd", "vec_bf16", db);
		char i1[16], i2[16];
		vb_fmt_bytes(f32->io_bytes, i1, sizeof i1), vb_fmt_bytes(b16->io_bytes, i2, sizeof i2);
		int at = snprintf(a, sizeof a,
		                  "dense_fwd %s: inputs and outputs %s (bf16) vs %s (float32), time %.2fx float32's",
		                  db, i2, i1, b16->seconds / f32->seconds);
		const vb_result *dp = result(rs, "dense_fwd", "vec_bf16dp", db);
		if (dp)
			snprintf(a + at, sizeof a - (size_t)at, "; with the CPU's bf16 dot products (vec_bf16dp) %.2fx",
			         dp->seconds / f32->seconds);
	}
	claim(f, rel, "mixed precision halves memory", a, "time_dense",
	      "vecbench run --op '^dense_fwd$' --variant vec,vec_bf16,vec_bf16dp");
	fputc('\n', f);
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

const char vb_usage_report[] =
    "  report RESULTS --out FILE [--plots DIR]         Markdown report of a results JSON and its plots\n";

int vb_cmd_report(int argc, char **argv) {
	enum { PLOTS = 1, OUT };
	static const struct option opts[] = {
	    {"plots", required_argument, NULL, PLOTS}, {"out", required_argument, NULL, OUT}, {0}};
	const char *out = NULL, *dir = NULL;
	vb_args args;
	vb_args_start(&args, "report", vb_usage_report, argc, argv, opts, 1, 0);
	for (int c; (c = vb_args_next(&args)) != -1;)
		switch (c) {
		case PLOTS: dir = args.value; break;
		case OUT: out = args.value; break;
		}
	if (args.npos != 1) vb_die(VB_EXIT_USAGE, "report: give one results file: vecbench report RESULTS --out FILE");
	if (!out) vb_die(VB_EXIT_USAGE, "report: --out FILE is required");
	vb_results rs;
	vb_results_load(&rs, args.pos[0]);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) vb_die(VB_EXIT_USAGE, "out of memory");
	char buf[64];
	fprintf(f, "# vecbench report\n\nResults: `%s` (Google Benchmark JSON), run %s on %s.\n\n", args.pos[0],
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
	char *copy = strdup(out);
	if (!copy) vb_die(VB_EXIT_USAGE, "out of memory");
	char *slash = strrchr(copy, '/');
	const char *report_dir = slash ? (slash == copy ? "/" : (*slash = 0, copy)) : ".";
	char rel[PATH_MAX];
	if (dir) relpath(dir, report_dir, rel, sizeof rel);
	claims(f, &rs, dir ? rel : NULL);
	summary(f, &rs);
	if (dir) plots(f, dir, report_dir);
	free(copy);
	if (fclose(f) != 0) vb_die(VB_EXIT_USAGE, "out of memory");
	if (vb_write_file_atomic(out, text, len) != 0)
		vb_die(VB_EXIT_USAGE, "cannot write %s: %s", out, strerror(errno));
	free(text);
	vb_results_free(&rs);
	printf("report: %s\n", out);
	return VB_EXIT_OK;
}
