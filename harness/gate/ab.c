/* `vecbench ab BASE.so NEW.so`: the paired timing gate. Two builds' kernels
 * (each build's reference/ and kernels/cpu/ as libvbops.so, with its own
 * vb_ops registry) are loaded side by side and every selected CPU
 * op/variant/size is
 *   checked  in each build against that build's float64 oracle (a version
 *            that fails is reported and not timed);
 *   timed    alternately in blocks of a calibrated number of calls (~1 ms,
 *            --block-ms), each round ABBA or BAAB at random, both versions
 *            on the same tensors: a slow spell of the machine falls on both
 *            versions of a round alike. The round's ratio is new/base of each
 *            version's faster block, so a block that a preemption hit drops
 *            out when its twin ran clean (on a shared 2-core machine the sum
 *            of the blocks spread the ratios over +-100%, the faster block
 *            over a few percent);
 *   decided  on the rounds' ratios: the median ratio, its distribution-free
 *            confidence interval (order statistics) and the sign test, which
 *            that interval inverts (Benjamini-Hochberg across benchmarks):
 *              SLOWER / FASTER  q <= alpha, the interval excludes 1 and the
 *                               median change is at least the threshold;
 *              SAME             the whole interval lies within +-threshold;
 *              NOISY            anything else (the interval is printed).
 * Adaptive stopping: after at least --min-time of rounds, rounds continue
 * until the interval is narrower than the threshold, or lies entirely inside
 * +-threshold or beyond it, or the per-benchmark budget runs out; the rounds
 * used are reported.
 * Blocks are timed here with clock_gettime, not through Google Benchmark:
 * its state machine runs one benchmark to completion (warm-up, iteration
 * growth, repetitions) and cannot hand the CPU to another function between
 * blocks, which the alternation needs.
 * Exit 1 when something is SLOWER or a new version fails its check, 2 on bad
 * input or nothing in common, 0 otherwise. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ab.h"
#include "cli.h"
#include "inject.h"
#include "record.h"
#include "regress.h"
#include "stats.h"
#include "vb_ops_abi.h"

#define MIN_ROUNDS 16    /* before the first look at the interval */
#define LOOK_EVERY 4     /* rounds between looks */
#define MAX_ROUNDS 20000 /* a bound on memory; the budget ends a run long before */
#define MAX_LAYOUTS 16

typedef enum { SAME, FASTER, SLOWER, NOISY, FAILED } outcome;
static const char *const OUTCOME[] = {"SAME", "FASTER", "SLOWER", "NOISY", "CHECK FAILED"};

typedef struct {
	const char *path;
	void *handle;
	const vb_op *const *ops; /* the first load's registry */
	size_t n;
	char copy[4096]; /* a private copy while it is being loaded; removed at once */
	int layouts;     /* loads of the library at different addresses */
	const vb_op *const *layout_ops[MAX_LAYOUTS];
} build;

typedef struct {
	char name[256];
	const vb_op *op_base, *op_new;
	int vi_base, vi_new;
	int64_t dim[VB_MAX_DIMS];
	/* results */
	double base_ns, new_ns; /* median time per call over the blocks */
	double ratio, lo, hi;   /* median of the rounds' ratios new/base and its interval */
	double p, q;
	int rounds, iters;
	double seconds;
	double spread_time, spread_ratio; /* relative IQR of the base's block times, of the rounds' ratios */
	outcome out;
	char why[400];
} bench;

typedef struct {
	double threshold, alpha, budget, block_s;
	double min_time; /* seconds of rounds before a benchmark may stop */
	uint64_t seed;
	const char *inject; /* --inject-new op/variant:PCT */
	char inject_op[128], inject_variant[64];
	double inject_pct;
	int quiet;
} params;

/* ---- loading ---- */

static build *copies[2];
static void remove_copies(void) {
	for (int i = 0; i < 2; i++)
		if (copies[i] && copies[i]->copy[0]) unlink(copies[i]->copy);
}

/* dlopen returns the one handle it has when a file is opened twice: A/A
 * (the same .so as base and new) then loads a copy, so each side has its
 * own code and data, as two builds do. */
static const char *private_copy(build *b) {
	const char *dir = getenv("TMPDIR");
	snprintf(b->copy, sizeof b->copy, "%s/vecbench-ab-XXXXXX.so", dir && *dir ? dir : "/tmp");
	int out = mkstemps(b->copy, 3);
	if (out < 0)
		vb_die(VB_EXIT_USAGE, "ab: cannot create a copy of %s in %s: %s", b->path, b->copy, strerror(errno));
	int in = open(b->path, O_RDONLY);
	char buf[1 << 16];
	ssize_t r = in < 0 ? -1 : 0;
	while (in >= 0 && (r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)r) != r) {
			r = -1;
			break;
		}
	int err = errno;
	if (in >= 0) close(in);
	close(out);
	if (r < 0) {
		unlink(b->copy);
		vb_die(VB_EXIT_USAGE, "ab: cannot copy %s: %s", b->path, strerror(err));
	}
	return b->copy;
}

static void load(build *b, const char *path, const build *other, int slot) {
	memset(b, 0, sizeof *b);
	b->path = path;
	struct stat st, so;
	if (stat(path, &st) != 0) vb_die(VB_EXIT_USAGE, "ab: cannot open %s: %s", path, strerror(errno));
	const char *open_path = path;
	if (other && stat(other->path, &so) == 0 && so.st_dev == st.st_dev && so.st_ino == st.st_ino) {
		copies[slot] = b;
		open_path = private_copy(b);
	}
	/* A path without '/' would be searched for in the library path. */
	char rel[4200];
	if (!strchr(open_path, '/')) {
		snprintf(rel, sizeof rel, "./%s", open_path);
		open_path = rel;
	}
	b->handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
	if (b->copy[0]) { /* mapped (or failed): the file is not needed any more */
		unlink(b->copy);
		b->copy[0] = 0;
	}
	if (!b->handle) {
		const char *e = dlerror();
		vb_die(VB_EXIT_USAGE, "ab: cannot load %s: %.300s", path, e ? e : "dlopen failed");
	}
	vb_ops_section_fn section;
	*(void **)&section = dlsym(b->handle, VB_OPS_SECTION_SYMBOL);
	if (!section)
		vb_die(VB_EXIT_USAGE, "ab: %s is not a vecbench ops library (no %s; build the vbops target)", path,
		       VB_OPS_SECTION_SYMBOL);
	vb_ops_abi abi;
	b->ops = section(&b->n, &abi);
	if (abi.version != VB_OPS_ABI_VERSION || abi.op_size != sizeof(vb_op) ||
	    abi.variant_size != sizeof(vb_variant) || abi.call_size != sizeof(vb_call))
		vb_die(VB_EXIT_USAGE,
		       "ab: %s was built with another op descriptor layout (vb.h differs from this vecbench's): "
		       "rebuild both sides from revisions with the same vb.h",
		       path);
	if (b->n == 0) vb_die(VB_EXIT_USAGE, "ab: %s registers no op", path);
	b->layouts = 1;
	b->layout_ops[0] = b->ops;
}

/* More loads of the same library, each a private copy at its own address:
 * where a kernel's code lands (branch predictor and cache set aliasing) can
 * change its time by several percent for the life of a process, so rounds
 * draw a load at random and the layout's luck averages out instead of
 * deciding. */
static void add_layouts(build *b, int layouts, int slot) {
	for (int j = 1; j < layouts; j++) {
		build extra;
		memset(&extra, 0, sizeof extra);
		extra.path = b->path;
		copies[slot] = &extra;
		private_copy(&extra);
		void *h = dlopen(extra.copy, RTLD_NOW | RTLD_LOCAL);
		unlink(extra.copy);
		copies[slot] = NULL;
		if (!h) vb_die(VB_EXIT_USAGE, "ab: cannot load a copy of %s: %.300s", b->path, dlerror());
		vb_ops_section_fn section;
		*(void **)&section = dlsym(h, VB_OPS_SECTION_SYMBOL);
		vb_ops_abi abi;
		size_t n = 0;
		b->layout_ops[j] = section ? section(&n, &abi) : NULL;
		if (!section || n != b->n) vb_die(VB_EXIT_USAGE, "ab: a copy of %s loaded differently", b->path);
		b->layouts = j + 1;
	}
}

static const vb_op *find_in(const vb_op *const *ops, size_t n, const char *name) {
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ops[i]->name, name)) return ops[i];
	return NULL;
}

static const vb_op *find_op(const build *b, const char *name) { return find_in(b->ops, b->n, name); }

static int cmp_op_ptr(const void *a, const void *b) {
	const vb_op *x = *(const vb_op *const *)a, *y = *(const vb_op *const *)b;
	int c = strcmp(x->family, y->family);
	return c ? c : strcmp(x->name, y->name);
}

/* Why two builds' descriptors of one op cannot share tensors, or NULL. */
static const char *layout_differs(const vb_op *a, const vb_op *b) {
	if (vb_op_ndims(a) != vb_op_ndims(b)) return "dims differ";
	for (int d = 0; d < vb_op_ndims(a); d++)
		if (strcmp(a->dims[d], b->dims[d])) return "dims differ";
	if (vb_op_ntensors(a) != vb_op_ntensors(b)) return "tensors differ";
	for (int t = 0; t < vb_op_ntensors(a); t++) {
		const vb_tensor *x = &a->tensors[t], *y = &b->tensors[t];
		if (strcmp(x->name, y->name) || x->dir != y->dir || x->rows != y->rows || x->cols != y->cols)
			return "tensors differ";
	}
	return NULL;
}

static void dims_list(const vb_op *op, char *buf, size_t len) {
	size_t o = 0;
	buf[0] = 0;
	for (int d = 0; d < vb_op_ndims(op) && o + 1 < len; d++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", d ? "," : "", op->dims[d]);
}

static int timeable(const vb_variant *v) { return v->fn && v->device == VB_CPU; }

/* ---- selection ---- */

typedef struct {
	char text[8][200];
	int n, more;
} notes;

static void note(notes *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(notes *ns, const char *fmt, ...) {
	if (ns->n == 8) {
		ns->more++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ns->text[ns->n++], sizeof ns->text[0], fmt, ap);
	va_end(ap);
}

static bench *select_benches(const build *base, const build *nw, const char *op_regex, const char *variants,
                             const char *dims, int *count, notes *ns) {
	regex_t re;
	if (op_regex) {
		int rc = regcomp(&re, op_regex, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];
			regerror(rc, &re, msg, sizeof msg);
			vb_die(VB_EXIT_USAGE, "bad --op regex '%s': %s", op_regex, msg);
		}
	}
	vb_dims_spec spec = {0};
	char err[256];
	if (dims && vb_dims_parse(dims, &spec, err, sizeof err) != 0) vb_die(VB_EXIT_USAGE, "%s", err);
	vb_select sel = {.variants = variants};
	const vb_op **ops = VB_XMALLOC(sizeof *ops * nw->n);
	memcpy(ops, nw->ops, sizeof *ops * nw->n);
	qsort(ops, nw->n, sizeof *ops, cmp_op_ptr);
	bench *b = VB_XMALLOC(sizeof *b * (nw->n * VB_MAX_VARIANTS + 1));
	int n = 0, matched = 0, used[VB_MAX_DIMS * 2] = {0};
	for (size_t i = 0; i < nw->n; i++) {
		const vb_op *on = ops[i], *ob = find_op(base, on->name);
		if (op_regex && regexec(&re, on->name, 0, NULL, 0) != 0) continue;
		matched++;
		if (!ob) {
			note(ns, "%s: only in new, skipped", on->name);
			continue;
		}
		const char *why = layout_differs(ob, on);
		if (why) {
			char db[200], dn[200];
			dims_list(ob, db, sizeof db), dims_list(on, dn, sizeof dn);
			note(ns, "%s: %s between the builds (base %s, new %s), skipped", on->name, why, db, dn);
			continue;
		}
		for (int j = 0; j < spec.n; j++)
			for (int k = 0; k < vb_op_ndims(on); k++)
				if (!strcmp(spec.name[j], on->dims[k])) used[j] = 1;
		int64_t dim[VB_MAX_DIMS];
		vb_dims_apply(on, &spec, on->sizes[0], dim);
		char d[200];
		vb_dims_format(on, dim, '/', d, sizeof d);
		for (int v = 0; v < vb_op_nvariants(on); v++) {
			const vb_variant *vn = &on->variants[v];
			if (!timeable(vn) || !vb_select_variant(&sel, vn)) continue;
			int vb = vb_op_variant_index(ob, vn->name);
			if (vb < 0 || !timeable(&ob->variants[vb])) {
				note(ns, "%s/%s: only in new, skipped", on->name, vn->name);
				continue;
			}
			if (ob->variants[vb].dtype != vn->dtype) {
				note(ns, "%s/%s: storage type differs between the builds, skipped", on->name, vn->name);
				continue;
			}
			bench *x = &b[n++];
			memset(x, 0, sizeof *x);
			x->op_base = ob, x->op_new = on, x->vi_base = vb, x->vi_new = v;
			memcpy(x->dim, dim, sizeof dim);
			snprintf(x->name, sizeof x->name, "%s/%s/%s", on->name, vn->name, d);
			x->ratio = x->lo = x->hi = x->p = x->q = x->base_ns = x->new_ns = NAN;
		}
		for (int v = 0; v < vb_op_nvariants(ob); v++)
			if (timeable(&ob->variants[v]) && vb_select_variant(&sel, &ob->variants[v]) &&
			    vb_op_variant_index(on, ob->variants[v].name) < 0)
				note(ns, "%s/%s: only in base, skipped", ob->name, ob->variants[v].name);
	}
	for (size_t i = 0; i < base->n; i++)
		if ((!op_regex || regexec(&re, base->ops[i]->name, 0, NULL, 0) == 0) &&
		    !find_op(nw, base->ops[i]->name))
			note(ns, "%s: only in base, skipped", base->ops[i]->name);
	if (op_regex) regfree(&re);
	free(ops);
	for (int j = 0; j < spec.n; j++)
		if (!used[j] && n > 0)
			vb_die(VB_EXIT_USAGE, "--dims names '%s', which no selected op has", spec.name[j]);
	if (matched == 0 && op_regex) vb_die(VB_EXIT_USAGE, "ab: --op '%s' matches no op of the new build", op_regex);
	*count = n;
	return b;
}

/* ---- checking ---- */

/* 0 when the variant passes against its own build's oracle, else the reason in why. */
static int check_version(const build *b, const vb_op *op, int vi, const int64_t *dim, uint64_t seed, char *why,
                         size_t len) {
	vb_registry_use(b->ops, b->n); /* a backward op's inputs come from its own build's forward op */
	vb_ref r;
	int rc = 0;
	if (vb_ref_init(&r, op, dim, seed, 1.0) != 0) {
		snprintf(why, len, "cannot build the reference (out of memory, or no forward op)");
		rc = -1;
	} else {
		vb_check_result res;
		vb_check_variant(&r, vi, &res);
		if (!res.pass) {
			if (res.msg[0])
				snprintf(why, len, "%.150s", res.msg);
			else
				snprintf(why, len, "err/bound %.3g at %s[%lld]", res.ratio,
				         res.tensor >= 0 ? op->tensors[res.tensor].name : "?", (long long)res.index);
			rc = -1;
		}
		vb_ref_free(&r);
	}
	vb_registry_use(NULL, 0);
	return rc;
}

/* ---- timing ---- */

/* The block clock: CLOCK_MONOTONIC (wall time, the default), or with
 * --clock cpu CLOCK_PROCESS_CPUTIME_ID, the CPU time of all the process's
 * threads: time the process spent descheduled does not count, so other
 * tasks sharing the cores add no noise; right for one-thread runs (with
 * threads it sums their CPU time, spinning included, not the elapsed time). */
static clockid_t block_clock = CLOCK_MONOTONIC;

static double clock_s(clockid_t id) {
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }

static double block_now(void) { return clock_s(block_clock); }

typedef struct {
	const vb_variant *v;                     /* the load timed next */
	const vb_variant *layout_v[MAX_LAYOUTS]; /* the variant in each load of the library */
	int layouts;
	vb_call call;
	vb_arena *ws;
	vb_inject inject; /* new side only (--inject-new) */
} side;

static void side_init(side *s, const build *b, const vb_op *op, int vi) {
	s->layouts = b->layouts;
	for (int j = 0; j < b->layouts; j++)
		s->layout_v[j] = &find_in(b->layout_ops[j], b->n, op->name)->variants[vi];
	s->v = s->layout_v[0];
}

/* Seconds for iters calls of one side. */
static double block(side *s, int iters) {
	double t0 = block_now();
	for (int i = 0; i < iters; i++) {
		vb_arena_reset(s->ws);
		s->v->fn(&s->call);
		if (s->inject.pct > 0) vb_inject_after_call(&s->inject, s->v, &s->call, s->ws);
	}
	return block_now() - t0;
}

static double median_of(double *x, int n) {
	qsort(x, (size_t)n, sizeof *x, vb_cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* The interval of the median log ratio; the verdict it already settles. */
static int settled(const double *logr, int n, const params *pr, int benches, double *lo, double *hi) {
	vb_median_ci(logr, n, 1 - pr->alpha, lo, hi);
	double t = log1p(pr->threshold / 100);
	if (*hi - *lo < t) return 1;       /* narrower than the threshold */
	if (*lo > -t && *hi < t) return 1; /* SAME: inside +-threshold */
	/* beyond the threshold, and significant even after a Bonferroni
	 * correction (stricter than the Benjamini-Hochberg one decide applies) */
	return (*lo > t || *hi < -t) && vb_sign_test(logr, n) * benches <= pr->alpha;
}

static uint64_t rng_state;

static void time_bench(bench *x, const build *bs, const build *nw, const params *pr, int benches) {
	const vb_op *op = x->op_new;
	vb_tensors ref, ts;
	if (vb_tensors_alloc(&ref, op, x->dim, VB_F64) != 0) {
		x->out = NOISY;
		snprintf(x->why, sizeof x->why, "out of memory allocating the tensors");
		return;
	}
	/* the inputs as run makes them, from the new build's descriptors */
	vb_registry_use(nw->ops, nw->n);
	int rc = vb_fill_inputs(&ref, pr->seed, 1.0);
	vb_registry_use(NULL, 0);
	if (rc == 0) rc = vb_tensors_alloc(&ts, op, x->dim, op->variants[x->vi_new].dtype);
	if (rc != 0) {
		vb_tensors_free(&ref);
		x->out = NOISY;
		snprintf(x->why, sizeof x->why, "cannot prepare the inputs (out of memory)");
		return;
	}
	vb_tensors_convert(&ts, &ref, 1);
	vb_tensors_free(&ref);
	side s[2] = {{0}};
	side_init(&s[0], bs, x->op_base, x->vi_base);
	side_init(&s[1], nw, op, x->vi_new);
	for (int i = 0; i < 2; i++) {
		s[i].call = (vb_call){.dim = ts.dim, .t = ts.ptr};
		s[i].ws = vb_arena_new();
		s[i].call.ws = s[i].ws;
	}
	if (pr->inject && !strcmp(op->name, pr->inject_op) && !strcmp(s[1].v->name, pr->inject_variant))
		s[1].inject.pct = pr->inject_pct;

	double start = now_s();
	/* Warm-up (lazy binding, scratch growth, BLAS buffers), then the block
	 * size from the time per call: the least of five blocks of k calls, k
	 * doubled until such a block takes 0.1 ms, short enough to fit mostly
	 * between two preemptions of a busy machine. */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < s[i].layouts; j++) {
			s[i].v = s[i].layout_v[j];
			block(&s[i], 2);
		}
	s[0].v = s[0].layout_v[0], s[1].v = s[1].layout_v[0];
	int k = 1;
	double per_call;
	for (;;) {
		double t = 0;
		for (int i = 0; i < 2; i++) {
			double least = INFINITY;
			for (int r = 0; r < 5; r++)
				least = fmin(least, block(&s[i], k));
			t = fmax(t, least);
		}
		if (t >= 1e-4 || k >= 1 << 24) {
			per_call = t / k;
			break;
		}
		k *= 2;
	}
	int iters = (int)fmin(1 << 24, fmax(1, ceil(pr->block_s / fmax(per_call, 1e-9))));
	/* An injected PCT% is one extra call per 100/PCT calls: blocks of a
	 * multiple of that carry exactly PCT% more work each. */
	if (s[1].inject.pct > 0) {
		int g = (int)ceil(100 / s[1].inject.pct - 1e-9);
		iters = (iters + g - 1) / g * g;
		s[1].inject.credit = 0;
	}
	double *logr = VB_XMALLOC(sizeof *logr * MAX_ROUNDS);
	double *tb = VB_XMALLOC(sizeof *tb * 2 * MAX_ROUNDS), *tn = VB_XMALLOC(sizeof *tn * 2 * MAX_ROUNDS);
	int n = 0;
	double lo = NAN, hi = NAN;
	int done = 0;
	/* A disturbance of the machine that lasts a fraction of a second (a
	 * neighbour on the sibling hyperthread) can favour one version for a
	 * few dozen rounds: no verdict from less than min_time of rounds. */
	double rounds_start = now_s(), min_time = fmin(pr->min_time, pr->budget / 2);
	while (!done && n < MAX_ROUNDS) {
		/* ABBA or BAAB: a linear drift within the round falls on both alike */
		uint64_t draw = vb_splitmix64(&rng_state);
		int first = (int)(draw & 1);
		for (int i = 0; i < 2; i++) /* one load per version and round: its two blocks are alike */
			s[i].v = s[i].layout_v[(draw >> (8 + 16 * i)) % (uint64_t)s[i].layouts];
		double one[4];
		int base_at[2], new_at[2], nb = 0, nn = 0;
		for (int k = 0; k < 4; k++) {
			int who = (k == 0 || k == 3) ? first : !first;
			one[k] = block(&s[who], iters);
			if (who)
				new_at[nn++] = k;
			else
				base_at[nb++] = k;
		}
		for (int k = 0; k < 2; k++)
			tb[2 * n + k] = one[base_at[k]] / iters, tn[2 * n + k] = one[new_at[k]] / iters;
		/* the faster of each version's two blocks: a block that a preemption
		 * or an interrupt hit drops out as long as its twin ran clean */
		logr[n++] = log(fmin(one[new_at[0]], one[new_at[1]]) / fmin(one[base_at[0]], one[base_at[1]]));
		if (n >= MIN_ROUNDS && n % LOOK_EVERY == 0 && now_s() - rounds_start >= min_time &&
		    settled(logr, n, pr, benches, &lo, &hi))
			done = 1;
		if (now_s() - start > pr->budget) break;
	}
	if (!done && n >= 1) settled(logr, n, pr, benches, &lo, &hi);
	x->seconds = now_s() - start;
	x->rounds = n, x->iters = iters;
	x->p = vb_sign_test(logr, n);
	x->ratio = exp(median_of(logr, n));
	x->lo = exp(lo), x->hi = exp(hi);
	x->spread_time = (vb_quantile(tb, 2 * n, 0.75) - vb_quantile(tb, 2 * n, 0.25)) / vb_quantile(tb, 2 * n, 0.5);
	x->spread_ratio = exp(vb_quantile(logr, n, 0.75) - vb_quantile(logr, n, 0.25)) - 1;
	x->base_ns = 1e9 * median_of(tb, 2 * n), x->new_ns = 1e9 * median_of(tn, 2 * n);
	if (!done) snprintf(x->why, sizeof x->why, "budget of %gs spent", pr->budget);
	free(logr), free(tb), free(tn);
	for (int i = 0; i < 2; i++)
		vb_arena_free(s[i].ws);
	vb_tensors_free(&ts);
}

/* ---- decision and table ---- */

static void decide(bench *b, int n, const params *pr) {
	double *p = VB_XMALLOC(sizeof *p * (size_t)(n + 1));
	int *idx = VB_XMALLOC(sizeof *idx * (size_t)(n + 1)), m = 0;
	for (int i = 0; i < n; i++)
		if (b[i].out != FAILED && !isnan(b[i].p)) p[m] = b[i].p, idx[m++] = i;
	vb_bh_adjust(p, m, p);
	for (int k = 0; k < m; k++)
		b[idx[k]].q = p[k];
	free(p), free(idx);
	double thr = pr->threshold / 100;
	for (int i = 0; i < n; i++) {
		bench *x = &b[i];
		if (x->out == FAILED || x->rounds == 0) continue;
		double change = x->ratio - 1;
		char interval[96];
		snprintf(interval, sizeof interval, "interval %+.1f%% to %+.1f%%", 100 * (x->lo - 1),
		         100 * (x->hi - 1));
		if (x->q <= pr->alpha && x->lo > 1 && change >= thr)
			x->out = SLOWER;
		else if (x->q <= pr->alpha && x->hi < 1 && change <= -thr)
			x->out = FASTER;
		else if (x->lo > 1 - thr && x->hi < 1 + thr)
			x->out = SAME;
		else {
			x->out = NOISY;
			char why[sizeof x->why];
			snprintf(why, sizeof why, "%s%s%.200s", interval, x->why[0] ? "; " : "", x->why);
			snprintf(x->why, sizeof x->why, "%s", why);
		}
	}
}

static int cmp_bench(const void *a, const void *b) {
	const bench *x = a, *y = b;
	double u = isnan(x->ratio) ? -INFINITY : x->ratio, v = isnan(y->ratio) ? -INFINITY : y->ratio;
	if (x->out == FAILED || y->out == FAILED) return (y->out == FAILED) - (x->out == FAILED);
	if (u != v) return u < v ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void parse_inject(params *pr) {
	const char *e = pr->inject, *slash = strchr(e, '/'), *colon = strrchr(e, ':');
	char *end;
	errno = 0;
	double pct = colon ? strtod(colon + 1, &end) : NAN;
	if (!slash || !colon || colon < slash || slash == e || colon == slash + 1 || errno || end == colon + 1 ||
	    *end || !(pct > 0 && pct <= 1000) || (size_t)(slash - e) >= sizeof pr->inject_op ||
	    (size_t)(colon - slash - 1) >= sizeof pr->inject_variant)
		vb_die(VB_EXIT_USAGE,
		       "bad --inject-new '%s': expected op/variant:PCT, e.g. dense_fwd/vec:10 (0 < PCT <= 1000)", e);
	memcpy(pr->inject_op, e, (size_t)(slash - e));
	memcpy(pr->inject_variant, slash + 1, (size_t)(colon - slash - 1));
	pr->inject_pct = pct;
}

const char vb_usage_ab[] =
    "  ab BASE.so NEW.so [--op REGEX] [--variant V[,V]] [--dims ...] [--threshold PCT] [--alpha A]\n"
    "     [--budget SECONDS] [--min-time SECONDS] [--seed N] [--block-ms MS] [--clock wall|cpu]\n"
    "     [--layouts N] [--inject-new OP/VARIANT:PCT] [--quiet]\n"
    "                                                  paired timing of two builds' libvbops.so in one\n"
    "                                                  process: exit 1 when a benchmark is SLOWER\n";

int vb_cmd_ab(int argc, char **argv) {
	enum {
		OP = 1,
		VARIANT,
		DIMS,
		THRESHOLD,
		ALPHA,
		BUDGET,
		SEED,
		INJECT_NEW,
		BLOCK_MS,
		QUIET,
		CLOCK,
		MIN_TIME,
		LAYOUTS
	};
	static const struct option opts[] = {{"op", required_argument, NULL, OP},
	                                     {"variant", required_argument, NULL, VARIANT},
	                                     {"dims", required_argument, NULL, DIMS},
	                                     {"threshold", required_argument, NULL, THRESHOLD},
	                                     {"alpha", required_argument, NULL, ALPHA},
	                                     {"budget", required_argument, NULL, BUDGET},
	                                     {"seed", required_argument, NULL, SEED},
	                                     {"inject-new", required_argument, NULL, INJECT_NEW},
	                                     {"block-ms", required_argument, NULL, BLOCK_MS},
	                                     {"quiet", no_argument, NULL, QUIET},
	                                     {"clock", required_argument, NULL, CLOCK},
	                                     {"min-time", required_argument, NULL, MIN_TIME},
	                                     {"layouts", required_argument, NULL, LAYOUTS},
	                                     {0}};
	const char *op = NULL, *variants = NULL, *dims = NULL, *threshold = NULL, *alpha = NULL, *budget = NULL,
	           *seed = NULL, *inject_new = NULL, *block_ms = NULL, *quiet = NULL, *clock_s = NULL, *min_time = NULL,
	           *layouts_s = NULL;
	vb_args args;
	vb_args_start(&args, "ab", vb_usage_ab, argc, argv, opts, 2, 0);
	for (int c; (c = vb_args_next(&args)) != -1;)
		switch (c) {
		case OP: op = args.value; break;
		case VARIANT: variants = args.value; break;
		case DIMS: dims = args.value; break;
		case THRESHOLD: threshold = args.value; break;
		case ALPHA: alpha = args.value; break;
		case BUDGET: budget = args.value; break;
		case SEED: seed = args.value; break;
		case INJECT_NEW: inject_new = args.value; break;
		case BLOCK_MS: block_ms = args.value; break;
		case QUIET: quiet = "1"; break;
		case CLOCK: clock_s = args.value; break;
		case MIN_TIME: min_time = args.value; break;
		case LAYOUTS: layouts_s = args.value; break;
		}
	if (args.npos != 2)
		vb_die(VB_EXIT_USAGE, "ab: expected two ops libraries: vecbench ab BASE.so NEW.so [options]");
	params pr = {.threshold = 5, .alpha = 0.05, .budget = 5, .block_s = 1e-3, .seed = 1, .min_time = 1};
	if (threshold) pr.threshold = vb_parse_double("--threshold", threshold);
	if (alpha) pr.alpha = vb_parse_double("--alpha", alpha);
	if (budget) pr.budget = vb_parse_double("--budget", budget);
	if (seed) pr.seed = vb_parse_u64("--seed", seed);
	int layouts = 4;
	if (layouts_s) {
		uint64_t l = vb_parse_u64("--layouts", layouts_s);
		if (l < 1 || l > MAX_LAYOUTS)
			vb_die(VB_EXIT_USAGE, "bad --layouts '%s': expected 1 to %d", layouts_s, MAX_LAYOUTS);
		layouts = (int)l;
	}
	if (min_time) pr.min_time = vb_parse_double("--min-time", min_time);
	if (block_ms) pr.block_s = vb_parse_double("--block-ms", block_ms) / 1000;
	pr.quiet = quiet != NULL;
	if (clock_s && !strcmp(clock_s, "cpu"))
		block_clock = CLOCK_PROCESS_CPUTIME_ID;
	else if (clock_s && strcmp(clock_s, "wall"))
		vb_die(VB_EXIT_USAGE, "bad --clock '%s': expected wall or cpu", clock_s);
	if (pr.alpha >= 1) vb_die(VB_EXIT_USAGE, "bad --alpha '%s': expected a number between 0 and 1", alpha);
	if (pr.threshold >= 1000) vb_die(VB_EXIT_USAGE, "bad --threshold: expected a percentage below 1000");
	if (pr.budget > 3600) vb_die(VB_EXIT_USAGE, "bad --budget '%s': at most 3600 seconds", budget);
	if (pr.block_s > 1) vb_die(VB_EXIT_USAGE, "bad --block-ms '%s': at most 1000", block_ms);
	if ((pr.inject = inject_new)) parse_inject(&pr);

	static build base, nw;
	atexit(remove_copies);
	load(&base, args.pos[0], NULL, 0);
	load(&nw, args.pos[1], &base, 1);
	add_layouts(&base, layouts, 0);
	add_layouts(&nw, layouts, 1);

	notes ns = {0};
	int n;
	bench *b = select_benches(&base, &nw, op, variants, dims, &n, &ns);
	if (n == 0) {
		vb_die(VB_EXIT_USAGE, "ab: %s and %s have no CPU op/variant in common%s%s%s%s", args.pos[0],
		       args.pos[1], op || variants ? " in the selection" : "", ns.n ? " (" : "", ns.n ? ns.text[0] : "",
		       ns.n ? ")" : "");
	}
	if (pr.inject) {
		int found = 0;
		for (int i = 0; i < n; i++)
			found |= !strcmp(b[i].op_new->name, pr.inject_op) &&
			         !strcmp(b[i].op_new->variants[b[i].vi_new].name, pr.inject_variant);
		if (!found)
			vb_die(VB_EXIT_USAGE, "--inject-new names %s/%s, which is not among the selected kernels",
			       pr.inject_op, pr.inject_variant);
	}
	rng_state = pr.seed * 0x9e3779b97f4a7c15ull + 1;

	int failed_new = 0;
	for (int i = 0; i < n; i++) {
		bench *x = &b[i];
		char wb[200] = "", wn[200] = "";
		int fb = check_version(&base, x->op_base, x->vi_base, x->dim, pr.seed, wb, sizeof wb);
		int fn = check_version(&nw, x->op_new, x->vi_new, x->dim, pr.seed, wn, sizeof wn);
		if (fb || fn) {
			x->out = FAILED;
			failed_new += fn != 0;
			snprintf(x->why, sizeof x->why, "%s%s%s%s%s", fb ? "base: " : "", fb ? wb : "",
			         fb && fn ? "; " : "", fn ? "new: " : "", fn ? wn : "");
			continue;
		}
		if (!pr.quiet) fprintf(stderr, "\r\033[K  timing %d of %d: %s", i + 1, n, x->name);
		time_bench(x, &base, &nw, &pr, n);
	}
	if (!pr.quiet) fprintf(stderr, "\r\033[K");
	decide(b, n, &pr);
	qsort(b, (size_t)n, sizeof *b, cmp_bench);

	printf("vecbench ab\n");
	printf("  base: %s  (%zu ops)\n", args.pos[0], base.n);
	printf("  new:  %s  (%zu ops)\n", args.pos[1], nw.n);
	printf("  mode: paired in one process: blocks of ~%g ms of calls (%s time), each round ABBA or BAAB at random, "
	       "same "
	       "inputs; per round the ratio new/base\n",
	       pr.block_s * 1e3, block_clock == CLOCK_MONOTONIC ? "wall" : "process CPU");
	printf("  test: sign test of the ratios against 1, Benjamini-Hochberg FDR %g; %g%% interval of the "
	       "median ratio; minimum effect %g%%\n",
	       pr.alpha, 100 * (1 - pr.alpha), pr.threshold);
	printf("  stop: after %g s of rounds, interval narrower than %g%%, inside or beyond +-%g%%; or %g s per "
	       "benchmark (then NOISY)\n",
	       fmin(pr.min_time, pr.budget / 2), pr.threshold, pr.threshold, pr.budget);
	printf("  layouts: each library loaded %d times at different addresses, one load drawn per version and "
	       "round (where the code lands moves a kernel's time by several percent)\n",
	       layouts);
	if (pr.inject)
		printf("  inject: %s/%s of the new build does %g%% more work (extra calls), to test the gate\n",
		       pr.inject_op, pr.inject_variant, pr.inject_pct);
	int w = 9;
	for (int i = 0; i < n; i++)
		if ((int)strlen(b[i].name) > w) w = (int)strlen(b[i].name);
	if (w > 90) w = 90;
	printf("\n%-*s %12s %12s %9s %19s %8s %8s %7s %6s  %s\n", w, "benchmark", "base", "new", "change", "interval",
	       "p", "q(BH)", "rounds", "secs", "result");
	int count[5] = {0};
	double logsum = 0;
	int timed = 0;
	for (int i = 0; i < n; i++) {
		bench *x = &b[i];
		char vb[32], vn[32], p[16], q[16], ci[40] = "-", ch[16] = "-", rounds[16] = "-", secs[16] = "-";
		vb_gate_fmt_ns(x->base_ns, vb, sizeof vb);
		vb_gate_fmt_ns(x->new_ns, vn, sizeof vn);
		vb_gate_fmt_p(x->p, p, sizeof p);
		vb_gate_fmt_p(x->q, q, sizeof q);
		if (!isnan(x->ratio)) {
			snprintf(ch, sizeof ch, "%+.1f%%", 100 * (x->ratio - 1));
			snprintf(ci, sizeof ci, "[%+.1f%%, %+.1f%%]", 100 * (x->lo - 1), 100 * (x->hi - 1));
			snprintf(rounds, sizeof rounds, "%d", x->rounds);
			snprintf(secs, sizeof secs, "%.1f", x->seconds);
			logsum += log(x->ratio), timed++;
		}
		printf("%-*s %12s %12s %9s %19s %8s %8s %7s %6s  %s%s%s%s\n", w, x->name, vb, vn, ch, ci, p, q, rounds,
		       secs, OUTCOME[x->out], x->why[0] ? " (" : "", x->why, x->why[0] ? ")" : "");
		count[x->out]++;
	}
	printf("\n");
	if (timed) {
		double g = exp(logsum / timed);
		printf("geomean time new/base over %d benchmark(s): %.4f (%+.1f%%; above 1 is worse)\n", timed, g,
		       100 * (g - 1));
	}
	if (timed) {
		double *st = VB_XMALLOC(sizeof *st * (size_t)timed), *sr = VB_XMALLOC(sizeof *sr * (size_t)timed);
		for (int i = 0, k = 0; i < n; i++)
			if (!isnan(b[i].ratio)) st[k] = b[i].spread_time, sr[k++] = b[i].spread_ratio;
		/* what the pairing removed: the machine's drift between blocks of one
		 * version against what is left in the ratio of neighbouring blocks */
		printf("spread (relative IQR, median over benchmarks): base block times %.1f%% (%.1f%% to %.1f%%), "
		       "paired ratios %.1f%% (%.1f%% to %.1f%%)\n",
		       100 * vb_quantile(st, timed, 0.5), 100 * vb_quantile(st, timed, 0),
		       100 * vb_quantile(st, timed, 1), 100 * vb_quantile(sr, timed, 0.5),
		       100 * vb_quantile(sr, timed, 0), 100 * vb_quantile(sr, timed, 1));
		free(st), free(sr);
	}
	printf("result: %d SLOWER, %d FASTER, %d SAME, %d NOISY", count[SLOWER], count[FASTER], count[SAME],
	       count[NOISY]);
	if (count[FAILED]) printf(", %d CHECK FAILED", count[FAILED]);
	printf(" (%d benchmark(s) in common)\n", n);
	for (int i = 0; i < ns.n; i++)
		printf("  note: %s\n", ns.text[i]);
	if (ns.more) printf("  note: %d more skipped\n", ns.more);
	free(b);
	return count[SLOWER] || failed_new ? VB_EXIT_FAIL : VB_EXIT_OK;
}
