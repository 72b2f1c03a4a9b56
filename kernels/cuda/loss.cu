/* Losses and their gradients on the GPU (reference/loss.c has the math).
 *
 * Losses are sums over the batch: cuda_vec sums in block partials and one
 * more block (vb_sum); cuda_loop launches one warp per example for its row
 * sum, then one block adds the m row sums. Gradients are elementwise
 * (vb_map2: a launch per row, or one), except softmax_xent_grad, which fuses
 * the softmax and the label subtraction in one pass over each row. */
#include "vb_cuda.cuh"

enum { M, N };

namespace {
struct mse_term {
	const float *A, *Y;
	__device__ float operator()(int64_t k) const {
		float d = A[k] - Y[k];
		return d * d;
	}
};
struct bce_term {
	const float *A, *Y;
	__device__ float operator()(int64_t k) const {
		return Y[k] * vb_logf(A[k]) + (1.0f - Y[k]) * vb_logf(1.0f - A[k]);
	}
};
struct mse_grad_f { /* (A, Y) */
	float m;
	__device__ float operator()(float a, float y) const { return (a - y) / m; }
};
struct bce_grad_f { /* (A, Y) */
	float m;
	__device__ float operator()(float a, float y) const { return (a - y) / (a * (1.0f - a) * m); }
};
} // namespace

/* L = sign * sum_k term(k) / div over the m x n batch. */
template <class Term> static void loss_sum(const vb_call *c, bool by_row, Term term, float sign, float div) {
	int64_t m = c->dim[M], n = c->dim[N];
	float *L = (float *)c->t[2];
	if (by_row)
		vb_sum_by_row(c, m, n, term, sign, div, L);
	else
		vb_sum(c, m * n, term, sign, div, L);
}

template <class F> static void grad_map(const vb_call *c, bool by_row, F f) {
	vb_map2(by_row, c->dim[M], c->dim[N], (const float *)c->t[0], (const float *)c->t[1], (float *)c->t[2], f);
}

static void mse_loss_run(const vb_call *c, bool by_row) {
	mse_term t = {(const float *)c->t[0], (const float *)c->t[1]};
	loss_sum(c, by_row, t, 1.0f, 2.0f * (float)c->dim[M]);
}

static void bce_loss_run(const vb_call *c, bool by_row) {
	bce_term t = {(const float *)c->t[0], (const float *)c->t[1]};
	loss_sum(c, by_row, t, -1.0f, (float)c->dim[M]);
}

VB_CUDA_VARIANT(mse_loss_cuda_loop) { mse_loss_run(c, true); }
VB_CUDA_VARIANT(mse_loss_cuda_vec) { mse_loss_run(c, false); }
VB_CUDA_VARIANT(mse_grad_cuda_loop) { grad_map(c, true, mse_grad_f{(float)c->dim[M]}); }
VB_CUDA_VARIANT(mse_grad_cuda_vec) { grad_map(c, false, mse_grad_f{(float)c->dim[M]}); }
VB_CUDA_VARIANT(bce_loss_cuda_loop) { bce_loss_run(c, true); }
VB_CUDA_VARIANT(bce_loss_cuda_vec) { bce_loss_run(c, false); }
VB_CUDA_VARIANT(bce_grad_cuda_loop) { grad_map(c, true, bce_grad_f{(float)c->dim[M]}); }
VB_CUDA_VARIANT(bce_grad_cuda_vec) { grad_map(c, false, bce_grad_f{(float)c->dim[M]}); }

/* ---- softmax cross-entropy: a warp per row ---- */

/* Row max and sum_k e^(z_k - max), in every lane; e^(z_k - max) is written
 * to e[k] when e is not NULL. */
static __device__ void xent_row(const float *z, int64_t n, int lane, float *e, float *zmax, float *sum) {
	float mx = z[0];
	for (int64_t k = lane; k < n; k += 32)
		mx = fmaxf(mx, z[k]);
	mx = vb_warp_max(mx);
	float s = 0;
	for (int64_t k = lane; k < n; k += 32) {
		float x = vb_expf(z[k] - mx);
		if (e) e[k] = x;
		s += x;
	}
	*zmax = mx;
	*sum = vb_warp_sum(s);
}

/* row_total[r] = sum_j Y_rj (lse_r - Z_rj). */
static __global__ void xent_loss_rows(const float *Z, const float *Y, int64_t rows, int64_t n, float *row_total) {
	int64_t r = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows) return; /* whole warps */
	const float *z = Z + r * n, *y = Y + r * n;
	float zmax, sum;
	xent_row(z, n, lane, nullptr, &zmax, &sum);
	float lse = zmax + vb_logf(sum), t = 0;
	for (int64_t k = lane; k < n; k += 32)
		t += y[k] * (lse - z[k]);
	t = vb_warp_sum(t);
	if (lane == 0) row_total[r] = t;
}

/* dZ = (softmax(Z) - Y) / m in one pass over each row (fused). */
static __global__ void xent_grad_rows(const float *Z, const float *Y, float *dZ, int64_t rows, int64_t n, float m) {
	int64_t r = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows) return;
	const float *z = Z + r * n, *y = Y + r * n;
	float *dz = dZ + r * n;
	float zmax, sum;
	xent_row(z, n, lane, dz, &zmax, &sum);
	for (int64_t k = lane; k < n; k += 32) /* each lane rescales what it wrote */
		dz[k] = (dz[k] / sum - y[k]) / m;
}

static void xent_loss_run(const vb_call *c, bool by_row) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = (const float *)c->t[0], *Y = (const float *)c->t[1];
	float *L = (float *)c->t[2];
	float *row_total = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	if (by_row) {
		for (int64_t i = 0; i < m; i++) { /* for each example */
			xent_loss_rows<<<1, 32>>>(Z + i * n, Y + i * n, 1, n, row_total + i);
			VB_LAUNCH_CHECK();
		}
	} else {
		xent_loss_rows<<<vb_blocks(m * 32), VB_THREADS>>>(Z, Y, m, n, row_total);
		VB_LAUNCH_CHECK();
	}
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(row_total, m, 1.0f, (float)m, L);
	VB_LAUNCH_CHECK();
}

static void xent_grad_run(const vb_call *c, bool by_row) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = (const float *)c->t[0], *Y = (const float *)c->t[1];
	float *dZ = (float *)c->t[2];
	if (!by_row) {
		xent_grad_rows<<<vb_blocks(m * 32), VB_THREADS>>>(Z, Y, dZ, m, n, (float)m);
		VB_LAUNCH_CHECK();
		return;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		xent_grad_rows<<<1, 32>>>(Z + i * n, Y + i * n, dZ + i * n, 1, n, (float)m);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(softmax_xent_loss_cuda_loop) { xent_loss_run(c, true); }
VB_CUDA_VARIANT(softmax_xent_loss_cuda_vec) { xent_loss_run(c, false); }
VB_CUDA_VARIANT(softmax_xent_grad_cuda_loop) { xent_grad_run(c, true); }
VB_CUDA_VARIANT(softmax_xent_grad_cuda_vec) { xent_grad_run(c, false); }
