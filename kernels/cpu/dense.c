/* Dense layer, vectorized: one sgemm over the whole batch; the bias is
 * broadcast into the output first so the sgemm accumulates onto it (beta=1). */
#include <cblas.h>

#include "dense.h"

enum { M, D, H };

/* Z (rows*cols) = b broadcast along rows (b has cols entries). */
static void broadcast_row(float *restrict Z, const float *restrict b, int64_t rows, int64_t cols) {
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			Z[i * cols + j] = b[j];
}

/* Z (rows*cols) = b broadcast along columns (b has rows entries). */
static void broadcast_col(float *restrict Z, const float *restrict b, int64_t rows, int64_t cols) {
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			Z[i * cols + j] = b[i];
}

void dense_fwd_vec(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	broadcast_row(Z, b, m, h);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, h, d, 1.0f, X, d, W, d, 1.0f, Z, h);
}

/* The same in float64 (dgemm), timed beside the float32 one. */
void dense_fwd_vec_f64(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H];
	const double *X = c->t[0], *W = c->t[1], *b = c->t[2];
	double *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++)
			Z[i * h + j] = b[j];
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, h, d, 1.0, X, d, W, d, 1.0, Z, h);
}

void dense_fwd_cm_vec(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H];
	const float *W = c->t[0], *X = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	broadcast_col(Z, b, h, m);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, h, m, d, 1.0f, W, d, X, m, 1.0f, Z, m);
}

void dense_bwd_vec(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *dZ = c->t[2];
	float *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, h, d, m, 1.0f, dZ, h, X, d, 0.0f, dW, d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d, h, 1.0f, dZ, h, W, d, 0.0f, dX, d);
	/* Column sums: add whole rows so the inner loop is contiguous SIMD. */
	for (int j = 0; j < h; j++)
		db[j] = 0;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < h; j++)
			db[j] += dZ[(int64_t)i * h + j];
}

void dense_bwd_cm_vec(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H];
	const float *W = c->t[0], *X = c->t[1], *dZ = c->t[2];
	float *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, h, d, m, 1.0f, dZ, m, X, m, 0.0f, dW, d);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, m, h, 1.0f, W, d, dZ, m, 0.0f, dX, m);
	for (int j = 0; j < h; j++) {
		const float *row = dZ + (int64_t)j * m;
		float s = 0;
#pragma omp simd reduction(+ : s)
		for (int i = 0; i < m; i++)
			s += row[i];
		db[j] = s;
	}
}
