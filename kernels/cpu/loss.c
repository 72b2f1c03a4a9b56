/* Losses and their gradients, vectorized: SIMD (SLEEF's vector exp and log)
 * with per-lane partial sums, OpenMP threads over rows or chunks once the
 * batch pays for the fork-join; the softmax cross-entropy gradient is one
 * fused pass per block of rows (exp, normalise, subtract the label, 1/m). */
#include <omp.h>

#include "loss.h"
#include "vmath.h"

enum { M, N };

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- mean squared error ---- */

VF_INLINE vf squared_diff(vf a, vf y) { return (a - y) * (a - y); }

/* Per example: SIMD partial sums, then the lanes added; the examples' costs
 * are summed one after another (threads' partial sums at the end), so
 * rounding errors pass through as few additions as in the loop form. */
void mse_loss_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float total = 0;
	VF_PAR_SUM(total, m * n >= VF_PAR_MIN, i, 0, m, 1,
	           { total += vf_sum_map2(A + i * n, Y + i * n, n, squared_diff, 0.0f); });
	((float *)c->t[2])[0] = total / (2.0f * (float)m);
}

void mse_grad_vec(const vb_call *c) {
	int64_t m = c->dim[M], mn = c->dim[M] * c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float *dA = c->t[2];
	vf inv_m = vf_set1(1.0f / (float)m);
	VF_PAR_FOR(mn >= VF_PAR_MIN, i0, 0, mn, VF_CHUNK, {
		int64_t end = min64(i0 + VF_CHUNK, mn), i = i0;
		for (; i + VF_LANES <= end; i += VF_LANES)
			vf_store(dA + i, (vf_load(A + i) - vf_load(Y + i)) * inv_m);
		if (i < end) {
			vf d = vf_load_part(A + i, end - i, 0.0f) - vf_load_part(Y + i, end - i, 0.0f);
			vf_store_part(dA + i, end - i, d * inv_m);
		}
	});
}

/* ---- softmax cross-entropy ---- */

/* Per block of rows: e = exp(Z - rowmax) into per-thread scratch (flat vector
 * exp, as in softmax_fwd_vec), lse_i = max_i + log(sum_j e_ij), then the sum
 * of Y_ij (lse_i - Z_ij). */
void softmax_xent_loss_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], br = vf_block_rows(n);
	const float *Z = c->t[0], *Y = c->t[1];
	int64_t per_thread = br * n;
	float *scratch = vb_scratch(c, sizeof(float) * (size_t)(per_thread * omp_get_max_threads()));
	float total = 0;
	VF_PAR_SUM(total, m * n >= VF_PAR_MIN, i, 0, m, br, {
		int64_t rows = m - i < br ? m - i : br;
		float *e = scratch + per_thread * omp_get_thread_num(), zmax[VF_BLOCK_ROWS];
		vf_rows_exp_stable(e, zmax, Z + i * n, rows, n);
		for (int64_t r = 0; r < rows; r++) {
			const float *z = Z + (i + r) * n, *y = Y + (i + r) * n;
			vf lse = vf_set1(zmax[r] + logf(vf_row_sum(e + r * n, n))), acc = vf_set1(0.0f);
			int64_t j = 0;
			for (; j + VF_LANES <= n; j += VF_LANES)
				acc += vf_load(y + j) * (lse - vf_load(z + j));
			if (j < n) acc += vf_load_part(y + j, n - j, 0.0f) * (lse - vf_load_part(z + j, n - j, 0.0f));
			total += vf_hsum(acc); /* example by example, as in mse_loss_vec */
		}
	});
	((float *)c->t[2])[0] = total / (float)m;
}

/* One fused pass per block of rows: e = exp(Z - rowmax) into dZ, then
 * dZ = (e / sum(e) - Y) / m. */
void softmax_xent_grad_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], br = vf_block_rows(n);
	const float *Z = c->t[0], *Y = c->t[1];
	float *dZ = c->t[2];
	vf inv_m = vf_set1(1.0f / (float)m);
	VF_PAR_FOR(m * n >= VF_PAR_MIN, i, 0, m, br, {
		int64_t rows = m - i < br ? m - i : br;
		float zmax[VF_BLOCK_ROWS];
		vf_rows_exp_stable(dZ + i * n, zmax, Z + i * n, rows, n);
		for (int64_t r = 0; r < rows; r++) {
			const float *y = Y + (i + r) * n;
			float *dz = dZ + (i + r) * n;
			vf inv_sum = vf_set1(1.0f / vf_row_sum(dz, n));
			int64_t j = 0;
			for (; j + VF_LANES <= n; j += VF_LANES)
				vf_store(dz + j, (vf_load(dz + j) * inv_sum - vf_load(y + j)) * inv_m);
			if (j < n) {
				vf e = vf_load_part(dz + j, n - j, 0.0f), label = vf_load_part(y + j, n - j, 0.0f);
				vf_store_part(dz + j, n - j, (e * inv_sum - label) * inv_m);
			}
		}
	});
}

/* ---- binary cross-entropy ---- */

VF_INLINE vf bce_term(vf a, vf y) {
	vf one = vf_set1(1.0f);
	return y * vf_log(a) + (one - y) * vf_log(one - a);
}

void bce_loss_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float total = 0;
	VF_PAR_SUM(total, m * n >= VF_PAR_MIN, i, 0, m, 1, {
		/* example by example, as in mse_loss_vec; 0.5 fills log's tail lanes */
		total += vf_sum_map2(A + i * n, Y + i * n, n, bce_term, 0.5f);
	});
	((float *)c->t[2])[0] = -total / (float)m;
}

void bce_grad_vec(const vb_call *c) {
	int64_t m = c->dim[M], mn = c->dim[M] * c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float *dA = c->t[2];
	vf one = vf_set1(1.0f), inv_m = vf_set1(1.0f / (float)m);
	VF_PAR_FOR(mn >= VF_PAR_MIN, i0, 0, mn, VF_CHUNK, {
		int64_t end = min64(i0 + VF_CHUNK, mn), i = i0;
		for (; i + VF_LANES <= end; i += VF_LANES) {
			vf a = vf_load(A + i);
			vf_store(dA + i, (a - vf_load(Y + i)) * inv_m / (a * (one - a)));
		}
		if (i < end) {
			vf a = vf_load_part(A + i, end - i, 0.5f);
			vf_store_part(dA + i, end - i,
			              (a - vf_load_part(Y + i, end - i, 0.5f)) * inv_m / (a * (one - a)));
		}
	});
}
