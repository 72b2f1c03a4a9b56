/* Dense + ReLU, vectorized. Forward: gemm.c's vb_dense_layer, the bias and
 * the ReLU fused into one pass after the GEMM (or, on OpenBLAS, the bias
 * broadcast in place of its own zeroing pass). Backward: one pass builds
 * Delta = dA (.) [A > 0] and its column sums (db), then two sgemms. */
#include "dense_act.h"
#include "dense.h"
#include "gemm.h"

enum { M, D, H };

static void dense_act_fwd_on(const vb_call *c, vb_gemm_backend be) {
	vb_dense_layer(be, c->dim[M], c->dim[D], c->dim[H], c->t[0], c->t[1], c->t[2], c->t[3], 1);
}

void dense_act_fwd_vec(const vb_call *c) { dense_act_fwd_on(c, vb_gemm_for_vec()); }
void dense_act_fwd_vec_openblas(const vb_call *c) { dense_act_fwd_on(c, VB_GEMM_OPENBLAS); }
#ifdef VB_HAVE_BLIS
void dense_act_fwd_vec_blis(const vb_call *c) { dense_act_fwd_on(c, VB_GEMM_BLIS); }
#endif
#ifdef VB_HAVE_DNNL
void dense_act_fwd_vec_dnnl(const vb_call *c) { dense_act_fwd_on(c, VB_GEMM_DNNL); }
#endif

void dense_act_bwd_vec(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *A = c->t[2], *dA = c->t[3];
	float *dW = c->t[4], *db = c->t[5], *dX = c->t[6];
	float *Delta = vb_scratch(c, sizeof(float) * (size_t)(m * h));
	for (int64_t j = 0; j < h; j++)
		db[j] = 0;
	for (int64_t i = 0; i < m; i++) {
		const float *a = A + i * h, *da = dA + i * h;
		float *dl = Delta + i * h;
#pragma omp simd
		for (int64_t j = 0; j < h; j++) {
			dl[j] = a[j] > 0 ? da[j] : 0;
			db[j] += dl[j];
		}
	}
	vb_gemm_backend be = vb_gemm_for_vec();
	vb_sgemm(be, 1, 0, h, d, m, 1.0f, Delta, h, X, d, 0.0f, dW, d);
	vb_sgemm(be, 0, 0, m, d, h, 1.0f, Delta, h, W, d, 0.0f, dX, d);
}

/* bfloat16 storage, float32 arithmetic: dense_fwd_vec_bf16 with the ReLU on
 * each float32 block before it is rounded. */
void dense_act_fwd_vec_bf16(const vb_call *c) { dense_fwd_bf16_blocks(c, 1); }
