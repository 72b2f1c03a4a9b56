/* Seed 002's regression ops, vectorized: the residual r = X theta - y is one
 * sgemv over the whole batch, the gradient 1/m X^T r another; the cost and
 * the sigmoid are SIMD passes over the m residuals (vmath.h). */
#include <cblas.h>
#include <math.h>
#include <omp.h>

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

/* z = X theta (one sgemv), then the loss of every example in SIMD (SLEEF's
 * exp and log1p), per-lane partial sums over blocks of examples, threads
 * over the blocks once m pays for the fork-join. */
void logreg_cost_vec(const vb_call *c) {
	int64_t m = c->dim[M];
	const float *y = c->t[T_Y];
	float *z = vb_scratch(c, sizeof(float) * (size_t)m);
	xtheta(c, z, 0.0f);
	float s = 0;
	VF_PAR_SUM(s, m >= VF_PAR_MIN / 16, i, 0, m, VF_CHUNK,
	           { s += vf_sum_map2(z + i, y + i, m - i < VF_CHUNK ? m - i : VF_CHUNK, vf_logistic_loss, 0.0f); });
	((float *)c->t[T_OUT])[0] = s / (float)m;
}

VF_INLINE vf minus(vf z, vf y) { return z - y; }

/* r = f(X theta, y), dtheta = 1/m X^T r: two sgemvs over X (the seeds'
 * form) while X fits in half the last-level cache. Beyond it they would read
 * X from memory twice, so one pass instead: per block of rows (about 256 KiB,
 * in L2), z = X_b theta, r = f(z, y), then g += X_b^T r while X_b is still
 * in cache (two sgemvs, single-threaded inside the parallel loop); the
 * threads' partial gradients are added at the end. logreg_grad, m = 262144,
 * n = 64, one thread: 4.0 ms instead of 6.3 (CPU time). */
static void grad_vec(const vb_call *c, vf (*f)(vf, vf)) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta = c->t[T_THETA];
	float *out = c->t[T_OUT];
	if (!vf_streams(sizeof(float) * (double)(m * n))) {
		float *r = vb_scratch(c, sizeof(float) * (size_t)m);
		xtheta(c, r, 0.0f);
		vf_map2(r, r, y, m, f);
		grad_from_residual(c, r);
		return;
	}
	int64_t rows = ((int64_t)1 << 16) / n;
	rows = rows < 16 ? 16 : rows;
	int threads = m * n >= VF_PAR_MIN && m >= 2 * rows ? omp_get_max_threads() : 1;
	float *r = vb_scratch(c, sizeof(float) * (size_t)m),
	      *part = vb_scratch(c, sizeof(float) * (size_t)(n * threads));
	for (int64_t k = 0; k < n * threads; k++)
		part[k] = 0;
	VF_PAR_FOR(threads > 1, i, 0, m, rows, {
		int64_t nb = m - i < rows ? m - i : rows;
		float *g = part + n * omp_get_thread_num();
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)n, 1.0f, X + i * n, (int)n, theta, 1, 0.0f,
		            r + i, 1);
		vf_map2(r + i, r + i, y + i, nb, f);
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)nb, (int)n, 1.0f, X + i * n, (int)n, r + i, 1, 1.0f, g, 1);
	});
	float inv_m = 1.0f / (float)m;
	for (int64_t k = 0; k < n; k++) {
		float t = 0;
		for (int p = 0; p < threads; p++)
			t += part[p * n + k];
		out[k] = t * inv_m;
	}
}

void linreg_grad_vec(const vb_call *c) { grad_vec(c, minus); }
void logreg_grad_vec(const vb_call *c) { grad_vec(c, vf_sigmoid_minus); }
