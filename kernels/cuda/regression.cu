/* Seed 002's linear and logistic regression on the GPU (reference/
 * regression.c has the math; X m*n, y m*1, theta n*1).
 *
 * cuda_loop: one launch per example; a warp computes x_i . theta with a
 * shuffle reduction, then the example's loss term, or (gradient) adds
 * (h_i - y_i) x_i to dtheta, examples in order as the seed's loop does.
 * cuda_vec: cuBLAS sgemv over the whole batch (r = X theta - y, then
 * 1/m X^T r), with the cost's terms summed in one more pass (vb_sum). */
#include "vb_cuda.cuh"

enum { M, N };
enum { T_X, T_Y, T_THETA, T_OUT };

/* -y log sigma(z) - (1 - y) log(1 - sigma(z)), the stable form. */
static __device__ float logistic_loss(float z, float y) {
	return fmaxf(z, 0.0f) + vb_log1pf(vb_expf(-fabsf(z))) - y * z;
}

static __device__ float sigmoid(float z) { return 1.0f / (1.0f + vb_expf(-z)); }

/* x . theta, in every lane of the one-warp block. */
static __device__ float warp_dot(const float *x, const float *theta, int64_t n) {
	float s = 0;
	for (int64_t k = threadIdx.x; k < n; k += 32)
		s += x[k] * theta[k];
	return vb_warp_sum(s);
}

/* ---- one launch per example ---- */

/* term = the example's cost term: (h - y)^2 or the logistic loss. */
static __global__ void cost_example(const float *x, const float *theta, const float *y, int64_t n, bool logistic,
                                    float *term) {
	float z = warp_dot(x, theta, n);
	if (threadIdx.x == 0) term[0] = logistic ? logistic_loss(z, y[0]) : (z - y[0]) * (z - y[0]);
}

/* dtheta += (h(x) - y) x. */
static __global__ void grad_example(const float *x, const float *theta, const float *y, int64_t n, bool logistic,
                                    float *dtheta) {
	float z = warp_dot(x, theta, n);
	float e = (logistic ? sigmoid(z) : z) - y[0];
	for (int64_t k = threadIdx.x; k < n; k += 32)
		dtheta[k] += e * x[k];
}

static __global__ void divide_kernel(float *v, int64_t n, float by) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < n) v[t] = v[t] / by;
}

static void cost_loop(const vb_call *c, bool logistic) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *X = (const float *)c->t[T_X], *y = (const float *)c->t[T_Y], *theta = (const float *)c->t[T_THETA];
	float *term = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	for (int64_t i = 0; i < m; i++) { /* for each example */
		cost_example<<<1, 32>>>(X + i * n, theta, y + i, n, logistic, term + i);
		VB_LAUNCH_CHECK();
	}
	float div = logistic ? (float)m : 2.0f * (float)m;
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(term, m, 1.0f, div, (float *)c->t[T_OUT]);
	VB_LAUNCH_CHECK();
}

static void grad_loop(const vb_call *c, bool logistic) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *X = (const float *)c->t[T_X], *y = (const float *)c->t[T_Y], *theta = (const float *)c->t[T_THETA];
	float *dtheta = (float *)c->t[T_OUT];
	VB_CUDA_CHECK(cudaMemsetAsync(dtheta, 0, sizeof(float) * (size_t)n));
	for (int64_t i = 0; i < m; i++) { /* for each example */
		grad_example<<<1, 32>>>(X + i * n, theta, y + i, n, logistic, dtheta);
		VB_LAUNCH_CHECK();
	}
	divide_kernel<<<vb_blocks(n), VB_THREADS>>>(dtheta, n, (float)m);
	VB_LAUNCH_CHECK();
}

VB_CUDA_VARIANT(linreg_cost_cuda_loop) { cost_loop(c, false); }
VB_CUDA_VARIANT(logreg_cost_cuda_loop) { cost_loop(c, true); }
VB_CUDA_VARIANT(linreg_grad_cuda_loop) { grad_loop(c, false); }
VB_CUDA_VARIANT(logreg_grad_cuda_loop) { grad_loop(c, true); }

/* ---- the whole batch ---- */

namespace {
struct square_term {
	const float *r;
	__device__ float operator()(int64_t i) const { return r[i] * r[i]; }
};
struct logistic_term {
	const float *z, *y;
	__device__ float operator()(int64_t i) const { return logistic_loss(z[i], y[i]); }
};
struct sigmoid_minus_f { /* (z, y) */
	__device__ float operator()(float z, float y) const { return sigmoid(z) - y; }
};
} // namespace

/* r = X theta - y: start from y and let the sgemv subtract it (beta = -1). */
static float *residual(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	float *r = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	VB_CUDA_CHECK(cudaMemcpyAsync(r, c->t[T_Y], sizeof(float) * (size_t)m, cudaMemcpyDeviceToDevice));
	vb_gemv_rm(c, false, m, n, 1.0f, (const float *)c->t[T_X], n, (const float *)c->t[T_THETA], -1.0f, r);
	return r;
}

/* dtheta = 1/m X^T r */
static void grad_from_residual(const vb_call *c, const float *r) {
	int64_t m = c->dim[M], n = c->dim[N];
	vb_gemv_rm(c, true, m, n, 1.0f / (float)m, (const float *)c->t[T_X], n, r, 0.0f, (float *)c->t[T_OUT]);
}

VB_CUBLAS_VARIANT(linreg_cost_cuda_vec) {
	int64_t m = c->dim[M];
	vb_sum(c, m, square_term{residual(c)}, 1.0f, 2.0f * (float)m, (float *)c->t[T_OUT]);
}

VB_CUBLAS_VARIANT(linreg_grad_cuda_vec) { grad_from_residual(c, residual(c)); }

VB_CUBLAS_VARIANT(logreg_cost_cuda_vec) {
	int64_t m = c->dim[M], n = c->dim[N];
	float *z = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	vb_gemv_rm(c, false, m, n, 1.0f, (const float *)c->t[T_X], n, (const float *)c->t[T_THETA], 0.0f, z);
	vb_sum(c, m, logistic_term{z, (const float *)c->t[T_Y]}, 1.0f, (float)m, (float *)c->t[T_OUT]);
}

VB_CUBLAS_VARIANT(logreg_grad_cuda_vec) {
	int64_t m = c->dim[M], n = c->dim[N];
	float *r = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	vb_gemv_rm(c, false, m, n, 1.0f, (const float *)c->t[T_X], n, (const float *)c->t[T_THETA], 0.0f, r);
	vb_map2(false, 1, m, r, (const float *)c->t[T_Y], r, sigmoid_minus_f());
	grad_from_residual(c, r);
}
