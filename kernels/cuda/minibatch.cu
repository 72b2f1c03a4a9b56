/* Mini-batch gradient descent on linear regression on the GPU
 * (reference/minibatch.c has the math; X m*d, y m*1, theta d*1).
 *
 * cuda_loop: per batch, one launch per example (a warp computes
 * r = x_i . theta - y_i with a shuffle reduction and adds r x_i to the
 * gradient, examples in order), then one launch for the update.
 * cuda_vec: per batch, two cuBLAS sgemv (r = X_s theta - y_s, then
 * theta -= lr/bs X_s^T r): m/b call pairs, so b = 1 is launch-bound. */
#include "minibatch.h"
#include "vb_cuda.cuh"

enum { M, D, B };
enum { T_X, T_Y, T_THETA0, T_THETA };

/* grad += (x . theta - y) x, in a one-warp block. */
static __global__ void sgd_example(const float *x, const float *theta, const float *y, int64_t d, float *grad) {
	float s = 0;
	for (int64_t k = threadIdx.x; k < d; k += 32)
		s += x[k] * theta[k];
	float r = vb_warp_sum(s) - y[0];
	for (int64_t k = threadIdx.x; k < d; k += 32)
		grad[k] += r * x[k];
}

/* theta -= step grad */
static __global__ void sgd_update(float *theta, const float *grad, int64_t d, float step) {
	int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (j < d) theta[j] -= step * grad[j];
}

VB_CUDA_VARIANT(linreg_sgd_epoch_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], b = c->dim[B];
	const float *X = (const float *)c->t[T_X], *y = (const float *)c->t[T_Y];
	float *theta = (float *)c->t[T_THETA];
	float *grad = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)d);
	VB_CUDA_CHECK(cudaMemcpyAsync(theta, c->t[T_THETA0], sizeof(float) * (size_t)d, cudaMemcpyDeviceToDevice));
	for (int64_t s = 0; s < m; s += b) { /* for each mini-batch */
		int64_t bs = m - s < b ? m - s : b;
		VB_CUDA_CHECK(cudaMemsetAsync(grad, 0, sizeof(float) * (size_t)d));
		for (int64_t i = s; i < s + bs; i++) { /* for each example in it */
			sgd_example<<<1, 32>>>(X + i * d, theta, y + i, d, grad);
			VB_LAUNCH_CHECK();
		}
		sgd_update<<<vb_blocks(d), VB_THREADS>>>(theta, grad, d, (float)LINREG_SGD_LR / (float)bs);
		VB_LAUNCH_CHECK();
	}
}

VB_CUBLAS_VARIANT(linreg_sgd_epoch_cuda_vec) {
	int64_t m = c->dim[M], d = c->dim[D], b = c->dim[B];
	const float *X = (const float *)c->t[T_X], *y = (const float *)c->t[T_Y];
	float *theta = (float *)c->t[T_THETA];
	float *r = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)(b < m ? b : m));
	VB_CUDA_CHECK(cudaMemcpyAsync(theta, c->t[T_THETA0], sizeof(float) * (size_t)d, cudaMemcpyDeviceToDevice));
	for (int64_t s = 0; s < m; s += b) {
		int64_t bs = m - s < b ? m - s : b;
		/* start from y_s and let the sgemv subtract it (beta = -1) */
		VB_CUDA_CHECK(cudaMemcpyAsync(r, y + s, sizeof(float) * (size_t)bs, cudaMemcpyDeviceToDevice));
		vb_gemv_rm(c, false, bs, d, 1.0f, X + s * d, d, theta, -1.0f, r);
		vb_gemv_rm(c, true, bs, d, -(float)LINREG_SGD_LR / (float)bs, X + s * d, d, r, 1.0f, theta);
	}
}

/* ---- one epoch of the MLP: mlp_train_step's GPU variants per batch ---- */

extern "C" void mlp_train_step_cuda_loop(const vb_call *c);
extern "C" void mlp_train_step_cuda_vec(const vb_call *c);

enum { E_M, E_D, E_H1, E_H2, E_K, E_B };

/* reference/mlp_epoch.c's each_batch on device pointers. */
static void mlp_epoch(const vb_call *c, void (*step)(const vb_call *)) {
	int64_t m = c->dim[E_M], d = c->dim[E_D], k = c->dim[E_K], b = c->dim[E_B];
	int64_t dim[VB_MAX_DIMS] = {0};
	for (int i = 0; i <= E_K; i++)
		dim[i] = c->dim[i];
	void *t[8];
	for (int i = 0; i < 8; i++)
		t[i] = c->t[i];
	const vb_call sub = {dim, t, c->ws};
	for (int64_t s = 0; s < m; s += b) {
		dim[E_M] = m - s < b ? m - s : b;
		t[0] = (float *)c->t[0] + s * d;
		t[1] = (float *)c->t[1] + s * k;
		vb_cuda_scratch_mark mark = vb_cuda_scratch_save(c);
		step(&sub);
		vb_cuda_scratch_release(c, mark);
	}
}

VB_CUDA_VARIANT(mlp_sgd_epoch_cuda_loop) { mlp_epoch(c, mlp_train_step_cuda_loop); }
VB_CUBLAS_VARIANT(mlp_sgd_epoch_cuda_vec) { mlp_epoch(c, mlp_train_step_cuda_vec); }
