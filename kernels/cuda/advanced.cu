/* Advanced techniques on the GPU (reference/advanced.c has the math).
 *
 * cuda_loop: one kernel launch per example; each thread computes one output
 * element with a scalar loop. cuda_vec: cuBLAS over the whole batch, the
 * cheap order (X U^T first). The sparse layer uses dense_fwd's variants. */
#include "vb_cuda.cuh"

enum { M, D, H, R };

/* y[j] = (b ? b[j] : 0) + sum_k A[j, k] x[k], for j < rows: one example's
 * matrix-vector product, a thread per output. */
static __global__ void advanced_matvec(const float *A, const float *x, const float *b, float *y, int64_t rows,
                                       int64_t cols) {
	int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (j >= rows) return;
	float s = b ? b[j] : 0.0f;
	for (int64_t k = 0; k < cols; k++)
		s += A[j * cols + k] * x[k];
	y[j] = s;
}

/* ---- matmul order ---- */

/* Per example: t = U x (r), then z = V t (h). */
VB_CUDA_VARIANT(lowrank_fwd_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H], r = c->dim[R];
	const float *X = (const float *)c->t[0], *U = (const float *)c->t[1], *V = (const float *)c->t[2];
	float *Z = (float *)c->t[3];
	float *T = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)r);
	for (int64_t i = 0; i < m; i++) { /* for each example */
		advanced_matvec<<<vb_blocks(r), VB_THREADS>>>(U, X + i * d, nullptr, T, r, d);
		VB_LAUNCH_CHECK();
		advanced_matvec<<<vb_blocks(h), VB_THREADS>>>(V, T, nullptr, Z + i * h, h, r);
		VB_LAUNCH_CHECK();
	}
}

/* T = X U^T, then Z = T V^T. */
VB_CUBLAS_VARIANT(lowrank_fwd_cuda_vec) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H], r = c->dim[R];
	const float *X = (const float *)c->t[0], *U = (const float *)c->t[1], *V = (const float *)c->t[2];
	float *Z = (float *)c->t[3];
	float *T = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(m * r));
	vb_gemm_rm(c, VB_GEMM_F32, false, true, m, r, d, 1.0f, X, d, U, d, 0.0f, T, r);
	vb_gemm_rm(c, VB_GEMM_F32, false, true, m, h, r, 1.0f, T, r, V, r, 0.0f, Z, h);
}
