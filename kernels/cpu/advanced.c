/* Advanced techniques, vectorized (reference/advanced.c has the math).
 *
 * sparse_dense_fwd vec_csr: W to CSR, then a sparse x dense product that
 * touches only the nonzeros.
 * lowrank_fwd vec: two sgemms in the cheap order; vec_merged forms V U first. */
#include <cblas.h>

#include "advanced.h"
#include "gemm.h"
#include "vmath.h"

enum { M, D, H, R };

/* ---- sparse weights ---- */

/* Examples per panel: 8 vector accumulators stay in registers. */
enum { CSR_ACC = 8, CSR_PANEL = CSR_ACC * VF_LANES, CSR_UNITS = 32 };

/* W (h*d, dense storage) to CSR: row j's nonzeros are val[p], col[p] for
 * p in [ptr[j], ptr[j+1]). Count, prefix-sum, fill. */
static int64_t csr_build(const vb_call *c, const float *W, int64_t h, int64_t d, int64_t **ptr_out, float **val_out,
                         int32_t **col_out) {
	int64_t *ptr = vb_scratch(c, sizeof(int64_t) * (size_t)(h + 1));
	ptr[0] = 0;
	VF_PAR_FOR(h * d >= VF_PAR_MIN, j, 0, h, 1, {
		int64_t n = 0;
		for (int64_t k = 0; k < d; k++)
			n += W[j * d + k] != 0.0f;
		ptr[j + 1] = n;
	});
	for (int64_t j = 0; j < h; j++)
		ptr[j + 1] += ptr[j];
	int64_t nnz = ptr[h];
	float *val = vb_scratch(c, sizeof(float) * (size_t)nnz);
	int32_t *col = vb_scratch(c, sizeof(int32_t) * (size_t)nnz);
	VF_PAR_FOR(h * d >= VF_PAR_MIN, j, 0, h, 1, {
		/* Branch-free (1 in 10 nonzero at random mispredicts a branch):
		 * every entry is written to slot p, which only a nonzero keeps.
		 * The row's last nonzero fills its last slot and ends the loop,
		 * so no write reaches the next row's slots. */
		int64_t p = ptr[j], end = ptr[j + 1];
		for (int64_t k = 0; p < end; k++) {
			float w = W[j * d + k];
			val[p] = w;
			col[p] = (int32_t)k;
			p += w != 0.0f;
		}
	});
	*ptr_out = ptr;
	*val_out = val;
	*col_out = col;
	return nnz;
}

/* The CSR copy is rebuilt on every call: the O(h*d) scan is part of the timed
 * call, amortised over the m examples (a deployed model would keep it).
 * X is packed into panels of CSR_PANEL examples, transposed (Xp[k][example],
 * zero-padded), so a nonzero w = W[j, k] adds w * Xp[k][:] to a whole
 * panel's row of Z^T with contiguous vector loads; the panel (d * CSR_PANEL
 * floats) stays in L2 while every unit reads it. */
void sparse_dense_fwd_vec_csr(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	int64_t *ptr;
	float *val;
	int32_t *col;
	int64_t nnz = csr_build(c, W, h, d, &ptr, &val, &col);

	int64_t panels = (m + CSR_PANEL - 1) / CSR_PANEL;
	float *Xp = vb_scratch(c, sizeof(float) * (size_t)(panels * d * CSR_PANEL));
	VF_PAR_FOR(m * d >= VF_PAR_MIN, pb, 0, panels, 1, {
		float *P = Xp + pb * d * CSR_PANEL;
		for (int64_t e = 0; e < CSR_PANEL; e++) {
			int64_t i = pb * CSR_PANEL + e;
			for (int64_t k = 0; k < d; k++)
				P[k * CSR_PANEL + e] = i < m ? X[i * d + k] : 0.0f;
		}
	});

	int64_t unit_blocks = (h + CSR_UNITS - 1) / CSR_UNITS;
	/* one task per (panel, block of units) */
	VF_PAR_FOR(m * nnz >= VF_PAR_MIN, task, 0, panels * unit_blocks, 1, {
		int64_t pb = task / unit_blocks, ub = task % unit_blocks;
		const float *P = Xp + pb * d * CSR_PANEL;
		int64_t i0 = pb * CSR_PANEL, rows = m - i0 < CSR_PANEL ? m - i0 : CSR_PANEL;
		int64_t j1 = (ub + 1) * CSR_UNITS < h ? (ub + 1) * CSR_UNITS : h;
		for (int64_t j = ub * CSR_UNITS; j < j1; j++) {
			vf acc[CSR_ACC];
			for (int q = 0; q < CSR_ACC; q++)
				acc[q] = vf_set1(b[j]);
			for (int64_t p = ptr[j]; p < ptr[j + 1]; p++) {
				vf w = vf_set1(val[p]);
				const float *x = P + (int64_t)col[p] * CSR_PANEL;
				for (int q = 0; q < CSR_ACC; q++)
					acc[q] += w * vf_load(x + q * VF_LANES);
			}
			float z[CSR_PANEL];
			for (int q = 0; q < CSR_ACC; q++)
				vf_store(z + q * VF_LANES, acc[q]);
			for (int64_t e = 0; e < rows; e++)
				Z[(i0 + e) * h + j] = z[e];
		}
	});
}

/* ---- matmul order ---- */

/* T = X U^T (m*r), then Z = T V^T: 2mr(d + h) flops. */
void lowrank_fwd_vec(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H], r = (int)c->dim[R];
	const float *X = c->t[0], *U = c->t[1], *V = c->t[2];
	float *Z = c->t[3];
	float *T = vb_scratch(c, sizeof(float) * (size_t)m * (size_t)r);
	vb_gemm_backend be = vb_gemm_for_vec();
	vb_sgemm(be, 0, 1, m, r, d, 1.0f, X, d, U, d, 0.0f, T, r);
	vb_sgemm(be, 0, 1, m, h, r, 1.0f, T, r, V, r, 0.0f, Z, h);
}

/* Wm = V U (h*d), then Z = X Wm^T: 2hrd + 2mdh flops, the full dense layer
 * the factorisation was meant to avoid. */
void lowrank_fwd_vec_merged(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H], r = (int)c->dim[R];
	const float *X = c->t[0], *U = c->t[1], *V = c->t[2];
	float *Z = c->t[3];
	float *Wm = vb_scratch(c, sizeof(float) * (size_t)h * (size_t)d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, h, d, r, 1.0f, V, r, U, d, 0.0f, Wm, d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, h, d, 1.0f, X, d, Wm, d, 0.0f, Z, h);
}
