/* Seed 002's regression ops, vectorized: the residual r = X theta - y is one
 * sgemv over the whole batch, the gradient 1/m X^T r another; the cost and
 * the sigmoid are SIMD passes over the m residuals (vmath.h). */
#include <cblas.h>
#include <math.h>

#include "regression.h"
#include "vmath.h"

enum { M, N };
enum { T_X, T_Y, T_THETA, T_OUT };

/* out = X theta (+ beta * out on entry). */
static void xtheta(const vb_call *c, float *out, float beta) {
	int m = (int)c->dim[M], n = (int)c->dim[N];
	cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0f, c->t[T_X], n, c->t[T_THETA], 1, beta, out, 1);
}

/* r = X theta - y: start from y and let the sgemv subtract it. */
static float *residual(const vb_call *c) {
	int64_t m = c->dim[M];
	const float *y = c->t[T_Y];
	float *r = vb_scratch(c, sizeof(float) * (size_t)m);
#pragma omp simd
	for (int64_t i = 0; i < m; i++)
		r[i] = y[i];
	xtheta(c, r, -1.0f);
	return r;
}

void linreg_cost_vec(const vb_call *c) {
	int64_t m = c->dim[M];
	const float *r = residual(c);
	float s = 0;
#pragma omp simd reduction(+ : s)
	for (int64_t i = 0; i < m; i++)
		s += r[i] * r[i];
	((float *)c->t[T_OUT])[0] = s / (2.0f * (float)m);
}

/* dtheta = 1/m X^T r */
static void grad_from_residual(const vb_call *c, const float *r) {
	int m = (int)c->dim[M], n = (int)c->dim[N];
	cblas_sgemv(CblasRowMajor, CblasTrans, m, n, 1.0f / (float)m, c->t[T_X], n, r, 1, 0.0f, c->t[T_OUT], 1);
}

void linreg_grad_vec(const vb_call *c) { grad_from_residual(c, residual(c)); }

void logreg_cost_vec(const vb_call *c) {
	int64_t m = c->dim[M];
	const float *y = c->t[T_Y];
	float *z = vb_scratch(c, sizeof(float) * (size_t)m), *e = vb_scratch(c, sizeof(float) * (size_t)m);
	xtheta(c, z, 0.0f);
	vf_map1(e, z, m, vf_exp_neg_abs);
	/* softplus(z) - y z = max(z, 0) + log1p(e^-|z|) - y z; log1pf stays scalar (glibc) */
	float s = 0;
	for (int64_t i = 0; i < m; i++)
		s += fmaxf(z[i], 0) - y[i] * z[i] + log1pf(e[i]);
	((float *)c->t[T_OUT])[0] = s / (float)m;
}

void logreg_grad_vec(const vb_call *c) {
	int64_t m = c->dim[M];
	const float *y = c->t[T_Y];
	float *r = vb_scratch(c, sizeof(float) * (size_t)m);
	xtheta(c, r, 0.0f);
	vf_map2(r, r, y, m, vf_sigmoid_minus);
	grad_from_residual(c, r);
}
