/* Numerical equivalence: every variant against the float64 oracle, with a
 * bound derived from the data; backward ops against finite differences. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "vb_mpi.h"

/* Smallest normal of the variant's storage: below it rounding is absolute. */
static double tiny_of(vb_dtype t) {
	switch (t) {
	case VB_F64: return 0x1p-1022;
	case VB_F16: return 0x1p-14;
	default: return 0x1p-126; /* float32, bfloat16 */
	}
}

void vb_check_repro(const vb_op *op, const int64_t *dim, uint64_t seed, const char *variant, char *buf, size_t len) {
	char d[256];
	vb_dims_format(op, dim, ',', d, sizeof d);
	snprintf(buf, len, "build/vecbench check --op '^%s$' --dims %s --seed %llu%s%s", op->name, d,
	         (unsigned long long)seed, variant ? " --variant " : "", variant ? variant : "");
}

/* Per-element error scale of op's outputs; t holds the inputs on entry. */
static void error_scale(const vb_op *op, vb_tensors *t, vb_arena *ws) {
	vb_arena_reset(ws);
	if (op->mag) {
		op->mag(&(vb_call){.dim = t->dim, .t = t->ptr, .ws = ws});
		return;
	}
	/* K * sum|terms|: the oracle on |inputs| gives sum|a||b| for products. */
	for (int i = 0; i < t->n; i++)
		for (int64_t k = 0; k < t->numel[i]; k++)
			((double *)t->ptr[i])[k] = fabs(((double *)t->ptr[i])[k]);
	op->oracle(&(vb_call){.dim = t->dim, .t = t->ptr, .ws = ws});
	double depth = op->depth ? op->depth(t->dim) : 1.0;
	for (int i = 0; i < t->n; i++)
		if (op->tensors[i].dir != VB_IN)
			for (int64_t k = 0; k < t->numel[i]; k++)
				((double *)t->ptr[i])[k] = depth * fabs(((double *)t->ptr[i])[k]);
}

int vb_ref_init(vb_ref *r, const vb_op *op, const int64_t *dim, uint64_t seed, double scale) {
	memset(r, 0, sizeof *r);
	r->seed = seed;
	r->scale = scale;
	if (vb_tensors_alloc(&r->in, op, dim, VB_F64) != 0) return -1;
	if (vb_tensors_alloc(&r->out, op, dim, VB_F64) != 0) goto fail;
	if (vb_tensors_alloc(&r->mag, op, dim, VB_F64) != 0) goto fail;
	if (vb_fill_inputs(&r->in, seed, scale) != 0) goto fail;
	vb_tensors_poison_outputs(&r->in);
	vb_tensors_convert(&r->out, &r->in, 0);
	vb_arena *ws = vb_arena_new();
	op->oracle(&(vb_call){.dim = r->out.dim, .t = r->out.ptr, .ws = ws});
	vb_tensors_convert(&r->mag, &r->in, 0);
	error_scale(op, &r->mag, ws);
	vb_arena_free(ws);
	return 0;
fail:
	vb_ref_free(r);
	return -1;
}

void vb_ref_free(vb_ref *r) {
	vb_tensors_free(&r->in);
	vb_tensors_free(&r->out);
	vb_tensors_free(&r->mag);
}

static const char *value_kind(double v) { return isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf"); }

void vb_check_variant(const vb_ref *r, int vi, vb_check_result *res) {
	const vb_op *op = r->in.op;
	const vb_variant *v = &op->variants[vi];
	memset(res, 0, sizeof *res);
	res->what = v->name;
	res->tensor = -1;
	vb_tensors ts;
	if (vb_tensors_alloc(&ts, op, r->in.dim, v->dtype) != 0) {
		snprintf(res->msg, sizeof res->msg, "out of memory allocating the tensors");
		return;
	}
	vb_tensors_convert(&ts, &r->in, 0);
	vb_tensors_poison_outputs(&ts);
	vb_arena *ws = vb_arena_new();
	if (v->device == VB_CUDA) {
		char err[200];
		if (vb_cuda_call(v, &ts, ws, err, sizeof err) != 0) {
			snprintf(res->msg, sizeof res->msg, "CUDA error: %s", err);
			goto done;
		}
	} else if (v->distributed) {
		if (vb_mpi_checked_call(v, &(vb_call){.dim = ts.dim, .t = ts.ptr, .ws = ws}, &ts, res->msg,
		                        sizeof res->msg) != 0)
			goto done;
	} else {
		v->fn(&(vb_call){.dim = ts.dim, .t = ts.ptr, .ws = ws});
	}
	int broken = vb_tensors_guard_broken(&ts);
	if (broken >= 0) {
		res->tensor = broken;
		snprintf(res->msg, sizeof res->msg, "wrote out of bounds of tensor %s (canary overwritten)",
		         op->tensors[broken].name);
		goto done;
	}
	/* mag is depth * sum|terms|; mixed precision adds its storage roundings
	 * once, not once per term. */
	double u = vb_unit_roundoff(v), tiny = tiny_of(v->dtype);
	if (v->storage_roundings > 0)
		u += v->storage_roundings * vb_storage_roundoff(v) / (op->depth ? op->depth(ts.dim) : 1.0);
	res->pass = 1;
	for (int i = 0; i < ts.n && res->pass; i++) {
		if (op->tensors[i].dir == VB_IN) continue;
		const double *want = r->out.ptr[i], *mag = r->mag.ptr[i];
		for (int64_t k = 0; k < ts.numel[i]; k++) {
			double got = vb_load(ts.ptr[i], ts.dtype, k), exp = want[k];
			if (!isfinite(got) || !isfinite(exp)) {
				int same = isnan(got) ? isnan(exp) : got == exp;
				if (!same) {
					res->pass = 0;
					res->ratio = INFINITY;
					res->tensor = i;
					res->index = k;
					res->expected = exp;
					res->actual = got;
					snprintf(res->msg, sizeof res->msg,
					         "non-finite value: %s[%lld] = %s, expected %.9g", op->tensors[i].name,
					         (long long)k, isfinite(got) ? "finite" : value_kind(got), exp);
					if (isfinite(got))
						snprintf(res->msg, sizeof res->msg,
						         "oracle is non-finite: %s[%lld] expected %s, got %.9g",
						         op->tensors[i].name, (long long)k, value_kind(exp), got);
					break;
				}
				continue;
			}
			double bound = u * mag[k] + tiny, ratio = fabs(got - exp) / bound;
			if (ratio > res->ratio || res->tensor < 0) {
				res->ratio = ratio;
				res->tensor = i;
				res->index = k;
				res->expected = exp;
				res->actual = got;
			}
		}
	}
	if (res->pass && res->ratio > 1) {
		res->pass = 0;
		snprintf(res->msg, sizeof res->msg, "%s[%lld]: expected %.9g, got %.9g (|err|/bound %.3g)",
		         op->tensors[res->tensor].name, (long long)res->index, res->expected, res->actual, res->ratio);
	}
done:
	vb_arena_free(ws);
	vb_tensors_free(&ts);
}

/* ---- gradient check ---- */

typedef struct {
	const vb_op *fwd;
	vb_tensors x;   /* forward inputs, outputs land here */
	vb_tensors mag; /* forward error scale */
	vb_arena *ws;
	double *G[VB_MAX_TENSORS]; /* upstream gradient of each forward output */
} fd_ctx;

static void run_fwd(fd_ctx *f, vb_tensors *t) {
	vb_arena_reset(f->ws);
	f->fwd->oracle(&(vb_call){.dim = t->dim, .t = t->ptr, .ws = f->ws});
}

/* sum_o G_o . (out(x + h e_j) - out(x - h e_j)) / 2h, and its rounding bound. */
static double central_diff(fd_ctx *f, vb_tensors *plus, vb_tensors *minus, int ti, int64_t j, double h, double *round) {
	double x0 = ((double *)f->x.ptr[ti])[j];
	((double *)plus->ptr[ti])[j] = x0 + h;
	((double *)minus->ptr[ti])[j] = x0 - h;
	double hh = ((double *)plus->ptr[ti])[j] - ((double *)minus->ptr[ti])[j]; /* the step actually taken */
	run_fwd(f, plus);
	run_fwd(f, minus);
	((double *)plus->ptr[ti])[j] = x0;
	((double *)minus->ptr[ti])[j] = x0;
	double diff = 0, s = 0;
	for (int o = 0; o < f->x.n; o++) {
		if (f->fwd->tensors[o].dir == VB_IN) continue;
		const double *a = plus->ptr[o], *b = minus->ptr[o], *m = f->mag.ptr[o];
		for (int64_t k = 0; k < f->x.numel[o]; k++) {
			double g = f->G[o] ? f->G[o][k] : 1.0;
			/* A scalar output (a loss) depends on every input: its rounding
			 * counts even when the step moved it by less than an ulp. */
			if (a[k] != b[k] || f->x.numel[o] == 1) {
				diff += g * (a[k] - b[k]);
				s += fabs(g) * m[k];
			}
		}
	}
	/* Each affected output is off by at most u*mag in both evaluations. */
	*round = 2 * 0x1p-53 * s / hh;
	return diff / hh;
}

int vb_check_grad(const vb_op *op, const int64_t *dim, uint64_t seed, vb_check_result *res) {
	memset(res, 0, sizeof *res);
	res->what = "grad";
	res->tensor = -1;
	if (!op->fwd) return 0;
	vb_ref r;
	if (vb_ref_init(&r, op, dim, seed, 1.0) != 0) {
		snprintf(res->msg, sizeof res->msg, "out of memory, or forward op '%s' unknown", op->fwd);
		return 1;
	}
	fd_ctx f = {.fwd = vb_op_find(op->fwd)};
	int64_t fdim[VB_MAX_DIMS] = {0};
	vb_fwd_dims(op, f.fwd, dim, fdim); /* vb_ref_init checked it */
	vb_tensors plus, minus;
	if (vb_tensors_alloc(&f.x, f.fwd, fdim, VB_F64) || vb_tensors_alloc(&f.mag, f.fwd, fdim, VB_F64) ||
	    vb_tensors_alloc(&plus, f.fwd, fdim, VB_F64) || vb_tensors_alloc(&minus, f.fwd, fdim, VB_F64)) {
		snprintf(res->msg, sizeof res->msg, "out of memory");
		vb_ref_free(&r);
		return 1;
	}
	f.ws = vb_arena_new();
	/* Forward inputs as vb_fill_inputs made them for the backward op; the
	 * upstream gradient of forward output Z is the backward input dZ (else 1). */
	vb_fill_fwd_inputs(&f.x, op, seed, 1.0);
	char dname[64];
	for (int i = 0; i < f.x.n; i++) {
		snprintf(dname, sizeof dname, "d%s", f.fwd->tensors[i].name);
		int bi = vb_op_tensor_index(op, dname);
		if (f.fwd->tensors[i].dir == VB_OUT && bi >= 0) f.G[i] = r.in.ptr[bi];
	}
	vb_tensors_convert(&f.mag, &f.x, 0);
	error_scale(f.fwd, &f.mag, f.ws);
	vb_tensors_convert(&plus, &f.x, 0);
	vb_tensors_convert(&minus, &f.x, 0);
	res->pass = 1;
	int checked = 0;
	for (int bo = 0; bo < r.out.n && res->pass; bo++) {
		const vb_tensor *t = &op->tensors[bo];
		if (t->dir != VB_OUT || t->name[0] != 'd') continue;
		int ti = vb_op_tensor_index(f.fwd, t->name + 1);
		if (ti < 0 || f.fwd->tensors[ti].dir == VB_OUT) continue;
		int64_t n = f.x.numel[ti];
		uint64_t s = seed ^ vb_hash_str(t->name);
		for (int sample = 0; sample < 6 && sample < n; sample++) {
			int64_t j = sample == 0 ? 0 : sample == 1 ? n - 1 : (int64_t)(vb_splitmix64(&s) % (uint64_t)n);
			double x0 = ((double *)f.x.ptr[ti])[j];
			double h = 0x1p-17 * (fabs(x0) > 1 ? fabs(x0) : 1); /* ~ u^(1/3) */
			double r1, r2;
			double d1 = central_diff(&f, &plus, &minus, ti, j, h, &r1);
			double d2 = central_diff(&f, &plus, &minus, ti, j, 2 * h, &r2);
			double an = ((double *)r.out.ptr[bo])[j];
			/* Truncation error ~ |d1 - d2| / 3 by Richardson; allow 2x that plus rounding. */
			double tol = 2 * fabs(d1 - d2) + r1 + r2 + 0x1p-52 * ((double *)r.mag.ptr[bo])[j] + 1e-300;
			double ratio = fabs(d1 - an) / tol;
			checked++;
			if (ratio > res->ratio || res->tensor < 0) {
				res->ratio = ratio;
				res->tensor = bo;
				res->index = j;
				res->expected = d1;
				res->actual = an;
			}
			if (!isfinite(an) || ratio > 1) {
				res->pass = 0;
				snprintf(res->msg, sizeof res->msg,
				         "%s[%lld]: finite difference %.12g, oracle gradient %.12g (|err|/tol %.3g)",
				         t->name, (long long)j, d1, an, ratio);
				break;
			}
		}
	}
	if (res->pass && !checked) {
		res->pass = 0;
		snprintf(res->msg, sizeof res->msg, "no output d<X> of %s matches an input of %s", op->name, op->fwd);
	}
	vb_arena_free(f.ws);
	vb_tensors_free(&f.x);
	vb_tensors_free(&f.mag);
	vb_tensors_free(&plus);
	vb_tensors_free(&minus);
	vb_ref_free(&r);
	return 1;
}
