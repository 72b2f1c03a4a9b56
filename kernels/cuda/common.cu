/* Host helpers every kernels/cuda family uses (declared in vb_cuda.cuh). */
#include <limits.h>

#include "vb_cuda.cuh"

unsigned vb_blocks(int64_t n, int threads) {
	int64_t b = (n + threads - 1) / threads;
	if (b > INT_MAX) vb_cuda_fail(__FILE__, __LINE__, "vb_blocks", "vecbench", "grid too large for one launch");
	return b < 1 ? 1u : (unsigned)b;
}

static int as_int(int64_t v) {
	if (v < 0 || v > INT_MAX)
		vb_cuda_fail(__FILE__, __LINE__, "a cuBLAS call", "vecbench", "dimension too large for cuBLAS");
	return (int)v;
}

/* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the
 * stored row-major matrices are the column-major transposes, so cuBLAS gets
 * B first and the dimensions swapped, with the same transposition flags. */
void vb_gemm_rm(const vb_call *c, vb_gemm_prec p, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                float alpha, const void *A, int64_t lda, const void *B, int64_t ldb, float beta, void *C, int64_t ldc) {
	cublasHandle_t h = vb_cublas(c);
	cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
	int m = as_int(N), n = as_int(M), k = as_int(K);
	int ld_b = as_int(ldb), ld_a = as_int(lda), ld_c = as_int(ldc);
	if (p == VB_GEMM_F32) {
		VB_CUBLAS_CHECK(cublasSgemm(h, op_b, op_a, m, n, k, &alpha, (const float *)B, ld_b, (const float *)A,
		                            ld_a, &beta, (float *)C, ld_c));
		return;
	}
	if (p == VB_GEMM_F16 || p == VB_GEMM_BF16) VB_CUBLAS_CHECK(cublasSetMathMode(h, vb_half_gemm_math()));
	cudaDataType_t t = p == VB_GEMM_F16 ? CUDA_R_16F : p == VB_GEMM_BF16 ? CUDA_R_16BF : CUDA_R_32F;
	cublasComputeType_t ct = p == VB_GEMM_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
	VB_CUBLAS_CHECK(cublasGemmEx(h, op_b, op_a, m, n, k, &alpha, B, t, ld_b, A, t, ld_a, &beta, C, t, ld_c, ct,
	                             CUBLAS_GEMM_DEFAULT));
}

/* Row-major A (rows x cols) is column-major A^T: A x is cuBLAS's op T, A^T x
 * its op N, with cuBLAS's dimensions (cols, rows). */
void vb_gemv_rm(const vb_call *c, bool trans, int64_t rows, int64_t cols, float alpha, const float *A, int64_t lda,
                const float *x, float beta, float *y) {
	cublasHandle_t h = vb_cublas(c);
	VB_CUBLAS_CHECK(cublasSgemv(h, trans ? CUBLAS_OP_N : CUBLAS_OP_T, as_int(cols), as_int(rows), &alpha, A,
	                            as_int(lda), x, 1, &beta, y, 1));
}
