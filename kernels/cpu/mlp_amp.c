/* The MLP's float16 training step with dynamic loss scaling, vectorized
 * (reference/mlp.c describes the op and its oracle): float32 master weights,
 * float16 copies of the weights, X, the activations and the gradients
 * (kernels/cpu/fp16.h, F16C), float32 arithmetic. This CPU has no float16
 * GEMM, so each GEMM runs in sgemm on a block of AMP_BLOCK examples widened
 * from float16: the whole batch's activations are held in float16 (half of
 * vec's), the float32 working set is one block's. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fp16.h"
#include "gemm.h"
#include "mlp.h"

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, T_SCALE, T_GOOD };
enum { AMP_BLOCK = 256 }; /* examples per float32 block */

/* Z (b*out) = A W^T + bias, then ReLU when relu; the ReLU keeps a NaN, so an
 * overflow in the forward pass reaches the gradients. */
static void amp_layer(vb_gemm_backend be, int64_t b, int64_t in, int64_t out, const float *A, const float *W,
                      const float *bias, float *Z, int relu) {
	for (int64_t i = 0; i < b; i++)
		memcpy(Z + i * out, bias, sizeof(float) * (size_t)out);
	vb_sgemm(be, 0, 1, b, out, in, 1, A, in, W, in, 1, Z, out);
	if (relu)
		for (int64_t i = 0; i < b * out; i++)
			Z[i] = Z[i] < 0 ? 0 : Z[i];
}

/* dZ = dA (.) [A > 0], stored to float16 (kept widened). */
static void amp_relu_back(float *dA, const float *A, int64_t n) {
	for (int64_t i = 0; i < n; i++)
		dA[i] = A[i] > 0 ? dA[i] : 0;
	f16_round(dA, dA, n);
}

/* db += the column sums of G (b*n). */
static void amp_colsum_add(const float *G, int64_t b, int64_t n, float *db) {
	for (int64_t i = 0; i < b; i++)
		for (int64_t j = 0; j < n; j++)
			db[j] += G[i * n + j];
}

/* dZ3 = (softmax(z) - y) S/m per row, in place, stored to float16. */
static void amp_softmax_grad(float *z, const float *Y, int64_t b, int64_t k, float scale_m) {
	for (int64_t i = 0; i < b; i++) {
		float *r = z + i * k, zmax = r[0], sum = 0;
		const float *y = Y + i * k;
		for (int64_t o = 1; o < k; o++)
			zmax = r[o] > zmax ? r[o] : zmax;
		for (int64_t o = 0; o < k; o++) {
			r[o] = expf(r[o] - zmax);
			sum += r[o];
		}
		for (int64_t o = 0; o < k; o++)
			r[o] = (r[o] / sum - y[o]) * scale_m;
	}
	f16_round(z, z, b * k);
}

void mlp_amp_scaled_gradients(const vb_call *c, float *G[6]) {
	const vb_gemm_backend be = vb_gemm_for_vec();
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	int64_t n[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	const float *X = c->t[T_X], *Y = c->t[T_Y];
	float S = ((const float *)c->t[T_SCALE])[0], scale_m = S / (float)m;
	/* the float16 copies of the master weights (widened for sgemm) and the
	 * scaled gradients' float32 sums */
	float *w[6];
	for (int l = 0; l < 6; l++) {
		w[l] = vb_scratch(c, sizeof(float) * (size_t)n[l]);
		G[l] = vb_scratch(c, sizeof(float) * (size_t)n[l]);
		f16_round(w[l], c->t[T_W1 + l], n[l]);
		memset(G[l], 0, sizeof(float) * (size_t)n[l]);
	}
	uint16_t *A1 = vb_scratch(c, sizeof(uint16_t) * (size_t)(m * h1)),
	         *A2 = vb_scratch(c, sizeof(uint16_t) * (size_t)(m * h2)),
	         *Z3 = vb_scratch(c, sizeof(uint16_t) * (size_t)(m * k));
	int64_t B = m < AMP_BLOCK ? m : AMP_BLOCK;
	float *xb = vb_scratch(c, sizeof(float) * (size_t)(B * d)),
	      *a1 = vb_scratch(c, sizeof(float) * (size_t)(B * h1)),
	      *a2 = vb_scratch(c, sizeof(float) * (size_t)(B * h2)),
	      *z3 = vb_scratch(c, sizeof(float) * (size_t)(B * k)),
	      *d2 = vb_scratch(c, sizeof(float) * (size_t)(B * h2)),
	      *d1 = vb_scratch(c, sizeof(float) * (size_t)(B * h1));
	for (int64_t i0 = 0; i0 < m; i0 += B) { /* forward: float16 activations of the whole batch */
		int64_t b = m - i0 < B ? m - i0 : B;
		f16_round(xb, X + i0 * d, b * d);
		amp_layer(be, b, d, h1, xb, w[0], w[1], a1, 1);
		f16_narrow(A1 + i0 * h1, a1, b * h1);
		f16_widen(a1, A1 + i0 * h1, b * h1);
		amp_layer(be, b, h1, h2, a1, w[2], w[3], a2, 1);
		f16_narrow(A2 + i0 * h2, a2, b * h2);
		f16_widen(a2, A2 + i0 * h2, b * h2);
		amp_layer(be, b, h2, k, a2, w[4], w[5], z3, 0);
		f16_narrow(Z3 + i0 * k, z3, b * k);
	}
	for (int64_t i0 = 0; i0 < m; i0 += B) { /* backward of the scaled loss, block by block */
		int64_t b = m - i0 < B ? m - i0 : B;
		f16_widen(z3, Z3 + i0 * k, b * k);
		amp_softmax_grad(z3, Y + i0 * k, b, k, scale_m);
		amp_colsum_add(z3, b, k, G[5]);
		f16_widen(a2, A2 + i0 * h2, b * h2);
		vb_sgemm(be, 1, 0, k, h2, b, 1, z3, k, a2, h2, 1, G[4], h2); /* dW3 += dZ3^T A2 */
		vb_sgemm(be, 0, 0, b, h2, k, 1, z3, k, w[4], h2, 0, d2, h2); /* dA2 = dZ3 W3 */
		amp_relu_back(d2, a2, b * h2);
		amp_colsum_add(d2, b, h2, G[3]);
		f16_widen(a1, A1 + i0 * h1, b * h1);
		vb_sgemm(be, 1, 0, h2, h1, b, 1, d2, h2, a1, h1, 1, G[2], h1); /* dW2 += dZ2^T A1 */
		vb_sgemm(be, 0, 0, b, h1, h2, 1, d2, h2, w[2], h1, 0, d1, h1); /* dA1 = dZ2 W2 */
		amp_relu_back(d1, a1, b * h1);
		amp_colsum_add(d1, b, h1, G[1]);
		f16_round(xb, X + i0 * d, b * d);
		vb_sgemm(be, 1, 0, h1, d, b, 1, d1, h1, xb, d, 1, G[0], d); /* dW1 += dZ1^T X */
	}
	for (int l = 0; l < 6; l++) /* stored in float16 */
		f16_round(G[l], G[l], n[l]);
}

void mlp_train_step_amp_vec(const vb_call *c) {
	int64_t d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	int64_t n[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	float *scale = c->t[T_SCALE], *good = c->t[T_GOOD], S = scale[0], *G[6];
	mlp_amp_scaled_gradients(c, G);
	/* unscaled in float32, all checked before any weight moves */
	int finite = 1;
	for (int l = 0; l < 6; l++) {
		float *g = G[l];
		for (int64_t j = 0; j < n[l]; j++) {
			g[j] /= S;
			finite &= isfinite(g[j]) != 0;
		}
	}
	if (!finite) { /* overflow: skip the update, halve the scale */
		scale[0] = S / 2;
		good[0] = 0;
		return;
	}
	for (int l = 0; l < 6; l++) {
		float *master = c->t[T_W1 + l];
		const float *g = G[l];
		for (int64_t j = 0; j < n[l]; j++)
			master[j] -= (float)MLP_LR * g[j];
	}
	if (++good[0] >= VB_LOSS_SCALE_GROWTH) {
		scale[0] = 2 * S;
		good[0] = 0;
	}
}
