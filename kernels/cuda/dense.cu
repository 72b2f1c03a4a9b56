/* Dense layer on the GPU (reference/dense.c has the math and the layouts).
 *
 * cuda_loop: the seed's loop, one kernel launch per example; each thread
 * computes one output element with a scalar loop.
 * cuda_vec: cuBLAS GEMMs over the whole batch; the bias is broadcast into Z
 * first and the GEMM accumulates onto it (beta = 1), as kernels/cpu does.
 * cuda_tf32 / cuda_fp16 / cuda_bf16: the same GEMMs on tensor cores, TF32
 * math on float32 storage, or half / bfloat16 storage with float32
 * accumulation. */
#include "vb_cuda.cuh"

enum { M, D, H };

/* ---- one example per launch ---- */

/* z[j zs] = b[j] + sum_k W[j, k] x[k xs]: x and z are one example, a row
 * (stride 1) or a column (stride m) of the batch. */
static __global__ void dense_fwd_example(const float *x, int64_t xs, const float *W, const float *b, float *z,
                                         int64_t zs, int64_t d, int64_t h) {
	int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (j >= h) return;
	float s = b[j];
	for (int64_t k = 0; k < d; k++)
		s += W[j * d + k] * x[k * xs];
	z[j * zs] = s;
}

/* One example's share of the backward pass: dW += dz x^T, db += dz, and
 * dx = W^T dz. Threads cover the h*d entries of dW, then the h of db, then
 * the d of dx, one element each; launches on one stream run in order, so
 * the accumulations do not race. */
static __global__ void dense_bwd_example(const float *x, int64_t xs, const float *dz, int64_t dzs, const float *W,
                                         float *dW, float *db, float *dx, int64_t dxs, int64_t d, int64_t h) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < h * d) {
		int64_t j = t / d, k = t % d;
		dW[t] += dz[j * dzs] * x[k * xs];
		return;
	}
	t -= h * d;
	if (t < h) {
		db[t] += dz[t * dzs];
		return;
	}
	t -= h;
	if (t < d) {
		float s = 0;
		for (int64_t j = 0; j < h; j++)
			s += dz[j * dzs] * W[j * d + t];
		dx[t * dxs] = s;
	}
}

VB_CUDA_VARIANT(dense_fwd_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = (const float *)c->t[0], *W = (const float *)c->t[1], *b = (const float *)c->t[2];
	float *Z = (float *)c->t[3];
	for (int64_t i = 0; i < m; i++) { /* for each example (row) */
		dense_fwd_example<<<vb_blocks(h), VB_THREADS>>>(X + i * d, 1, W, b, Z + i * h, 1, d, h);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(dense_fwd_cm_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *W = (const float *)c->t[0], *X = (const float *)c->t[1], *b = (const float *)c->t[2];
	float *Z = (float *)c->t[3];
	for (int64_t i = 0; i < m; i++) { /* for each example (column) */
		dense_fwd_example<<<vb_blocks(h), VB_THREADS>>>(X + i, m, W, b, Z + i, m, d, h);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(dense_bwd_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = (const float *)c->t[0], *W = (const float *)c->t[1], *dZ = (const float *)c->t[2];
	float *dW = (float *)c->t[3], *db = (float *)c->t[4], *dX = (float *)c->t[5];
	VB_CUDA_CHECK(cudaMemsetAsync(dW, 0, sizeof(float) * (size_t)(h * d)));
	VB_CUDA_CHECK(cudaMemsetAsync(db, 0, sizeof(float) * (size_t)h));
	for (int64_t i = 0; i < m; i++) { /* for each example (row) */
		dense_bwd_example<<<vb_blocks(h * d + h + d), VB_THREADS>>>(X + i * d, 1, dZ + i * h, 1, W, dW, db,
		                                                            dX + i * d, 1, d, h);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(dense_bwd_cm_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *W = (const float *)c->t[0], *X = (const float *)c->t[1], *dZ = (const float *)c->t[2];
	float *dW = (float *)c->t[3], *db = (float *)c->t[4], *dX = (float *)c->t[5];
	VB_CUDA_CHECK(cudaMemsetAsync(dW, 0, sizeof(float) * (size_t)(h * d)));
	VB_CUDA_CHECK(cudaMemsetAsync(db, 0, sizeof(float) * (size_t)h));
	for (int64_t i = 0; i < m; i++) { /* for each example (column) */
		dense_bwd_example<<<vb_blocks(h * d + h + d), VB_THREADS>>>(X + i, m, dZ + i, m, W, dW, db, dX + i, m,
		                                                            d, h);
		VB_LAUNCH_CHECK();
	}
}

/* ---- the whole batch: cuBLAS ---- */

/* Z = X W^T + b, in the precision p on storage T. */
template <class T> static void dense_fwd_gemm(const vb_call *c, vb_gemm_prec p) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const T *X = (const T *)c->t[0], *W = (const T *)c->t[1], *b = (const T *)c->t[2];
	T *Z = (T *)c->t[3];
	vb_broadcast_row(Z, b, m, h);
	vb_gemm_rm(c, p, false, true, m, h, d, 1.0f, X, d, W, d, 1.0f, Z, h);
}

/* dW = dZ^T X, dX = dZ W, db = column sums of dZ. */
template <class T> static void dense_bwd_gemm(const vb_call *c, vb_gemm_prec p) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const T *X = (const T *)c->t[0], *W = (const T *)c->t[1], *dZ = (const T *)c->t[2];
	T *dW = (T *)c->t[3], *db = (T *)c->t[4], *dX = (T *)c->t[5];
	vb_gemm_rm(c, p, true, false, h, d, m, 1.0f, dZ, h, X, d, 0.0f, dW, d);
	vb_gemm_rm(c, p, false, false, m, d, h, 1.0f, dZ, h, W, d, 0.0f, dX, d);
	vb_col_sum(dZ, m, h, db);
}

VB_CUBLAS_VARIANT(dense_fwd_cuda_vec) { dense_fwd_gemm<float>(c, VB_GEMM_F32); }
VB_CUBLAS_VARIANT(dense_fwd_cuda_tf32) { dense_fwd_gemm<float>(c, VB_GEMM_TF32); }
VB_CUBLAS_VARIANT(dense_fwd_cuda_fp16) { dense_fwd_gemm<__half>(c, VB_GEMM_F16); }
VB_CUBLAS_VARIANT(dense_fwd_cuda_bf16) { dense_fwd_gemm<__nv_bfloat16>(c, VB_GEMM_BF16); }

VB_CUBLAS_VARIANT(dense_bwd_cuda_vec) { dense_bwd_gemm<float>(c, VB_GEMM_F32); }
VB_CUBLAS_VARIANT(dense_bwd_cuda_tf32) { dense_bwd_gemm<float>(c, VB_GEMM_TF32); }
VB_CUBLAS_VARIANT(dense_bwd_cuda_fp16) { dense_bwd_gemm<__half>(c, VB_GEMM_F16); }
VB_CUBLAS_VARIANT(dense_bwd_cuda_bf16) { dense_bwd_gemm<__nv_bfloat16>(c, VB_GEMM_BF16); }

VB_CUBLAS_VARIANT(dense_fwd_cm_cuda_vec) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *W = (const float *)c->t[0], *X = (const float *)c->t[1], *b = (const float *)c->t[2];
	float *Z = (float *)c->t[3];
	vb_broadcast_col(Z, b, h, m);
	vb_gemm_rm(c, VB_GEMM_F32, false, false, h, m, d, 1.0f, W, d, X, m, 1.0f, Z, m);
}

/* dW = dZ X^T, dX = W^T dZ, db = row sums of dZ (a warp per row). */
VB_CUBLAS_VARIANT(dense_bwd_cm_cuda_vec) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *W = (const float *)c->t[0], *X = (const float *)c->t[1], *dZ = (const float *)c->t[2];
	float *dW = (float *)c->t[3], *db = (float *)c->t[4], *dX = (float *)c->t[5];
	vb_gemm_rm(c, VB_GEMM_F32, false, true, h, d, m, 1.0f, dZ, m, X, m, 0.0f, dW, d);
	vb_gemm_rm(c, VB_GEMM_F32, true, false, d, m, h, 1.0f, W, d, dZ, m, 0.0f, dX, m);
	vb_row_sum(dZ, h, m, db);
}
