/* A 3-layer MLP, X m*d -> h1 -> h2 -> k (default 784-256-128-10): ReLU
 * hidden layers, softmax cross-entropy output, Y one-hot rows; W1 h1*d,
 * W2 h2*h1, W3 k*h2, biases as rows. L is the batch's mean loss.
 *
 * mlp_fwd:        L = 1/m sum_i -y_i . log softmax(W3 relu(W2 relu(W1 x_i + b1) + b2) + b3)
 * mlp_bwd:        dL/dW1 .. dL/db3 by backpropagation (the forward pass recomputed:
 *                 its activations are what backpropagation consumes), checked
 *                 against finite differences of mlp_fwd
 * mlp_train_step: one SGD step, W <- W - MLP_LR dL/dW, on every weight and bias
 *
 * The loop variants are reference/mlp_step.inc; vec is kernels/cpu/mlp.c. */
#include <cblas.h>

#define MLP_TRAIN_STEP_LOOP mlp_train_step_loop
#include "mlp_step.inc"
#include "prob_bound.h"

/* ---- loop ---- */

static void mlp_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M];
	loop_example e = loop_example_alloc(c);
	float L = 0;
	for (int64_t i = 0; i < m; i++) /* for each example */
		L += loop_example_forward(c, i, &e);
	((float *)c->t[T_OUT])[0] = L / (float)m;
}

static void mlp_bwd_loop(const vb_call *c) {
	float *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = c->t[T_OUT + l];
	loop_batch_gradient(c, g);
}

/* ---- float64 oracle, the batch as matrices ---- */

typedef struct {
	double *Z1, *A1, *Z2, *A2, *P; /* P: softmax of Z3 */
	double L;
} oracle_cache;

/* Z = A_prev W^T + b, A = relu(Z) when relu, one loop per index. */
static void oracle_layer(int64_t m, int64_t in, int64_t out, const double *Ap, const double *W, const double *b,
                         double *Z, double *A) {
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < out; j++) {
			double z = b[j];
			for (int64_t q = 0; q < in; q++)
				z += Ap[i * in + q] * W[j * in + q];
			Z[i * out + j] = z;
			if (A) A[i * out + j] = z > 0 ? z : 0;
		}
}

static oracle_cache oracle_forward(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	const double *Y = c->t[T_Y];
	oracle_cache f;
	double **bufs[] = {&f.Z1, &f.A1, &f.Z2, &f.A2, &f.P};
	int64_t sizes[] = {h1, h1, h2, h2, k};
	for (int b = 0; b < 5; b++)
		*bufs[b] = vb_scratch(c, sizeof(double) * (size_t)(m * sizes[b]));
	oracle_layer(m, d, h1, c->t[T_X], c->t[T_W1], c->t[T_B1], f.Z1, f.A1);
	oracle_layer(m, h1, h2, f.A1, c->t[T_W2], c->t[T_B2], f.Z2, f.A2);
	oracle_layer(m, h2, k, f.A2, c->t[T_W3], c->t[T_B3], f.P, NULL);
	f.L = 0;
	for (int64_t i = 0; i < m; i++) {
		double *z = f.P + i * k, zmax = z[0], sum = 0;
		for (int64_t o = 1; o < k; o++)
			zmax = z[o] > zmax ? z[o] : zmax;
		for (int64_t o = 0; o < k; o++)
			sum += exp(z[o] - zmax);
		double lse = zmax + log(sum);
		for (int64_t o = 0; o < k; o++) {
			f.L += Y[i * k + o] * (lse - z[o]);
			z[o] = exp(z[o] - lse);
		}
	}
	f.L /= m;
	return f;
}

/* dA_prev = dZ W; dW = dZ^T A_prev, db = sum_i dZ (accumulated row by row). */
static void oracle_layer_back(int64_t m, int64_t in, int64_t out, const double *dZ, const double *Ap, const double *W,
                              double *dW, double *db, double *dAp) {
	for (int64_t j = 0; j < out; j++) {
		db[j] = 0;
		for (int64_t q = 0; q < in; q++)
			dW[j * in + q] = 0;
	}
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < out; j++) {
			db[j] += dZ[i * out + j];
			for (int64_t q = 0; q < in; q++)
				dW[j * in + q] += dZ[i * out + j] * Ap[i * in + q];
		}
	if (!dAp) return;
	for (int64_t i = 0; i < m; i++) {
		for (int64_t q = 0; q < in; q++)
			dAp[i * in + q] = 0;
		for (int64_t j = 0; j < out; j++)
			for (int64_t q = 0; q < in; q++)
				dAp[i * in + q] += dZ[i * out + j] * W[j * in + q];
	}
}

/* g = {dW1, db1, dW2, db2, dW3, db3} of the mean loss. */
static void oracle_gradient(const vb_call *c, const oracle_cache *f, double *const g[6]) {
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	const double *Y = c->t[T_Y];
	double *dZ3 = vb_scratch(c, sizeof(double) * (size_t)(m * k));
	double *dZ2 = vb_scratch(c, sizeof(double) * (size_t)(m * h2));
	double *dZ1 = vb_scratch(c, sizeof(double) * (size_t)(m * h1));
	for (int64_t i = 0; i < m * k; i++)
		dZ3[i] = (f->P[i] - Y[i]) / m;
	oracle_layer_back(m, h2, k, dZ3, f->A2, c->t[T_W3], g[4], g[5], dZ2);
	for (int64_t i = 0; i < m * h2; i++)
		dZ2[i] = f->Z2[i] > 0 ? dZ2[i] : 0;
	oracle_layer_back(m, h1, h2, dZ2, f->A1, c->t[T_W2], g[2], g[3], dZ1);
	for (int64_t i = 0; i < m * h1; i++)
		dZ1[i] = f->Z1[i] > 0 ? dZ1[i] : 0;
	oracle_layer_back(m, d, h1, dZ1, c->t[T_X], c->t[T_W1], g[0], g[1], NULL);
}

static void param_sizes(const int64_t *dim, int64_t n[6]) {
	int64_t d = dim[D], h1 = dim[H1], h2 = dim[H2], k = dim[K];
	int64_t s[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	for (int l = 0; l < 6; l++)
		n[l] = s[l];
}

static void mlp_fwd_oracle(const vb_call *c) { ((double *)c->t[T_OUT])[0] = oracle_forward(c).L; }

static void mlp_bwd_oracle(const vb_call *c) {
	oracle_cache f = oracle_forward(c);
	double *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = c->t[T_OUT + l];
	oracle_gradient(c, &f, g);
}

static void mlp_train_step_oracle(const vb_call *c) {
	int64_t n[6];
	param_sizes(c->dim, n);
	oracle_cache f = oracle_forward(c);
	double *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = vb_scratch(c, sizeof(double) * (size_t)n[l]);
	oracle_gradient(c, &f, g);
	for (int l = 0; l < 6; l++) {
		double *w = c->t[T_W1 + l];
		for (int64_t j = 0; j < n[l]; j++)
			w[j] -= MLP_LR * g[l][j];
	}
}

/* ---- error scales, in units of u ----
 * A worst-case bound (K u sum|terms| per product, errors carried through |W|)
 * grows by the fan-in at every layer: at 784-256-128-10 it allows the logits
 * an error of ~100, which bounds nothing. So these follow probabilistic
 * rounding error analysis (Higham & Mary, SIAM J. Sci. Comput. 2019): with
 * rounding errors independent and mean-zero, a length-K product is off by at
 * most LAMBDA sqrt(K) u sum|terms| except with probability 2 exp(-LAMBDA^2/2).
 * Each value carries an error scale sigma (|error| <= LAMBDA u sigma) in two
 * parts: `ind`, its own roundings, independent of its neighbours', which a
 * product combines in quadrature (sqrt(sum w^2 ind^2)); and `cor`, inherited
 * and possibly shared with its neighbours, which a product combines linearly
 * (sum |w| cor). Examples never share roundings, so sums over the batch
 * combine in quadrature. Softmax and the loss use their first-order slopes
 * (P(1 - P), p - y), which a saturated softmax makes small.
 * ReLU's derivative jumps at 0: where |Z| <= LAMBDA u_p sigma(Z), a variant
 * of precision u_p may take the other side, so dZ there may be off by |dA|;
 * sigma admits 2 |dA| / (LAMBDA u_p) for each precision u_p the op's variants
 * use. Only a bound, so its products use dgemm (prob_bound.h); the oracle
 * stays in loops. */

static const double LEVELS_F32[] = {0x1p-24, 0};
/* float32, then float16, tf32 (vb.h's 2^-10) and bfloat16: the step's GPU variants. */
static const double LEVELS_ALL[] = {0x1p-24, 0x1p-11, 0x1p-10, 0x1p-8, 0};

static double *scratch_d(const vb_call *c, int64_t n) { return vb_scratch(c, sizeof(double) * (size_t)n); }

typedef struct {
	double *ind, *cor;
} sigma;

/* The roundings an error scale counts, in units of float32's: acc, the
 * sums' own (1); store, a float16 store's ulp, met by each value the float16
 * step stores (A1, A2, Z3, dZ3, dZ2, dZ1) with its own sign in each example:
 * 0 for the float32 ops. */
typedef struct {
	double acc, store;
} err_units;

static const err_units UNITS_F32 = {1, 0};
/* One float16 ulp, 2^-10 of the value, in units of 2^-24. */
static const err_units UNITS_AMP = {1, 0x1p-10 / 0x1p-24};

typedef struct {
	int64_t width[4];      /* d, h1, h2, k */
	const double *W[3];    /* W1, W2, W3 */
	double *aW[3], *W2[3]; /* |W|, W^2 */
	const double *A[3];    /* each layer's input: X, A1, A2 */
	sigma sA[3];           /* their error scales (X exact: NULL) */
	double *Z[3];          /* Z1, Z2, Z3 */
	sigma sZ[3];
	double *P, *sP, *lse; /* softmax, its error scale, log-sum-exp per example */
} mlp_err;

/* Whether ReLU at z (error scale s) may flip for a variant of unit roundoff u. */
static int may_flip(double z, double s, double u) { return fabs(z) <= LAMBDA * u * s; }

/* The coarsest precision in levels. */
static double coarsest(const double *levels) {
	double u = 0;
	for (const double *l = levels; *l; l++)
		u = *l > u ? *l : u;
	return u;
}

static mlp_err forward_error(const vb_call *c, const double *levels, err_units un) {
	int64_t m = c->dim[M];
	mlp_err e = {.width = {c->dim[D], c->dim[H1], c->dim[H2], c->dim[K]}, .A = {c->t[T_X]}};
	double ucoarse = coarsest(levels);
	for (int l = 0; l < 3; l++) {
		int64_t in = e.width[l], out = e.width[l + 1], n = m * out;
		const double *b = c->t[T_B1 + 2 * l];
		e.W[l] = c->t[T_W1 + 2 * l];
		e.aW[l] = map_copy(c, e.W[l], out * in, 0);
		e.W2[l] = map_copy(c, e.W[l], out * in, 1);
		double *Z = e.Z[l] = scratch_d(c, n), *ind = e.sZ[l].ind = scratch_d(c, n),
		       *cor = e.sZ[l].cor = scratch_d(c, n);
		/* values and sum|terms| = |A_prev| |W|^T + |b| */
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < out; j++) {
				Z[i * out + j] = b[j];
				ind[i * out + j] = fabs(b[j]);
			}
		gemm_nt(m, out, in, e.A[l], e.W[l], 1, Z);
		const double *aA = l ? e.A[l] : map_copy(c, e.A[0], m * in, 0); /* A1, A2 >= 0 */
		gemm_nt(m, out, in, aA, e.aW[l], 1, ind);
		/* own roundings: in products, in additions, the bias, 16-bit storage;
		 * a float16 store of Z (A = relu(Z)) */
		for (int64_t i = 0; i < n; i++)
			ind[i] = un.acc * sqrt(in + 3.0) * ind[i] + un.store * fabs(Z[i]);
		/* inherited: quadrature over the inputs' own errors, linear over theirs */
		if (l) {
			double *sq = map_copy(c, e.sA[l].ind, m * in, 1);
			gemm_nt(m, out, in, sq, e.W2[l], 0, cor);
			for (int64_t i = 0; i < n; i++)
				cor[i] = sqrt(cor[i]);
			gemm_nt(m, out, in, e.sA[l].cor, e.aW[l], 1, cor);
		} else {
			for (int64_t i = 0; i < n; i++)
				cor[i] = 0;
		}
		if (l == 2) break;
		/* A = relu(Z): errors pass where Z > 0 or where it may flip (1-Lipschitz) */
		double *A = scratch_d(c, n);
		sigma s = {scratch_d(c, n), scratch_d(c, n)};
		for (int64_t i = 0; i < n; i++) {
			A[i] = Z[i] > 0 ? Z[i] : 0;
			int pass = Z[i] > 0 || may_flip(Z[i], ind[i] + cor[i], ucoarse);
			s.ind[i] = pass ? ind[i] : 0;
			s.cor[i] = pass ? cor[i] : 0;
		}
		e.A[l + 1] = A;
		e.sA[l + 1] = s;
	}
	/* softmax: dP_c = P_c ((1 - P_c) dz_c - sum_{j != c} P_j dz_j); the
	 * rounding of z - max z enters like dz, exp's VB_EXP_ULPS = 2 ulp (glibc's
	 * and SLEEF's expf are within 1) like 4 u of dz, the sum and the division
	 * add k + 2. The logits' errors may be shared. */
	int64_t k = e.width[3];
	e.P = scratch_d(c, m * k);
	e.sP = scratch_d(c, m * k);
	e.lse = scratch_d(c, m);
	for (int64_t i = 0; i < m; i++) {
		const double *z = e.Z[2] + i * k, *si = e.sZ[2].ind + i * k, *sc = e.sZ[2].cor + i * k;
		double zmax = z[0], sum = 0, pt = 0;
		for (int64_t o = 1; o < k; o++)
			zmax = z[o] > zmax ? z[o] : zmax;
		for (int64_t o = 0; o < k; o++)
			sum += exp(z[o] - zmax);
		e.lse[i] = zmax + log(sum);
		double *p = e.P + i * k, *sp = e.sP + i * k;
		for (int64_t o = 0; o < k; o++) {
			p[o] = exp(z[o] - e.lse[i]);
			sp[o] = si[o] + sc[o] + fabs(z[o] - zmax) + 4; /* T_o */
			pt += p[o] * sp[o];
		}
		for (int64_t o = 0; o < k; o++)
			sp[o] = p[o] * ((1 - p[o]) * sp[o] + (pt - p[o] * sp[o]) + k + 2);
	}
	return e;
}

static void mlp_fwd_mag(const vb_call *c) {
	int64_t m = c->dim[M], k = c->dim[K];
	const double *Y = c->t[T_Y];
	mlp_err e = forward_error(c, LEVELS_F32, UNITS_F32);
	/* loss_i = sum_c y_c (lse - z_c): moved by sum_c |p_c - y_c| dz_c; its
	 * own roundings (log-sum-exp, k products and sums); the mean over
	 * independent examples in quadrature */
	double q = 0, labs = 0;
	for (int64_t i = 0; i < m; i++) {
		const double *z = e.Z[2] + i * k, *y = Y + i * k, *p = e.P + i * k;
		double s = k + 4 + fabs(e.lse[i]), l = 0;
		for (int64_t o = 0; o < k; o++) {
			double t = y[o] * (e.lse[i] - z[o]);
			s += fabs(p[o] - y[o]) * (e.sZ[2].ind[i * k + o] + e.sZ[2].cor[i * k + o]) + (k + 2) * fabs(t);
			l += t;
		}
		q += s * s;
		labs += fabs(l);
	}
	((double *)c->t[T_OUT])[0] = LAMBDA * (sqrt(q) + sqrt(m + 2.0) * labs) / m;
}

/* Error scales of the gradient into G = {dW1, ..., db3} (as sigma, not yet
 * times LAMBDA). */
static void gradient_error(const vb_call *c, const mlp_err *e, const double *levels, err_units un, double *const G[6]) {
	int64_t m = c->dim[M];
	const double *Y = c->t[T_Y];
	int64_t k = e->width[3];
	/* dZ3 = (P - Y) / m, its errors shared across a row */
	double *dZ = scratch_d(c, m * k);
	sigma sd = {scratch_d(c, m * k), scratch_d(c, m * k)};
	for (int64_t i = 0; i < m * k; i++) {
		dZ[i] = (e->P[i] - Y[i]) / m;
		sd.ind[i] = un.store * fabs(dZ[i]);
		sd.cor[i] = (e->sP[i] + 2 * un.acc * fabs(e->P[i] - Y[i])) / m;
	}
	for (int l = 2; l >= 0; l--) {
		int64_t in = e->width[l], out = e->width[l + 1], nz = m * out, na = m * in;
		double *gW = G[2 * l], *gb = G[2 * l + 1];
		/* dW = dZ^T A_prev: per example e_i = s(dZ) |A| + |dZ| s(A), in
		 * quadrature over the batch ((a + b)^2 <= 2a^2 + 2b^2), plus the
		 * product's own sqrt(m+1) sum|terms| */
		double *s2 = scratch_d(c, nz), *aZ = map_copy(c, dZ, nz, 0), *Z2 = map_copy(c, dZ, nz, 1);
		for (int64_t i = 0; i < nz; i++) {
			double s = sd.ind[i] + sd.cor[i];
			s2[i] = 2 * s * s;
		}
		double *A2 = map_copy(c, e->A[l], na, 1);
		gemm_tn(out, in, m, s2, A2, 0, gW);
		if (l) {
			double *sA2 = scratch_d(c, na);
			for (int64_t i = 0; i < na; i++) {
				double s = e->sA[l].ind[i] + e->sA[l].cor[i];
				sA2[i] = 2 * s * s;
			}
			gemm_tn(out, in, m, Z2, sA2, 1, gW);
		}
		for (int64_t j = 0; j < out * in; j++)
			gW[j] = sqrt(gW[j]);
		double *aA = map_copy(c, e->A[l], na, 0);
		double *loc = scratch_d(c, out * in);
		gemm_tn(out, in, m, aZ, aA, 0, loc);
		for (int64_t j = 0; j < out * in; j++)
			gW[j] += un.acc * sqrt(m + 1.0) * loc[j];
		for (int64_t j = 0; j < out; j++) {
			double q = 0, s = 0;
			for (int64_t i = 0; i < m; i++) {
				q += s2[i * out + j] / 2;
				s += aZ[i * out + j];
			}
			gb[j] = sqrt(q) + un.acc * sqrt(m + 1.0) * s;
		}
		if (!l) break;
		/* dA_prev = dZ W: own roundings sqrt(out+1) |dZ| |W|; inherited in
		 * quadrature (ind) and linearly (cor) */
		double *dA = scratch_d(c, na);
		sigma sa = {scratch_d(c, na), scratch_d(c, na)};
		gemm_nn(m, in, out, dZ, e->W[l], 0, dA);
		gemm_nn(m, in, out, aZ, e->aW[l], 0, sa.ind);
		double *ind2 = map_copy(c, sd.ind, nz, 1);
		gemm_nn(m, in, out, ind2, e->W2[l], 0, sa.cor);
		for (int64_t i = 0; i < na; i++) {
			sa.ind[i] *= un.acc * sqrt(out + 1.0);
			sa.cor[i] = sqrt(sa.cor[i]);
		}
		gemm_nn(m, in, out, sd.cor, e->aW[l], 1, sa.cor);
		/* dZ_prev = dA (.) [Z_prev > 0], with the flips the levels allow */
		const double *Zp = e->Z[l - 1], *zi = e->sZ[l - 1].ind, *zc = e->sZ[l - 1].cor;
		for (int64_t i = 0; i < na; i++) {
			double flip = 0;
			for (const double *u = levels; *u; u++)
				if (may_flip(Zp[i], zi[i] + zc[i], *u)) flip += 2 * fabs(dA[i]) / (LAMBDA * *u);
			int keep = Zp[i] > 0 || flip > 0;
			dA[i] = Zp[i] > 0 ? dA[i] : 0;
			sa.ind[i] = keep ? sa.ind[i] + un.store * fabs(dA[i]) : 0; /* dZ's float16 store */
			sa.cor[i] = keep ? sa.cor[i] + flip : 0;
		}
		dZ = dA;
		sd = sa;
	}
}

static void mlp_bwd_mag(const vb_call *c) {
	int64_t n[6];
	param_sizes(c->dim, n);
	mlp_err e = forward_error(c, LEVELS_F32, UNITS_F32);
	double *G[6];
	for (int l = 0; l < 6; l++)
		G[l] = c->t[T_OUT + l];
	gradient_error(c, &e, LEVELS_F32, UNITS_F32, G);
	for (int l = 0; l < 6; l++)
		for (int64_t j = 0; j < n[l]; j++)
			G[l][j] *= LAMBDA;
}

/* W' = W - lr dW: 2|W| (16-bit storage rounds W on the way in and W' on the
 * way out) + lr times dW's bound and its rounding (|dW| <= its own-rounding
 * term <= the bound). */
static void mlp_train_step_mag(const vb_call *c) {
	int64_t n[6];
	param_sizes(c->dim, n);
	mlp_err e = forward_error(c, LEVELS_ALL, UNITS_F32);
	double *G[6];
	for (int l = 0; l < 6; l++)
		G[l] = scratch_d(c, n[l]);
	gradient_error(c, &e, LEVELS_ALL, UNITS_F32, G);
	for (int l = 0; l < 6; l++) {
		double *w = c->t[T_W1 + l];
		for (int64_t j = 0; j < n[l]; j++)
			w[j] = 2 * fabs(w[j]) + 2 * MLP_LR * LAMBDA * G[l][j];
	}
}

/* ---- descriptors ---- */

static double weights(const int64_t *n) { return (double)n[D] * n[H1] + (double)n[H1] * n[H2] + (double)n[H2] * n[K]; }
static double units(const int64_t *n) { return (double)n[H1] + n[H2] + n[K]; }
static double fwd_flops(const int64_t *n) { return 2.0 * n[M] * weights(n) + 4.0 * n[M] * units(n); }
/* forward, then dW for every layer and dA for the upper two */
static double bwd_flops(const int64_t *n) {
	return fwd_flops(n) + 2.0 * n[M] * weights(n) + 2.0 * n[M] * (weights(n) - (double)n[D] * n[H1]) +
	       3.0 * n[M] * units(n);
}
static double step_flops(const int64_t *n) { return bwd_flops(n) + 2.0 * (weights(n) + units(n)); }
static double params_bytes(const int64_t *n) { return 4.0 * (weights(n) + units(n)); }
static double data_bytes(const int64_t *n) { return 4.0 * n[M] * (n[D] + n[K]); }
static double fwd_bytes(const int64_t *n) { return data_bytes(n) + params_bytes(n) + 4; }
static double bwd_bytes(const int64_t *n) { return data_bytes(n) + 2 * params_bytes(n); }
static double step_bytes(const int64_t *n) { return data_bytes(n) + 2 * params_bytes(n); }

/* MNIST's network at a small batch, a training-sized batch, and a large one
 * (the loop stays about a second; activations and X fill L2 many times over). */
/* clang-format off */
#define MLP_SIZES {{32, 784, 256, 128, 10}, {256, 784, 256, 128, 10}, {2048, 784, 256, 128, 10}}
#define MLP_INPUTS(W)                                                                                          \
	{"X", VB_IN, M, D, VB_FILL_PROB}, {"Y", VB_IN, M, K, VB_FILL_ONEHOT_ROW}, {"W1", W, H1, D},                   \
	    {"b1", W, VB_ONE, H1}, {"W2", W, H2, H1}, {"b2", W, VB_ONE, H2}, {"W3", W, K, H2}, {"b3", W, VB_ONE, K}
/* clang-format on */

const vb_op mlp_fwd = {
    .name = "mlp_fwd",
    .family = "mlp",
    .seed = "001 L-layer network: forward propagation and cost (softmax cross-entropy)",
    .summary = "L = 1/m sum_i -y_i . log softmax(W3 relu(W2 relu(W1 x_i + b1) + b2) + b3)",
    .dims = {"m", "d", "h1", "h2", "k"},
    .batch = "m",
    .sizes = MLP_SIZES,
    .tensors = {MLP_INPUTS(VB_IN), {"L", VB_OUT, VB_ONE, VB_ONE}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = mlp_fwd_oracle,
    .mag = mlp_fwd_mag,
    .variants = {MLP_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mlp_fwd);

const vb_op mlp_bwd = {
    .name = "mlp_bwd",
    .family = "mlp",
    .seed = "001 L-layer network: backpropagation",
    .summary = "dL/dW, dL/db of every layer (forward recomputed, then dZ3 = (P - Y)/m, "
               "dZ_prev = dZ W (.) [Z_prev > 0], dW = dZ^T A_prev, db = sum_i dZ)",
    .dims = {"m", "d", "h1", "h2", "k"},
    .batch = "m",
    .sizes = MLP_SIZES,
    .tensors = {MLP_INPUTS(VB_IN),
                {"dW1", VB_OUT, H1, D},
                {"db1", VB_OUT, VB_ONE, H1},
                {"dW2", VB_OUT, H2, H1},
                {"db2", VB_OUT, VB_ONE, H2},
                {"dW3", VB_OUT, K, H2},
                {"db3", VB_OUT, VB_ONE, K}},
    .flops = bwd_flops,
    .bytes = bwd_bytes,
    .oracle = mlp_bwd_oracle,
    .mag = mlp_bwd_mag,
    .fwd = "mlp_fwd",
    .variants = {MLP_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mlp_bwd);

const vb_op mlp_train_step = {
    .name = "mlp_train_step",
    .family = "mlp",
    .seed = "001 L-layer network: one gradient-descent update (minibatch SGD)",
    .summary = "W <- W - 0.01 dL/dW for W1, b1, W2, b2, W3, b3 (checked: the weights after one step)",
    .dims = {"m", "d", "h1", "h2", "k"},
    .batch = "m",
    .lr = MLP_LR,
    .sizes = MLP_SIZES,
    .tensors = {MLP_INPUTS(VB_INOUT)},
    .flops = step_flops,
    .bytes = step_bytes,
    .oracle = mlp_train_step_oracle,
    .mag = mlp_train_step_mag,
    .variants = {MLP_TRAIN_STEP_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mlp_train_step);

/* ---- mixed precision: the float16 step with dynamic loss scaling ----
 * mlp_train_step_amp is mixed-precision training as torch.cuda.amp does it:
 * float32 master weights; a float16 copy of the weights and of X for the
 * forward and backward passes, float32 arithmetic, every activation and
 * gradient the passes hand on stored in float16 (A1, A2, Z3; dZ3, dZ2, dZ1;
 * dW, db), softmax and the loss in float32; the loss scaled by S before the
 * backward pass (dZ3 = (P - Y) S/m), so small gradients stay above float16's
 * subnormals; the gradients unscaled in float32 (S a power of two: exact).
 * The scaler {S, good steps} is GradScaler's: a non-finite gradient skips the
 * update and halves S; after VB_LOSS_SCALE_GROWTH good steps S doubles.
 *
 * The oracle is that step in float64 arithmetic with every float16 store
 * made where the step makes it (the copies of X, the weights and biases, the
 * activations, the scaled dZs and gradients), so a variant differs from it
 * by its float32 arithmetic and where that moves a stored value across a
 * float16 rounding boundary (one float16 ulp). The step overflows when a
 * stored value rounds to infinity (from 65520) or a gradient is not finite.
 * A variant's float32 sums differ by ~2^-24, so an input within that of the
 * threshold could go either way; the checker's inputs stay far from it
 * (2^16: scaled gradients below ~10^3; the wide set's 2^40: every dZ3
 * overflows). */
enum { T_SCALE = T_OUT, T_GOOD };

/* One float16 store, round to nearest even (infinity from 65520). */
static double h16(double x) { return (double)(_Float16)x; }

static double *f16_copy(const vb_call *c, const double *a, int64_t n) {
	double *r = vb_scratch(c, sizeof(double) * (size_t)n);
	for (int64_t i = 0; i < n; i++)
		r[i] = h16(a[i]);
	return r;
}

static int all_finite(const double *a, int64_t n) {
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(a[i])) return 0;
	return 1;
}

/* The step's gradients g (unscaled), float64 arithmetic with the float16
 * stores; nonzero when it overflows (skip the update). */
static int amp_oracle_gradient(const vb_call *c, double *g[6]) {
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K], n[6];
	param_sizes(c->dim, n);
	const double *Y = c->t[T_Y], S = ((const double *)c->t[T_SCALE])[0];
	const double *X = f16_copy(c, c->t[T_X], m * d), *w[6];
	for (int l = 0; l < 6; l++) {
		w[l] = f16_copy(c, c->t[T_W1 + l], n[l]);
		g[l] = vb_scratch(c, sizeof(double) * (size_t)n[l]);
	}
	double *Z1 = scratch_d(c, m * h1), *A1 = scratch_d(c, m * h1), *Z2 = scratch_d(c, m * h2),
	       *A2 = scratch_d(c, m * h2), *Z3 = scratch_d(c, m * k), *dZ3 = scratch_d(c, m * k),
	       *dZ2 = scratch_d(c, m * h2), *dZ1 = scratch_d(c, m * h1);
	oracle_layer(m, d, h1, X, w[0], w[1], Z1, A1);
	for (int64_t i = 0; i < m * h1; i++)
		A1[i] = h16(A1[i]);
	oracle_layer(m, h1, h2, A1, w[2], w[3], Z2, A2);
	for (int64_t i = 0; i < m * h2; i++)
		A2[i] = h16(A2[i]);
	oracle_layer(m, h2, k, A2, w[4], w[5], Z3, NULL);
	for (int64_t i = 0; i < m * k; i++)
		Z3[i] = h16(Z3[i]);
	for (int64_t i = 0; i < m; i++) { /* softmax of the stored logits; the scaled loss's gradient */
		const double *z = Z3 + i * k;
		double zmax = z[0], sum = 0;
		for (int64_t o = 1; o < k; o++)
			zmax = z[o] > zmax ? z[o] : zmax;
		for (int64_t o = 0; o < k; o++)
			sum += exp(z[o] - zmax);
		for (int64_t o = 0; o < k; o++)
			dZ3[i * k + o] = h16((exp(z[o] - zmax) / sum - Y[i * k + o]) * S / m);
	}
	oracle_layer_back(m, h2, k, dZ3, A2, w[4], g[4], g[5], dZ2);
	for (int64_t i = 0; i < m * h2; i++)
		dZ2[i] = A2[i] > 0 ? h16(dZ2[i]) : 0;
	oracle_layer_back(m, h1, h2, dZ2, A1, w[2], g[2], g[3], dZ1);
	for (int64_t i = 0; i < m * h1; i++)
		dZ1[i] = A1[i] > 0 ? h16(dZ1[i]) : 0;
	oracle_layer_back(m, d, h1, dZ1, X, w[0], g[0], g[1], NULL);
	int finite = all_finite(A1, m * h1) && all_finite(A2, m * h2) && all_finite(Z3, m * k) &&
	             all_finite(dZ3, m * k) && all_finite(dZ2, m * h2) && all_finite(dZ1, m * h1);
	for (int l = 0; l < 6; l++) {
		finite &= all_finite(w[l], n[l]);
		for (int64_t j = 0; j < n[l]; j++)
			g[l][j] = h16(g[l][j]) / S;
		finite &= all_finite(g[l], n[l]);
	}
	return !finite;
}

static void mlp_train_step_amp_oracle(const vb_call *c) {
	int64_t n[6];
	param_sizes(c->dim, n);
	double *g[6], *scale = c->t[T_SCALE], *good = c->t[T_GOOD];
	if (amp_oracle_gradient(c, g)) { /* overflow: skip the update, halve the scale */
		scale[0] /= 2;
		good[0] = 0;
		return;
	}
	for (int l = 0; l < 6; l++) {
		double *w = c->t[T_W1 + l];
		for (int64_t j = 0; j < n[l]; j++)
			w[j] -= MLP_LR * g[l][j];
	}
	if (++good[0] >= VB_LOSS_SCALE_GROWTH) { /* enough good steps: double it */
		scale[0] *= 2;
		good[0] = 0;
	}
}

/* Error scales in units of float32's roundoff (every variant's unit: its
 * AMP16 rows). A skipped step must leave the weights bit for bit and the
 * state is exact either way: 0. An update: the master weight's float32
 * roundings (2 |W|); lr times the gradient's probabilistic bound, with each
 * value the passes store carrying one float16 ulp of its own (a float32 sum
 * on the other side of a rounding boundary, or a GPU GEMM that rounds twice:
 * UNITS_AMP), the stored gradient's own ulp, and float16's subnormals: a
 * stored scaled gradient below 2^-14 is off by up to 2^-24 absolutely,
 * carried from dZ3 down through |W| and summed over the batch, then divided
 * by S. (Subnormal activations of the forward pass are left out: at these
 * inputs none comes near 2^-14 in bulk.) */
static void mlp_train_step_amp_mag(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K], n[6];
	param_sizes(c->dim, n);
	double *scale = c->t[T_SCALE], *good = c->t[T_GOOD], S = scale[0];
	double *g[6];
	int skip = amp_oracle_gradient(c, g);
	scale[0] = good[0] = 0;
	if (skip) {
		for (int l = 0; l < 6; l++)
			for (int64_t j = 0; j < n[l]; j++)
				((double *)c->t[T_W1 + l])[j] = 0;
		return;
	}
	oracle_cache f = oracle_forward(c);
	mlp_err e = forward_error(c, LEVELS_F32, UNITS_AMP);
	double *G[6];
	for (int l = 0; l < 6; l++)
		G[l] = scratch_d(c, n[l]);
	gradient_error(c, &e, LEVELS_F32, UNITS_AMP, G);
	/* subnormal errors of the scaled dZ per unit of each layer, and of dW, db */
	const double c0 = 0x1p-24, *W2 = c->t[T_W2], *W3 = c->t[T_W3], *X = c->t[T_X];
	double *e1 = scratch_d(c, h1), *e2 = scratch_d(c, h2), *e3 = scratch_d(c, k);
	for (int64_t o = 0; o < k; o++)
		e3[o] = c0;
	for (int64_t j = 0; j < h2; j++) {
		e2[j] = c0;
		for (int64_t o = 0; o < k; o++)
			e2[j] += e3[o] * fabs(W3[o * h2 + j]);
	}
	for (int64_t q = 0; q < h1; q++) {
		e1[q] = c0;
		for (int64_t j = 0; j < h2; j++)
			e1[q] += e2[j] * fabs(W2[j * h1 + q]);
	}
	const double *Aprev[3] = {X, f.A1, f.A2}, *ez[3] = {e1, e2, e3};
	const int64_t width[4] = {d, h1, h2, k};
	double *sub[6];
	for (int l = 0; l < 3; l++) {
		int64_t in = width[l], out = width[l + 1];
		double *colsum = scratch_d(c, in);
		for (int64_t q = 0; q < in; q++)
			colsum[q] = 0;
		for (int64_t i = 0; i < m; i++)
			for (int64_t q = 0; q < in; q++)
				colsum[q] += fabs(Aprev[l][i * in + q]);
		sub[2 * l] = scratch_d(c, out * in);
		sub[2 * l + 1] = scratch_d(c, out);
		for (int64_t j = 0; j < out; j++) {
			sub[2 * l + 1][j] = c0 + (double)m * ez[l][j];
			for (int64_t q = 0; q < in; q++)
				sub[2 * l][j * in + q] = c0 + ez[l][j] * colsum[q];
		}
	}
	for (int l = 0; l < 6; l++) {
		double *w = c->t[T_W1 + l];
		for (int64_t j = 0; j < n[l]; j++)
			w[j] = 2 * fabs(w[j]) + 2 * MLP_LR * (LAMBDA * G[l][j] + UNITS_AMP.store * fabs(g[l][j])) +
			       2 * MLP_LR * sub[l][j] / (S * 0x1p-24);
	}
}

/* ---- loop: the textbook step, one example at a time, with each stored
 * value rounded to float16 where the float16 passes store it ---- */

static float f16(float x) { return (float)(_Float16)x; }

static void mlp_train_step_amp_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K], n[6];
	param_sizes(c->dim, n);
	const float *X = c->t[T_X], *Y = c->t[T_Y];
	float *scale = c->t[T_SCALE], *good = c->t[T_GOOD], S = scale[0], scale_m = S / (float)m;
	float *w[6], *G[6]; /* float16 copies of the weights; the scaled gradient sums */
	for (int l = 0; l < 6; l++) {
		const float *master = c->t[T_W1 + l];
		w[l] = vb_scratch(c, sizeof(float) * (size_t)n[l]);
		G[l] = vb_scratch(c, sizeof(float) * (size_t)n[l]);
		for (int64_t j = 0; j < n[l]; j++) {
			w[l][j] = f16(master[j]);
			G[l][j] = 0;
		}
	}
	const float *W1 = w[0], *b1 = w[1], *W2 = w[2], *b2 = w[3], *W3 = w[4], *b3 = w[5];
	float *dW1 = G[0], *db1 = G[1], *dW2 = G[2], *db2 = G[3], *dW3 = G[4], *db3 = G[5];
	float *x = vb_scratch(c, sizeof(float) * (size_t)d), *a1 = vb_scratch(c, sizeof(float) * (size_t)h1),
	      *a2 = vb_scratch(c, sizeof(float) * (size_t)h2), *z3 = vb_scratch(c, sizeof(float) * (size_t)k),
	      *dz1 = vb_scratch(c, sizeof(float) * (size_t)h1), *dz2 = vb_scratch(c, sizeof(float) * (size_t)h2),
	      *dz3 = vb_scratch(c, sizeof(float) * (size_t)k);
	for (int64_t i = 0; i < m; i++) { /* for each example */
		const float *y = Y + i * k;
		for (int64_t q = 0; q < d; q++)
			x[q] = f16(X[i * d + q]);
		for (int64_t j = 0; j < h1; j++) { /* layer 1; ReLU keeps NaN (an overflow) */
			float z = b1[j];
			for (int64_t q = 0; q < d; q++)
				z += W1[j * d + q] * x[q];
			a1[j] = f16(z < 0 ? 0 : z);
		}
		for (int64_t j = 0; j < h2; j++) { /* layer 2 */
			float z = b2[j];
			for (int64_t q = 0; q < h1; q++)
				z += W2[j * h1 + q] * a1[q];
			a2[j] = f16(z < 0 ? 0 : z);
		}
		for (int64_t o = 0; o < k; o++) { /* output layer */
			float z = b3[o];
			for (int64_t q = 0; q < h2; q++)
				z += W3[o * h2 + q] * a2[q];
			z3[o] = f16(z);
		}
		float zmax = z3[0], sum = 0; /* softmax in float32 */
		for (int64_t o = 1; o < k; o++)
			if (z3[o] > zmax) zmax = z3[o];
		for (int64_t o = 0; o < k; o++)
			sum += expf(z3[o] - zmax);
		for (int64_t o = 0; o < k; o++) /* the scaled loss's gradient */
			dz3[o] = f16((expf(z3[o] - zmax) / sum - y[o]) * scale_m);
		for (int64_t o = 0; o < k; o++) {
			db3[o] += dz3[o];
			for (int64_t q = 0; q < h2; q++)
				dW3[o * h2 + q] += dz3[o] * a2[q];
		}
		for (int64_t j = 0; j < h2; j++) {
			float s = 0;
			for (int64_t o = 0; o < k; o++)
				s += W3[o * h2 + j] * dz3[o];
			dz2[j] = a2[j] > 0 ? f16(s) : 0;
		}
		for (int64_t j = 0; j < h2; j++) {
			db2[j] += dz2[j];
			for (int64_t q = 0; q < h1; q++)
				dW2[j * h1 + q] += dz2[j] * a1[q];
		}
		for (int64_t j = 0; j < h1; j++) {
			float s = 0;
			for (int64_t o = 0; o < h2; o++)
				s += W2[o * h1 + j] * dz2[o];
			dz1[j] = a1[j] > 0 ? f16(s) : 0;
		}
		for (int64_t j = 0; j < h1; j++) {
			db1[j] += dz1[j];
			for (int64_t q = 0; q < d; q++)
				dW1[j * d + q] += dz1[j] * x[q];
		}
	}
	int finite = 1; /* the float16 gradients, unscaled in float32 */
	for (int l = 0; l < 6; l++)
		for (int64_t j = 0; j < n[l]; j++) {
			G[l][j] = f16(G[l][j]) / S;
			finite &= isfinite(G[l][j]);
		}
	if (!finite) { /* overflow: skip, halve the scale */
		scale[0] = S / 2;
		good[0] = 0;
		return;
	}
	for (int l = 0; l < 6; l++) {
		float *master = c->t[T_W1 + l];
		for (int64_t j = 0; j < n[l]; j++)
			master[j] -= (float)MLP_LR * G[l][j];
	}
	if (++good[0] >= VB_LOSS_SCALE_GROWTH) {
		scale[0] = 2 * S;
		good[0] = 0;
	}
}

const vb_op mlp_train_step_amp = {
    .name = "mlp_train_step_amp",
    .family = "mlp",
    .seed = "001 L-layer network: one gradient-descent update, mixed precision (float16, dynamic loss scale)",
    .summary = "float16 forward/backward of S L, float32 master W <- W - 0.01 (dL/dW unscaled) unless a "
               "gradient overflows (then skip, S /= 2); S *= 2 after 2000 good steps",
    .dims = {"m", "d", "h1", "h2", "k"},
    .batch = "m",
    .lr = MLP_LR,
    .sizes = MLP_SIZES,
    .tensors = {{"X", VB_IN, M, D, VB_FILL_PROB},
                {"Y", VB_IN, M, K, VB_FILL_ONEHOT_ROW},
                {"W1", VB_INOUT, H1, D, VB_FILL_INIT},
                {"b1", VB_INOUT, VB_ONE, H1, VB_FILL_INIT},
                {"W2", VB_INOUT, H2, H1, VB_FILL_INIT},
                {"b2", VB_INOUT, VB_ONE, H2, VB_FILL_INIT},
                {"W3", VB_INOUT, K, H2, VB_FILL_INIT},
                {"b3", VB_INOUT, VB_ONE, K, VB_FILL_INIT},
                {"scale", VB_INOUT, VB_ONE, VB_ONE, VB_FILL_LOSS_SCALE},
                {"good", VB_INOUT, VB_ONE, VB_ONE, VB_FILL_GOOD_STEPS}},
    .flops = step_flops,
    .bytes = step_bytes,
    .oracle = mlp_train_step_amp_oracle,
    .mag = mlp_train_step_amp_mag,
    .wide = VB_WIDE_STABLE, /* the wide set: a scale of 2^40, which must skip the step */
    .variants = {MLP_TRAIN_STEP_AMP_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mlp_train_step_amp);
