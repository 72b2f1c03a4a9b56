/* Numerical equivalence: every variant against the float64 oracle, with a
 * bound derived from the data; backward ops against finite differences. */
#include <math.h>
#include <stdlib.h>
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
	return vb_ref_init_mode(r, op, dim, seed, scale, VB_MODE_RANDOM);
}

int vb_ref_init_mode(vb_ref *r, const vb_op *op, const int64_t *dim, uint64_t seed, double scale, vb_mode mode) {
	memset(r, 0, sizeof *r);
	r->seed = seed;
	r->scale = scale;
	r->mode = mode;
	r->density = 1;
	if (mode == VB_MODE_EXACT && op->exact_density) {
		r->density = op->exact_density(dim);
		if (!(r->density > 0) || r->density > 1) r->density = 1;
	}
	if (vb_tensors_alloc(&r->in, op, dim, VB_F64) != 0) return -1;
	if (vb_tensors_alloc(&r->out, op, dim, VB_F64) != 0) goto fail;
	if (vb_tensors_alloc(&r->mag, op, dim, VB_F64) != 0) goto fail;
	vb_fill_opts fo = {.scale = scale, .mode = mode, .density = r->density};
	if (vb_fill_inputs_opts(&r->in, seed, &fo) != 0) goto fail;
	vb_tensors_poison_outputs(&r->in);
	vb_tensors_convert(&r->out, &r->in, 0);
	vb_arena *ws = vb_arena_new();
	op->oracle(&(vb_call){.dim = r->out.dim, .t = r->out.ptr, .ws = ws});
	if (mode == VB_MODE_EXACT) {
		/* Every sum is exact: what remains is relative to the result. */
		for (int i = 0; i < r->out.n; i++)
			for (int64_t k = 0; k < r->out.numel[i]; k++)
				((double *)r->mag.ptr[i])[k] = fabs(((double *)r->out.ptr[i])[k]);
	} else {
		vb_tensors_convert(&r->mag, &r->in, 0);
		error_scale(op, &r->mag, ws);
	}
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

/* The bias test: rounding errors of a correct kernel share no common
 * scale, so the least-squares fit e_k = delta * x_k of the errors on the
 * expected values (on the update, for an output that updates an input) has
 * delta near 0. It fails when delta is both significant, more than
 * BIAS_LAMBDA standard errors (the heteroskedasticity-robust one of the fit,
 * from the errors themselves, so its power does not depend on how loose the
 * per-element bound is), and larger than BIAS_FLOOR_U units of roundoff: a
 * shared rounding (fl(1/m), fl(lr), a row's sum) is a legitimate common
 * scale of an ulp or so, and correlated ones through a cancelling sum were
 * seen at 53 units (softmax's row sums in an MLP's db3, 33 classes). alpha = 1.0001 or lr * 1.001 are thousands of
 * units, a dropped 1% of terms tens of thousands. */
#define BIAS_LAMBDA 8.0
#define BIAS_FLOOR_U 64.0
/* A long sequential float32 sum (the textbook loop's) shares more of a drift
 * than a short one: 87 units were seen in nn2_bwd's dTheta2, a sum over
 * m = 16384 examples. So the floor grows as BIAS_DEPTH_U sqrt(K) units for
 * sums of K terms, K the op's depth or, without one, its largest dim: 256
 * units at K = 16384, still well under the planted scales above. */
#define BIAS_DEPTH_U 2.0
/* Fewer elements leave the standard error itself unreliable: correlated
 * roundings (a shared row sum) across a handful of outputs look systematic. */
#define BIAS_MIN_ELEMENTS 48

/* What an output updates: its own input values (VB_INOUT), or the input
 * named like it with a 0 (theta from theta0); NULL for a plain output. */
static const double *update_base(const vb_ref *r, int ti) {
	const vb_op *op = r->in.op;
	if (op->tensors[ti].dir == VB_INOUT) return r->in.ptr[ti];
	char name[64];
	snprintf(name, sizeof name, "%s0", op->tensors[ti].name);
	int b = vb_op_tensor_index(op, name);
	return b >= 0 && op->tensors[b].dir == VB_IN && r->in.numel[b] == r->in.numel[ti] ? r->in.ptr[b] : NULL;
}

static int bias_test(const vb_op *op, const vb_variant *v, int ti, const vb_ref *r, const vb_tensors *ts,
                     double u_arith, vb_check_result *res) {
	const double *want = r->out.ptr[ti], *in = update_base(r, ti);
	int inout = in != NULL;
	double sex = 0, sxx = 0;
	int64_t n = 0;
	for (int64_t k = 0; k < ts->numel[ti]; k++) {
		double got = vb_load(ts->ptr[ti], ts->dtype, k), exp = want[k];
		if (!isfinite(got) || !isfinite(exp)) continue;
		double x = inout ? exp - in[k] : exp;
		sex += (got - exp) * x;
		sxx += x * x;
		n++;
	}
	if (!(sxx > 0) || n < BIAS_MIN_ELEMENTS) return 1;
	double delta = sex / sxx, var = 0;
	for (int64_t k = 0; k < ts->numel[ti]; k++) {
		double got = vb_load(ts->ptr[ti], ts->dtype, k), exp = want[k];
		if (!isfinite(got) || !isfinite(exp)) continue;
		double x = inout ? exp - in[k] : exp, resid = got - exp - delta * x;
		var += resid * resid * x * x;
	}
	/* Mixed precision rounds its inputs: one rounded weight is a common
	 * scale of every output it feeds, up to u_storage each. */
	double longest = 0;
	if (op->depth)
		longest = op->depth(ts->dim);
	else
		for (int d = 0; d < vb_op_ndims(op); d++)
			longest = fmax(longest, (double)ts->dim[d]);
	double floor = fmax(BIAS_FLOOR_U, BIAS_DEPTH_U * sqrt(longest)) * u_arith;
	if (r->mode != VB_MODE_EXACT) floor += 2 * v->storage_roundings * vb_storage_roundoff(v);
	floor = fmax(floor, v->bias_floor);
	double se = sqrt(var) / sxx, allowed = fmax(BIAS_LAMBDA * se, floor);
	double z = fabs(delta) / allowed;
	if (z > res->bias) res->bias = z;
	if (z <= 1) return 1;
	snprintf(res->msg, sizeof res->msg,
	         "%s%s is %.6g times the oracle's (bias test: %.3g standard errors, %.3g units of roundoff)",
	         op->tensors[ti].name, inout ? "'s update" : "", 1 + delta, fabs(delta) / se, fabs(delta) / u_arith);
	return 0;
}

void vb_check_outputs(const vb_ref *r, int vi, const vb_tensors *ts, vb_check_result *res) {
	const vb_op *op = r->in.op;
	const vb_variant *v = &op->variants[vi];
	double u_arith = vb_unit_roundoff(v), u = u_arith, tiny = tiny_of(v->dtype);
	if (r->mode == VB_MODE_EXACT) {
		/* Only the final roundings: the op's (a 1/m scale) and the store
		 * to a storage type coarser than the arithmetic. */
		double u_out = vb_dtype_roundoff(v->dtype);
		int n_out = v->output_roundings > 0 ? v->output_roundings : 1;
		u = op->exact_roundings * u_arith + (u_out > u_arith ? n_out * u_out : 0);
	} else if (v->storage_roundings > 0) {
		/* mag is depth * sum|terms|; mixed precision adds its storage
		 * roundings once, not once per term. */
		u += (v->storage_roundings + v->storage_accum_terms) * vb_storage_roundoff(v) /
		     (op->depth ? op->depth(ts->dim) : 1.0);
	}
	res->pass = 1;
	for (int i = 0; i < ts->n && res->pass; i++) {
		if (op->tensors[i].dir == VB_IN) continue;
		const double *want = r->out.ptr[i], *mag = r->mag.ptr[i];
		for (int64_t k = 0; k < ts->numel[i]; k++) {
			double got = vb_load(ts->ptr[i], ts->dtype, k), exp = want[k];
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
	for (int i = 0; i < ts->n && res->pass; i++)
		if (op->tensors[i].dir != VB_IN && ts->numel[i] > 1 && !bias_test(op, v, i, r, ts, u_arith, res)) {
			res->pass = 0;
			res->tensor = i;
		}
}

/* Wide logits on the textbook form that overflows there: the check is that
 * it does overflow, so the stable form's advantage is measured, not assumed. */
static void check_overflows(const vb_ref *r, const vb_tensors *ts, vb_check_result *res) {
	const vb_op *op = r->in.op;
	res->ratio = 0;
	for (int i = 0; i < ts->n; i++) {
		if (op->tensors[i].dir == VB_IN) continue;
		for (int64_t k = 0; k < ts->numel[i]; k++)
			if (!isfinite(vb_load(ts->ptr[i], ts->dtype, k))) {
				res->pass = 1;
				res->tensor = i;
				res->index = k;
				snprintf(res->msg, sizeof res->msg,
				         "overflows as expected at logits of +-[100, 1000): %s[%lld] is not finite",
				         op->tensors[i].name, (long long)k);
				return;
			}
	}
	res->pass = 0;
	res->ratio = INFINITY;
	snprintf(res->msg, sizeof res->msg,
	         "expected a non-finite output at logits of +-[100, 1000) (the unstable form overflows there)");
}

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
	vb_arena_poison(ws);
	if (v->distributed) { /* on every rank, a CUDA one through the bridge */
		if (vb_mpi_checked_call(v, &(vb_call){.dim = ts.dim, .t = ts.ptr, .ws = ws}, &ts, res->msg,
		                        sizeof res->msg) != 0)
			goto done;
	} else if (v->device == VB_CUDA) {
		char err[200];
		if (vb_cuda_call(v, &ts, ws, err, sizeof err) != 0) {
			snprintf(res->msg, sizeof res->msg, "CUDA error: %s", err);
			goto done;
		}
	} else if (v->device == VB_PEER) {
		char err[sizeof res->msg];
		if (vb_peer_call(v, &ts, err, sizeof err) != 0) {
			snprintf(res->msg, sizeof res->msg, "%s", err);
			goto done;
		}
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
	if (r->mode == VB_MODE_WIDE && op->wide == VB_WIDE_OVERFLOWS)
		check_overflows(r, &ts, res);
	else
		vb_check_outputs(r, vi, &ts, res);
done:
	vb_arena_free(ws);
	vb_tensors_free(&ts);
}

/* ---- sensitivity self-test ---- */

enum {
	PERTURB_ZEROS,
	PERTURB_LAST_ROW,
	PERTURB_LAST_COL,
	PERTURB_DUP_ROW,
	PERTURB_SCALE,
	PERTURB_TRANSPOSE,
	PERTURB_SIGN,
	NPERTURB
};
static const char *const perturb_name[NPERTURB] = {
    "all zeros",          "last row dropped", "last column dropped",       "a row duplicated into the next",
    "scaled by 1 + 1e-3", "transposed",       "one element's sign flipped"};

/* Perturbs d (rows x cols, the output or, for a tensor updated in place,
 * its update). 0 when the perturbation does not apply to this shape. */
static int perturb(int p, double *d, const double *orig, int64_t rows, int64_t cols) {
	int64_t n = rows * cols;
	switch (p) {
	case PERTURB_ZEROS: memset(d, 0, sizeof(double) * (size_t)n); return 1;
	case PERTURB_LAST_ROW:
		if (rows < 2) return 0;
		memset(d + (rows - 1) * cols, 0, sizeof(double) * (size_t)cols);
		return 1;
	case PERTURB_LAST_COL:
		if (cols < 2) return 0;
		for (int64_t i = 0; i < rows; i++)
			d[i * cols + cols - 1] = 0;
		return 1;
	case PERTURB_DUP_ROW:
		if (rows < 2) return 0;
		memcpy(d + (rows - 1) * cols, d + (rows - 2) * cols, sizeof(double) * (size_t)cols);
		return 1;
	case PERTURB_SCALE:
		for (int64_t k = 0; k < n; k++)
			d[k] *= 1 + 1e-3;
		return 1;
	case PERTURB_TRANSPOSE: /* the cols x rows transpose written into the buffer */
		if (rows < 2 || cols < 2) return 0;
		for (int64_t a = 0; a < cols; a++)
			for (int64_t b = 0; b < rows; b++)
				d[a * rows + b] = orig[b * cols + a];
		return 1;
	case PERTURB_SIGN: {
		int64_t w = 0;
		for (int64_t k = 1; k < n; k++)
			if (fabs(orig[k]) > fabs(orig[w])) w = k;
		d[w] = -d[w];
		return 1;
	}
	}
	return 0;
}

/* The oracle's outputs in the variant's dtype (the check reads no input). */
static void copy_outputs(vb_tensors *ts, const vb_tensors *out) {
	for (int i = 0; i < ts->n; i++)
		if (ts->op->tensors[i].dir != VB_IN)
			for (int64_t k = 0; k < ts->numel[i]; k++)
				vb_store(ts->ptr[i], ts->dtype, k, ((double *)out->ptr[i])[k]);
}

#define PERTURB_MIN_SHARE 1e-4

/* Outcome of one perturbation of tensor ti against one reference:
 * -1 not applicable or below the storage's resolution, 0 accepted, 1 rejected. */
static int try_perturbation(const vb_ref *r, int vi, int ti, int p, vb_tensors *ts, double *d, double *orig) {
	const vb_op *op = r->in.op;
	const vb_variant *v = &op->variants[vi];
	int64_t n = ts->numel[ti];
	int64_t rows = op->tensors[ti].rows == VB_ONE ? 1 : ts->dim[op->tensors[ti].rows];
	int64_t cols = n / rows;
	const double *want = r->out.ptr[ti], *in = update_base(r, ti);
	int inout = in != NULL;
	for (int64_t k = 0; k < n; k++) {
		if (!isfinite(want[k])) return -1;
		orig[k] = d[k] = inout ? want[k] - in[k] : want[k];
	}
	if (!perturb(p, d, orig, rows, cols)) return -1;
	copy_outputs(ts, &r->out);
	double u_out = vb_dtype_roundoff(v->dtype), tiny = tiny_of(v->dtype);
	int visible = 0;
	double change2 = 0, size2 = 0;
	for (int64_t k = 0; k < n; k++) {
		double x = inout ? in[k] + d[k] : d[k];
		vb_store(ts->ptr[ti], ts->dtype, k, x);
		double change = vb_load(ts->ptr[ti], ts->dtype, k) - want[k];
		/* A change the storage type cannot resolve is no test of the check. */
		if (fabs(change) > 4 * u_out * fabs(want[k]) + tiny) visible = 1;
		change2 += change * change;
		size2 += orig[k] * orig[k];
	}
	/* Nor is one that moves the tensor by less than 1e-4 of its norm: the
	 * dropped element was ~0 on this data (a ReLU unit that barely fired). */
	if (!visible || change2 <= PERTURB_MIN_SHARE * PERTURB_MIN_SHARE * size2) return -1;
	vb_check_result res;
	memset(&res, 0, sizeof res);
	res.tensor = -1;
	vb_check_outputs(r, vi, ts, &res);
	return !res.pass;
}

int vb_self_test(const vb_ref *refs, int nrefs, int vi, int *tried, char *msg, size_t len) {
	const vb_op *op = refs[0].in.op;
	const vb_variant *v = &op->variants[vi];
	int missed = 0;
	*tried = 0;
	msg[0] = 0;
	for (int j = 0; j < nrefs; j++) {
		vb_tensors ts;
		if (vb_tensors_alloc(&ts, op, refs[j].in.dim, v->dtype) != 0) {
			snprintf(msg, len, "out of memory");
			return -1;
		}
		copy_outputs(&ts, &refs[j].out);
		vb_check_result res;
		memset(&res, 0, sizeof res);
		res.tensor = -1;
		vb_check_outputs(&refs[j], vi, &ts, &res);
		vb_tensors_free(&ts);
		if (!res.pass) {
			snprintf(msg, len, "rejects the oracle's own outputs (%s data): %s", vb_mode_name(refs[j].mode),
			         res.msg);
			return -1;
		}
	}
	for (int ti = 0; ti < vb_op_ntensors(op); ti++) {
		if (op->tensors[ti].dir == VB_IN) continue;
		for (int p = 0; p < NPERTURB; p++) {
			int applicable = 0, rejected = 0;
			for (int j = 0; j < nrefs && !rejected; j++) {
				vb_tensors ts;
				int64_t n = refs[j].out.numel[ti];
				double *d = malloc(sizeof(double) * (size_t)n),
				       *orig = malloc(sizeof(double) * (size_t)n);
				if (!d || !orig || vb_tensors_alloc(&ts, op, refs[j].in.dim, v->dtype) != 0) {
					free(d);
					free(orig);
					snprintf(msg, len, "out of memory");
					return -1;
				}
				int o = try_perturbation(&refs[j], vi, ti, p, &ts, d, orig);
				vb_tensors_free(&ts);
				free(d);
				free(orig);
				if (o >= 0) applicable = 1;
				if (o == 1) rejected = 1;
			}
			if (!applicable) continue;
			(*tried)++;
			if (!rejected) {
				if (!missed)
					snprintf(msg, len, "accepts %s%s %s", op->tensors[ti].name,
					         update_base(&refs[0], ti) ? "'s update" : "", perturb_name[p]);
				missed++;
			}
		}
	}
	return missed;
}

/* ---- gradient check ---- */

enum { GRAD_SAMPLES = 256 };

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
	vb_fill_fwd_inputs(&f.x, op, seed, &(vb_fill_opts){.scale = 1, .density = 1});
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
		/* Every element of a small tensor; of a large one the first, the
		 * last and GRAD_SAMPLES - 2 drawn at random. */
		int64_t samples = n <= GRAD_SAMPLES ? n : GRAD_SAMPLES;
		for (int64_t sample = 0; sample < samples; sample++) {
			int64_t j = n <= GRAD_SAMPLES ? sample
			            : sample == 0     ? 0
			            : sample == 1     ? n - 1
			                              : (int64_t)(vb_splitmix64(&s) % (uint64_t)n);
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
