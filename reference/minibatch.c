/* Advanced techniques: mini-batches. One epoch of mini-batch gradient
 * descent on linear regression, X m*d (one example per row), y m*1, theta0
 * d*1. For batch starts s = 0, b, 2b, ... (the last batch bs = m - s <= b):
 *
 *     theta <- theta - lr/bs X_s^T (X_s theta - y_s),   lr = LINREG_SGD_LR
 *
 * The epoch does 4md flops whatever b is, in m/b steps: b = 1 is stochastic
 * gradient descent (two length-d vector operations per example), b = m is
 * batch gradient descent (two matrix-vector products). Vectorization pays
 * only once the batch gives each call enough work.
 *
 * loop: the course's loops, one per index, example by example in a batch.
 * vec:  two sgemv per batch (kernels/cpu/minibatch.c). */
#include <math.h>
#include <string.h>

#include "minibatch.h"

enum { M, D, B };
enum { T_X, T_Y, T_THETA0, T_THETA };

static int64_t batch_rows(const vb_call *c, int64_t s) {
	int64_t left = c->dim[M] - s;
	return left < c->dim[B] ? left : c->dim[B];
}

/* ---- float64 oracle ---- */

/* r = X_s theta - y_s, then theta -= lr/bs X_s^T r. */
static void oracle_step(const vb_call *c, int64_t s, int64_t bs, double *theta, double *r) {
	int64_t d = c->dim[D];
	const double *X = c->t[T_X], *y = c->t[T_Y];
	for (int64_t i = 0; i < bs; i++) {
		double z = 0;
		for (int64_t k = 0; k < d; k++)
			z += X[(s + i) * d + k] * theta[k];
		r[i] = z - y[s + i];
	}
	for (int64_t j = 0; j < d; j++) {
		double g = 0;
		for (int64_t i = 0; i < bs; i++)
			g += X[(s + i) * d + j] * r[i];
		theta[j] -= LINREG_SGD_LR / (double)bs * g;
	}
}

static void linreg_sgd_epoch_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D];
	double *theta = c->t[T_THETA];
	double *r = vb_scratch(c, sizeof(double) * (size_t)(c->dim[B] < m ? c->dim[B] : m));
	memcpy(theta, c->t[T_THETA0], sizeof(double) * (size_t)d);
	for (int64_t s = 0; s < m; s += c->dim[B])
		oracle_step(c, s, batch_rows(c, s), theta, r);
}

/* ---- loop ---- */

static void linreg_sgd_epoch_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], b = c->dim[B];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta0 = c->t[T_THETA0];
	float *theta = c->t[T_THETA];
	float *grad = vb_scratch(c, sizeof(float) * (size_t)d);
	for (int64_t j = 0; j < d; j++)
		theta[j] = theta0[j];
	for (int64_t s = 0; s < m; s += b) { /* for each mini-batch */
		int64_t bs = batch_rows(c, s);
		for (int64_t j = 0; j < d; j++)
			grad[j] = 0;
		for (int64_t i = s; i < s + bs; i++) { /* for each example in it */
			float r = 0;
			for (int64_t k = 0; k < d; k++)
				r += X[i * d + k] * theta[k];
			r -= y[i];
			for (int64_t j = 0; j < d; j++) /* for each parameter */
				grad[j] += r * X[i * d + j];
		}
		float step = (float)LINREG_SGD_LR / (float)bs;
		for (int64_t j = 0; j < d; j++)
			theta[j] -= step * grad[j];
	}
}

/* ---- error bound, in units of u ----
 * The default (the oracle on |inputs|) does not bound an iteration. This
 * propagates a first-order bound E >= ||theta_computed - theta_exact||_2 / u
 * through the oracle's steps, at the oracle's iterates:
 *
 *   e_new = (I - c A) e + l,   c = lr/bs, A = X_s^T X_s (symmetric, PSD),
 *   ||I - c A||_2 = max over eigenvalues |1 - c lambda| <= max(1, c ||X_s||_F^2 - 1),
 *   so E_new = rho E + ||l||_2 with rho = max(1, c ||X_s||_F^2 - 1).
 *
 * The local error l of one float32 step, per parameter j (first order):
 * r_i = x_i . theta - y_i is a length-(d+1) sum: off by (d+1)(S_i + |y_i|),
 * S_i = sum_k |x_ik theta_k| (d+2 allows a last rounding); the gradient sum
 * of bs products adds bs sum_i |x_ij r_i|, the float step lr/bs two
 * roundings, its product with the sum one more (bs+4 in all, slack 1); the
 * update's subtraction rounds |theta_new| <= |theta_j| + c sum_i |x_ij r_i|
 * (2 |theta_j| allows a separate alpha * sum rounding in gemv, which forms its
 * dot product before adding beta y, as OpenBLAS and cuBLAS do):
 *
 *   l_j = 2 |theta_j| + c sum_i |x_ij| ((bs+4) |r_i| + (d+2)(S_i + |y_i|)).
 *
 * Every element of the result gets E: |e_j| <= ||e||_2. The bound grows
 * linearly in the number of steps (worst case: every rounding the same way),
 * so it is loosest for b = 1, where a skipped last example moves theta by
 * about as much; tests/test_minibatch.c shows it catches a skipped last batch
 * and a step divided by b instead of bs at sizes where they are visible. */
static void linreg_sgd_epoch_mag(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D];
	const double *X = c->t[T_X], *y = c->t[T_Y];
	double *out = c->t[T_THETA];
	int64_t rows = c->dim[B] < m ? c->dim[B] : m;
	double *theta = vb_scratch(c, sizeof(double) * (size_t)d), *r = vb_scratch(c, sizeof(double) * (size_t)rows);
	double *R = vb_scratch(c, sizeof(double) * (size_t)rows), *l = vb_scratch(c, sizeof(double) * (size_t)d);
	memcpy(theta, c->t[T_THETA0], sizeof(double) * (size_t)d);
	double E = 0;
	for (int64_t s = 0; s < m; s += c->dim[B]) {
		int64_t bs = batch_rows(c, s);
		double cs = LINREG_SGD_LR / (double)bs, F = 0;
		for (int64_t i = 0; i < bs; i++) {
			const double *x = X + (s + i) * d;
			double z = 0, S = 0;
			for (int64_t k = 0; k < d; k++) {
				z += x[k] * theta[k];
				S += fabs(x[k] * theta[k]);
				F += x[k] * x[k];
			}
			r[i] = z - y[s + i];
			R[i] = (double)(bs + 4) * fabs(r[i]) + (double)(d + 2) * (S + fabs(y[s + i]));
		}
		double l2 = 0;
		for (int64_t j = 0; j < d; j++) {
			double g = 0;
			for (int64_t i = 0; i < bs; i++)
				g += fabs(X[(s + i) * d + j]) * R[i];
			l[j] = 2 * fabs(theta[j]) + cs * g;
			l2 += l[j] * l[j];
		}
		double rho = cs * F - 1 > 1 ? cs * F - 1 : 1;
		E = rho * E + sqrt(l2);
		oracle_step(c, s, bs, theta, r);
	}
	for (int64_t j = 0; j < d; j++)
		out[j] = E;
}

/* ---- descriptor ---- */

/* Per example 2d for X_s theta, 1 for - y, 2d for X_s^T r; per step 2d for the update. */
static double sgd_epoch_flops(const int64_t *dim) {
	double steps = (double)((dim[M] + dim[B] - 1) / dim[B]);
	return 4.0 * dim[M] * dim[D] + dim[M] + 2.0 * dim[D] * steps;
}
/* X and y read once, theta0 read, theta written. */
static double sgd_epoch_bytes(const int64_t *dim) { return 4.0 * (dim[M] * dim[D] + dim[M] + 2 * dim[D]); }

/* 8192 examples of 64 features: one example per step (SGD), mini-batches of
 * 32 and 512, and the whole batch (batch gradient descent). */
const vb_op linreg_sgd_epoch = {
    .name = "linreg_sgd_epoch",
    .family = "minibatch",
    .seed = "advanced techniques: mini-batches",
    .summary = "per batch X_s (size bs <= b): theta <- theta - lr/bs X_s^T (X_s theta - y_s), lr = 0.01",
    .dims = {"m", "d", "b"},
    .batch = "b",
    .lr = LINREG_SGD_LR,
    .sizes = {{8192, 64, 1}, {8192, 64, 32}, {8192, 64, 512}, {8192, 64, 8192}},
    .tensors = {{"X", VB_IN, M, D},
                {"y", VB_IN, M, VB_ONE},
                {"theta0", VB_IN, D, VB_ONE},
                {"theta", VB_OUT, D, VB_ONE}},
    .flops = sgd_epoch_flops,
    .bytes = sgd_epoch_bytes,
    .oracle = linreg_sgd_epoch_oracle,
    .mag = linreg_sgd_epoch_mag,
    .variants = {LINREG_SGD_EPOCH_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(linreg_sgd_epoch);
