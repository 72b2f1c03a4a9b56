/* Dense layer, the way the textbook writes it: one loop per index.
 *
 * Row-major (examples in rows):     Z = X W^T + b    X m*d, W h*d, b 1*h
 * Column-major (examples in cols):  Z = W X + b      X d*m, W h*d, b h*1
 * Backward, from the upstream gradient dZ (no 1/m: that belongs to the loss):
 *   dW = dZ^T X,  db = sum over examples of dZ,  dX = dZ W       (row-major)
 *   dW = dZ X^T,  db = sum over examples of dZ,  dX = W^T dZ     (column-major)
 */
#include "dense.h"

enum { M, D, H };

/* ---- row-major forward ---- */

void dense_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *X = c->t[0], *W = c->t[1], *b = c->t[2];
	double *Z = c->t[3];
	/* The oracle is not timed: use both cores. */
#pragma omp parallel for
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			double z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[j * d + k];
			Z[i * h + j] = z;
		}
}

void dense_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)           /* for each example */
		for (int64_t j = 0; j < h; j++) { /* for each unit */
			float z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[j * d + k];
			Z[i * h + j] = z;
		}
}

/* ---- column-major forward ---- */

/* The oracle accumulates whole rows of Z (i innermost): contiguous, so the
 * large case is not bound by cache misses. */
static void dense_fwd_cm_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *W = c->t[0], *X = c->t[1], *b = c->t[2];
	double *Z = c->t[3];
	/* The oracle is not timed: use both cores. */
#pragma omp parallel for
	for (int64_t j = 0; j < h; j++) {
		for (int64_t i = 0; i < m; i++)
			Z[j * m + i] = b[j];
		for (int64_t k = 0; k < d; k++)
			for (int64_t i = 0; i < m; i++)
				Z[j * m + i] += W[j * d + k] * X[k * m + i];
	}
}

/* The seed's loop: for each example, take its column x = X[:, i], then
 * z_j = b_j + sum_k W[j, k] x_k. */
static void dense_fwd_cm_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *W = c->t[0], *X = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	float *x = vb_scratch(c, sizeof(float) * (size_t)d);
	for (int64_t i = 0; i < m; i++) { /* for each example (column) */
		for (int64_t k = 0; k < d; k++)
			x[k] = X[k * m + i];
		for (int64_t j = 0; j < h; j++) {
			float z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += W[j * d + k] * x[k];
			Z[j * m + i] = z;
		}
	}
}

/* ---- row-major backward ---- */

/* Loops ordered so the innermost index walks memory contiguously. */
static void dense_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *X = c->t[0], *W = c->t[1], *dZ = c->t[2];
	double *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	/* The oracle is not timed: use both cores. */
#pragma omp parallel for
	for (int64_t j = 0; j < h; j++) {
		db[j] = 0;
		for (int64_t k = 0; k < d; k++)
			dW[j * d + k] = 0;
		for (int64_t i = 0; i < m; i++) {
			db[j] += dZ[i * h + j];
			for (int64_t k = 0; k < d; k++)
				dW[j * d + k] += dZ[i * h + j] * X[i * d + k];
		}
	}
#pragma omp parallel for
	for (int64_t i = 0; i < m; i++) {
		for (int64_t k = 0; k < d; k++)
			dX[i * d + k] = 0;
		for (int64_t j = 0; j < h; j++)
			for (int64_t k = 0; k < d; k++)
				dX[i * d + k] += dZ[i * h + j] * W[j * d + k];
	}
}

/* The seed's form: accumulate every example's contribution in turn,
 * dW += dz^T x, db += dz, and its error dx = sum_j dz_j W[j, :]. */
static void dense_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *dZ = c->t[2];
	float *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	for (int64_t j = 0; j < h; j++) {
		db[j] = 0;
		for (int64_t k = 0; k < d; k++)
			dW[j * d + k] = 0;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		for (int64_t k = 0; k < d; k++)
			dX[i * d + k] = 0;
		for (int64_t j = 0; j < h; j++) {
			db[j] += dZ[i * h + j];
			for (int64_t k = 0; k < d; k++) {
				dW[j * d + k] += dZ[i * h + j] * X[i * d + k];
				dX[i * d + k] += dZ[i * h + j] * W[j * d + k];
			}
		}
	}
}

/* ---- column-major backward ---- */

static void dense_bwd_cm_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *W = c->t[0], *X = c->t[1], *dZ = c->t[2];
	double *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	/* The oracle is not timed: use both cores. */
#pragma omp parallel for
	for (int64_t j = 0; j < h; j++) {
		for (int64_t k = 0; k < d; k++) {
			double s = 0;
			for (int64_t i = 0; i < m; i++)
				s += dZ[j * m + i] * X[k * m + i];
			dW[j * d + k] = s;
		}
		double s = 0;
		for (int64_t i = 0; i < m; i++)
			s += dZ[j * m + i];
		db[j] = s;
	}
#pragma omp parallel for
	for (int64_t k = 0; k < d; k++) {
		for (int64_t i = 0; i < m; i++)
			dX[k * m + i] = 0;
		for (int64_t j = 0; j < h; j++)
			for (int64_t i = 0; i < m; i++)
				dX[k * m + i] += W[j * d + k] * dZ[j * m + i];
	}
}

/* Per example: take its columns x = X[:, i] and dz = dZ[:, i], accumulate
 * dW += dz x^T and db += dz, and write dx = W^T dz into dX[:, i]. */
static void dense_bwd_cm_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *W = c->t[0], *X = c->t[1], *dZ = c->t[2];
	float *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	float *x = vb_scratch(c, sizeof(float) * (size_t)d);
	float *dx = vb_scratch(c, sizeof(float) * (size_t)d);
	for (int64_t j = 0; j < h; j++) {
		db[j] = 0;
		for (int64_t k = 0; k < d; k++)
			dW[j * d + k] = 0;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example (column) */
		for (int64_t k = 0; k < d; k++) {
			x[k] = X[k * m + i];
			dx[k] = 0;
		}
		for (int64_t j = 0; j < h; j++) {
			float dz = dZ[j * m + i];
			db[j] += dz;
			for (int64_t k = 0; k < d; k++) {
				dW[j * d + k] += dz * x[k];
				dx[k] += W[j * d + k] * dz;
			}
		}
		for (int64_t k = 0; k < d; k++)
			dX[k * m + i] = dx[k];
	}
}

/* ---- descriptors ---- */

static double fwd_flops(const int64_t *n) { return 2.0 * n[M] * n[D] * n[H] + n[M] * n[H]; }
static double fwd_bytes(const int64_t *n) { return 4.0 * (n[M] * n[D] + n[H] * n[D] + n[H] + n[M] * n[H]); }
/* d products and the bias per output, plus the rounding of 16-bit inputs
 * and output (the GPU's fp16/bf16 variants: 3u of sum|terms| at d = 1). */
static double fwd_depth(const int64_t *n) { return n[D] + 4.0; }
static double bwd_flops(const int64_t *n) { return 4.0 * n[M] * n[D] * n[H] + n[M] * n[H]; }
static double bwd_bytes(const int64_t *n) { return 4.0 * (2 * n[M] * n[D] + 2 * n[H] * n[D] + n[M] * n[H] + n[H]); }
/* dW and db sum over m examples, dX over h units; + 2 for 16-bit storage. */
static double bwd_depth(const int64_t *n) { return (n[M] > n[H] ? n[M] : n[H]) + 2.0; }

/* The seed's NumPy example (W 100x50, X 50x1000), a training-sized layer,
 * and a large, out-of-cache one. */
#define DENSE_SIZES                                                                                                    \
	{                                                                                                              \
		{1000, 50, 100}, {256, 784, 256}, { 4096, 1024, 1024 }                                                 \
	}

const vb_op dense_fwd = {
    .name = "dense_fwd",
    .family = "dense",
    .seed = "001 forward propagation, row-major",
    .summary = "Z = X W^T + b",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = DENSE_SIZES,
    .tensors = {{"X", VB_IN, M, D}, {"W", VB_IN, H, D}, {"b", VB_IN, VB_ONE, H}, {"Z", VB_OUT, M, H}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = dense_fwd_oracle,
    .depth = fwd_depth,
    .exact_density = vb_exact_dense,
    .variants = {DENSE_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dense_fwd);

const vb_op dense_fwd_cm = {
    .name = "dense_fwd_cm",
    .family = "dense",
    .seed = "001 forward propagation, column-major (Z = np.dot(W, X) + b)",
    .summary = "Z = W X + b",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = DENSE_SIZES,
    .tensors = {{"W", VB_IN, H, D}, {"X", VB_IN, D, M}, {"b", VB_IN, H, VB_ONE}, {"Z", VB_OUT, H, M}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = dense_fwd_cm_oracle,
    .depth = fwd_depth,
    .exact_density = vb_exact_dense,
    .variants = {DENSE_FWD_CM_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dense_fwd_cm);

const vb_op dense_bwd = {
    .name = "dense_bwd",
    .family = "dense",
    .seed = "001 backpropagation, row-major",
    .summary = "dW = dZ^T X, db = sum_i dZ, dX = dZ W",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = DENSE_SIZES,
    .tensors = {{"X", VB_IN, M, D},
                {"W", VB_IN, H, D},
                {"dZ", VB_IN, M, H},
                {"dW", VB_OUT, H, D},
                {"db", VB_OUT, VB_ONE, H},
                {"dX", VB_OUT, M, D}},
    .flops = bwd_flops,
    .bytes = bwd_bytes,
    .oracle = dense_bwd_oracle,
    .depth = bwd_depth,
    .fwd = "dense_fwd",
    .exact_density = vb_exact_dense,
    .variants = {DENSE_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dense_bwd);

const vb_op dense_bwd_cm = {
    .name = "dense_bwd_cm",
    .family = "dense",
    .seed = "001 backpropagation, column-major (dW = 1/m dZ X^T without the 1/m)",
    .summary = "dW = dZ X^T, db = sum_i dZ, dX = W^T dZ",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = DENSE_SIZES,
    .tensors = {{"W", VB_IN, H, D},
                {"X", VB_IN, D, M},
                {"dZ", VB_IN, H, M},
                {"dW", VB_OUT, H, D},
                {"db", VB_OUT, H, VB_ONE},
                {"dX", VB_OUT, D, M}},
    .flops = bwd_flops,
    .bytes = bwd_bytes,
    .oracle = dense_bwd_cm_oracle,
    .depth = bwd_depth,
    .fwd = "dense_fwd_cm",
    .exact_density = vb_exact_dense,
    .variants = {DENSE_BWD_CM_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dense_bwd_cm);
