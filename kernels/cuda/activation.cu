/* Bias add and elementwise activations on the GPU (reference/activation.c
 * has the math and the layouts).
 *
 * Both variants run the same elementwise kernel: cuda_loop launches it once
 * per example (a row; a column for bias_add_cm), cuda_vec once over the
 * whole batch. The difference is launch overhead against one launch. */
#include "vb_cuda.cuh"

enum { M, N };

/* ---- bias add ---- */

/* Y = Z + b over count elements of rows of length n (b has n entries). */
static __global__ void bias_add_rows_kernel(const float *Z, const float *b, float *Y, int64_t count, int64_t n) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) Y[t] = Z[t] + b[t % n];
}

/* Column-major: Z and Y n x m, b[j] added to row j. */
static __global__ void bias_add_cm_kernel(const float *Z, const float *b, float *Y, int64_t n, int64_t m) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < n * m) Y[t] = Z[t] + b[t / m];
}

/* One example of the column-major layout: column i, n entries m apart. */
static __global__ void bias_add_cm_example(const float *z, const float *b, float *y, int64_t n, int64_t m) {
	int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (j < n) y[j * m] = z[j * m] + b[j];
}

VB_CUDA_VARIANT(bias_add_cuda_loop) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = (const float *)c->t[0], *b = (const float *)c->t[1];
	float *Y = (float *)c->t[2];
	for (int64_t i = 0; i < m; i++) { /* for each example */
		bias_add_rows_kernel<<<vb_blocks(n), VB_THREADS>>>(Z + i * n, b, Y + i * n, n, n);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(bias_add_cuda_vec) {
	int64_t m = c->dim[M], n = c->dim[N];
	bias_add_rows_kernel<<<vb_blocks(m * n), VB_THREADS>>>((const float *)c->t[0], (const float *)c->t[1],
	                                                       (float *)c->t[2], m * n, n);
	VB_LAUNCH_CHECK();
}

VB_CUDA_VARIANT(bias_add_cm_cuda_loop) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = (const float *)c->t[0], *b = (const float *)c->t[1];
	float *Y = (float *)c->t[2];
	for (int64_t i = 0; i < m; i++) { /* for each example (column) */
		bias_add_cm_example<<<vb_blocks(n), VB_THREADS>>>(Z + i, b, Y + i, n, m);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(bias_add_cm_cuda_vec) {
	int64_t m = c->dim[M], n = c->dim[N];
	bias_add_cm_kernel<<<vb_blocks(m * n), VB_THREADS>>>((const float *)c->t[0], (const float *)c->t[1],
	                                                     (float *)c->t[2], n, m);
	VB_LAUNCH_CHECK();
}

/* ---- activations and their derivatives ---- */

namespace {
struct relu_fwd_f {
	__device__ float operator()(float z) const { return z > 0 ? z : 0.0f; }
};
struct relu_bwd_f { /* (Z, dA) */
	__device__ float operator()(float z, float da) const { return z > 0 ? da : 0.0f; }
};
struct sigmoid_fwd_f {
	__device__ float operator()(float z) const { return 1.0f / (1.0f + vb_expf(-z)); }
};
struct sigmoid_bwd_f { /* (A, dA) */
	__device__ float operator()(float a, float da) const { return da * a * (1.0f - a); }
};
struct tanh_fwd_f {
	__device__ float operator()(float z) const { return vb_tanhf(z); }
};
struct tanh_bwd_f { /* (A, dA) */
	__device__ float operator()(float a, float da) const { return da * (1.0f - a * a); }
};
} // namespace

/* t[0] in, t[1] out; or t[0], t[1] in, t[2] out. */
template <class F> static void unary(const vb_call *c, bool by_row, F f) {
	vb_map1(by_row, c->dim[M], c->dim[N], (const float *)c->t[0], (float *)c->t[1], f);
}

template <class F> static void binary(const vb_call *c, bool by_row, F f) {
	vb_map2(by_row, c->dim[M], c->dim[N], (const float *)c->t[0], (const float *)c->t[1], (float *)c->t[2], f);
}

VB_CUDA_VARIANT(relu_fwd_cuda_loop) { unary(c, true, relu_fwd_f()); }
VB_CUDA_VARIANT(relu_fwd_cuda_vec) { unary(c, false, relu_fwd_f()); }
VB_CUDA_VARIANT(relu_bwd_cuda_loop) { binary(c, true, relu_bwd_f()); }
VB_CUDA_VARIANT(relu_bwd_cuda_vec) { binary(c, false, relu_bwd_f()); }
VB_CUDA_VARIANT(sigmoid_fwd_cuda_loop) { unary(c, true, sigmoid_fwd_f()); }
VB_CUDA_VARIANT(sigmoid_fwd_cuda_vec) { unary(c, false, sigmoid_fwd_f()); }
VB_CUDA_VARIANT(sigmoid_bwd_cuda_loop) { binary(c, true, sigmoid_bwd_f()); }
VB_CUDA_VARIANT(sigmoid_bwd_cuda_vec) { binary(c, false, sigmoid_bwd_f()); }
VB_CUDA_VARIANT(tanh_fwd_cuda_loop) { unary(c, true, tanh_fwd_f()); }
VB_CUDA_VARIANT(tanh_fwd_cuda_vec) { unary(c, false, tanh_fwd_f()); }
VB_CUDA_VARIANT(tanh_bwd_cuda_loop) { binary(c, true, tanh_bwd_f()); }
VB_CUDA_VARIANT(tanh_bwd_cuda_vec) { binary(c, false, tanh_bwd_f()); }
