/* Row-wise softmax, vectorized: blocks of whole rows (about 16 KiB) across
 * OpenMP threads; in each block the row max is subtracted, SLEEF's vector
 * exp runs over the block as one flat array (whole vectors even for 10
 * classes), then each row is scaled by its reciprocal sum. */
#include <omp.h>

#include "softmax.h"
#include "vmath.h"

enum { M, N };

/* a = e / esum, row by row for `rows` rows of n; a may be e unless nt
 * (streaming stores). */
static inline void normalise_rows(float *a, const float *e, const float *esum, int64_t rows, int64_t n, int nt) {
	for (int64_t r = 0; r < rows; r++)
		vf_row_scale_to(a + r * n, e + r * n, 1.0f / esum[r], n, nt);
}

/* stable: e^(Z - row max); else no max subtracted: e^Z overflows to inf
 * past Z = 88.7, and inf/inf = NaN. Once Z and A outgrow the last-level
 * cache, the exponentials go to a per-thread block in L1 and A is written
 * with streaming stores (vmath.h), else they go to A and are scaled there. */
static void softmax_rows(const vb_call *c, int stable) {
	int64_t m = c->dim[M], n = c->dim[N], br = vf_block_rows(n);
	const float *Z = c->t[0];
	float *A = c->t[1];
	int nt = vf_streams(2.0 * sizeof(float) * (double)(m * n));
	float *scratch = nt ? vb_scratch(c, sizeof(float) * (size_t)(br * n * omp_get_max_threads())) : NULL;
	/* Each thread's share in super-blocks of SUPER blocks: one fence each. */
	enum { SUPER = 16 };
	VF_PAR_FOR(vf_par_worth(m * n, 12), i0, 0, m, br * SUPER, {
		for (int64_t i = i0; i < m && i < i0 + br * SUPER; i += br) {
			int64_t rows = m - i < br ? m - i : br;
			float zmax[VF_BLOCK_ROWS], esum[VF_BLOCK_ROWS];
			float *e = nt ? scratch + br * n * omp_get_thread_num() : A + i * n;
			if (stable)
				vf_rows_exp_stable_ahead(e, zmax, esum, Z + i * n, rows, n, Z + (i + br) * n, NULL,
				                         vf_next_block(i, br, m, n));
			else {
				vf_map1(e, Z + i * n, rows * n, vf_exp);
				vf_row_sums(esum, e, rows, n);
			}
			normalise_rows(A + i * n, e, esum, rows, n, nt);
		}
		if (nt) vf_fence();
	});
}

void softmax_fwd_vec(const vb_call *c) { softmax_rows(c, 1); }
void softmax_unstable_fwd_vec(const vb_call *c) { softmax_rows(c, 0); }

VF_INLINE vf mul(vf a, vf b) { return a * b; }

/* dZ = A * (dA - s), s = the row's dot product of A and dA (read again
 * from L1 for the second pass); dZ streamed once the three arrays outgrow
 * the last-level cache. */
void softmax_bwd_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	int nt = vf_streams(3.0 * sizeof(float) * (double)(m * n));
	enum { ROWS = 64 }; /* per fence, when streaming */
	VF_PAR_FOR(vf_par_worth(m * n, 4), i0, 0, m, ROWS, {
		for (int64_t i = i0; i < m && i < i0 + ROWS; i++) {
			const float *a = A + i * n, *da = dA + i * n;
			float *dz = dZ + i * n;
			vf s = vf_set1(vf_sum_map2(a, da, n, mul, 0.0f));
			int64_t j = nt ? vf_head(dz, n) : 0;
			if (j) vf_store_part(dz, j, vf_load_part(a, j, 0.0f) * (vf_load_part(da, j, 0.0f) - s));
			for (; j + VF_LANES <= n; j += VF_LANES)
				vf_store_to(dz + j, vf_load(a + j) * (vf_load(da + j) - s), nt);
			if (j < n)
				vf_store_part(dz + j, n - j,
				              vf_load_part(a + j, n - j, 0.0f) *
				                  (vf_load_part(da + j, n - j, 0.0f) - s));
		}
		if (nt) vf_fence();
	});
}
