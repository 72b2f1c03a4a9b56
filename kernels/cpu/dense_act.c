/* Dense + ReLU, vectorized. Forward: per block of rows, the bias is broadcast
 * into A, one sgemm accumulates onto it (beta=1) and the ReLU runs over the
 * block while it is still in cache. Backward: one pass builds
 * Delta = dA (.) [A > 0] and its column sums (db), then two sgemms. */
#include <cblas.h>

#include "dense.h"
#include "dense_act.h"

enum { M, D, H };

/* Rows per block: a block of A of about 512 KB stays in L2 between the
 * sgemm writing it and the ReLU reading it back. */
static int64_t block_rows(int64_t h) {
	int64_t rows = ((int64_t)1 << 17) / h;
	return rows < 64 ? 64 : rows;
}

void dense_act_fwd_vec(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *A = c->t[3];
	int64_t rows = block_rows(h);
	for (int64_t i0 = 0; i0 < m; i0 += rows) {
		int64_t nb = m - i0 < rows ? m - i0 : rows;
		float *Ab = A + i0 * h;
		for (int64_t i = 0; i < nb; i++)
#pragma omp simd
			for (int64_t j = 0; j < h; j++)
				Ab[i * h + j] = b[j];
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)h, (int)d, 1.0f, X + i0 * d, (int)d,
		            W, (int)d, 1.0f, Ab, (int)h);
#pragma omp simd
		for (int64_t k = 0; k < nb * h; k++)
			Ab[k] = Ab[k] > 0 ? Ab[k] : 0;
	}
}

void dense_act_bwd_vec(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *A = c->t[2], *dA = c->t[3];
	float *dW = c->t[4], *db = c->t[5], *dX = c->t[6];
	float *Delta = vb_scratch(c, sizeof(float) * (size_t)(m * h));
	for (int64_t j = 0; j < h; j++)
		db[j] = 0;
	for (int64_t i = 0; i < m; i++) {
		const float *a = A + i * h, *da = dA + i * h;
		float *dl = Delta + i * h;
#pragma omp simd
		for (int64_t j = 0; j < h; j++) {
			dl[j] = a[j] > 0 ? da[j] : 0;
			db[j] += dl[j];
		}
	}
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)h, (int)d, (int)m, 1.0f, Delta, (int)h, X, (int)d,
	            0.0f, dW, (int)d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)d, (int)h, 1.0f, Delta, (int)h, W, (int)d,
	            0.0f, dX, (int)d);
}

/* bfloat16 storage, float32 arithmetic: dense_fwd_vec_bf16 with the ReLU on
 * each float32 block before it is rounded. */
void dense_act_fwd_vec_bf16(const vb_call *c) { dense_fwd_bf16_blocks(c, 1); }
