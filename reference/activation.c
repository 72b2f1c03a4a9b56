/* Bias add and elementwise activations, the way the textbook writes them:
 * one loop per index, examples in rows (m examples, n units).
 *
 *   bias_add:     Y = Z + b        b 1*n added to every row   (row-major)
 *   bias_add_cm:  Y = Z + b        b n*1 added to every column (column-major, Z n*m)
 *   relu:         A = max(0, Z)            dZ = dA * [Z > 0]
 *   sigmoid:      A = 1 / (1 + e^-Z)       dZ = dA * A (1 - A)
 *   tanh:         A = tanh(Z)              dZ = dA * (1 - A^2)
 *
 * Backward ops take the upstream gradient dA and the forward tensor the
 * derivative reads best from (Z for relu, the output A for sigmoid and tanh). */
#include <math.h>

#include "activation.h"

enum { M, N };

/* ---- bias add ---- */

static void bias_add_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *b = c->t[1];
	double *Y = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			Y[i * n + j] = Z[i * n + j] + b[j];
}

static void bias_add_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	for (int64_t i = 0; i < m; i++) /* for each example */
		for (int64_t j = 0; j < n; j++)
			Y[i * n + j] = Z[i * n + j] + b[j];
}

static void bias_add_cm_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *b = c->t[1];
	double *Y = c->t[2];
	for (int64_t j = 0; j < n; j++)
		for (int64_t i = 0; i < m; i++)
			Y[j * m + i] = Z[j * m + i] + b[j];
}

static void bias_add_cm_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	for (int64_t i = 0; i < m; i++) /* for each example (column) */
		for (int64_t j = 0; j < n; j++)
			Y[j * m + i] = Z[j * m + i] + b[j];
}

/* ---- relu ---- */

static void relu_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = Z[i * n + j] > 0 ? Z[i * n + j] : 0.0;
}

static void relu_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = Z[i * n + j] > 0 ? Z[i * n + j] : 0.0f;
}

static void relu_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = Z[i * n + j] > 0 ? dA[i * n + j] : 0.0;
}

static void relu_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = Z[i * n + j] > 0 ? dA[i * n + j] : 0.0f;
}

/* ---- sigmoid ---- */

static void sigmoid_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = 1.0 / (1.0 + exp(-Z[i * n + j]));
}

static void sigmoid_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = 1.0f / (1.0f + expf(-Z[i * n + j]));
}

/* exp to e ulps (relative 2e*u), then 1 + . and 1 / . one rounding each. */
static void sigmoid_fwd_mag(const vb_call *c) {
	int64_t mn = c->dim[M] * c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	for (int64_t k = 0; k < mn; k++)
		A[k] = (2 * VB_EXP_ULPS + 3) / (1.0 + exp(-Z[k]));
}

static void sigmoid_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = dA[i * n + j] * A[i * n + j] * (1.0 - A[i * n + j]);
}

static void sigmoid_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = dA[i * n + j] * A[i * n + j] * (1.0f - A[i * n + j]);
}

/* A arrives rounded to float32 (relative u), so 1 - A is off by u|A| besides
 * its own rounding: that term dominates when A is near 1. Two products. */
static void sigmoid_bwd_mag(const vb_call *c) {
	int64_t mn = c->dim[M] * c->dim[N];
	const double *A = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t k = 0; k < mn; k++)
		dZ[k] = fabs(dA[k]) * fabs(A[k]) * (5 * fabs(1.0 - A[k]) + 2 * fabs(A[k]));
}

/* ---- tanh ---- */

static void tanh_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = tanh(Z[i * n + j]);
}

static void tanh_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = tanhf(Z[i * n + j]);
}

/* tanhf to e ulps: a relative error of 2e*u. */
static void tanh_fwd_mag(const vb_call *c) {
	int64_t mn = c->dim[M] * c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	for (int64_t k = 0; k < mn; k++)
		A[k] = (2 * VB_TANH_ULPS + 1) * fabs(tanh(Z[k]));
}

static void tanh_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = dA[i * n + j] * (1.0 - A[i * n + j] * A[i * n + j]);
}

static void tanh_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = dA[i * n + j] * (1.0f - A[i * n + j] * A[i * n + j]);
}

/* As for sigmoid: A rounded to float32 makes 1 - A^2 off by 2u A^2. */
static void tanh_bwd_mag(const vb_call *c) {
	int64_t mn = c->dim[M] * c->dim[N];
	const double *A = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t k = 0; k < mn; k++)
		dZ[k] = fabs(dA[k]) * (3 * fabs(1.0 - A[k] * A[k]) + 4 * A[k] * A[k]);
}

/* ---- descriptors ---- */

/* exp, tanh and a division count as one FLOP each. */
static double flops_1(const int64_t *n) { return 1.0 * n[M] * n[N]; }
static double flops_3(const int64_t *n) { return 3.0 * n[M] * n[N]; }
static double flops_4(const int64_t *n) { return 4.0 * n[M] * n[N]; }
/* float32 traffic: one or two m*n inputs, one m*n output (+ the bias). */
static double bytes_1in(const int64_t *n) { return 4.0 * 2 * n[M] * n[N]; }
static double bytes_2in(const int64_t *n) { return 4.0 * 3 * n[M] * n[N]; }
static double bytes_bias(const int64_t *n) { return 4.0 * (2 * n[M] * n[N] + n[N]); }

/* A layer's batch small enough for L1/L2, the seed's layer (100 units, 1000
 * examples), and one out of cache (2 x 32 MiB of float32). */
#define ACT_COMMON                                                                                                     \
	.family = "activation", .dims = {"m", "n"}, .batch = "m", .sizes = {{256, 64}, {1000, 100}, {4096, 2048}}

const vb_op bias_add = {
    .name = "bias_add",
    ACT_COMMON,
    .seed = "001 forward propagation, row-major (Z = X W^T + b)",
    .summary = "Y = Z + b, b (1 x n) added to every row",
    .tensors = {{"Z", VB_IN, M, N}, {"b", VB_IN, VB_ONE, N}, {"Y", VB_OUT, M, N}},
    .flops = flops_1,
    .bytes = bytes_bias,
    .oracle = bias_add_oracle,
    .exact_density = vb_exact_dense,
    .variants = {BIAS_ADD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(bias_add);

const vb_op bias_add_cm = {
    .name = "bias_add_cm",
    ACT_COMMON,
    .seed = "001 forward propagation, column-major (Z = np.dot(W, X) + b)",
    .summary = "Y = Z + b, Z (n x m), b (n x 1) added to every column",
    .tensors = {{"Z", VB_IN, N, M}, {"b", VB_IN, N, VB_ONE}, {"Y", VB_OUT, N, M}},
    .flops = flops_1,
    .bytes = bytes_bias,
    .oracle = bias_add_cm_oracle,
    .exact_density = vb_exact_dense,
    .variants = {BIAS_ADD_CM_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(bias_add_cm);

/* relu is exact: the default bound u*|Z| leaves no room for an error. */
const vb_op relu_fwd = {
    .name = "relu_fwd",
    ACT_COMMON,
    .seed = "001 activations",
    .summary = "A = max(0, Z)",
    .tensors = {{"Z", VB_IN, M, N}, {"A", VB_OUT, M, N}},
    .flops = flops_1,
    .bytes = bytes_1in,
    .oracle = relu_fwd_oracle,
    .variants = {RELU_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(relu_fwd);

const vb_op relu_bwd = {
    .name = "relu_bwd",
    ACT_COMMON,
    .seed = "001 activations, derivative",
    .summary = "dZ = dA * [Z > 0]",
    .tensors = {{"Z", VB_IN, M, N}, {"dA", VB_IN, M, N}, {"dZ", VB_OUT, M, N}},
    .flops = flops_1,
    .bytes = bytes_2in,
    .oracle = relu_bwd_oracle,
    .fwd = "relu_fwd",
    .variants = {RELU_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(relu_bwd);

const vb_op sigmoid_fwd = {
    .name = "sigmoid_fwd",
    ACT_COMMON,
    .seed = "001 activations",
    .summary = "A = 1 / (1 + exp(-Z))",
    .tensors = {{"Z", VB_IN, M, N}, {"A", VB_OUT, M, N}},
    .flops = flops_4,
    .bytes = bytes_1in,
    .oracle = sigmoid_fwd_oracle,
    .mag = sigmoid_fwd_mag,
    .wide = VB_WIDE_STABLE,
    .variants = {SIGMOID_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(sigmoid_fwd);

const vb_op sigmoid_bwd = {
    .name = "sigmoid_bwd",
    ACT_COMMON,
    .seed = "001 activations, derivative",
    .summary = "dZ = dA * A * (1 - A)",
    .tensors = {{"A", VB_IN, M, N}, {"dA", VB_IN, M, N}, {"dZ", VB_OUT, M, N}},
    .flops = flops_3,
    .bytes = bytes_2in,
    .oracle = sigmoid_bwd_oracle,
    .mag = sigmoid_bwd_mag,
    .fwd = "sigmoid_fwd",
    .variants = {SIGMOID_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(sigmoid_bwd);

const vb_op tanh_fwd = {
    .name = "tanh_fwd",
    ACT_COMMON,
    .seed = "001 activations",
    .summary = "A = tanh(Z)",
    .tensors = {{"Z", VB_IN, M, N}, {"A", VB_OUT, M, N}},
    .flops = flops_1,
    .bytes = bytes_1in,
    .oracle = tanh_fwd_oracle,
    .mag = tanh_fwd_mag,
    .wide = VB_WIDE_STABLE,
    .variants = {TANH_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(tanh_fwd);

const vb_op tanh_bwd = {
    .name = "tanh_bwd",
    ACT_COMMON,
    .seed = "001 activations, derivative",
    .summary = "dZ = dA * (1 - A^2)",
    .tensors = {{"A", VB_IN, M, N}, {"dA", VB_IN, M, N}, {"dZ", VB_OUT, M, N}},
    .flops = flops_3,
    .bytes = bytes_2in,
    .oracle = tanh_bwd_oracle,
    .mag = tanh_bwd_mag,
    .fwd = "tanh_fwd",
    .variants = {TANH_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(tanh_bwd);
