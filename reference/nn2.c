/* Seed 002's two-layer sigmoid network (the course's nnCostFunction, without
 * bias units or regularization). X m*n, Y m*k one-hot rows, Theta1 h*n,
 * Theta2 k*h; per example (a row):
 *
 *   a1 = x,  a2 = sigma(a1 Theta1^T),  a3 = sigma(a2 Theta2^T)
 *   J  = 1/m sum_i sum_c [-y log a3 - (1 - y) log(1 - a3)]          (nn2_fwd)
 *   delta3 = a3 - y,  delta2 = (delta3 Theta2) (.) a2 (1 - a2)
 *   Delta2 += delta3^T a2,  Delta1 += delta2^T a1,  dTheta = Delta / m  (nn2_bwd)
 *
 * dTheta is exactly dJ/dTheta, so nn2_bwd is gradient-checked against
 * nn2_fwd. J is evaluated from z3 = a2 Theta2^T in the stable form
 * softplus(z3) - y z3 (log(1 - a3) is lost once a3 rounds to 1 in float32).
 *
 * loop: one example at a time, one loop per element (the course's for t = 1:m).
 * semi: one example at a time with vector operations (sgemv; Delta += delta a^T
 *       as a rank-1 sger), the course's vectorized-per-example form.
 * vec:  the whole batch: Delta = delta^T A is one sgemm (kernels/cpu/nn2.c).
 */
#include <cblas.h>
#include <math.h>

#include "logistic.h"
#include "nn2.h"
#include "prob_bound.h"

enum { M, N, H, K };
enum { T_X, T_Y, T_THETA1, T_THETA2, T_OUT };

/* ---- float64 oracle, the batch as matrices ---- */

typedef struct {
	double *A2, *Z3; /* m*h, m*k */
} nn2_fwd_cache;

static nn2_fwd_cache oracle_forward(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const double *X = c->t[T_X], *T1 = c->t[T_THETA1], *T2 = c->t[T_THETA2];
	nn2_fwd_cache f = {vb_scratch(c, sizeof(double) * (size_t)(m * h)),
	                   vb_scratch(c, sizeof(double) * (size_t)(m * k))};
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			double z = 0;
			for (int64_t q = 0; q < n; q++)
				z += X[i * n + q] * T1[j * n + q];
			f.A2[i * h + j] = sigmoid(z);
		}
	for (int64_t i = 0; i < m; i++)
		for (int64_t o = 0; o < k; o++) {
			double z = 0;
			for (int64_t j = 0; j < h; j++)
				z += f.A2[i * h + j] * T2[o * h + j];
			f.Z3[i * k + o] = z;
		}
	return f;
}

static void nn2_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], k = c->dim[K];
	const double *Y = c->t[T_Y];
	nn2_fwd_cache f = oracle_forward(c);
	double J = 0;
	for (int64_t i = 0; i < m; i++)
		for (int64_t o = 0; o < k; o++)
			J += logistic_loss(f.Z3[i * k + o], Y[i * k + o]);
	((double *)c->t[T_OUT])[0] = J / m;
}

static void nn2_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const double *X = c->t[T_X], *Y = c->t[T_Y], *T2 = c->t[T_THETA2];
	double *D1 = c->t[T_OUT], *D2 = c->t[T_OUT + 1];
	nn2_fwd_cache f = oracle_forward(c);
	double *d3 = vb_scratch(c, sizeof(double) * (size_t)(m * k)),
	       *d2 = vb_scratch(c, sizeof(double) * (size_t)(m * h));
	for (int64_t i = 0; i < m; i++)
		for (int64_t o = 0; o < k; o++)
			d3[i * k + o] = sigmoid(f.Z3[i * k + o]) - Y[i * k + o];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			double s = 0, a = f.A2[i * h + j];
			for (int64_t o = 0; o < k; o++)
				s += d3[i * k + o] * T2[o * h + j];
			d2[i * h + j] = s * a * (1 - a);
		}
	/* Delta = delta^T A, accumulated example by example so the inner loop is
	 * contiguous (the large sizes are checked too) */
	for (int64_t j = 0; j < k * h; j++)
		D2[j] = 0;
	for (int64_t j = 0; j < h * n; j++)
		D1[j] = 0;
	for (int64_t i = 0; i < m; i++) {
		for (int64_t o = 0; o < k; o++)
			for (int64_t j = 0; j < h; j++)
				D2[o * h + j] += d3[i * k + o] * f.A2[i * h + j];
		for (int64_t j = 0; j < h; j++)
			for (int64_t q = 0; q < n; q++)
				D1[j * n + q] += d2[i * h + j] * X[i * n + q];
	}
	for (int64_t j = 0; j < k * h; j++)
		D2[j] /= m;
	for (int64_t j = 0; j < h * n; j++)
		D1[j] /= m;
}

/* ---- loop: one example, one element at a time ---- */

/* a2 = sigma(Theta1 x), z3 = Theta2 a2 for one example. */
static void example_forward_loop(const vb_call *c, const float *x, float *a2, float *z3) {
	int64_t n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const float *T1 = c->t[T_THETA1], *T2 = c->t[T_THETA2];
	for (int64_t j = 0; j < h; j++) { /* hidden unit j */
		float z = 0;
		for (int64_t q = 0; q < n; q++)
			z += T1[j * n + q] * x[q];
		a2[j] = sigmoidf(z);
	}
	for (int64_t o = 0; o < k; o++) { /* output unit o */
		float z = 0;
		for (int64_t j = 0; j < h; j++)
			z += T2[o * h + j] * a2[j];
		z3[o] = z;
	}
}

/* a2 and z3 of one example x: example_forward_loop or example_forward_semi. */
typedef void example_forward_fn(const vb_call *c, const float *x, float *a2, float *z3);

/* J summed example by example. */
static void fwd_by_example(const vb_call *c, example_forward_fn *example_forward) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const float *X = c->t[T_X], *Y = c->t[T_Y];
	float *a2 = vb_scratch(c, sizeof(float) * (size_t)h), *z3 = vb_scratch(c, sizeof(float) * (size_t)k);
	float J = 0;
	for (int64_t i = 0; i < m; i++) {
		example_forward(c, X + i * n, a2, z3);
		for (int64_t o = 0; o < k; o++)
			J += logistic_lossf(z3[o], Y[i * k + o]);
	}
	((float *)c->t[T_OUT])[0] = J / (float)m;
}

static void nn2_fwd_loop(const vb_call *c) { fwd_by_example(c, example_forward_loop); }

static void nn2_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const float *X = c->t[T_X], *Y = c->t[T_Y], *T2 = c->t[T_THETA2];
	float *D1 = c->t[T_OUT], *D2 = c->t[T_OUT + 1];
	float *a2 = vb_scratch(c, sizeof(float) * (size_t)h), *z3 = vb_scratch(c, sizeof(float) * (size_t)k);
	float *d3 = vb_scratch(c, sizeof(float) * (size_t)k), *d2 = vb_scratch(c, sizeof(float) * (size_t)h);
	for (int64_t j = 0; j < h * n; j++)
		D1[j] = 0;
	for (int64_t j = 0; j < k * h; j++)
		D2[j] = 0;
	for (int64_t i = 0; i < m; i++) { /* for t = 1:m */
		const float *x = X + i * n;
		example_forward_loop(c, x, a2, z3);
		for (int64_t o = 0; o < k; o++)
			d3[o] = sigmoidf(z3[o]) - Y[i * k + o];
		for (int64_t j = 0; j < h; j++) {
			float s = 0;
			for (int64_t o = 0; o < k; o++)
				s += T2[o * h + j] * d3[o];
			d2[j] = s * a2[j] * (1 - a2[j]);
		}
		for (int64_t o = 0; o < k; o++)
			for (int64_t j = 0; j < h; j++)
				D2[o * h + j] += d3[o] * a2[j];
		for (int64_t j = 0; j < h; j++)
			for (int64_t q = 0; q < n; q++)
				D1[j * n + q] += d2[j] * x[q];
	}
	for (int64_t j = 0; j < h * n; j++)
		D1[j] /= (float)m;
	for (int64_t j = 0; j < k * h; j++)
		D2[j] /= (float)m;
}

/* ---- semi: one example at a time, vector operations ---- */

static void example_forward_semi(const vb_call *c, const float *x, float *a2, float *z3) {
	int n = (int)c->dim[N], h = (int)c->dim[H], k = (int)c->dim[K];
	cblas_sgemv(CblasRowMajor, CblasNoTrans, h, n, 1.0f, c->t[T_THETA1], n, x, 1, 0.0f, a2, 1);
	for (int j = 0; j < h; j++)
		a2[j] = sigmoidf(a2[j]);
	cblas_sgemv(CblasRowMajor, CblasNoTrans, k, h, 1.0f, c->t[T_THETA2], h, a2, 1, 0.0f, z3, 1);
}

static void nn2_fwd_semi(const vb_call *c) { fwd_by_example(c, example_forward_semi); }

static void nn2_bwd_semi(const vb_call *c) {
	int m = (int)c->dim[M], n = (int)c->dim[N], h = (int)c->dim[H], k = (int)c->dim[K];
	const float *X = c->t[T_X], *Y = c->t[T_Y];
	float *D1 = c->t[T_OUT], *D2 = c->t[T_OUT + 1];
	float *a2 = vb_scratch(c, sizeof(float) * (size_t)h), *d3 = vb_scratch(c, sizeof(float) * (size_t)k);
	float *d2 = vb_scratch(c, sizeof(float) * (size_t)h);
	for (int64_t j = 0; j < (int64_t)h * n; j++)
		D1[j] = 0;
	for (int64_t j = 0; j < (int64_t)k * h; j++)
		D2[j] = 0;
	for (int i = 0; i < m; i++) {
		const float *x = X + (int64_t)i * n, *y = Y + (int64_t)i * k;
		example_forward_semi(c, x, a2, d3);
		for (int o = 0; o < k; o++)
			d3[o] = sigmoidf(d3[o]) - y[o];
		cblas_sgemv(CblasRowMajor, CblasTrans, k, h, 1.0f, c->t[T_THETA2], h, d3, 1, 0.0f, d2, 1);
		for (int j = 0; j < h; j++)
			d2[j] *= a2[j] * (1 - a2[j]);
		cblas_sger(CblasRowMajor, k, h, 1.0f, d3, 1, a2, 1, D2, h); /* Delta2 += delta3 a2^T */
		cblas_sger(CblasRowMajor, h, n, 1.0f, d2, 1, x, 1, D1, n);  /* Delta1 += delta2 a1^T */
	}
	cblas_sscal(h * n, 1.0f / (float)m, D1, 1);
	cblas_sscal(k * h, 1.0f / (float)m, D2, 1);
}

/* ---- error scales, in units of u ----
 * As for the MLP (reference/mlp.c): a worst-case bound compounds through the
 * two layers and the batch sums until it rivals the values at the large
 * size, so these follow probabilistic rounding error analysis (Higham &
 * Mary 2019): a length-K product is off by at most LAMBDA sqrt(K) u sum|terms|
 * but with probability 2 exp(-LAMBDA^2/2); errors of distinct roundings
 * (other units, other examples) combine in quadrature, errors that may be
 * shared (the outputs of one example, which all read the same a2) linearly.
 * sigma' <= 1/4 (a(1 - a) exactly), evaluating sigma or the loss costs 8 u
 * (exp's VB_EXP_ULPS = 2 ulp is 4 u, glibc's and SLEEF's expf are within 1;
 * log1p and the sums the rest), the loss' slope in z3 is a3 - y. Only a bound, so
 * its products go through dgemm (prob_bound.h); the oracle itself stays in loops. */

typedef struct {
	double *A2, *sA2; /* m*h: a2 and its error scale (independent across units) */
	double *Z3, *sZ3; /* m*k: z3 and its error scale (shared within an example) */
} nn2_err;

static nn2_err forward_error(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	nn2_err e = {.A2 = vb_scratch(c, sizeof(double) * (size_t)(m * h)),
	             .sA2 = vb_scratch(c, sizeof(double) * (size_t)(m * h)),
	             .Z3 = vb_scratch(c, sizeof(double) * (size_t)(m * k)),
	             .sZ3 = vb_scratch(c, sizeof(double) * (size_t)(m * k))};
	double *Z2 = vb_scratch(c, sizeof(double) * (size_t)(m * h));
	gemm_nt(m, h, n, c->t[T_X], c->t[T_THETA1], 0, Z2);
	gemm_nt(m, h, n, map_copy(c, c->t[T_X], m * n, 0), map_copy(c, c->t[T_THETA1], h * n, 0), 0, e.sA2); /* S2 */
	for (int64_t i = 0; i < m * h; i++) {
		double a = sigmoid(Z2[i]);
		e.A2[i] = a;
		e.sA2[i] = a * (1 - a) * sqrt(n + 1.0) * e.sA2[i] + 8;
	}
	/* z3: own roundings sqrt(h+1) a2 |Theta2|^T, a2's errors in quadrature */
	gemm_nt(m, k, h, e.A2, c->t[T_THETA2], 0, e.Z3);
	double *s2 = map_copy(c, e.sA2, m * h, 1), *q = vb_scratch(c, sizeof(double) * (size_t)(m * k));
	gemm_nt(m, k, h, s2, map_copy(c, c->t[T_THETA2], k * h, 1), 0, q);
	gemm_nt(m, k, h, e.A2, map_copy(c, c->t[T_THETA2], k * h, 0), 0, e.sZ3);
	for (int64_t i = 0; i < m * k; i++)
		e.sZ3[i] = sqrt(h + 1.0) * e.sZ3[i] + sqrt(q[i]);
	return e;
}

static void nn2_fwd_mag(const vb_call *c) {
	int64_t m = c->dim[M], k = c->dim[K];
	const double *Y = c->t[T_Y];
	nn2_err e = forward_error(c);
	/* per example, its k losses linearly (they share a2); over the batch in
	 * quadrature; the sum of m k terms and the mean */
	double q = 0, labs = 0;
	for (int64_t i = 0; i < m; i++) {
		double s = 0;
		for (int64_t o = 0; o < k; o++) {
			double z = e.Z3[i * k + o], y = Y[i * k + o];
			s += fabs(sigmoid(z) - y) * e.sZ3[i * k + o] + 2 * (fabs(z) + fabs(y * z)) + 8;
			labs += fabs(logistic_loss(z, y));
		}
		q += s * s;
	}
	((double *)c->t[T_OUT])[0] = LAMBDA * (sqrt(q) + sqrt(m * k + 2.0) * labs) / m;
}

static void nn2_bwd_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const double *Y = c->t[T_Y];
	double *D1 = c->t[T_OUT], *D2 = c->t[T_OUT + 1];
	nn2_err e = forward_error(c);
	/* delta3 = a3 - y: size d3, error scale s3 */
	double *d3 = vb_scratch(c, sizeof(double) * (size_t)(m * k)),
	       *s3 = vb_scratch(c, sizeof(double) * (size_t)(m * k));
	for (int64_t i = 0; i < m * k; i++) {
		double a = sigmoid(e.Z3[i]);
		d3[i] = fabs(a - Y[i]);
		s3[i] = a * (1 - a) * e.sZ3[i] + 8 + d3[i];
	}
	/* dTheta2 = delta3^T a2 / m: per example s3 a2 + |delta3| s(a2), over the
	 * batch in quadrature ((x + y)^2 <= 2x^2 + 2y^2), plus its own roundings */
	double *s3sq = map_copy(c, s3, m * k, 1), *d3sq = map_copy(c, d3, m * k, 1);
	double *a2sq = map_copy(c, e.A2, m * h, 1), *sa2sq = map_copy(c, e.sA2, m * h, 1);
	double *loc2 = vb_scratch(c, sizeof(double) * (size_t)(k * h));
	gemm_tn(k, h, m, s3sq, a2sq, 0, D2);
	gemm_tn(k, h, m, d3sq, sa2sq, 1, D2);
	gemm_tn(k, h, m, d3, e.A2, 0, loc2);
	for (int64_t i = 0; i < k * h; i++)
		D2[i] = LAMBDA * (sqrt(2 * D2[i]) + sqrt(m + 2.0) * loc2[i]) / m;
	/* g = delta3 Theta2 over the k outputs: own roundings sqrt(k+1) |delta3|
	 * |Theta2|, delta3's (shared) errors linearly; delta2 = g a2 (1 - a2) */
	double *aT2 = map_copy(c, c->t[T_THETA2], k * h, 0);
	double *g = vb_scratch(c, sizeof(double) * (size_t)(m * h)),
	       *sg = vb_scratch(c, sizeof(double) * (size_t)(m * h));
	gemm_nn(m, h, k, d3, aT2, 0, g); /* >= |g| */
	gemm_nn(m, h, k, s3, aT2, 0, sg);
	for (int64_t i = 0; i < m * h; i++) {
		double a = e.A2[i], s = a * (1 - a), ss = e.sA2[i] + 2;
		sg[i] = (sqrt(k + 1.0) * g[i] + sg[i]) * s + g[i] * ss + g[i] * s; /* now s(delta2) */
		g[i] *= s;                                                         /* now >= |delta2| */
	}
	/* dTheta1 = delta2^T X / m (X exact) */
	double *loc1 = vb_scratch(c, sizeof(double) * (size_t)(h * n));
	gemm_tn(h, n, m, map_copy(c, sg, m * h, 1), map_copy(c, c->t[T_X], m * n, 1), 0, D1);
	gemm_tn(h, n, m, g, map_copy(c, c->t[T_X], m * n, 0), 0, loc1);
	for (int64_t i = 0; i < h * n; i++)
		D1[i] = LAMBDA * (sqrt(D1[i]) + sqrt(m + 2.0) * loc1[i]) / m;
}

/* ---- descriptors ---- */

static double fwd_flops(const int64_t *d) { return 2.0 * d[M] * d[H] * (d[N] + d[K]) + 4.0 * d[M] * (d[H] + d[K]); }
static double bwd_flops(const int64_t *d) {
	return 4.0 * d[M] * d[H] * d[N] + 6.0 * d[M] * d[H] * d[K] + 8.0 * d[M] * (d[H] + d[K]);
}
static double fwd_bytes(const int64_t *d) { return 4.0 * (d[M] * d[N] + d[M] * d[K] + d[H] * d[N] + d[K] * d[H] + 1); }
static double bwd_bytes(const int64_t *d) {
	return 4.0 * (d[M] * d[N] + d[M] * d[K] + 2 * (d[H] * d[N] + d[K] * d[H]));
}

/* A small batch, the course's exercise 4 (5000 digits of 400 pixels, 25
 * hidden units, 10 classes), and a large batch (X 64 MB, out of L3). */
/* clang-format off */
#define NN2_SIZES {{100, 400, 25, 10}, {5000, 400, 25, 10}, {16384, 1024, 32, 10}}
/* clang-format on */

const vb_op nn2_fwd = {
    .name = "nn2_fwd",
    .family = "nn2",
    .seed = "002 neural network: nnCostFunction (feedforward and cost)",
    .summary = "a2 = sigma(X Theta1^T), a3 = sigma(a2 Theta2^T); J = 1/m sum [-y log a3 - (1-y) log(1-a3)]",
    .dims = {"m", "n", "h", "k"},
    .batch = "m",
    .sizes = NN2_SIZES,
    .tensors = {{"X", VB_IN, M, N},
                {"Y", VB_IN, M, K, VB_FILL_ONEHOT_ROW},
                {"Theta1", VB_IN, H, N},
                {"Theta2", VB_IN, K, H},
                {"J", VB_OUT, VB_ONE, VB_ONE}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = nn2_fwd_oracle,
    .mag = nn2_fwd_mag,
    .variants = {NN2_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(nn2_fwd);

const vb_op nn2_bwd = {
    .name = "nn2_bwd",
    .family = "nn2",
    .seed = "002 neural network: nnCostFunction (backpropagation, Delta accumulation)",
    .summary = "delta3 = a3 - Y, delta2 = (delta3 Theta2) (.) a2(1-a2); dTheta2 = delta3^T a2 / m, "
               "dTheta1 = delta2^T X / m (= dJ/dTheta of nn2_fwd)",
    .dims = {"m", "n", "h", "k"},
    .batch = "m",
    .sizes = NN2_SIZES,
    .tensors = {{"X", VB_IN, M, N},
                {"Y", VB_IN, M, K, VB_FILL_ONEHOT_ROW},
                {"Theta1", VB_IN, H, N},
                {"Theta2", VB_IN, K, H},
                {"dTheta1", VB_OUT, H, N},
                {"dTheta2", VB_OUT, K, H}},
    .flops = bwd_flops,
    .bytes = bwd_bytes,
    .oracle = nn2_bwd_oracle,
    .mag = nn2_bwd_mag,
    .fwd = "nn2_fwd",
    .variants = {NN2_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(nn2_bwd);
