/* Memory layout variants of layout_fwd (reference/layout.c has the math):
 * Z = X W^T + b with W given as Wt (d x h). */
#include <cblas.h>
#include <stdint.h>
#include <string.h>

#include "gemm.h"
#include "layout.h"
#include "vmath.h"

enum { M, D, H };

/* Z = b (every row), then Z += X Wt: Wt is already W^T, so sgemm takes it
 * with no transpose (the flag says how to read it; nothing is copied). */
static void gemm_wt(const float *X, const float *Wt, const float *b, float *Z, int64_t m, int64_t d, int64_t h) {
	for (int64_t i = 0; i < m; i++)
		memcpy(Z + i * h, b, sizeof(float) * (size_t)h);
	vb_sgemm(vb_gemm_for_vec(), 0, 0, m, h, d, 1.0f, X, d, Wt, h, 1.0f, Z, h);
}

void layout_fwd_vec(const vb_call *c) { gemm_wt(c->t[0], c->t[1], c->t[2], c->t[3], c->dim[M], c->dim[D], c->dim[H]); }

/* In place: each output a BLAS dot product of a row of X (stride 1) and a
 * row of W read from Wt (stride h): no copy, no blocking, a cache line per
 * element of the strided operand. */
void layout_fwd_vec_strided(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *Wt = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	VF_PAR_FOR(m * h * d >= VF_PAR_MIN, i, 0, m, 1, {
		for (int64_t j = 0; j < h; j++)
			Z[i * h + j] = b[j] + cblas_sdot((int)d, X + i * d, 1, Wt + j, (int)h);
	});
}

/* Copied contiguous first: W = Wt^T (h x d) in scratch, then the usual
 * row-major product Z = X W^T + b. The copy is part of the call. */
void layout_fwd_vec_copy(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *Wt = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	float *W = vb_scratch(c, sizeof(float) * (size_t)(h * d));
	enum { TB = 32 }; /* transpose in tiles: both sides stay in cache */
	for (int64_t k0 = 0; k0 < d; k0 += TB)
		for (int64_t j0 = 0; j0 < h; j0 += TB)
			for (int64_t k = k0; k < k0 + TB && k < d; k++)
				for (int64_t j = j0; j < j0 + TB && j < h; j++)
					W[j * d + k] = Wt[k * h + j];
	for (int64_t i = 0; i < m; i++)
		memcpy(Z + i * h, b, sizeof(float) * (size_t)h);
	vb_sgemm(vb_gemm_for_vec(), 0, 1, m, h, d, 1.0f, X, d, W, d, 1.0f, Z, h);
}

/* X copied to scratch at an offset of `bytes` past 64-byte alignment (the
 * arena aligns to 64), then the transpose-flag product: the two variants
 * differ only in the alignment of X's rows. */
static void copied_x(const vb_call *c, size_t bytes) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	char *raw = vb_scratch(c, sizeof(float) * (size_t)(m * d) + 64);
	float *Xc = (float *)(raw + bytes);
	memcpy(Xc, c->t[0], sizeof(float) * (size_t)(m * d));
	gemm_wt(Xc, c->t[1], c->t[2], c->t[3], m, d, h);
}

void layout_fwd_vec_aligned(const vb_call *c) { copied_x(c, 0); }
void layout_fwd_vec_misaligned(const vb_call *c) { copied_x(c, sizeof(float)); }
