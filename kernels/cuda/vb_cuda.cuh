/* What every kernels/cuda file shares: the checking macros, device scratch,
 * the cuBLAS handle, row-major GEMM, and small templated kernels (bias
 * broadcast, row and column sums) used by several op families.
 *
 * Device code here is C++ (nvcc); variants are exported with C linkage
 * through VB_CUDA_VARIANT so the weak declarations in kernels/<family>.h
 * resolve to them. */
#ifndef VB_CUDA_CUH
#define VB_CUDA_CUH

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdint.h>

#include "vb.h"

#define VB_CUDA_VARIANT(f) extern "C" void f(const vb_call *c)

/* A variant that calls cuBLAS (through vb_cublas, vb_gemm_rm, vb_gemv_rm):
 * its entry in the vb_cublas_users linker section lets the bridge list it
 * unavailable, with the loader's reason, where libcublas cannot be loaded.
 * vb_cublas refuses a variant declared with VB_CUDA_VARIANT instead. */
#define VB_CUBLAS_VARIANT(f)                                                                                           \
	VB_CUDA_VARIANT(f);                                                                                            \
	__attribute__((used, section("vb_cublas_users"))) static const vb_fn vb_cublas_user_##f = f;                   \
	VB_CUDA_VARIANT(f)

/* NULL when libcublas loads (kernels/cuda/cublas_lazy.cu), else why not. */
const char *vb_cublas_unavailable(void);

/* Throws: the bridge (harness/cuda.cu) catches it and reports
 * "file:line: call: library error" as the variant's failure. */
[[noreturn]] void vb_cuda_fail(const char *file, int line, const char *call, const char *name, const char *msg);

#define VB_CUDA_CHECK(call)                                                                                            \
	do {                                                                                                           \
		cudaError_t vb_err_ = (call);                                                                          \
		if (vb_err_ != cudaSuccess)                                                                            \
			vb_cuda_fail(__FILE__, __LINE__, #call, cudaGetErrorName(vb_err_),                             \
			             cudaGetErrorString(vb_err_));                                                     \
	} while (0)

#define VB_CUBLAS_CHECK(call)                                                                                          \
	do {                                                                                                           \
		cublasStatus_t vb_st_ = (call);                                                                        \
		if (vb_st_ != CUBLAS_STATUS_SUCCESS)                                                                   \
			vb_cuda_fail(__FILE__, __LINE__, #call, cublasGetStatusName(vb_st_),                           \
			             cublasGetStatusString(vb_st_));                                                   \
	} while (0)

/* After every kernel launch: a bad configuration fails here, not later. */
#define VB_LAUNCH_CHECK() VB_CUDA_CHECK(cudaGetLastError())

/* Device scratch for a variant call, from the bridge's tracking allocator
 * (counted in gpu_peak_bytes). Blocks are handed out in request order and
 * reused by the next call, so timed iterations do not allocate. Contents
 * are undefined (poisoned with NaN bytes when first allocated). */
void *vb_cuda_scratch(const vb_call *c, size_t bytes);
/* A variant that calls other variants in a loop (an epoch of steps) releases
 * their scratch after each, as vb_scratch_save/release do on the host. */
struct vb_cuda_scratch_mark {
	int blocks;
	size_t live;
};
vb_cuda_scratch_mark vb_cuda_scratch_save(const vb_call *c);
void vb_cuda_scratch_release(const vb_call *c, vb_cuda_scratch_mark m);

/* A distributed variant (kernels/cuda/dp_nccl.cu) marks the end of its
 * computing part on the stream: the bridge times compute to the mark and
 * communication (and the update) after it. */
void vb_cuda_mark_compute(const vb_call *c);

/* The data-parallel step's computing part (kernels/cuda/dp_nccl.cu): c is a
 * shard of the batch (its dims and device tensors), its gradient summed over
 * the shard and divided by the whole batch's m_total, so the ranks' sum is
 * the batch's mean gradient. The MLP's six gradients (dW1, db1, .., db3) in
 * tensor order; nn2's dTheta1 and dTheta2. The cuda_vec kernels of
 * mlp_train_step and nn2_bwd (kernels/cuda/mlp.cu, nn2.cu). */
void vb_mlp_cuda_shard_grad(const vb_call *c, int64_t m_total, float *const g[6]);
void vb_nn2_cuda_shard_grad(const vb_call *c, int64_t m_total, float *dtheta1, float *dtheta2);

/* The cuBLAS handle shared by all variants (default stream, default math,
 * its workspace counted in gpu_peak_bytes of the variants that use it).
 * Only for variants declared with VB_CUBLAS_VARIANT. */
cublasHandle_t vb_cublas(const vb_call *c);

enum { VB_THREADS = 256 };

/* Blocks for n work items; fails rather than launching a truncated grid. */
unsigned vb_blocks(int64_t n, int threads = VB_THREADS);

/* Arithmetic of a GEMM: float32 (SIMT), TF32 tensor cores on float32
 * storage, or half / bfloat16 storage with float32 accumulation. */
typedef enum { VB_GEMM_F32, VB_GEMM_TF32, VB_GEMM_F16, VB_GEMM_BF16 } vb_gemm_prec;

/* Row-major C (M x N) = alpha op(A) op(B) + beta C, like cblas_sgemm with
 * CblasRowMajor: lda, ldb, ldc are row strides of the stored matrices.
 * Half and bfloat16 GEMMs reduce in float32 (cuBLAS may otherwise keep
 * split-K partial sums in the output type). */
void vb_gemm_rm(const vb_call *c, vb_gemm_prec p, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                float alpha, const void *A, int64_t lda, const void *B, int64_t ldb, float beta, void *C, int64_t ldc);

/* The math mode of half and bfloat16 GEMMs: float32 reductions throughout,
 * as the variants' error bounds assume. */
inline cublasMath_t vb_half_gemm_math(void) {
	return (cublasMath_t)(CUBLAS_DEFAULT_MATH | CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION);
}

/* Row-major y = alpha op(A) x + beta y (float32), like cblas_sgemv with
 * CblasRowMajor: A is rows x cols with row stride lda; x and y contiguous. */
void vb_gemv_rm(const vb_call *c, bool trans, int64_t rows, int64_t cols, float alpha, const float *A, int64_t lda,
                const float *x, float beta, float *y);

/* ---- element types: float, __half, __nv_bfloat16 stored, float math ---- */

__device__ __forceinline__ float vb_f(float x) { return x; }
__device__ __forceinline__ float vb_f(__half x) { return __half2float(x); }
__device__ __forceinline__ float vb_f(__nv_bfloat16 x) { return __bfloat162float(x); }

template <class T> __device__ __forceinline__ T vb_to(float x);
template <> __device__ __forceinline__ float vb_to<float>(float x) { return x; }
template <> __device__ __forceinline__ __half vb_to<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 vb_to<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

/* ---- transcendental functions ----
 * CUDA documents expf and tanhf to 2 ulps; the ops' error bounds assume the
 * CPU's 1 (exp, log) and 2 (tanh) ulps (kernels/activation.h). Evaluating in
 * double and rounding once gives 0.5 ulp (+ 2^-29 relative), inside every
 * bound; on sm_80/sm_90 double runs at half the float rate, and these ops are
 * memory-bound. */
__device__ __forceinline__ float vb_expf(float x) { return (float)exp((double)x); }
__device__ __forceinline__ float vb_logf(float x) { return (float)log((double)x); }
__device__ __forceinline__ float vb_tanhf(float x) { return (float)tanh((double)x); }
__device__ __forceinline__ float vb_log1pf(float x) { return (float)log1p((double)x); }

/* ---- small kernels shared by op families ---- */

/* Z (rows x cols) = b broadcast along rows (b has cols entries), or along
 * columns (b has rows entries). */
template <class T> __global__ void vb_broadcast_kernel(T *Z, const T *b, int64_t rows, int64_t cols, bool b_per_col) {
	int64_t n = rows * cols;
	for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < n; t += (int64_t)gridDim.x * blockDim.x)
		Z[t] = b_per_col ? b[t % cols] : b[t / cols];
}

template <class T> void vb_broadcast_row(T *Z, const T *b, int64_t rows, int64_t cols) {
	vb_broadcast_kernel<T><<<vb_blocks(rows * cols), VB_THREADS>>>(Z, b, rows, cols, true);
	VB_LAUNCH_CHECK();
}

template <class T> void vb_broadcast_col(T *Z, const T *b, int64_t rows, int64_t cols) {
	vb_broadcast_kernel<T><<<vb_blocks(rows * cols), VB_THREADS>>>(Z, b, rows, cols, false);
	VB_LAUNCH_CHECK();
}

/* Y[t] = f(X[t]) for t < count; F is a functor (in an anonymous namespace
 * of its .cu file, so instantiations stay private to it). */
template <class F> __global__ void vb_map1_kernel(const float *X, float *Y, int64_t count, F f) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) Y[t] = f(X[t]);
}

/* Y[t] = f(X1[t], X2[t]) for t < count. */
template <class F> __global__ void vb_map2_kernel(const float *X1, const float *X2, float *Y, int64_t count, F f) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) Y[t] = f(X1[t], X2[t]);
}

/* Elementwise over an m x n batch: one launch per row (the loop form) or
 * one for the whole batch. */
template <class F> void vb_map1(bool by_row, int64_t m, int64_t n, const float *X, float *Y, F f) {
	if (!by_row) {
		vb_map1_kernel<F><<<vb_blocks(m * n), VB_THREADS>>>(X, Y, m * n, f);
		VB_LAUNCH_CHECK();
		return;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		vb_map1_kernel<F><<<vb_blocks(n), VB_THREADS>>>(X + i * n, Y + i * n, n, f);
		VB_LAUNCH_CHECK();
	}
}

template <class F> void vb_map2(bool by_row, int64_t m, int64_t n, const float *X1, const float *X2, float *Y, F f) {
	if (!by_row) {
		vb_map2_kernel<F><<<vb_blocks(m * n), VB_THREADS>>>(X1, X2, Y, m * n, f);
		VB_LAUNCH_CHECK();
		return;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		vb_map2_kernel<F><<<vb_blocks(n), VB_THREADS>>>(X1 + i * n, X2 + i * n, Y + i * n, n, f);
		VB_LAUNCH_CHECK();
	}
}

/* Sum of a warp's values, in every lane. */
__device__ __forceinline__ float vb_warp_sum(float v) {
	for (int o = 16; o > 0; o /= 2)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ float vb_warp_max(float v) {
	for (int o = 16; o > 0; o /= 2)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

/* out[r] = sum_c A[r, c]: one warp per row (rows are contiguous), lanes
 * stride along the row, then a shuffle reduction. */
template <class T> __global__ void vb_row_sum_kernel(const T *A, int64_t rows, int64_t cols, T *out) {
	int64_t r = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows) return; /* whole warps leave together: rows are per warp */
	const T *row = A + r * cols;
	float s = 0;
	for (int64_t k = lane; k < cols; k += 32)
		s += vb_f(row[k]);
	s = vb_warp_sum(s);
	if (lane == 0) out[r] = vb_to<T>(s);
}

template <class T> void vb_row_sum(const T *A, int64_t rows, int64_t cols, T *out) {
	vb_row_sum_kernel<T><<<vb_blocks(rows * 32), VB_THREADS>>>(A, rows, cols, out);
	VB_LAUNCH_CHECK();
}

/* out[c] = sum_r A[r, c], or with update: out[c] += alpha sum_r A[r, c]
 * (an SGD step on a bias). A block of 32 x 8 threads owns 32 columns; the 8
 * thread rows take every 8th row (coalesced reads), then shared memory adds
 * the 8 partial sums. */
template <class T>
__global__ void vb_col_sum_kernel(const T *A, int64_t rows, int64_t cols, T *out, bool update, float alpha) {
	__shared__ float part[8][33];
	int64_t c = blockIdx.x * (int64_t)32 + threadIdx.x;
	float s = 0;
	if (c < cols)
		for (int64_t r = threadIdx.y; r < rows; r += 8)
			s += vb_f(A[r * cols + c]);
	part[threadIdx.y][threadIdx.x] = s;
	__syncthreads();
	if (threadIdx.y == 0 && c < cols) {
		float t = 0;
		for (int k = 0; k < 8; k++)
			t += part[k][threadIdx.x];
		out[c] = vb_to<T>(update ? vb_f(out[c]) + alpha * t : t);
	}
}

template <class T> void vb_col_sum(const T *A, int64_t rows, int64_t cols, T *out) {
	vb_col_sum_kernel<T><<<vb_blocks(cols, 32), dim3(32, 8)>>>(A, rows, cols, out, false, 0.0f);
	VB_LAUNCH_CHECK();
}

template <class T> void vb_col_sum_update(const T *A, int64_t rows, int64_t cols, float alpha, T *out) {
	vb_col_sum_kernel<T><<<vb_blocks(cols, 32), dim3(32, 8)>>>(A, rows, cols, out, true, alpha);
	VB_LAUNCH_CHECK();
}

/* Sum over a block (blockDim.x a multiple of 32), valid in thread 0. Call
 * once per kernel: it owns a shared array. */
__device__ __forceinline__ float vb_block_sum(float v) {
	__shared__ float warp_part[32];
	int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nwarps = blockDim.x / 32;
	v = vb_warp_sum(v);
	if (lane == 0) warp_part[warp] = v;
	__syncthreads();
	v = 0;
	if (warp == 0) {
		if (lane < nwarps) v = warp_part[lane];
		v = vb_warp_sum(v);
	}
	return v;
}

/* partial[block] = sum of term(k) over the block's grid-stride share of
 * [0, n). Term is a functor: __device__ float operator()(int64_t k) const. */
template <class Term> __global__ void vb_sum_partial_kernel(int64_t n, Term term, float *partial) {
	float s = 0;
	for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n; k += (int64_t)gridDim.x * blockDim.x)
		s += term(k);
	s = vb_block_sum(s);
	if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

/* One warp: partial[0] = sum of term(begin + k), k in [0, n): one row. */
template <class Term> __global__ void vb_sum_row_kernel(int64_t begin, int64_t n, Term term, float *partial) {
	float s = 0;
	for (int64_t k = threadIdx.x; k < n; k += 32)
		s += term(begin + k);
	s = vb_warp_sum(s);
	if (threadIdx.x == 0) partial[0] = s;
}

/* One block: out[0] = sign * (sum of the partials) / div. */
template <class T>
__global__ void vb_sum_finish_kernel(const float *partial, int64_t nparts, float sign, float div, T *out) {
	float s = 0;
	for (int64_t k = threadIdx.x; k < nparts; k += blockDim.x)
		s += partial[k];
	s = vb_block_sum(s);
	if (threadIdx.x == 0) out[0] = vb_to<T>(sign * s / div);
}

enum { VB_SUM_BLOCKS = 1024 };

/* out[0] = sign * sum_{k < n} term(k) / div, over the whole grid: block
 * partial sums, then one block adds them (two launches, deterministic). */
template <class Term> void vb_sum(const vb_call *c, int64_t n, Term term, float sign, float div, float *out) {
	unsigned blocks = vb_blocks(n);
	if (blocks > VB_SUM_BLOCKS) blocks = VB_SUM_BLOCKS;
	float *partial = (float *)vb_cuda_scratch(c, sizeof(float) * blocks);
	vb_sum_partial_kernel<Term><<<blocks, VB_THREADS>>>(n, term, partial);
	VB_LAUNCH_CHECK();
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(partial, blocks, sign, div, out);
	VB_LAUNCH_CHECK();
}

/* The loop form of vb_sum over an m x n matrix: one launch per row, then
 * one to add the m row sums. */
template <class Term>
void vb_sum_by_row(const vb_call *c, int64_t m, int64_t n, Term term, float sign, float div, float *out) {
	float *rows = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	for (int64_t i = 0; i < m; i++) { /* for each example */
		vb_sum_row_kernel<Term><<<1, 32>>>(i * n, n, term, rows + i);
		VB_LAUNCH_CHECK();
	}
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(rows, m, sign, div, out);
	VB_LAUNCH_CHECK();
}

#endif
