/* Seed 002's two-layer sigmoid network, vectorized over the whole batch:
 * each layer is one sgemm, the sigmoids are SIMD passes (vmath.h), and
 * the course's per-example accumulation Delta += delta a^T becomes one
 * sgemm Delta = delta^T A over the batch. */
#include <math.h>

#include "gemm.h"
#include "nn2.h"
#include "vmath.h"

enum { M, N, H, K };
enum { T_X, T_Y, T_THETA1, T_THETA2, T_OUT };

/* C (m*n) = alpha A B^T, A m*k, B n*k */
static void sgemm_nt(int64_t m, int64_t n, int64_t k, float alpha, const float *A, const float *B, float *C) {
	vb_sgemm(vb_gemm_for_vec(), 0, 1, m, n, k, alpha, A, k, B, k, 0.0f, C, n);
}

/* A2 = sigma(X Theta1^T) (m*h), Z3 = A2 Theta2^T (m*k). */
static void forward(const vb_call *c, float *A2, float *Z3) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	sgemm_nt(m, h, n, 1.0f, c->t[T_X], c->t[T_THETA1], A2);
	vf_map1(A2, A2, m * h, vf_sigmoid);
	sgemm_nt(m, k, h, 1.0f, A2, c->t[T_THETA2], Z3);
}

void nn2_fwd_vec(const vb_call *c) {
	int64_t m = c->dim[M], h = c->dim[H], k = c->dim[K];
	const float *Y = c->t[T_Y];
	float *A2 = vb_scratch(c, sizeof(float) * (size_t)(m * h)),
	      *Z3 = vb_scratch(c, sizeof(float) * (size_t)(m * k));
	forward(c, A2, Z3);
	/* the logistic loss in SIMD (SLEEF's exp and log1p; a scalar log1pf
	 * loop took 1.6 of 9 ms at m=16384), per-lane partial sums per chunk */
	int64_t mk = m * k;
	float J = 0;
	VF_PAR_SUM(J, mk >= VF_PAR_MIN / 16, i, 0, mk, VF_CHUNK,
	           { J += vf_sum_map2(Z3 + i, Y + i, mk - i < VF_CHUNK ? mk - i : VF_CHUNK, vf_logistic_loss, 0.0f); });
	((float *)c->t[T_OUT])[0] = J / (float)m;
}

void nn2_grad_vec(const vb_call *c, float inv_m, float *D1, float *D2, void (*d2_ready)(void)) {
	int64_t m = c->dim[M], n = c->dim[N], h = c->dim[H], k = c->dim[K];
	const float *Y = c->t[T_Y];
	float *A2 = vb_scratch(c, sizeof(float) * (size_t)(m * h)),
	      *d3 = vb_scratch(c, sizeof(float) * (size_t)(m * k));
	float *d2 = vb_scratch(c, sizeof(float) * (size_t)(m * h));
	forward(c, A2, d3);
	vf_map2(d3, d3, Y, m * k, vf_sigmoid_minus);
	/* delta2 = (delta3 Theta2) (.) a2 (1 - a2) */
	vb_gemm_backend be = vb_gemm_for_vec();
	vb_sgemm(be, 0, 0, m, h, k, 1.0f, d3, k, c->t[T_THETA2], h, 0.0f, d2, h);
#pragma omp simd
	for (int64_t i = 0; i < m * h; i++)
		d2[i] *= A2[i] * (1 - A2[i]);
	/* dTheta = Delta / m, Delta = delta^T A over the whole batch */
	vb_sgemm(be, 1, 0, k, h, m, inv_m, d3, k, A2, h, 0.0f, D2, h);
	if (d2_ready) d2_ready();
	vb_sgemm(be, 1, 0, h, n, m, inv_m, d2, h, c->t[T_X], n, 0.0f, D1, n);
}

void nn2_bwd_vec(const vb_call *c) { nn2_grad_vec(c, 1.0f / (float)c->dim[M], c->t[T_OUT], c->t[T_OUT + 1], NULL); }
