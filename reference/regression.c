/* Seed 002's linear and logistic regression, cost and gradient, in the
 * course's three forms. X m*n (one example per row; an intercept is one
 * more feature, not a forced column of ones), y m*1, theta n*1.
 *
 * Linear:    h = X theta,         J = 1/(2m) sum_i (h_i - y_i)^2
 * Logistic:  h = sigma(X theta),  J = 1/m sum_i [-y_i log h_i - (1 - y_i) log(1 - h_i)]
 * Gradient of both:               dJ/dtheta = 1/m X^T (h - y)
 *
 * Logistic labels are probabilities in (0.02, 0.98) (soft labels; the
 * formulas hold for any y in [0, 1]). The logistic cost is evaluated in the
 * stable form softplus(z) - y z = max(z, 0) + log1p(e^-|z|) - y z, z = x theta:
 * the textbook's log(1 - h) loses every digit once h rounds to 1 in float32
 * (z > 17), which random data with a hundred features reaches.
 *
 * loop: the course's loops, one per index; the gradient goes parameter by
 *       parameter over the examples (the hypothesis errors computed once, so
 *       loop and vec do the same 2mn work).
 * semi: one example at a time with vector operations (BLAS sdot, saxpy).
 * vec:  matrix-vector products over the whole batch (kernels/cpu/regression.c).
 */
#include <cblas.h>
#include <math.h>

#include "logistic.h" /* sigmoid, logistic_loss, float64 and float32 */
#include "prob_bound.h"
#include "regression.h"

enum { M, N };
enum { T_X, T_Y, T_THETA, T_OUT };

/* ---- float64 oracles: h_i = x_i . theta, then the formula ---- */

static double hypothesis(const vb_call *c, int64_t i) {
	int64_t n = c->dim[N];
	const double *X = c->t[T_X], *theta = c->t[T_THETA];
	double z = 0;
	for (int64_t k = 0; k < n; k++)
		z += X[i * n + k] * theta[k];
	return z;
}

static void linreg_cost_oracle(const vb_call *c) {
	int64_t m = c->dim[M];
	const double *y = c->t[T_Y];
	double s = 0;
	for (int64_t i = 0; i < m; i++) {
		double e = hypothesis(c, i) - y[i];
		s += e * e;
	}
	((double *)c->t[T_OUT])[0] = s / (2.0 * m);
}

static void logreg_cost_oracle(const vb_call *c) {
	int64_t m = c->dim[M];
	const double *y = c->t[T_Y];
	double s = 0;
	for (int64_t i = 0; i < m; i++)
		s += logistic_loss(hypothesis(c, i), y[i]);
	((double *)c->t[T_OUT])[0] = s / m;
}

/* dtheta = 1/m X^T (h - y), h_i = link(x_i . theta). */
static void grad_oracle(const vb_call *c, int logistic) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *X = c->t[T_X], *y = c->t[T_Y];
	double *dtheta = c->t[T_OUT];
	double *e = vb_scratch(c, sizeof(double) * (size_t)m);
	for (int64_t i = 0; i < m; i++) {
		double z = hypothesis(c, i);
		e[i] = (logistic ? sigmoid(z) : z) - y[i];
	}
	for (int64_t j = 0; j < n; j++) {
		double s = 0;
		for (int64_t i = 0; i < m; i++)
			s += e[i] * X[i * n + j];
		dtheta[j] = s / m;
	}
}

static void linreg_grad_oracle(const vb_call *c) { grad_oracle(c, 0); }
static void logreg_grad_oracle(const vb_call *c) { grad_oracle(c, 1); }

/* ---- loop: the course's for-loops ---- */

static void linreg_cost_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float J = 0;
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float h = 0;
		for (int64_t k = 0; k < n; k++)
			h += X[i * n + k] * theta[k];
		J += (h - y[i]) * (h - y[i]);
	}
	((float *)c->t[T_OUT])[0] = J / (2.0f * (float)m);
}

static void logreg_cost_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float J = 0;
	for (int64_t i = 0; i < m; i++) {
		float z = 0;
		for (int64_t k = 0; k < n; k++)
			z += X[i * n + k] * theta[k];
		J += logistic_lossf(z, y[i]);
	}
	((float *)c->t[T_OUT])[0] = J / (float)m;
}

/* grad(j) = 1/m sum_i (h(x_i) - y_i) x_ij, one parameter at a time. */
static void grad_loop(const vb_call *c, int logistic) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float *dtheta = c->t[T_OUT];
	float *err = vb_scratch(c, sizeof(float) * (size_t)m);
	for (int64_t i = 0; i < m; i++) { /* each example's error h(x_i) - y_i */
		float z = 0;
		for (int64_t k = 0; k < n; k++)
			z += X[i * n + k] * theta[k];
		err[i] = (logistic ? sigmoidf(z) : z) - y[i];
	}
	for (int64_t j = 0; j < n; j++) { /* for each parameter */
		float s = 0;
		for (int64_t i = 0; i < m; i++) /* over the examples */
			s += err[i] * X[i * n + j];
		dtheta[j] = s / (float)m;
	}
}

static void linreg_grad_loop(const vb_call *c) { grad_loop(c, 0); }
static void logreg_grad_loop(const vb_call *c) { grad_loop(c, 1); }

/* ---- semi: per example, vector operations ---- */

static void linreg_cost_semi(const vb_call *c) {
	int m = (int)c->dim[M], n = (int)c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float J = 0;
	for (int i = 0; i < m; i++) {
		float e = cblas_sdot(n, X + (int64_t)i * n, 1, theta, 1) - y[i];
		J += e * e;
	}
	((float *)c->t[T_OUT])[0] = J / (2.0f * (float)m);
}

static void logreg_cost_semi(const vb_call *c) {
	int m = (int)c->dim[M], n = (int)c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float J = 0;
	for (int i = 0; i < m; i++)
		J += logistic_lossf(cblas_sdot(n, X + (int64_t)i * n, 1, theta, 1), y[i]);
	((float *)c->t[T_OUT])[0] = J / (float)m;
}

/* grad += (h(x_i) - y_i) x_i, example by example. */
static void grad_semi(const vb_call *c, int logistic) {
	int m = (int)c->dim[M], n = (int)c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float *dtheta = c->t[T_OUT];
	for (int j = 0; j < n; j++)
		dtheta[j] = 0;
	for (int i = 0; i < m; i++) {
		const float *x = X + (int64_t)i * n;
		float z = cblas_sdot(n, x, 1, theta, 1);
		cblas_saxpy(n, (logistic ? sigmoidf(z) : z) - y[i], x, 1, dtheta, 1);
	}
	cblas_sscal(n, 1.0f / (float)m, dtheta, 1);
}

static void linreg_grad_semi(const vb_call *c) { grad_semi(c, 0); }
static void logreg_grad_semi(const vb_call *c) { grad_semi(c, 1); }

/* ---- error scales, in units of u ----
 * z_i = x_i . theta is off by at most n u S_i, S_i = sum_k |x_ik theta_k|, and
 * the residual z_i - y_i by (n+1) u (S_i + |y_i|). (The default, the oracle on
 * |inputs|, would cancel in z - |y|.) Logistic: the loss' slope in z is
 * sigma(z) - y, in (-1, 1); evaluating it costs a few ulps of |z|, |y z| and 1
 * (8 u for exp and log1p: exp's VB_EXP_ULPS = 2 ulp is 4 u, glibc's and
 * SLEEF's expf are within 1); sigma's slope is at most 1/4 and
 * its value within 8 u. Each mean adds m+1 roundings of its sum.
 * Probabilistic (Higham and Mary, as reference/mlp.c): a length-K sum of
 * independent roundings is off by LAMBDA sqrt(K) u sum|terms| except with
 * probability 2 exp(-LAMBDA^2/2), and the examples' own errors, independent
 * and each within its worst case d_i, by LAMBDA sqrt(sum d_i^2) (Hoeffding).
 * The worst case, K u sum|terms|, passed a loss 1.001 times the true one at
 * m = 5000 and 262144. */

static double abs_hypothesis(const vb_call *c, int64_t i) {
	int64_t n = c->dim[N];
	const double *X = c->t[T_X], *theta = c->t[T_THETA];
	double s = 0;
	for (int64_t k = 0; k < n; k++)
		s += fabs(X[i * n + k] * theta[k]);
	return s;
}

static void linreg_cost_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *y = c->t[T_Y];
	double each = 0, sum = 0;
	for (int64_t i = 0; i < m; i++) {
		double e = hypothesis(c, i) - y[i], E = LAMBDA * sqrt(n + 1.0) * (abs_hypothesis(c, i) + fabs(y[i]));
		double d = 2 * fabs(e) * E + e * e; /* e^2 moves by 2|e| E; its own rounding */
		each += d * d;
		sum += e * e;
	}
	((double *)c->t[T_OUT])[0] = LAMBDA * (sqrt(each) + sqrt(m + 2.0) * sum) / (2.0 * m);
}

/* dtheta_j = 1/m sum_i x_ij e_i: each term carries e_i's error (independent
 * between examples), the sum its own roundings. */
static void grad_mag(const vb_call *c, int logistic) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *X = c->t[T_X], *y = c->t[T_Y];
	double *mag = c->t[T_OUT];
	double *e = vb_scratch(c, sizeof(double) * (size_t)m), *Ee = vb_scratch(c, sizeof(double) * (size_t)m);
	for (int64_t i = 0; i < m; i++) {
		double z = hypothesis(c, i), S = abs_hypothesis(c, i);
		e[i] = fabs((logistic ? sigmoid(z) : z) - y[i]);
		double zerr = LAMBDA * sqrt(n + 1.0) * (logistic ? S / 4 : S + fabs(y[i]));
		Ee[i] = logistic ? zerr + 8 + e[i] : zerr;
	}
	for (int64_t j = 0; j < n; j++) {
		double each = 0, sum = 0;
		for (int64_t i = 0; i < m; i++) {
			double a = fabs(X[i * n + j]);
			each += a * Ee[i] * a * Ee[i];
			sum += a * e[i];
		}
		mag[j] = LAMBDA * (sqrt(each) + sqrt(m + 2.0) * sum) / m;
	}
}

static void linreg_grad_mag(const vb_call *c) { grad_mag(c, 0); }
static void logreg_grad_mag(const vb_call *c) { grad_mag(c, 1); }

static void logreg_cost_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *y = c->t[T_Y];
	double each = 0, sum = 0;
	for (int64_t i = 0; i < m; i++) {
		double z = hypothesis(c, i), l = logistic_loss(z, y[i]);
		double d = LAMBDA * sqrt(n + 1.0) * abs_hypothesis(c, i) + 2 * (fabs(z) + fabs(y[i] * z)) + 8 + fabs(l);
		each += d * d;
		sum += fabs(l);
	}
	((double *)c->t[T_OUT])[0] = LAMBDA * (sqrt(each) + sqrt(m + 2.0) * sum) / m;
}

/* ---- descriptors ---- */

static double cost_flops(const int64_t *d) { return 2.0 * d[M] * d[N] + 3.0 * d[M]; }
static double grad_flops(const int64_t *d) { return 4.0 * d[M] * d[N] + 2.0 * d[M]; }
static double cost_bytes(const int64_t *d) { return 4.0 * (d[M] * d[N] + d[M] + d[N] + 1); }
static double grad_bytes(const int64_t *d) { return 4.0 * (d[M] * d[N] + d[M] + 2 * d[N]); }

/* The course's exercise 1 (97 examples, intercept + population), its digits
 * (5000 images of 400 pixels), and a large batch (X 64 MB, out of L3). */
/* clang-format off */
#define REGRESSION_SIZES {{97, 2}, {5000, 400}, {262144, 64}}
/* clang-format on */

const vb_op linreg_cost = {
    .name = "linreg_cost",
    .family = "regression",
    .seed = "002 linear regression: computeCost",
    .summary = "J = 1/(2m) sum_i (x_i theta - y_i)^2",
    .dims = {"m", "n"},
    .batch = "m",
    .sizes = REGRESSION_SIZES,
    .tensors = {{"X", VB_IN, M, N},
                {"y", VB_IN, M, VB_ONE},
                {"theta", VB_IN, N, VB_ONE},
                {"J", VB_OUT, VB_ONE, VB_ONE}},
    .flops = cost_flops,
    .bytes = cost_bytes,
    .oracle = linreg_cost_oracle,
    .mag = linreg_cost_mag,
    .variants = {LINREG_COST_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(linreg_cost);

const vb_op linreg_grad = {
    .name = "linreg_grad",
    .family = "regression",
    .seed = "002 linear regression: the gradient of gradientDescent",
    .summary = "dtheta = 1/m X^T (X theta - y)",
    .dims = {"m", "n"},
    .batch = "m",
    .sizes = REGRESSION_SIZES,
    .tensors = {{"X", VB_IN, M, N},
                {"y", VB_IN, M, VB_ONE},
                {"theta", VB_IN, N, VB_ONE},
                {"dtheta", VB_OUT, N, VB_ONE}},
    .flops = grad_flops,
    .bytes = grad_bytes,
    .oracle = linreg_grad_oracle,
    .mag = linreg_grad_mag,
    .fwd = "linreg_cost",
    .variants = {LINREG_GRAD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(linreg_grad);

const vb_op logreg_cost = {
    .name = "logreg_cost",
    .family = "regression",
    .seed = "002 logistic regression: costFunction (cost)",
    .summary = "J = 1/m sum_i [-y_i log h_i - (1 - y_i) log(1 - h_i)], h = sigma(X theta), y in (0, 1)",
    .dims = {"m", "n"},
    .batch = "m",
    .sizes = REGRESSION_SIZES,
    .tensors = {{"X", VB_IN, M, N},
                {"y", VB_IN, M, VB_ONE, VB_FILL_PROB},
                {"theta", VB_IN, N, VB_ONE},
                {"J", VB_OUT, VB_ONE, VB_ONE}},
    .flops = cost_flops,
    .bytes = cost_bytes,
    .oracle = logreg_cost_oracle,
    .mag = logreg_cost_mag,
    .variants = {LOGREG_COST_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(logreg_cost);

const vb_op logreg_grad = {
    .name = "logreg_grad",
    .family = "regression",
    .seed = "002 logistic regression: costFunction (gradient)",
    .summary = "dtheta = 1/m X^T (sigma(X theta) - y)",
    .dims = {"m", "n"},
    .batch = "m",
    .sizes = REGRESSION_SIZES,
    .tensors = {{"X", VB_IN, M, N},
                {"y", VB_IN, M, VB_ONE, VB_FILL_PROB},
                {"theta", VB_IN, N, VB_ONE},
                {"dtheta", VB_OUT, N, VB_ONE}},
    .flops = grad_flops,
    .bytes = grad_bytes,
    .oracle = logreg_grad_oracle,
    .mag = logreg_grad_mag,
    .fwd = "logreg_cost",
    .variants = {LOGREG_GRAD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(logreg_grad);
