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
	int nt = vf_streams(3.0 * sizeof(float) * (double)mn);
	VF_PAR_FOR(vf_par_worth(mn, 3), i0, 0, mn, VF_CHUNK, {
		int64_t end = min64(i0 + VF_CHUNK, mn), i = i0, head = nt ? vf_head(dA + i0, end - i0) : 0;
		if (head)
			vf_store_part(dA + i, head,
			              (vf_load_part(A + i, head, 0.0f) - vf_load_part(Y + i, head, 0.0f)) * inv_m);
		for (i += head; i + VF_LANES <= end; i += VF_LANES)
			vf_store_to(dA + i, (vf_load(A + i) - vf_load(Y + i)) * inv_m, nt);
		if (i < end) {
			vf d = vf_load_part(A + i, end - i, 0.0f) - vf_load_part(Y + i, end - i, 0.0f);
			vf_store_part(dA + i, end - i, d * inv_m);
		}
		if (nt) vf_fence();
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
	VF_PAR_SUM(total, vf_par_worth(m * n, 9), i, 0, m, br, {
		int64_t rows = m - i < br ? m - i : br;
		float *e = scratch + per_thread * omp_get_thread_num(), zmax[VF_BLOCK_ROWS], esum[VF_BLOCK_ROWS];
		vf_rows_exp_stable_ahead(e, zmax, esum, Z + i * n, rows, n, Z + (i + br) * n, Y + i * n,
		                         vf_next_block(i, br, m, n));
		for (int64_t r = 0; r < rows; r++) {
			const float *z = Z + (i + r) * n, *y = Y + (i + r) * n;
			vf lse = vf_set1(zmax[r] + logf(esum[r])), acc = vf_set1(0.0f);
			int64_t j = 0;
			for (; j + VF_LANES <= n; j += VF_LANES)
				acc += vf_load(y + j) * (lse - vf_load(z + j));
			if (j < n) acc += vf_load_part(y + j, n - j, 0.0f) * (lse - vf_load_part(z + j, n - j, 0.0f));
			total += vf_hsum(acc); /* example by example, as in mse_loss_vec */
		}
	});
	((float *)c->t[2])[0] = total / (float)m;
}

/* One fused pass per block of rows: e = exp(Z - rowmax), then
 * dZ = (e / sum(e) - Y) / m. e goes to dZ itself, or, once Z, Y and dZ
 * outgrow the last-level cache, to a per-thread block in L1 so that dZ is
 * written once, with streaming stores (vmath.h). */
void softmax_xent_grad_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], br = vf_block_rows(n);
	const float *Z = c->t[0], *Y = c->t[1];
	float *dZ = c->t[2];
	vf inv_m = vf_set1(1.0f / (float)m);
	int nt = vf_streams(3.0 * sizeof(float) * (double)(m * n));
	float *scratch = nt ? vb_scratch(c, sizeof(float) * (size_t)(br * n * omp_get_max_threads())) : NULL;
	enum { SUPER = 16 }; /* blocks per fence */
	VF_PAR_FOR(vf_par_worth(m * n, 12), i0, 0, m, br * SUPER, {
		for (int64_t i = i0; i < m && i < i0 + br * SUPER; i += br) {
			int64_t rows = m - i < br ? m - i : br;
			float zmax[VF_BLOCK_ROWS], esum[VF_BLOCK_ROWS];
			float *eb = nt ? scratch + br * n * omp_get_thread_num() : dZ + i * n;
			/* the next rows of Z, and this block's labels, fetched during the exponentials */
			vf_rows_exp_stable_ahead(eb, zmax, esum, Z + i * n, rows, n, Z + (i + br) * n, Y + i * n,
			                         vf_next_block(i, br, m, n));
			for (int64_t r = 0; r < rows; r++) {
				const float *y = Y + (i + r) * n, *e = eb + r * n;
				float *dz = dZ + (i + r) * n;
				vf inv_sum = vf_set1(1.0f / esum[r]);
				int64_t j = nt ? vf_head(dz, n) : 0;
				if (j)
					vf_store_part(dz, j,
					              (vf_load_part(e, j, 0.0f) * inv_sum - vf_load_part(y, j, 0.0f)) *
					                  inv_m);
				for (; j + VF_LANES <= n; j += VF_LANES)
					vf_store_to(dz + j, (vf_load(e + j) * inv_sum - vf_load(y + j)) * inv_m, nt);
				if (j < n) {
					vf ej = vf_load_part(e + j, n - j, 0.0f),
					   label = vf_load_part(y + j, n - j, 0.0f);
					vf_store_part(dz + j, n - j, (ej * inv_sum - label) * inv_m);
				}
			}
		}
		if (nt) vf_fence();
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
	VF_PAR_SUM(total, vf_par_worth(m * n, 18), i, 0, m, 1, {
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
	int nt = vf_streams(3.0 * sizeof(float) * (double)mn);
	VF_PAR_FOR(vf_par_worth(mn, 3), i0, 0, mn, VF_CHUNK, {
		int64_t end = min64(i0 + VF_CHUNK, mn), i = i0, head = nt ? vf_head(dA + i0, end - i0) : 0;
		if (head) {
			vf a = vf_load_part(A + i, head, 0.5f);
			vf_store_part(dA + i, head, (a - vf_load_part(Y + i, head, 0.5f)) * inv_m / (a * (one - a)));
		}
		for (i += head; i + VF_LANES <= end; i += VF_LANES) {
			vf a = vf_load(A + i);
			vf_store_to(dA + i, (a - vf_load(Y + i)) * inv_m / (a * (one - a)), nt);
		}
		if (i < end) {
			vf a = vf_load_part(A + i, end - i, 0.5f);
			vf_store_part(dA + i, end - i,
			              (a - vf_load_part(Y + i, end - i, 0.5f)) * inv_m / (a * (one - a)));
		}
		if (nt) vf_fence();
	});
}
