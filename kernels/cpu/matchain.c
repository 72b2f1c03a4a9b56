/* Matrix chains with sgemm: left to right (vec), and in the order
 * reference/matchain.c's dynamic programme finds (vec_optimal). */
#include "matchain.h"
#include "gemm.h"

static void gemm(int64_t m, int64_t k, int64_t n, const float *A, const float *B, float *C) {
	vb_sgemm(vb_gemm_for_vec(), 0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
}

/* T = A1 A2, T = T A3, ...: p0 x p_k intermediates, the last one into Z. */
void matchain_fwd_vec(const vb_call *c, int n) {
	const int64_t *p = c->dim;
	int64_t widest = 0;
	for (int k = 2; k < n; k++)
		widest = p[k] > widest ? p[k] : widest;
	float *buf[2] = {vb_scratch(c, sizeof(float) * (size_t)(p[0] * widest)),
	                 vb_scratch(c, sizeof(float) * (size_t)(p[0] * widest))};
	const float *T = c->t[0];
	for (int k = 1; k < n; k++) {
		float *out = k == n - 1 ? c->t[n] : buf[k % 2];
		gemm(p[0], p[k], p[k + 1], T, c->t[k], out);
		T = out;
	}
}

static const float *product(const vb_call *c, int i, int j, int split[MATCHAIN_MAX][MATCHAIN_MAX], float *out) {
	const int64_t *p = c->dim;
	if (i == j) return c->t[i];
	int k = split[i][j];
	const float *L = product(c, i, k, split, NULL), *R = product(c, k + 1, j, split, NULL);
	float *T = out ? out : vb_scratch(c, sizeof(float) * (size_t)(p[i] * p[j + 1]));
	gemm(p[i], p[k + 1], p[j + 1], L, R, T);
	return T;
}

void matchain_fwd_vec_optimal(const vb_call *c, int n) {
	int split[MATCHAIN_MAX][MATCHAIN_MAX];
	matchain_order(n, c->dim, split); /* O(n^3) for n <= 6: part of the call, negligible */
	product(c, 0, n - 1, split, c->t[n]);
}
