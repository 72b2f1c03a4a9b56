/* Seed 002's two-layer sigmoid network on the GPU (reference/nn2.c has the
 * math; X m*n, Y m*k, Theta1 h*n, Theta2 k*h, no bias units).
 *
 * cuda_loop: the course's `for t = 1:m`, one launch per example: a block
 * runs the example's forward (and backward) pass in phases separated by
 * __syncthreads, keeping a2, delta3, delta2 in device scratch.
 * cuda_vec: the whole batch as cuBLAS GEMMs with elementwise passes between
 * them (sigmoid; delta3 = sigma(z3) - y; delta2 = (delta3 Theta2) a2 (1 - a2))
 * and the cost summed by vb_sum. */
#include "vb_cuda.cuh"

enum { M, N, H, K };
enum { T_X, T_Y, T_THETA1, T_THETA2, T_OUT };

static __device__ float sigmoid(float z) { return 1.0f / (1.0f + vb_expf(-z)); }

/* -y log sigma(z) - (1 - y) log(1 - sigma(z)), the stable form. */
static __device__ float logistic_loss(float z, float y) {
	return fmaxf(z, 0.0f) + vb_log1pf(vb_expf(-fabsf(z))) - y * z;
}

/* ---- one example per launch (one block) ---- */

/* a2 = sigma(Theta1 x), each thread a hidden unit; the caller syncs. */
static __device__ void example_hidden(const float *x, const float *T1, float *a2, int64_t n, int64_t h) {
	for (int64_t j = threadIdx.x; j < h; j += blockDim.x) {
		float z = 0;
		for (int64_t q = 0; q < n; q++)
			z += T1[j * n + q] * x[q];
		a2[j] = sigmoid(z);
	}
}

/* z3[o] = Theta2[o] . a2 */
static __device__ float example_output(const float *T2, const float *a2, int64_t o, int64_t h) {
	float z = 0;
	for (int64_t j = 0; j < h; j++)
		z += T2[o * h + j] * a2[j];
	return z;
}

/* term[0] = sum_o logistic_loss(z3_o, y_o) for one example. */
static __global__ void fwd_example(const float *x, const float *y, const float *T1, const float *T2, float *a2,
                                   int64_t n, int64_t h, int64_t k, float *term) {
	example_hidden(x, T1, a2, n, h);
	__syncthreads();
	float s = 0;
	for (int64_t o = threadIdx.x; o < k; o += blockDim.x)
		s += logistic_loss(example_output(T2, a2, o, h), y[o]);
	s = vb_block_sum(s);
	if (threadIdx.x == 0) term[0] = s;
}

/* One example's backpropagation: Delta2 += delta3 a2^T, Delta1 += delta2 x^T.
 * a2 (h), d3 (k), d2 (h) are scratch shared by the block. */
static __global__ void bwd_example(const float *x, const float *y, const float *T1, const float *T2, float *a2,
                                   float *d3, float *d2, float *D1, float *D2, int64_t n, int64_t h, int64_t k) {
	example_hidden(x, T1, a2, n, h);
	__syncthreads();
	for (int64_t o = threadIdx.x; o < k; o += blockDim.x)
		d3[o] = sigmoid(example_output(T2, a2, o, h)) - y[o];
	__syncthreads();
	for (int64_t j = threadIdx.x; j < h; j += blockDim.x) {
		float s = 0;
		for (int64_t o = 0; o < k; o++)
			s += T2[o * h + j] * d3[o];
		d2[j] = s * a2[j] * (1.0f - a2[j]);
	}
	__syncthreads();
	for (int64_t t = threadIdx.x; t < k * h; t += blockDim.x)
		D2[t] += d3[t / h] * a2[t % h];
	for (int64_t t = threadIdx.x; t < h * n; t += blockDim.x)
		D1[t] += d2[t / n] * x[t % n];
}

static __global__ void divide_kernel(float *v, int64_t count, float by) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) v[t] = v[t] / by;
}

VB_CUDA_VARIANT(nn2_fwd_cuda_loop) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const float *X = (const float *)c->t[T_X], *Y = (const float *)c->t[T_Y];
	const float *T1 = (const float *)c->t[T_THETA1], *T2 = (const float *)c->t[T_THETA2];
	float *a2 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)h);
	float *term = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	for (int64_t i = 0; i < m; i++) { /* for t = 1:m */
		fwd_example<<<1, VB_THREADS>>>(X + i * n, Y + i * k, T1, T2, a2, n, h, k, term + i);
		VB_LAUNCH_CHECK();
	}
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(term, m, 1.0f, (float)m, (float *)c->t[T_OUT]);
	VB_LAUNCH_CHECK();
}

VB_CUDA_VARIANT(nn2_bwd_cuda_loop) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const float *X = (const float *)c->t[T_X], *Y = (const float *)c->t[T_Y];
	const float *T1 = (const float *)c->t[T_THETA1], *T2 = (const float *)c->t[T_THETA2];
	float *D1 = (float *)c->t[T_OUT], *D2 = (float *)c->t[T_OUT + 1];
	float *a2 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)h);
	float *d3 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)k);
	float *d2 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)h);
	VB_CUDA_CHECK(cudaMemsetAsync(D1, 0, sizeof(float) * (size_t)(h * n)));
	VB_CUDA_CHECK(cudaMemsetAsync(D2, 0, sizeof(float) * (size_t)(k * h)));
	for (int64_t i = 0; i < m; i++) { /* for t = 1:m */
		bwd_example<<<1, VB_THREADS>>>(X + i * n, Y + i * k, T1, T2, a2, d3, d2, D1, D2, n, h, k);
		VB_LAUNCH_CHECK();
	}
	divide_kernel<<<vb_blocks(h * n), VB_THREADS>>>(D1, h * n, (float)m);
	VB_LAUNCH_CHECK();
	divide_kernel<<<vb_blocks(k * h), VB_THREADS>>>(D2, k * h, (float)m);
	VB_LAUNCH_CHECK();
}

/* ---- the whole batch ---- */

namespace {
struct sigmoid_f {
	__device__ float operator()(float z) const { return sigmoid(z); }
};
struct sigmoid_minus_f { /* (z3, y): delta3 */
	__device__ float operator()(float z, float y) const { return sigmoid(z) - y; }
};
struct sigmoid_grad_f { /* (g, a2): delta2 = g a2 (1 - a2) */
	__device__ float operator()(float g, float a) const { return g * a * (1.0f - a); }
};
struct logistic_term {
	const float *Z3, *Y;
	__device__ float operator()(int64_t i) const { return logistic_loss(Z3[i], Y[i]); }
};
} // namespace

/* A2 = sigma(X Theta1^T) (m*h), Z3 = A2 Theta2^T (m*k), in scratch. */
static void batch_forward(const vb_call *c, float **A2, float **Z3) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	*A2 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(m * h));
	*Z3 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(m * k));
	vb_gemm_rm(c, VB_GEMM_F32, false, true, m, h, n, 1.0f, c->t[T_X], n, c->t[T_THETA1], n, 0.0f, *A2, h);
	vb_map1(false, m, h, *A2, *A2, sigmoid_f());
	vb_gemm_rm(c, VB_GEMM_F32, false, true, m, k, h, 1.0f, *A2, h, c->t[T_THETA2], h, 0.0f, *Z3, k);
}

VB_CUBLAS_VARIANT(nn2_fwd_cuda_vec) {
	int64_t m = c->dim[M], k = c->dim[K];
	float *A2, *Z3;
	batch_forward(c, &A2, &Z3);
	vb_sum(c, m * k, logistic_term{Z3, (const float *)c->t[T_Y]}, 1.0f, (float)m, (float *)c->t[T_OUT]);
}

void vb_nn2_cuda_shard_grad(const vb_call *c, int64_t m_total, float *dtheta1, float *dtheta2) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	float *A2, *D3;
	batch_forward(c, &A2, &D3);
	vb_map2(false, m, k, D3, (const float *)c->t[T_Y], D3, sigmoid_minus_f()); /* Z3 -> delta3 */
	float *D2 = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(m * h));
	vb_gemm_rm(c, VB_GEMM_F32, false, false, m, h, k, 1.0f, D3, k, c->t[T_THETA2], h, 0.0f, D2, h);
	vb_map2(false, m, h, D2, A2, D2, sigmoid_grad_f()); /* delta3 Theta2 -> delta2 */
	float inv_m = 1.0f / (float)m_total;
	vb_gemm_rm(c, VB_GEMM_F32, true, false, k, h, m, inv_m, D3, k, A2, h, 0.0f, dtheta2, h);
	vb_gemm_rm(c, VB_GEMM_F32, true, false, h, n, m, inv_m, D2, h, c->t[T_X], n, 0.0f, dtheta1, n);
}

VB_CUBLAS_VARIANT(nn2_bwd_cuda_vec) {
	vb_nn2_cuda_shard_grad(c, c->dim[M], (float *)c->t[T_OUT], (float *)c->t[T_OUT + 1]);
}
