/* Matrix chains: Z = A1 A2 ... An, A_i p_{i-1} x p_i. Every order gives the
 * same Z; their costs differ. Left to right costs
 *   sum_{k=1}^{n-1} p0 p_k p_{k+1} multiply-adds,
 * which is ruinous when p0 is large and the chain alternates wide and narrow
 * shapes (p = B, s, B, s, ...: left to right builds B x B intermediates);
 * the cheapest order comes from the classic dynamic programme over split
 * points (Cormen et al., ch. 15), O(n^3) for n matrices.
 * One op per chain length (matchain3_fwd .. matchain6_fwd): the tensors'
 * shapes must follow from the dims. */
#include <math.h>
#include <string.h>

#include "matchain.h"
#include "prob_bound.h"

double matchain_order(int n, const int64_t *p, int split[MATCHAIN_MAX][MATCHAIN_MAX]) {
	double cost[MATCHAIN_MAX][MATCHAIN_MAX] = {{0}};
	for (int len = 2; len <= n; len++)
		for (int i = 0; i + len - 1 < n; i++) {
			int j = i + len - 1;
			cost[i][j] = -1;
			for (int k = i; k < j; k++) {
				double q =
				    cost[i][k] + cost[k + 1][j] + (double)p[i] * (double)p[k + 1] * (double)p[j + 1];
				if (cost[i][j] < 0 || q < cost[i][j]) cost[i][j] = q, split[i][j] = k;
			}
		}
	return cost[0][n - 1];
}

double matchain_ltr_macs(int n, const int64_t *p) {
	double macs = 0;
	for (int k = 1; k < n; k++)
		macs += (double)p[0] * (double)p[k] * (double)p[k + 1];
	return macs;
}

/* ---- float64 oracle: the cheapest order, one loop per index ---- */

/* The product of matrices i..j (p[i] x p[j+1]) into out, or the matrix itself. */
static const double *oracle_product(const vb_call *c, int i, int j, int split[MATCHAIN_MAX][MATCHAIN_MAX],
                                    double *out) {
	const int64_t *p = c->dim;
	if (i == j) return c->t[i];
	int k = split[i][j];
	const double *L = oracle_product(c, i, k, split, NULL);
	const double *R = oracle_product(c, k + 1, j, split, NULL);
	double *T = out ? out : vb_scratch(c, sizeof(double) * (size_t)(p[i] * p[j + 1]));
	for (int64_t r = 0; r < p[i]; r++)
		for (int64_t col = 0; col < p[j + 1]; col++) {
			double z = 0;
			for (int64_t q = 0; q < p[k + 1]; q++)
				z += L[r * p[k + 1] + q] * R[q * p[j + 1] + col];
			T[r * p[j + 1] + col] = z;
		}
	return T;
}

static void matchain_oracle(const vb_call *c, int n) {
	int split[MATCHAIN_MAX][MATCHAIN_MAX];
	matchain_order(n, c->dim, split);
	oracle_product(c, 0, n - 1, split, c->t[n]);
}

/* ---- loop: left to right, one loop per index, the way the chain reads ---- */

static void matchain_loop(const vb_call *c, int n) {
	const int64_t *p = c->dim;
	int64_t widest = 0;
	for (int k = 2; k < n; k++)
		widest = p[k] > widest ? p[k] : widest;
	float *buf[2] = {vb_scratch(c, sizeof(float) * (size_t)(p[0] * widest)),
	                 vb_scratch(c, sizeof(float) * (size_t)(p[0] * widest))};
	const float *T = c->t[0];
	for (int k = 1; k < n; k++) { /* T = T A_{k+1} */
		const float *A = c->t[k];
		float *out = k == n - 1 ? c->t[n] : buf[k % 2];
		for (int64_t r = 0; r < p[0]; r++)
			for (int64_t col = 0; col < p[k + 1]; col++) {
				float z = 0;
				for (int64_t q = 0; q < p[k]; q++)
					z += T[r * p[k] + q] * A[q * p[k + 1] + col];
				out[r * p[k + 1] + col] = z;
			}
		T = out;
	}
}

/* ---- error scale, in units of u ----
 * The worst-case bound (p1 + ... + p_{n-1}) |A1| ... |An| grows like the
 * product of the inner lengths, while Z itself, a sum of random-sign terms,
 * grows like its square root: from n = 4 at these sizes the bound exceeds
 * |Z| and would pass any answer. So, as the MLP family does (reference/
 * mlp.c), a probabilistic bound (Higham & Mary 2019): a product T = L R of
 * inner length K rounds to within LAMBDA sqrt(K) u sqrt(sum_q (L R)^2)
 * of its own, and errors already in L and R reach T through the other
 * factor; with the fills' random signs those errors are uncorrelated across
 * q, so they combine in quadrature:
 *   s2(T) = K (L^2)(R^2) + s2(L)(R^2) + (L^2) s2(R),   |error| <= LAMBDA u sqrt(s2)
 * (squares elementwise, products by dgemm), plus the final rounding |Z|.
 * Evaluated for both orders the variants use (left to right and the
 * cheapest); the larger bounds each element. tests/test_matchain.c shows
 * it catches an intermediate rounded to bfloat16 and a 1e-4 relative error. */

typedef struct {
	const double *v; /* the float64 value */
	double *s2;      /* its error variance in units of u^2, NULL: exact (an input) */
} chain_node;

static double *squared(const vb_call *c, const double *a, int64_t n) { return map_copy(c, a, n, 1); }

static chain_node chain_node_product(const vb_call *c, chain_node L, chain_node R, int64_t rows, int64_t k,
                                     int64_t cols) {
	double *v = vb_scratch(c, sizeof(double) * (size_t)(rows * cols));
	double *s2 = vb_scratch(c, sizeof(double) * (size_t)(rows * cols));
	vb_scratch_mark mark = vb_scratch_save(c);
	double *L2 = squared(c, L.v, rows * k), *R2 = squared(c, R.v, k * cols);
	gemm_nn(rows, cols, k, L.v, R.v, 0, v);
	gemm_nn(rows, cols, k, L2, R2, 0, s2);
	for (int64_t e = 0; e < rows * cols; e++)
		s2[e] *= (double)k;
	if (L.s2) gemm_nn(rows, cols, k, L.s2, R2, 1, s2);
	if (R.s2) gemm_nn(rows, cols, k, L2, R.s2, 1, s2);
	vb_scratch_release(c, mark);
	return (chain_node){v, s2};
}

static chain_node chain_node_order(const vb_call *c, int i, int j, int split[MATCHAIN_MAX][MATCHAIN_MAX]) {
	const int64_t *p = c->dim;
	if (i == j) return (chain_node){c->t[i], NULL};
	int k = split[i][j];
	chain_node L = chain_node_order(c, i, k, split), R = chain_node_order(c, k + 1, j, split);
	return chain_node_product(c, L, R, p[i], p[k + 1], p[j + 1]);
}

static void matchain_mag(const vb_call *c, int n) {
	const int64_t *p = c->dim;
	int split[MATCHAIN_MAX][MATCHAIN_MAX], ltr[MATCHAIN_MAX][MATCHAIN_MAX];
	matchain_order(n, p, split);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			ltr[i][j] = j - 1; /* (A_i .. A_{j-1}) A_j */
	double *Z = c->t[n];
	int64_t size = p[0] * p[n];
	chain_node a = chain_node_order(c, 0, n - 1, split);
	chain_node b = chain_node_order(c, 0, n - 1, ltr);
	for (int64_t e = 0; e < size; e++)
		Z[e] = LAMBDA * sqrt(a.s2[e] > b.s2[e] ? a.s2[e] : b.s2[e]) + fabs(a.v[e]);
}

/* ---- descriptors ---- */

/* The useful work: 2 x the cheapest order's multiply-adds (vec, left to
 * right, does more: its lower GFLOP/s on this count is the point). */
static double chain_flops(int n, const int64_t *p) {
	int split[MATCHAIN_MAX][MATCHAIN_MAX];
	return 2 * matchain_order(n, p, split);
}
static double chain_bytes(int n, const int64_t *p) {
	double e = (double)p[0] * (double)p[n];
	for (int i = 0; i < n; i++)
		e += (double)p[i] * (double)p[i + 1];
	return 4 * e;
}

#define MATCHAIN_OP(N, DIMS, SIZES, ...)                                                                               \
	static void matchain##N##_oracle(const vb_call *c) { matchain_oracle(c, N); }                                  \
	static void matchain##N##_loop(const vb_call *c) { matchain_loop(c, N); }                                      \
	static void matchain##N##_vec(const vb_call *c) { matchain_fwd_vec(c, N); }                                    \
	static void matchain##N##_vec_optimal(const vb_call *c) { matchain_fwd_vec_optimal(c, N); }                    \
	static double matchain##N##_flops(const int64_t *p) { return chain_flops(N, p); }                              \
	static double matchain##N##_bytes(const int64_t *p) { return chain_bytes(N, p); }                              \
	static void matchain##N##_mag(const vb_call *c) { matchain_mag(c, N); }                                        \
	const vb_op matchain##N##_fwd = {                                                                              \
	    .name = "matchain" #N "_fwd",                                                                              \
	    .family = "advanced",                                                                                      \
	    .seed = "advanced techniques: the order of matrix products",                                               \
	    .summary = "Z = A1 ... A" #N ": loop and vec left to right, vec_optimal in the cheapest order (dynamic "   \
	               "programming); flops count the cheapest",                                                       \
	    .dims = DIMS,                                                                                              \
	    .sizes = SIZES,                                                                                            \
	    .tensors = {__VA_ARGS__},                                                                                  \
	    .flops = matchain##N##_flops,                                                                              \
	    .bytes = matchain##N##_bytes,                                                                              \
	    .oracle = matchain##N##_oracle,                                                                            \
	    .mag = matchain##N##_mag,                                                                                  \
	    .variants = {MATCHAIN##N##_FWD_VARIANTS(VB_VARIANT_ROW)},                                                  \
	};                                                                                                             \
	VB_REGISTER_OP(matchain##N##_fwd)

/* Wide and narrow in turn (B, s, B, s, ...), where left to right builds
 * B x B intermediates; a size whose check stays quick, and one twice as wide. */
/* clang-format off */
#define P(...) {__VA_ARGS__}
MATCHAIN_OP(3, P("p0", "p1", "p2", "p3"), P(P(1024, 16, 1024, 16), P(2048, 32, 2048, 32)),
            {"A1", VB_IN, 0, 1}, {"A2", VB_IN, 1, 2}, {"A3", VB_IN, 2, 3}, {"Z", VB_OUT, 0, 3});
MATCHAIN_OP(4, P("p0", "p1", "p2", "p3", "p4"), P(P(1024, 16, 1024, 16, 1024), P(2048, 32, 2048, 32, 2048)),
            {"A1", VB_IN, 0, 1}, {"A2", VB_IN, 1, 2}, {"A3", VB_IN, 2, 3}, {"A4", VB_IN, 3, 4}, {"Z", VB_OUT, 0, 4});
MATCHAIN_OP(5, P("p0", "p1", "p2", "p3", "p4", "p5"), P(P(1024, 16, 1024, 16, 1024, 16), P(2048, 32, 2048, 32, 2048, 32)),
            {"A1", VB_IN, 0, 1}, {"A2", VB_IN, 1, 2}, {"A3", VB_IN, 2, 3}, {"A4", VB_IN, 3, 4}, {"A5", VB_IN, 4, 5},
            {"Z", VB_OUT, 0, 5});
MATCHAIN_OP(6, P("p0", "p1", "p2", "p3", "p4", "p5", "p6"),
            P(P(1024, 16, 1024, 16, 1024, 16, 1024), P(2048, 32, 2048, 32, 2048, 32, 2048)),
            {"A1", VB_IN, 0, 1}, {"A2", VB_IN, 1, 2}, {"A3", VB_IN, 2, 3}, {"A4", VB_IN, 3, 4}, {"A5", VB_IN, 4, 5},
            {"A6", VB_IN, 5, 6}, {"Z", VB_OUT, 0, 6});
/* clang-format on */
