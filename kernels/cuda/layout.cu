/* layout_fwd on the GPU (reference/layout.c has the math): Z = X W^T + b with
 * W given as Wt (d x h). cuda_loop: a thread per output, reading its row of
 * W from Wt in place (stride h); cuda_vec: cuBLAS reading Wt through the
 * transpose flag, after b is broadcast into Z. */
#include "vb_cuda.cuh"

enum { M, D, H };

static __global__ void layout_loop_kernel(const float *X, const float *Wt, const float *b, float *Z, int64_t m,
                                          int64_t d, int64_t h) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t >= m * h) return;
	int64_t i = t / h, j = t % h;
	float z = b[j];
	for (int64_t k = 0; k < d; k++)
		z += X[i * d + k] * Wt[k * h + j];
	Z[t] = z;
}

VB_CUDA_VARIANT(layout_fwd_cuda_loop) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	layout_loop_kernel<<<vb_blocks(m * h), VB_THREADS>>>((const float *)c->t[0], (const float *)c->t[1],
	                                                     (const float *)c->t[2], (float *)c->t[3], m, d, h);
	VB_LAUNCH_CHECK();
}

VB_CUBLAS_VARIANT(layout_fwd_cuda_vec) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	float *Z = (float *)c->t[3];
	vb_broadcast_row(Z, (const float *)c->t[2], m, h);
	vb_gemm_rm(c, VB_GEMM_F32, false, false, m, h, d, 1.0f, c->t[0], d, c->t[1], h, 1.0f, Z, h);
}
