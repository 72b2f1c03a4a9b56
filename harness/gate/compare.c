/* `vecbench compare BASE NEW`: the regression gate. Benchmarks are matched
 * by name; each gets one of
 *   SLOWER / FASTER  the Mann-Whitney U test over repetitions rejects "no
 *                    change" after the Benjamini-Hochberg correction across
 *                    all benchmarks, AND the change of the medians is at least
 *                    the threshold, AND it is larger than the noise (the
 *                    larger relative interquartile range of the two samples);
 *   SAME             the change and the noise are both below the threshold;
 *   NOISY            anything else: too few repetitions, or a change or a
 *                    spread of threshold size that the test cannot confirm.
 * On one machine, times are first divided by the run-wide drift: the median
 * over all benchmarks of new/base. Runs of the same build on a shared VM
 * move as a whole by several percent (frequency, neighbours); one kernel's
 * regression moves only its own ratio. The drift is printed; --no-drift
 * compares raw times (a change that slows every kernel alike shows only
 * there, or in instruction counts).
 * Instruction counts (run --count-instructions) are deterministic: a count
 * that grew by more than --instr-threshold is SLOWER, without a test.
 * When the two files come from different machines, times say nothing about
 * the code, so the machine-independent figures are compared instead: the
 * speedup over the loop variant (per repetition, loop time / variant time)
 * and the percent of roofline. Exit 1 when anything is SLOWER, 0 otherwise,
 * 2 on bad input or nothing in common. */
#define _GNU_SOURCE
#include <cblas.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "record.h"
#include "regress.h"
#include "results_json.h"
#include "stats.h"

#define MIN_REPS 5       /* below this the U test cannot reach significance across a suite */
#define DRIFT_MIN_ROWS 5 /* fewer benchmarks than this: a median ratio is no estimate of drift */

typedef enum { M_TIME, M_INSTR, M_SPEEDUP, M_ROOF } metric;
typedef enum { SAME, FASTER, SLOWER, NOISY } outcome;
static const char *const OUTCOME[] = {"SAME", "FASTER", "SLOWER", "NOISY"};
static const char *const METRIC[] = {"time", "instructions", "speedup", "roofline"};

typedef struct {
	const char *name;
	metric kind;
	double *xb, *xn; /* samples, owned */
	int nb, nn;
	double base, new; /* medians */
	double change;    /* new / base - 1 */
	double adjusted;  /* the change relative to the run-wide drift (time rows; else = change) */
	double worse;     /* the adjusted change towards "worse": + is a regression */
	double noise;     /* larger relative IQR of the two samples */
	double p, q;      /* NAN: untested */
	outcome out;
	const char *why;
} row;

typedef struct {
	double threshold, instr_threshold, alpha;
	int machine_independent, no_drift;
} params;

static double median(const double *x, int n) { return vb_quantile(x, n, 0.5); }

static double rel_iqr(const double *x, int n) {
	if (n < 2) return NAN;
	double m = median(x, n);
	return m > 0 ? (vb_quantile(x, n, 0.75) - vb_quantile(x, n, 0.25)) / m : NAN;
}

static double *copy_samples(const double *x, int n) {
	double *c = VB_XMALLOC(sizeof *c * (size_t)(n > 0 ? n : 1));
	if (n > 0) memcpy(c, x, sizeof *c * (size_t)n);
	return c;
}

/* Per-repetition speedups of a variant over its loop: repetitions paired by
 * index (each pair ran back to back in one process). NULL when the file has
 * no loop twin; a single value when either side has no repetitions. */
static double *speedups(const vb_result_file *r, const vb_bench_result *b, int *n) {
	*n = 0;
	if (!b->op || !b->variant || !strcmp(b->variant, "loop") || b->n < 1) return NULL;
	size_t lo = strlen(b->op), lv = strlen(b->variant);
	if (strncmp(b->name, b->op, lo) || b->name[lo] != '/' || strncmp(b->name + lo + 1, b->variant, lv) ||
	    b->name[lo + 1 + lv] != '/')
		return NULL;
	char loop[VB_RESULTS_MAX_NAME + 16];
	snprintf(loop, sizeof loop, "%s/loop%s", b->op, b->name + lo + 1 + lv);
	const vb_bench_result *l = vb_result_file_find(r, loop);
	if (!l || l->errored || l->n < 1) {
		if (isnan(b->speedup_vs_loop)) return NULL;
		*n = 1;
		return copy_samples(&b->speedup_vs_loop, 1);
	}
	int k = b->from_aggregate || l->from_aggregate ? 1 : (b->n < l->n ? b->n : l->n);
	double *s = VB_XMALLOC(sizeof *s * (size_t)k);
	for (int i = 0; i < k; i++)
		s[i] = b->time_ns[i] > 0 ? l->time_ns[i] / b->time_ns[i] : NAN;
	for (int i = 0; i < k; i++)
		if (!isfinite(s[i])) {
			free(s);
			return NULL;
		}
	*n = k;
	return s;
}

static void add_row(row **rows, int *n, int *cap, const char *name, metric kind, double *xb, int nb, double *xn,
                    int nn) {
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		row *g = realloc(*rows, sizeof **rows * (size_t)*cap);
		if (!g) vb_die(VB_EXIT_USAGE, "out of memory");
		*rows = g;
	}
	row *r = &(*rows)[(*n)++];
	memset(r, 0, sizeof *r);
	r->name = name, r->kind = kind, r->xb = xb, r->nb = nb, r->xn = xn, r->nn = nn;
	r->base = median(xb, nb), r->new = median(xn, nn);
	r->change = r->adjusted = r->new / r->base - 1;
	/* time and instructions: more is worse; speedup and roofline: less is worse */
	r->worse = kind == M_TIME || kind == M_INSTR ? r->change : r->base / r->new - 1;
	r->noise = kind == M_INSTR ? 0 : fmax(rel_iqr(xb, nb), rel_iqr(xn, nn));
	r->p = r->q = NAN;
}

/* Rows of the benchmarks both files have, in the figures the mode compares. */
static int build_rows(const vb_result_file *a, const vb_result_file *b, int machine_independent, row **rows,
                      int *common, int *errored) {
	int n = 0, cap = 0;
	*rows = NULL;
	*common = *errored = 0;
	for (int i = 0; i < a->n; i++) {
		const vb_bench_result *x = &a->b[i], *y = vb_result_file_find(b, x->name);
		if (!y) continue;
		(*common)++;
		if (x->errored || y->errored) {
			(*errored)++;
			continue;
		}
		if (!isnan(x->instructions) && !isnan(y->instructions) && x->instructions > 0 && y->instructions > 0) {
			add_row(rows, &n, &cap, x->name, M_INSTR, copy_samples(&x->instructions, 1), 1,
			        copy_samples(&y->instructions, 1), 1);
			continue;
		}
		if (!machine_independent) {
			if (x->n > 0 && y->n > 0 && median(x->time_ns, x->n) > 0 && median(y->time_ns, y->n) > 0)
				add_row(rows, &n, &cap, x->name, M_TIME, copy_samples(x->time_ns, x->n), x->n,
				        copy_samples(y->time_ns, y->n), y->n);
			continue;
		}
		int ns, ms;
		double *sa = speedups(a, x, &ns), *sb = speedups(b, y, &ms);
		if (sa && sb)
			add_row(rows, &n, &cap, x->name, M_SPEEDUP, sa, ns, sb, ms);
		else
			free(sa), free(sb);
		if (x->nroof > 0 && y->nroof > 0 && median(x->roofline_pct, x->nroof) > 0 &&
		    median(y->roofline_pct, y->nroof) > 0)
			add_row(rows, &n, &cap, x->name, M_ROOF, copy_samples(x->roofline_pct, x->nroof), x->nroof,
			        copy_samples(y->roofline_pct, y->nroof), y->nroof);
	}
	return n;
}

/* The run-wide drift, new/base: the median over the time rows of their
 * ratio of medians; NAN (and nothing changed) below DRIFT_MIN_ROWS rows. The
 * new samples of every time row are divided by it, so the U test, the effect
 * and the sort all see the change relative to the rest of the run. */
static double remove_drift(row *r, int n, int *used) {
	double *ratio = VB_XMALLOC(sizeof *ratio * (size_t)(n + 1));
	int m = 0;
	for (int i = 0; i < n; i++)
		if (r[i].kind == M_TIME) ratio[m++] = r[i].new / r[i].base;
	*used = m;
	double drift = NAN;
	if (m >= DRIFT_MIN_ROWS) {
		qsort(ratio, (size_t)m, sizeof *ratio, vb_cmp_double);
		drift = m % 2 ? ratio[m / 2] : sqrt(ratio[m / 2 - 1] * ratio[m / 2]);
	}
	free(ratio);
	if (isnan(drift)) return drift;
	for (int i = 0; i < n; i++) {
		if (r[i].kind != M_TIME) continue;
		for (int k = 0; k < r[i].nn; k++)
			r[i].xn[k] /= drift;
		r[i].adjusted = r[i].worse = median(r[i].xn, r[i].nn) / r[i].base - 1;
	}
	return drift;
}

static void decide(row *r, int n, const params *pr) {
	int tests = 0;
	double *p = VB_XMALLOC(sizeof *p * (size_t)(n + 1));
	int *idx = VB_XMALLOC(sizeof *idx * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		if (r[i].kind == M_INSTR) continue;
		if (r[i].nb < MIN_REPS || r[i].nn < MIN_REPS) continue;
		vb_mwu t;
		if (vb_mann_whitney(r[i].xb, r[i].nb, r[i].xn, r[i].nn, &t) != 0) continue;
		r[i].p = t.p;
		p[tests] = t.p;
		idx[tests++] = i;
	}
	vb_bh_adjust(p, tests, p);
	for (int t = 0; t < tests; t++)
		r[idx[t]].q = p[t];
	free(p), free(idx);
	double thr = pr->threshold / 100;
	for (int i = 0; i < n; i++) {
		row *x = &r[i];
		double eff = fabs(x->worse);
		if (x->kind == M_INSTR) {
			x->out = eff > pr->instr_threshold / 100 ? (x->worse > 0 ? SLOWER : FASTER) : SAME;
			continue;
		}
		if (isnan(x->p)) {
			x->out = NOISY;
			x->why = "too few repetitions";
			continue;
		}
		if (x->q <= pr->alpha && eff >= thr && eff > x->noise)
			x->out = x->worse > 0 ? SLOWER : FASTER;
		else if (eff < thr && x->noise < thr)
			x->out = SAME;
		else {
			x->out = NOISY;
			x->why = x->noise >= thr ? "spread above the threshold" : "not significant";
		}
	}
}

static int cmp_rows(const void *a, const void *b) {
	const row *x = a, *y = b;
	double u = isnan(x->worse) ? -INFINITY : x->worse, v = isnan(y->worse) ? -INFINITY : y->worse;
	if (u != v) return u < v ? 1 : -1;
	int c = strcmp(x->name, y->name);
	return c ? c : (int)x->kind - (int)y->kind;
}

static void fmt_value(metric kind, double v, char *buf, size_t len) {
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (kind == M_SPEEDUP)
		snprintf(buf, len, "%.3gx", v);
	else if (kind == M_ROOF)
		snprintf(buf, len, "%.3g%%", v);
	else if (kind == M_INSTR)
		snprintf(buf, len, "%.0f", v);
	else
		vb_gate_fmt_ns(v, buf, len);
}

void vb_gate_fmt_ns(double v, char *buf, size_t len) {
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v >= 1e9)
		snprintf(buf, len, "%.4g s", v * 1e-9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.4g ms", v * 1e-6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.4g us", v * 1e-3);
	else
		snprintf(buf, len, "%.4g ns", v);
}

void vb_gate_fmt_p(double p, char *buf, size_t len) {
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 1e-4)
		snprintf(buf, len, "<1e-4");
	else
		snprintf(buf, len, "%.4f", p);
}

static void describe(const char *path, const vb_result_file *r, char *buf, size_t len) {
	char cpus[32] = "";
	if (r->num_cpus) snprintf(cpus, sizeof cpus, ", %d CPUs", r->num_cpus);
	snprintf(buf, len, "%s  (%s%s, %d benchmarks%s%s)", path, r->cpu_model ? r->cpu_model : "CPU unknown", cpus,
	         r->n, r->counter ? ", instruction counts: " : "", r->counter ? r->counter : "");
}

/* Different machines when what both files record differs. */
static int machines_differ(const vb_result_file *a, const vb_result_file *b, char *why, size_t len) {
	if (a->cpu_model && b->cpu_model && strcmp(a->cpu_model, b->cpu_model)) {
		snprintf(why, len, "cpu_model '%s' vs '%s'", a->cpu_model, b->cpu_model);
		return 1;
	}
	if (a->num_cpus && b->num_cpus && a->num_cpus != b->num_cpus) {
		snprintf(why, len, "num_cpus %d vs %d", a->num_cpus, b->num_cpus);
		return 1;
	}
	snprintf(why, len, "%s",
	         a->cpu_model && b->cpu_model ? "cpu_model and num_cpus match"
	                                      : "machines not recorded, assumed the same");
	return 0;
}

/* How many of a file's benchmarks were timed beside other processes
 * (`run` marks them "contended"), plus one when the run as a whole was. */
static int contended_marks(const char *path) {
	char err[512];
	cJSON *root = vb_result_file_load_json(path, err, sizeof err);
	if (!root) return 0; /* vb_result_file_load reported it already */
	int marks = cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "context"), "contended"));
	const cJSON *b;
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(root, "benchmarks")) marks +=
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "contended"));
	cJSON_Delete(root);
	return marks;
}

static void print_names(const char *what, const vb_result_file *a, const vb_result_file *b) {
	int n = 0;
	for (int i = 0; i < a->n; i++)
		n += !vb_result_file_find(b, a->b[i].name);
	if (!n) return;
	printf("  %d benchmark(s) %s:", n, what);
	for (int i = 0, shown = 0; i < a->n && shown < 5; i++)
		if (!vb_result_file_find(b, a->b[i].name)) printf("%s %s", shown++ ? "," : "", a->b[i].name);
	printf("%s\n", n > 5 ? ", ..." : "");
}

const char vb_usage_compare[] =
    "  compare BASE NEW [--threshold PCT] [--alpha A] [--instr-threshold PCT]\n"
    "          [--machine-independent | --same-machine] [--allow-contended]\n"
    "                                                  regression gate over two result files:\n"
    "                                                  exit 1 when a benchmark is SLOWER\n";

int vb_cmd_compare(int argc, char **argv) {
	enum { THRESHOLD = 1, ALPHA, INSTR_THRESHOLD, MACHINE_INDEPENDENT, SAME_MACHINE, NO_DRIFT, ALLOW_CONTENDED };
	static const struct option opts[] = {{"threshold", required_argument, NULL, THRESHOLD},
	                                     {"alpha", required_argument, NULL, ALPHA},
	                                     {"instr-threshold", required_argument, NULL, INSTR_THRESHOLD},
	                                     {"machine-independent", no_argument, NULL, MACHINE_INDEPENDENT},
	                                     {"same-machine", no_argument, NULL, SAME_MACHINE},
	                                     {"no-drift", no_argument, NULL, NO_DRIFT},
	                                     {"allow-contended", no_argument, NULL, ALLOW_CONTENDED},
	                                     {0}};
	const char *threshold = NULL, *alpha = NULL, *instr_threshold = NULL, *machine_independent = NULL,
	           *same_machine = NULL, *no_drift = NULL, *allow_contended = NULL;
	vb_args args;
	vb_args_start(&args, "compare", vb_usage_compare, argc, argv, opts, 2, 0);
	for (int c; (c = vb_args_next(&args)) != -1;)
		switch (c) {
		case THRESHOLD: threshold = args.value; break;
		case ALPHA: alpha = args.value; break;
		case INSTR_THRESHOLD: instr_threshold = args.value; break;
		case MACHINE_INDEPENDENT: machine_independent = "1"; break;
		case SAME_MACHINE: same_machine = "1"; break;
		case NO_DRIFT: no_drift = "1"; break;
		case ALLOW_CONTENDED: allow_contended = "1"; break;
		}
	if (args.npos != 2)
		vb_die(VB_EXIT_USAGE, "compare: expected two result files: vecbench compare BASE NEW [options]");
	params pr = {.threshold = 5, .instr_threshold = 2, .alpha = 0.05};
	if (threshold) pr.threshold = vb_parse_double("--threshold", threshold);
	if (alpha) pr.alpha = vb_parse_double("--alpha", alpha);
	if (instr_threshold) pr.instr_threshold = vb_parse_double("--instr-threshold", instr_threshold);
	if (pr.alpha >= 1) vb_die(VB_EXIT_USAGE, "bad --alpha '%s': expected a number between 0 and 1", alpha);
	if (pr.threshold >= 1000 || pr.instr_threshold >= 1000)
		vb_die(VB_EXIT_USAGE, "bad threshold: expected a percentage below 1000");
	if (machine_independent && same_machine)
		vb_die(VB_EXIT_USAGE, "compare: --machine-independent and --same-machine exclude each other");

	vb_result_file a, b;
	char err[512];
	if (vb_result_file_load(args.pos[0], &a, err, sizeof err) != 0) vb_die(VB_EXIT_USAGE, "%s", err);
	if (vb_result_file_load(args.pos[1], &b, err, sizeof err) != 0) {
		vb_result_file_free(&a);
		vb_die(VB_EXIT_USAGE, "%s", err);
	}
	for (int i = 0; i < 2 && !allow_contended; i++) {
		int marks = contended_marks(args.pos[i]);
		if (marks) {
			vb_result_file_free(&a), vb_result_file_free(&b);
			vb_die(VB_EXIT_USAGE,
			       "compare: %s was timed beside other processes (%d contended mark(s)): its times decide "
			       "nothing; time it on an idle machine, or pass --allow-contended",
			       args.pos[i], marks);
		}
	}
	char why[600];
	int differ = machines_differ(&a, &b, why, sizeof why);
	pr.machine_independent = machine_independent ? 1 : same_machine ? 0 : differ;
	pr.no_drift = no_drift != NULL;

	row *rows;
	int common, errored, n = build_rows(&a, &b, pr.machine_independent, &rows, &common, &errored);
	if (common == 0) {
		vb_result_file_free(&a), vb_result_file_free(&b);
		vb_die(VB_EXIT_USAGE, "compare: %s and %s have no benchmark in common", args.pos[0], args.pos[1]);
	}
	if (n == 0) {
		vb_result_file_free(&a), vb_result_file_free(&b);
		vb_die(VB_EXIT_USAGE,
		       "compare: %s and %s have %d benchmark(s) in common but no figures to compare in %s mode%s",
		       args.pos[0], args.pos[1], common,
		       pr.machine_independent ? "machine-independent" : "same-machine",
		       pr.machine_independent ? " (no speedup over loop, no roofline_pct)" : "");
	}
	int drift_rows = 0;
	double drift = pr.no_drift || pr.machine_independent ? NAN : remove_drift(rows, n, &drift_rows);
	decide(rows, n, &pr);
	qsort(rows, (size_t)n, sizeof *rows, cmp_rows);

	int kinds = 0;
	for (int i = 0; i < n; i++)
		kinds |= 1 << rows[i].kind;
	char desc[1200];
	printf("vecbench compare\n");
	describe(args.pos[0], &a, desc, sizeof desc);
	printf("  base: %s\n", desc);
	describe(args.pos[1], &b, desc, sizeof desc);
	printf("  new:  %s\n", desc);
	if (kinds == 1 << M_INSTR)
		printf("  mode: instruction counts (%s%s)\n", why,
		       differ ? "; libraries that pick code by CPU count differently on each" : "");
	else if (pr.machine_independent)
		printf("  mode: machine-independent (%s%s): speedup over the loop variant per repetition and %% of "
		       "roofline; "
		       "times are not compared\n",
		       machine_independent ? "requested; " : "", why);
	else
		printf("  mode: same machine (%s%s): time per iteration (real_time)\n",
		       same_machine ? "requested; " : "", why);
	if (kinds & (1 << M_TIME)) {
		if (!isnan(drift))
			printf(
			    "  drift: the new run as a whole took %.4fx the base time (%+.1f%%, median ratio over %d "
			    "benchmarks); 'vs run' and the decisions are relative to it (--no-drift: raw times)\n",
			    drift, 100 * (drift - 1), drift_rows);
		else if (pr.no_drift)
			printf("  drift: not removed (--no-drift): raw times decide\n");
		else
			printf("  drift: not removed: %d benchmark(s) with times, fewer than %d; raw times decide\n",
			       drift_rows, DRIFT_MIN_ROWS);
		if (!isnan(drift) && fabs(drift - 1) >= pr.threshold / 100)
			printf("  note: the whole run moved %+.1f%%: the machine's speed changed between the runs, or "
			       "a change "
			       "slowed every kernel alike (--no-drift or instruction counts tell)\n",
			       100 * (drift - 1));
	}
	if (kinds & ~(1 << M_INSTR))
		printf("  test: Mann-Whitney U over repetitions (>= %d each), Benjamini-Hochberg FDR %g, minimum "
		       "effect %g%%, "
		       "effect above the noise (relative IQR)\n",
		       MIN_REPS, pr.alpha, pr.threshold);
	if (kinds & (1 << M_INSTR))
		printf("  instructions: counts per call (deterministic); SLOWER when one grows by more than %g%%\n",
		       pr.instr_threshold);

	int w = 9;
	for (int i = 0; i < n; i++)
		if ((int)strlen(rows[i].name) > w) w = (int)strlen(rows[i].name);
	if (w > 90) w = 90;
	int multi = (kinds & (kinds - 1)) != 0 || pr.machine_independent;
	int adj = !isnan(drift);
	printf("\n%-*s %s%12s %12s %9s%s %7s %8s %8s %7s  %s\n", w, "benchmark", multi ? "metric        " : "", "base",
	       "new", "change", adj ? "    vs run" : "", "noise", "p", "q(BH)", "n", "result");
	int count[4] = {0}, few = 0;
	for (int i = 0; i < n; i++) {
		row *x = &rows[i];
		char vb[32], vn[32], p[16], q[16], noise[16], reps[24];
		fmt_value(x->kind, x->base, vb, sizeof vb);
		fmt_value(x->kind, x->new, vn, sizeof vn);
		vb_gate_fmt_p(x->p, p, sizeof p);
		vb_gate_fmt_p(x->q, q, sizeof q);
		if (isnan(x->noise) || x->kind == M_INSTR)
			snprintf(noise, sizeof noise, "-");
		else
			snprintf(noise, sizeof noise, "%.1f%%", 100 * x->noise);
		snprintf(reps, sizeof reps, "%d/%d", x->nb, x->nn);
		char vs[16] = "";
		if (adj) snprintf(vs, sizeof vs, " %+8.1f%%", 100 * x->adjusted);
		printf("%-*s %-*s%12s %12s %+8.1f%%%s %7s %8s %8s %7s  %s%s%s%s\n", w, x->name, multi ? 14 : 0,
		       multi ? METRIC[x->kind] : "", vb, vn, 100 * x->change, vs, noise, p, q,
		       x->kind == M_INSTR ? "-" : reps, OUTCOME[x->out], x->why ? " (" : "", x->why ? x->why : "",
		       x->why ? ")" : "");
		count[x->out]++;
		few += x->why && !strcmp(x->why, "too few repetitions");
	}
	printf("\n");
	for (int kind = 0; kind < 4; kind++) {
		if (!(kinds & (1 << kind))) continue;
		double s = 0;
		int m = 0;
		for (int i = 0; i < n; i++)
			if (rows[i].kind == (metric)kind && rows[i].base > 0 && rows[i].new > 0)
				s += log(rows[i].new / rows[i].base), m++;
		double g = exp(s / m);
		printf("geomean %s new/base over %d benchmark(s): %.4f (%+.1f%%%s)\n", METRIC[kind], m, g,
		       100 * (g - 1),
		       kind == M_SPEEDUP || kind == M_ROOF ? "; below 1 is worse" : "; above 1 is worse");
	}
	printf("result: %d SLOWER, %d FASTER, %d SAME, %d NOISY", count[SLOWER], count[FASTER], count[SAME],
	       count[NOISY]);
	printf(" (%d benchmark(s) in common)\n", common);
	print_names("only in base", &a, &b);
	print_names("only in new", &b, &a);
	if (errored)
		printf("  %d benchmark(s) in common failed (error_occurred) in one file and were not compared\n",
		       errored);
	if (few)
		printf("  %d comparison(s) had fewer than %d repetitions: use 'vecbench run --repetitions 9' for both "
		       "files\n",
		       few, MIN_REPS);
	for (int i = 0; i < n; i++)
		free(rows[i].xb), free(rows[i].xn);
	free(rows);
	vb_result_file_free(&a), vb_result_file_free(&b);
	return count[SLOWER] ? VB_EXIT_FAIL : VB_EXIT_OK;
}

const char vb_usage_machine_id[] =
    "  machine-id                                      the name baselines are filed under\n";

int vb_cmd_machine_id(int argc, char **argv) {
	vb_args args;
	vb_args_start(&args, "machine-id", vb_usage_machine_id, argc, argv, NULL, 0, 0);
	vb_args_next(&args);
	char id[256];
	vb_machine_id(id, sizeof id);
	puts(id);
	return 0;
}
