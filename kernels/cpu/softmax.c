/* Row-wise softmax, vectorized: blocks of whole rows (about 16 KiB) across
 * OpenMP threads; in each block the row max is subtracted, SLEEF's vector
 * exp runs over the block as one flat array (whole vectors even for 10
 * classes), then each row is scaled by its reciprocal sum. */
#include "softmax.h"
#include "vmath.h"

enum { M, N };

/* Normalises each of `rows` rows of n: a /= sum(a). */
static inline void normalise_rows(float *a, int64_t rows, int64_t n) {
	for (int64_t r = 0; r < rows; r++)
		vf_row_scale(a + r * n, 1.0f / vf_row_sum(a + r * n, n), n);
}

/* stable: e^(Z - row max); else no max subtracted: e^Z overflows to inf
 * past Z = 88.7, and inf/inf = NaN. */
static void softmax_rows(const vb_call *c, int stable) {
	int64_t m = c->dim[M], n = c->dim[N], br = vf_block_rows(n);
	const float *Z = c->t[0];
	float *A = c->t[1];
	VF_PAR_FOR(m * n >= VF_PAR_MIN, i, 0, m, br, {
		int64_t rows = m - i < br ? m - i : br;
		float zmax[VF_BLOCK_ROWS];
		if (stable)
			vf_rows_exp_stable(A + i * n, zmax, Z + i * n, rows, n);
		else
			vf_map1(A + i * n, Z + i * n, rows * n, vf_exp);
		normalise_rows(A + i * n, rows, n);
	});
}

void softmax_fwd_vec(const vb_call *c) { softmax_rows(c, 1); }
void softmax_unstable_fwd_vec(const vb_call *c) { softmax_rows(c, 0); }

VF_INLINE vf mul(vf a, vf b) { return a * b; }

/* dZ = A * (dA - s), s = the row's dot product of A and dA. */
void softmax_bwd_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	VF_PAR_FOR(m * n >= VF_PAR_MIN, i, 0, m, 1, {
		const float *a = A + i * n, *da = dA + i * n;
		float *dz = dZ + i * n;
		vf s = vf_set1(vf_sum_map2(a, da, n, mul, 0.0f));
		int64_t j = 0;
		for (; j + VF_LANES <= n; j += VF_LANES)
			vf_store(dz + j, vf_load(a + j) * (vf_load(da + j) - s));
		if (j < n)
			vf_store_part(dz + j, n - j,
			              vf_load_part(a + j, n - j, 0.0f) * (vf_load_part(da + j, n - j, 0.0f) - s));
	});
}
