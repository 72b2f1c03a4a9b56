/* Advanced techniques, the way the textbook writes them: one loop per index.
 *
 * Sparse weights:  Z = X W^T + b           X m*d, W h*d (density_pm per mille nonzero), b 1*h
 *   The dense loop and vec multiply every zero of W; loop_csr and vec_csr
 *   skip them. The op sweeps the density, so the summary shows where CSR
 *   stops paying.
 * Matmul order:    Z = (X U^T) V^T         X m*d, U r*d, V h*r (a rank-r layer)
 *   X U^T first costs 2mr(d + h); forming V U first costs 2hrd + 2mdh, about
 *   dh / (r(d + h)) times more when r << d, h. Same Z either way.
 */
#include <stdlib.h>

#include "advanced.h"
#include "dense.h"

/* ---- sparse weights ---- */

enum { M, D, H, R };
enum { DENSITY_PM = 3 }; /* sparse_dense_fwd's fourth dim */

/* The oracle, loop, vec and cuda variants are dense_fwd's: the same
 * product, blind to the zeros (they ignore the density dim). loop_csr and
 * vec_csr know W is sparse. */

/* W to CSR, then one loop per index over the nonzeros only: the textbook's
 * sparse product. The CSR build is part of the call, as in vec_csr. */
static void sparse_dense_fwd_loop_csr(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	int64_t nnz = 0;
	for (int64_t j = 0; j < h * d; j++)
		nnz += W[j] != 0.0f;
	int64_t *ptr = vb_scratch(c, sizeof(int64_t) * (size_t)(h + 1));
	float *val = vb_scratch(c, sizeof(float) * (size_t)(nnz > 0 ? nnz : 1));
	int64_t *col = vb_scratch(c, sizeof(int64_t) * (size_t)(nnz > 0 ? nnz : 1));
	int64_t p = 0;
	for (int64_t j = 0; j < h; j++) { /* for each unit: its nonzero weights */
		ptr[j] = p;
		for (int64_t k = 0; k < d; k++)
			if (W[j * d + k] != 0.0f) val[p] = W[j * d + k], col[p++] = k;
	}
	ptr[h] = p;
	for (int64_t i = 0; i < m; i++)           /* for each example */
		for (int64_t j = 0; j < h; j++) { /* for each unit */
			float z = b[j];
			for (int64_t q = ptr[j]; q < ptr[j + 1]; q++)
				z += X[i * d + col[q]] * val[q];
			Z[i * h + j] = z;
		}
}

/* ---- matmul order (low-rank layer) ---- */

static void lowrank_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H], r = c->dim[R];
	const double *X = c->t[0], *U = c->t[1], *V = c->t[2];
	double *Z = c->t[3];
	/* The oracle is not timed: use both cores; T is one example's row. */
#pragma omp parallel
	{
		double *T = VB_XMALLOC(sizeof(double) * (size_t)r);
#pragma omp for
		for (int64_t i = 0; i < m; i++) {
			for (int64_t l = 0; l < r; l++) {
				double t = 0;
				for (int64_t k = 0; k < d; k++)
					t += X[i * d + k] * U[l * d + k];
				T[l] = t;
			}
			for (int64_t j = 0; j < h; j++) {
				double z = 0;
				for (int64_t l = 0; l < r; l++)
					z += T[l] * V[j * r + l];
				Z[i * h + j] = z;
			}
		}
		free(T);
	}
}

/* The cheap order: T = X U^T (m*r), then Z = T V^T. */
static void lowrank_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H], r = c->dim[R];
	const float *X = c->t[0], *U = c->t[1], *V = c->t[2];
	float *Z = c->t[3];
	float *T = vb_scratch(c, sizeof(float) * (size_t)(m * r));
	for (int64_t i = 0; i < m; i++)           /* for each example */
		for (int64_t l = 0; l < r; l++) { /* for each rank component */
			float t = 0;
			for (int64_t k = 0; k < d; k++)
				t += X[i * d + k] * U[l * d + k];
			T[i * r + l] = t;
		}
	for (int64_t i = 0; i < m; i++)           /* for each example */
		for (int64_t j = 0; j < h; j++) { /* for each unit */
			float z = 0;
			for (int64_t l = 0; l < r; l++)
				z += T[i * r + l] * V[j * r + l];
			Z[i * h + j] = z;
		}
}

/* ---- descriptors ---- */

/* The useful work, 2 m nnz + mh, with nnz the expected nonzeros of the
 * VB_FILL_SPARSE fill (one fixed per row, density_pm per mille of the rest):
 * dense loop and vec multiply the zeros too, and their low GFLOP/s on this
 * count says so. */
static double sparse_flops(const int64_t *n) {
	double nnz = n[H] * (1 + n[DENSITY_PM] * 1e-3 * (n[D] - 1));
	return 2.0 * n[M] * nnz + n[M] * n[H];
}
/* W is an input in dense storage: all of it is read. */
static double sparse_bytes(const int64_t *n) { return 4.0 * (n[M] * n[D] + n[H] * n[D] + n[H] + n[M] * n[H]); }
/* d products and the bias per output. */
static double sparse_depth(const int64_t *n) { return n[D] + 1.0; }

/* The cheap order's 2mr(d + h); vec_merged does 2hrd + 2mdh, and its lower
 * GFLOP/s figure on this count is the point: the same Z for more work. */
static double lowrank_flops(const int64_t *n) { return 2.0 * n[M] * n[R] * (n[D] + n[H]); }
static double lowrank_bytes(const int64_t *n) { return 4.0 * (n[M] * n[D] + n[R] * n[D] + n[H] * n[R] + n[M] * n[H]); }
/* Two products in a row: d roundings reach T = X U^T, r more reach Z, so
 * |error| <= (d + r) u (|X| |U|^T) |V|^T, which the default mag computes
 * from |inputs|. Forming V U first has the same first-order bound:
 * r u |V||U| from the first product, d u from the second. */
static double lowrank_depth(const int64_t *n) { return (double)n[D] + n[R]; }

const vb_op sparse_dense_fwd = {
    .name = "sparse_dense_fwd",
    .family = "advanced",
    .seed = "advanced techniques",
    .summary = "Z = X W^T + b, W density_pm per mille nonzero; flops count the useful 2 m nnz(W) (loop and vec "
               "multiply the zeros too)",
    .dims = {"m", "d", "h", "density_pm"},
    .batch = "m",
    /* A training-sized layer, and the largest one whose scalar loop stays near 0.5 s per call;
     * each at the densities of the sweep (the 100 here: 10%, for --dims without density_pm). */
    .sizes = {{128, 256, 128, 100}, {256, 784, 256, 100}, {512, 1024, 512, 100}},
    .sweep = {.dim = DENSITY_PM, .values = {1, 10, 50, 100, 250, 500}},
    .tensors = {{"X", VB_IN, M, D}, {"W", VB_IN, H, D, VB_FILL_SPARSE}, {"b", VB_IN, VB_ONE, H}, {"Z", VB_OUT, M, H}},
    .flops = sparse_flops,
    .bytes = sparse_bytes,
    .oracle = dense_fwd_oracle,
    .depth = sparse_depth,
    .exact_density = vb_exact_dense,
    .variants = {SPARSE_DENSE_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(sparse_dense_fwd);

const vb_op lowrank_fwd = {
    .name = "lowrank_fwd",
    .family = "advanced",
    .seed = "advanced techniques",
    .summary = "Z = (X U^T) V^T, rank r; flops 2mr(d+h) of this order, V U first costs ~dh/(r(d+h)) x more",
    .dims = {"m", "d", "h", "r"},
    .batch = "m",
    .sizes = {{256, 256, 256, 16}, {256, 784, 256, 32}, {2048, 1024, 1024, 32}},
    .tensors = {{"X", VB_IN, M, D}, {"U", VB_IN, R, D}, {"V", VB_IN, H, R}, {"Z", VB_OUT, M, H}},
    .flops = lowrank_flops,
    .bytes = lowrank_bytes,
    .oracle = lowrank_fwd_oracle,
    .depth = lowrank_depth,
    .variants = {LOWRANK_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(lowrank_fwd);
