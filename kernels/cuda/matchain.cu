/* Matrix chains on the GPU (reference/matchain.c has the math), both left to
 * right: cuda_loop a thread per output element with a scalar loop, one
 * launch per product; cuda_vec cuBLAS per product. */
#include "vb_cuda.cuh"

/* C (m x n) = A (m x k) B (k x n), a thread per element of C. */
static __global__ void chain_matmul(const float *A, const float *B, float *C, int64_t m, int64_t k, int64_t n) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t >= m * n) return;
	int64_t r = t / n, col = t % n;
	float z = 0;
	for (int64_t q = 0; q < k; q++)
		z += A[r * k + q] * B[q * n + col];
	C[t] = z;
}

/* One product C (m x n) = A (m x k) B (k x n) of the chain. */
typedef void (*chain_product)(const vb_call *c, const float *A, const float *B, float *C, int64_t m, int64_t k,
                              int64_t n);

static void product_loop(const vb_call *, const float *A, const float *B, float *C, int64_t m, int64_t k, int64_t n) {
	chain_matmul<<<vb_blocks(m * n), VB_THREADS>>>(A, B, C, m, k, n);
	VB_LAUNCH_CHECK();
}

static void product_cublas(const vb_call *c, const float *A, const float *B, float *C, int64_t m, int64_t k,
                           int64_t n) {
	vb_gemm_rm(c, VB_GEMM_F32, false, false, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
}

static void chain_ltr(const vb_call *c, int n, chain_product product) {
	const int64_t *p = c->dim;
	int64_t widest = 0;
	for (int k = 2; k < n; k++)
		widest = p[k] > widest ? p[k] : widest;
	float *buf[2] = {(float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(p[0] * widest)),
	                 (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(p[0] * widest))};
	const float *T = (const float *)c->t[0];
	for (int k = 1; k < n; k++) {
		float *out = k == n - 1 ? (float *)c->t[n] : buf[k % 2];
		product(c, T, (const float *)c->t[k], out, p[0], p[k], p[k + 1]);
		T = out;
	}
}

VB_CUDA_VARIANT(matchain3_fwd_cuda_loop) { chain_ltr(c, 3, product_loop); }
VB_CUDA_VARIANT(matchain4_fwd_cuda_loop) { chain_ltr(c, 4, product_loop); }
VB_CUDA_VARIANT(matchain5_fwd_cuda_loop) { chain_ltr(c, 5, product_loop); }
VB_CUDA_VARIANT(matchain6_fwd_cuda_loop) { chain_ltr(c, 6, product_loop); }
VB_CUBLAS_VARIANT(matchain3_fwd_cuda_vec) { chain_ltr(c, 3, product_cublas); }
VB_CUBLAS_VARIANT(matchain4_fwd_cuda_vec) { chain_ltr(c, 4, product_cublas); }
VB_CUBLAS_VARIANT(matchain5_fwd_cuda_vec) { chain_ltr(c, 5, product_cublas); }
VB_CUBLAS_VARIANT(matchain6_fwd_cuda_vec) { chain_ltr(c, 6, product_cublas); }
