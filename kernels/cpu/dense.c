/* Dense layer, vectorized: one sgemm over the whole batch with the bias as
 * its epilogue (gemm.c's vb_dense_layer), on the backend `vec` uses or the
 * one the variant names (vec_openblas, vec_blis, vec_dnnl). */
#include <cblas.h>

#include "bf16.h"
#include "dense.h"
#include "gemm.h"

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

static void dense_fwd_on(const vb_call *c, vb_gemm_backend be) {
	vb_dense_layer(be, c->dim[M], c->dim[D], c->dim[H], c->t[0], c->t[1], c->t[2], c->t[3], 0);
}

void dense_fwd_vec(const vb_call *c) { dense_fwd_on(c, vb_gemm_for_vec()); }
void dense_fwd_vec_openblas(const vb_call *c) { dense_fwd_on(c, VB_GEMM_OPENBLAS); }
#ifdef VB_HAVE_BLIS
void dense_fwd_vec_blis(const vb_call *c) { dense_fwd_on(c, VB_GEMM_BLIS); }
#endif
#ifdef VB_HAVE_DNNL
void dense_fwd_vec_dnnl(const vb_call *c) { dense_fwd_on(c, VB_GEMM_DNNL); }
#endif

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
	vb_sgemm(vb_gemm_for_vec(), 0, 0, h, m, d, 1.0f, W, d, X, m, 1.0f, Z, m);
}

static void dense_bwd_on(const vb_call *c, vb_gemm_backend be) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *dZ = c->t[2];
	float *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	vb_sgemm(be, 1, 0, h, d, m, 1.0f, dZ, h, X, d, 0.0f, dW, d);
	vb_sgemm(be, 0, 0, m, d, h, 1.0f, dZ, h, W, d, 0.0f, dX, d);
	vb_column_sums(dZ, m, h, db);
}

void dense_bwd_vec(const vb_call *c) { dense_bwd_on(c, vb_gemm_for_vec()); }
void dense_bwd_vec_openblas(const vb_call *c) { dense_bwd_on(c, VB_GEMM_OPENBLAS); }
#ifdef VB_HAVE_BLIS
void dense_bwd_vec_blis(const vb_call *c) { dense_bwd_on(c, VB_GEMM_BLIS); }
#endif
#ifdef VB_HAVE_DNNL
void dense_bwd_vec_dnnl(const vb_call *c) { dense_bwd_on(c, VB_GEMM_DNNL); }
#endif

void dense_bwd_cm_vec(const vb_call *c) {
	int m = (int)c->dim[M], d = (int)c->dim[D], h = (int)c->dim[H];
	const float *W = c->t[0], *X = c->t[1], *dZ = c->t[2];
	float *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	vb_sgemm(vb_gemm_for_vec(), 0, 1, h, d, m, 1.0f, dZ, m, X, m, 0.0f, dW, d);
	vb_sgemm(vb_gemm_for_vec(), 1, 0, d, m, h, 1.0f, W, d, dZ, m, 0.0f, dX, m);
	for (int j = 0; j < h; j++) {
		const float *row = dZ + (int64_t)j * m;
		float s = 0;
#pragma omp simd reduction(+ : s)
		for (int i = 0; i < m; i++)
			s += row[i];
		db[j] = s;
	}
}

/* ---- bfloat16 storage, float32 arithmetic ----
 * OpenBLAS 0.3.21 has no bf16 GEMM (cblas_sbgemm) and AVX2 no bf16 dot
 * product, so these widen bf16 blocks to float32 in the workspace, run
 * cblas_sgemm (float32 products and sums) and round the results back. Blocks
 * of rows keep the float32 copies of X, dZ and the outputs small; W (and dW)
 * are widened whole, since every block uses them. */

/* Rows per block: about 1 MiB of float32 for a row of width `width`. */
static int64_t bf16_block_rows(int64_t width, int64_t m) {
	int64_t rows = ((int64_t)1 << 18) / width;
	rows = rows < 64 ? 64 : rows;
	return rows < m ? rows : m;
}

/* relu: the ReLU on each float32 block before it is rounded (dense_act_fwd). */
void dense_fwd_bf16_blocks(const vb_call *c, int relu) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const uint16_t *X = c->t[0], *W = c->t[1], *b = c->t[2];
	uint16_t *Z = c->t[3];
	int64_t rows = bf16_block_rows(d + h, m);
	float *Wf = vb_scratch(c, sizeof(float) * (size_t)(h * d)), *bf = vb_scratch(c, sizeof(float) * (size_t)h);
	float *Xf = vb_scratch(c, sizeof(float) * (size_t)(rows * d)),
	      *Zf = vb_scratch(c, sizeof(float) * (size_t)(rows * h));
	bf16_widen(Wf, W, h * d);
	bf16_widen(bf, b, h);
	for (int64_t i0 = 0; i0 < m; i0 += rows) {
		int64_t nb = m - i0 < rows ? m - i0 : rows;
		bf16_widen(Xf, X + i0 * d, nb * d);
		broadcast_row(Zf, bf, nb, h);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)h, (int)d, 1.0f, Xf, (int)d, Wf,
		            (int)d, 1.0f, Zf, (int)h);
		if (relu)
#pragma omp simd
			for (int64_t k = 0; k < nb * h; k++)
				Zf[k] = Zf[k] > 0 ? Zf[k] : 0;
		bf16_narrow(Z + i0 * h, Zf, nb * h);
	}
}

void dense_fwd_vec_bf16(const vb_call *c) { dense_fwd_bf16_blocks(c, 0); }

/* dW and db sum over every block in float32 and are rounded once at the end;
 * each block's dX is complete and rounded straight away. */
void dense_bwd_vec_bf16(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const uint16_t *X = c->t[0], *W = c->t[1], *dZ = c->t[2];
	uint16_t *dW = c->t[3], *db = c->t[4], *dX = c->t[5];
	int64_t rows = bf16_block_rows(2 * d + h, m);
	float *Wf = vb_scratch(c, sizeof(float) * (size_t)(h * d)),
	      *dWf = vb_scratch(c, sizeof(float) * (size_t)(h * d));
	float *dbf = vb_scratch(c, sizeof(float) * (size_t)h);
	float *Xf = vb_scratch(c, sizeof(float) * (size_t)(rows * d)),
	      *dXf = vb_scratch(c, sizeof(float) * (size_t)(rows * d));
	float *dZf = vb_scratch(c, sizeof(float) * (size_t)(rows * h));
	bf16_widen(Wf, W, h * d);
	for (int64_t j = 0; j < h; j++)
		dbf[j] = 0;
	for (int64_t i0 = 0; i0 < m; i0 += rows) {
		int64_t nb = m - i0 < rows ? m - i0 : rows;
		bf16_widen(Xf, X + i0 * d, nb * d);
		bf16_widen(dZf, dZ + i0 * h, nb * h);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)h, (int)d, (int)nb, 1.0f, dZf, (int)h, Xf,
		            (int)d, i0 ? 1.0f : 0.0f, dWf, (int)d);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)d, (int)h, 1.0f, dZf, (int)h, Wf,
		            (int)d, 0.0f, dXf, (int)d);
		bf16_narrow(dX + i0 * d, dXf, nb * d);
		for (int64_t i = 0; i < nb; i++)
#pragma omp simd
			for (int64_t j = 0; j < h; j++)
				dbf[j] += dZf[i * h + j];
	}
	bf16_narrow(dW, dWf, h * d);
	bf16_narrow(db, dbf, h);
}
