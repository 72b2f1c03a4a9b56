/* Row-wise softmax on the GPU (reference/softmax.c has the math).
 *
 * One warp per row: lanes stride along the row, max and sum are warp
 * shuffle reductions, and each lane rescales the entries it wrote itself,
 * so no block synchronization is needed. cuda_vec launches a warp for every
 * row at once; cuda_loop launches one warp per row, a launch per example. */
#include "vb_cuda.cuh"

enum { M, N };

/* Rows [0, rows) of Z and A (n columns), a warp each. stable: subtract the
 * row max first; otherwise the seed's naive form (inf / inf = NaN past
 * Z = 88.7, as on the CPU). */
template <bool stable> static __global__ void softmax_rows(const float *Z, float *A, int64_t rows, int64_t n) {
	int64_t r = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows) return; /* whole warps: r is the same in all 32 lanes */
	const float *z = Z + r * n;
	float *a = A + r * n;
	float zmax = 0;
	if (stable) {
		zmax = z[0];
		for (int64_t k = lane; k < n; k += 32)
			zmax = fmaxf(zmax, z[k]);
		zmax = vb_warp_max(zmax);
	}
	float sum = 0;
	for (int64_t k = lane; k < n; k += 32) {
		float e = vb_expf(z[k] - zmax);
		a[k] = e;
		sum += e;
	}
	sum = vb_warp_sum(sum);
	for (int64_t k = lane; k < n; k += 32)
		a[k] = a[k] / sum;
}

/* dZ = A (dA - s), s = sum_k A_k dA_k per row; a warp per row. */
static __global__ void softmax_bwd_rows(const float *A, const float *dA, float *dZ, int64_t rows, int64_t n) {
	int64_t r = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows) return;
	const float *a = A + r * n, *da = dA + r * n;
	float *dz = dZ + r * n;
	float s = 0;
	for (int64_t k = lane; k < n; k += 32)
		s += a[k] * da[k];
	s = vb_warp_sum(s);
	for (int64_t k = lane; k < n; k += 32)
		dz[k] = a[k] * (da[k] - s);
}

template <bool stable> static void softmax_fwd_run(const vb_call *c, bool by_row) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = (const float *)c->t[0];
	float *A = (float *)c->t[1];
	if (!by_row) {
		softmax_rows<stable><<<vb_blocks(m * 32), VB_THREADS>>>(Z, A, m, n);
		VB_LAUNCH_CHECK();
		return;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		softmax_rows<stable><<<1, 32>>>(Z + i * n, A + i * n, 1, n);
		VB_LAUNCH_CHECK();
	}
}

static void softmax_bwd_run(const vb_call *c, bool by_row) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = (const float *)c->t[0], *dA = (const float *)c->t[1];
	float *dZ = (float *)c->t[2];
	if (!by_row) {
		softmax_bwd_rows<<<vb_blocks(m * 32), VB_THREADS>>>(A, dA, dZ, m, n);
		VB_LAUNCH_CHECK();
		return;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		softmax_bwd_rows<<<1, 32>>>(A + i * n, dA + i * n, dZ + i * n, 1, n);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(softmax_fwd_cuda_loop) { softmax_fwd_run<true>(c, true); }
VB_CUDA_VARIANT(softmax_fwd_cuda_vec) { softmax_fwd_run<true>(c, false); }
VB_CUDA_VARIANT(softmax_unstable_fwd_cuda_loop) { softmax_fwd_run<false>(c, true); }
VB_CUDA_VARIANT(softmax_unstable_fwd_cuda_vec) { softmax_fwd_run<false>(c, false); }
VB_CUDA_VARIANT(softmax_bwd_cuda_loop) { softmax_bwd_run(c, true); }
VB_CUDA_VARIANT(softmax_bwd_cuda_vec) { softmax_bwd_run(c, false); }
