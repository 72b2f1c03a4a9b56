/* Row-wise softmax, rows = examples (m examples, n classes):
 *
 *   softmax_fwd:           A_ij = e^(Z_ij - max_k Z_ik) / sum_k e^(Z_ik - max_k Z_ik)
 *   softmax_unstable_fwd:  A_ij = e^Z_ij / sum_k e^Z_ik       (the seed's naive form)
 *   softmax_bwd:           dZ_ij = A_ij (dA_ij - sum_k A_ik dA_ik)
 *
 * Both forward forms are the same function, so they share the float64
 * oracle (the stable one: e^Z overflows float64 too, past Z = 709). The naive
 * float32 form overflows past Z = 88.7 and returns inf/inf = NaN. */
#include <math.h>

#include "softmax.h"

enum { M, N };

/* ---- forward ---- */

static void softmax_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	for (int64_t i = 0; i < m; i++) {
		double zmax = Z[i * n];
		for (int64_t j = 1; j < n; j++)
			zmax = fmax(zmax, Z[i * n + j]);
		double sum = 0;
		for (int64_t j = 0; j < n; j++)
			sum += exp(Z[i * n + j] - zmax);
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = exp(Z[i * n + j] - zmax) / sum;
	}
}

static void softmax_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float zmax = Z[i * n];
		for (int64_t j = 1; j < n; j++)
			if (Z[i * n + j] > zmax) zmax = Z[i * n + j];
		float sum = 0;
		for (int64_t j = 0; j < n; j++) {
			A[i * n + j] = expf(Z[i * n + j] - zmax);
			sum += A[i * n + j];
		}
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = A[i * n + j] / sum;
	}
}

static void softmax_unstable_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t i = 0; i < m; i++) {
		float sum = 0;
		for (int64_t j = 0; j < n; j++) {
			A[i * n + j] = expf(Z[i * n + j]);
			sum += A[i * n + j];
		}
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] = A[i * n + j] / sum;
	}
}

/* Error scale of A_ij in float32, relative to A_ij. Z_ij - max rounds
 * (relative u), which after exp is a relative error u |Z_ij - max|; exp adds
 * 2e u (e ulps). The sum of the n positive terms: at most n - 1 additions in
 * any order, plus its worst term's error, u (R_i + 2e) with R_i the row's
 * range. The division (or a reciprocal and a product): 2u. The naive form
 * has no subtraction, so the same scale bounds it wherever it stays finite. */
static void softmax_fwd_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0];
	double *A = c->t[1];
	softmax_fwd_oracle(c);
	for (int64_t i = 0; i < m; i++) {
		double zmax = Z[i * n], zmin = Z[i * n];
		for (int64_t j = 1; j < n; j++) {
			zmax = fmax(zmax, Z[i * n + j]);
			zmin = fmin(zmin, Z[i * n + j]);
		}
		double row = (double)n + 3 + 4 * VB_EXP_ULPS + (zmax - zmin);
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] *= row + (zmax - Z[i * n + j]);
	}
}

/* ---- backward ---- */

static void softmax_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++) {
		double s = 0;
		for (int64_t k = 0; k < n; k++)
			s += A[i * n + k] * dA[i * n + k];
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = A[i * n + j] * (dA[i * n + j] - s);
	}
}

static void softmax_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float s = 0;
		for (int64_t k = 0; k < n; k++)
			s += A[i * n + k] * dA[i * n + k];
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = A[i * n + j] * (dA[i * n + j] - s);
	}
}

/* dZ_ij = A_ij (dA_ij - s_i), s_i = sum_k A_ik dA_ik: A arrives rounded to
 * float32 (u), s is then within (n+1)u sum_k |A_ik dA_ik|, the difference
 * and the product add one u each. */
static void softmax_bwd_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *dA = c->t[1];
	double *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++) {
		double s = 0;
		for (int64_t k = 0; k < n; k++)
			s += fabs(A[i * n + k] * dA[i * n + k]);
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = fabs(A[i * n + j]) * ((double)n + 4) * (fabs(dA[i * n + j]) + s);
	}
}

/* ---- descriptors ---- */

/* max, subtract, exp, add, divide per element. */
static double fwd_flops(const int64_t *n) { return 5.0 * n[M] * n[N]; }
static double fwd_bytes(const int64_t *n) { return 4.0 * 2 * n[M] * n[N]; }
/* the row dot product, then a subtract and a product per element */
static double bwd_flops(const int64_t *n) { return 4.0 * n[M] * n[N]; }
static double bwd_bytes(const int64_t *n) { return 4.0 * 3 * n[M] * n[N]; }

/* The MNIST output layer (10 classes) on a training batch, 1000 examples
 * over 100 classes, and an ImageNet-sized one out of cache (2 x 32 MiB). */
#define SOFTMAX_COMMON                                                                                                 \
	.family = "softmax", .dims = {"m", "n"}, .batch = "m", .sizes = {{256, 10}, {1000, 100}, {8192, 1000}}

const vb_op softmax_fwd = {
    .name = "softmax_fwd",
    SOFTMAX_COMMON,
    .seed = "001 output layer, numerically stable (subtract the row max)",
    .summary = "A_ij = exp(Z_ij - max_k Z_ik) / sum_k exp(Z_ik - max_k Z_ik)",
    .tensors = {{"Z", VB_IN, M, N}, {"A", VB_OUT, M, N}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = softmax_fwd_oracle,
    .mag = softmax_fwd_mag,
    .wide = VB_WIDE_STABLE,
    .variants = {SOFTMAX_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(softmax_fwd);

const vb_op softmax_unstable_fwd = {
    .name = "softmax_unstable_fwd",
    SOFTMAX_COMMON,
    .seed = "001 output layer, the naive form (overflows past Z = 88.7 in float32)",
    .summary = "A_ij = exp(Z_ij) / sum_k exp(Z_ik)",
    .tensors = {{"Z", VB_IN, M, N}, {"A", VB_OUT, M, N}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = softmax_fwd_oracle,
    .mag = softmax_fwd_mag,
    .wide = VB_WIDE_OVERFLOWS,
    .variants = {SOFTMAX_UNSTABLE_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(softmax_unstable_fwd);

const vb_op softmax_bwd = {
    .name = "softmax_bwd",
    SOFTMAX_COMMON,
    .seed = "001 output layer, derivative",
    .summary = "dZ_ij = A_ij (dA_ij - sum_k A_ik dA_ik)",
    .tensors = {{"A", VB_IN, M, N}, {"dA", VB_IN, M, N}, {"dZ", VB_OUT, M, N}},
    .flops = bwd_flops,
    .bytes = bwd_bytes,
    .oracle = softmax_bwd_oracle,
    .mag = softmax_bwd_mag,
    .fwd = "softmax_fwd",
    .wide = VB_WIDE_STABLE,
    .variants = {SOFTMAX_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(softmax_bwd);
