/* Dense layer with ReLU fused, on the GPU (reference/dense_act.c has the
 * math; row-major, X m*d, W h*d, b 1*h, A m*h).
 *
 * cuda_loop: one launch per example; a thread per output element with a
 * scalar loop, the activation applied while the unit's sum is at hand.
 * cuda_vec (and tf32 / fp16 / bf16): one GEMM Z = X W^T written into A,
 * then one fused pass A = relu(A + b): the bias and the activation cost one
 * read and one write of A together instead of one each.
 * Backward: Delta = dA (.) [A > 0] in one pass, two GEMMs and a column sum. */
#include "vb_cuda.cuh"

enum { M, D, H };

/* ---- one example per launch ---- */

/* a[j] = relu(b[j] + sum_k W[j, k] x[k]) for one example (a row). */
static __global__ void dense_act_fwd_example(const float *x, const float *W, const float *b, float *a, int64_t d,
                                             int64_t h) {
	int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (j >= h) return;
	float z = b[j];
	for (int64_t k = 0; k < d; k++)
		z += x[k] * W[j * d + k];
	a[j] = z > 0 ? z : 0.0f;
}

/* One example's share: delta = da (.) [a > 0]; dW += delta x^T, db += delta,
 * dx = W^T delta. Threads cover dW (h*d), then db (h), then dx (d). */
static __global__ void dense_act_bwd_example(const float *x, const float *W, const float *a, const float *da, float *dW,
                                             float *db, float *dx, int64_t d, int64_t h) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < h * d) {
		int64_t j = t / d, k = t % d;
		float delta = a[j] > 0 ? da[j] : 0.0f;
		dW[t] += delta * x[k];
		return;
	}
	t -= h * d;
	if (t < h) {
		db[t] += a[t] > 0 ? da[t] : 0.0f;
		return;
	}
	t -= h;
	if (t < d) {
		float s = 0;
		for (int64_t j = 0; j < h; j++)
			s += (a[j] > 0 ? da[j] : 0.0f) * W[j * d + t];
		dx[t] = s;
	}
}

VB_CUDA_VARIANT(dense_act_fwd_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = (const float *)c->t[0], *W = (const float *)c->t[1], *b = (const float *)c->t[2];
	float *A = (float *)c->t[3];
	for (int64_t i = 0; i < m; i++) { /* for each example */
		dense_act_fwd_example<<<vb_blocks(h), VB_THREADS>>>(X + i * d, W, b, A + i * h, d, h);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(dense_act_bwd_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = (const float *)c->t[0], *W = (const float *)c->t[1], *A = (const float *)c->t[2];
	const float *dA = (const float *)c->t[3];
	float *dW = (float *)c->t[4], *db = (float *)c->t[5], *dX = (float *)c->t[6];
	VB_CUDA_CHECK(cudaMemsetAsync(dW, 0, sizeof(float) * (size_t)(h * d)));
	VB_CUDA_CHECK(cudaMemsetAsync(db, 0, sizeof(float) * (size_t)h));
	for (int64_t i = 0; i < m; i++) { /* for each example */
		dense_act_bwd_example<<<vb_blocks(h * d + h + d), VB_THREADS>>>(X + i * d, W, A + i * h, dA + i * h, dW,
		                                                                db, dX + i * d, d, h);
		VB_LAUNCH_CHECK();
	}
}

/* ---- the whole batch ---- */

/* A = relu(A + b), b broadcast along the rows of A (rows x cols). */
template <class T> static __global__ void bias_relu_kernel(T *A, const T *b, int64_t rows, int64_t cols) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t >= rows * cols) return;
	float z = vb_f(A[t]) + vb_f(b[t % cols]);
	A[t] = vb_to<T>(z > 0 ? z : 0.0f);
}

template <class T> static void dense_act_fwd_gemm(const vb_call *c, vb_gemm_prec p) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const T *X = (const T *)c->t[0], *W = (const T *)c->t[1], *b = (const T *)c->t[2];
	T *A = (T *)c->t[3];
	vb_gemm_rm(c, p, false, true, m, h, d, 1.0f, X, d, W, d, 0.0f, A, h);
	bias_relu_kernel<T><<<vb_blocks(m * h), VB_THREADS>>>(A, b, m, h);
	VB_LAUNCH_CHECK();
}

VB_CUBLAS_VARIANT(dense_act_fwd_cuda_vec) { dense_act_fwd_gemm<float>(c, VB_GEMM_F32); }
VB_CUBLAS_VARIANT(dense_act_fwd_cuda_tf32) { dense_act_fwd_gemm<float>(c, VB_GEMM_TF32); }
VB_CUBLAS_VARIANT(dense_act_fwd_cuda_fp16) { dense_act_fwd_gemm<__half>(c, VB_GEMM_F16); }
VB_CUBLAS_VARIANT(dense_act_fwd_cuda_bf16) { dense_act_fwd_gemm<__nv_bfloat16>(c, VB_GEMM_BF16); }

namespace {
struct relu_mask_f { /* (A, dA) */
	__device__ float operator()(float a, float da) const { return a > 0 ? da : 0.0f; }
};
} // namespace

VB_CUBLAS_VARIANT(dense_act_bwd_cuda_vec) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = (const float *)c->t[0], *W = (const float *)c->t[1], *A = (const float *)c->t[2];
	const float *dA = (const float *)c->t[3];
	float *dW = (float *)c->t[4], *db = (float *)c->t[5], *dX = (float *)c->t[6];
	float *Delta = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(m * h));
	vb_map2(false, m, h, A, dA, Delta, relu_mask_f());
	vb_gemm_rm(c, VB_GEMM_F32, true, false, h, d, m, 1.0f, Delta, h, X, d, 0.0f, dW, d);
	vb_gemm_rm(c, VB_GEMM_F32, false, false, m, d, h, 1.0f, Delta, h, W, d, 0.0f, dX, d);
	vb_col_sum(Delta, m, h, db);
}
