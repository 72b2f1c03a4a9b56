/* Bias add and elementwise activations, vectorized: SIMD over the flat
 * m*n array (SLEEF's vector exp and tanh), chunks across OpenMP threads once
 * the array is large enough to pay for the fork-join. */
#include "activation.h"
#include "vmath.h"

enum { M, N };

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Streaming stores (vmath.h) for a pass over this many floats of inputs and outputs. */
static int streams(double floats) { return vf_streams(floats * sizeof(float)); }

VF_INLINE vf add(vf a, vf b) { return a + b; }
VF_INLINE vf relu(vf z) { return vf_max(z, vf_set1(0.0f)); }
VF_INLINE vf relu_grad(vf z, vf da) { return vf_where_pos(z, da); }
VF_INLINE vf sigmoid_grad(vf a, vf da) { return da * a * (vf_set1(1.0f) - a); }
VF_INLINE vf tanh_grad(vf a, vf da) { return da * (vf_set1(1.0f) - a * a); }

/* ---- bias add ---- */

/* Rows per OpenMP iteration: about VF_CHUNK floats, one fence per group
 * when the stores stream. */
static int64_t row_group(int64_t n) { return n >= VF_CHUNK ? 1 : VF_CHUNK / n; }

/* Every row of Z plus the bias row b: SIMD along the row. */
void bias_add_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], g = row_group(n);
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	int nt = streams(2.0 * m * n);
	VF_PAR_FOR(m * n >= VF_PAR_MIN, i0, 0, m, g, {
		for (int64_t i = i0; i < m && i < i0 + g; i++)
			vf_map2_nt(Y + i * n, Z + i * n, b, n, add, nt);
		if (nt) vf_fence();
	});
}

/* Every row j of Z (one unit over all examples) plus the scalar b[j]. */
void bias_add_cm_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N], g = row_group(m);
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	int nt = streams(2.0 * m * n);
	VF_PAR_FOR(m * n >= VF_PAR_MIN, j0, 0, n, g, {
		for (int64_t j = j0; j < n && j < j0 + g; j++) {
			const float *z = Z + j * m;
			float *y = Y + j * m;
			vf bj = vf_set1(b[j]);
			int64_t i = nt ? vf_head(y, m) : 0;
			if (i) vf_store_part(y, i, vf_load_part(z, i, 0.0f) + bj);
			for (; i + VF_LANES <= m; i += VF_LANES)
				vf_store_to(y + i, vf_load(z + i) + bj, nt);
			if (i < m) vf_store_part(y + i, m - i, vf_load_part(z + i, m - i, 0.0f) + bj);
		}
		if (nt) vf_fence();
	});
}

/* ---- activations: the flat m*n array in VF_CHUNK pieces across threads ---- */

void relu_fwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	int nt = streams(2.0 * n);
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK, {
		vf_map1_nt(A + i, Z + i, min64(VF_CHUNK, n - i), relu, nt);
		if (nt) vf_fence();
	});
}

void relu_bwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *X = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	int nt = streams(3.0 * n);
	VF_PAR_FOR(vf_par_worth(n, 3), i, 0, n, VF_CHUNK, {
		vf_map2_nt(dZ + i, X + i, dA + i, min64(VF_CHUNK, n - i), relu_grad, nt);
		if (nt) vf_fence();
	});
}

void sigmoid_fwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	int nt = streams(2.0 * n);
	VF_PAR_FOR(vf_par_worth(n, 5), i, 0, n, VF_CHUNK, {
		vf_map1_nt(A + i, Z + i, min64(VF_CHUNK, n - i), vf_sigmoid, nt);
		if (nt) vf_fence();
	});
}

void sigmoid_bwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *X = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	int nt = streams(3.0 * n);
	VF_PAR_FOR(vf_par_worth(n, 3), i, 0, n, VF_CHUNK, {
		vf_map2_nt(dZ + i, X + i, dA + i, min64(VF_CHUNK, n - i), sigmoid_grad, nt);
		if (nt) vf_fence();
	});
}

void tanh_fwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	int nt = streams(2.0 * n);
	VF_PAR_FOR(vf_par_worth(n, 26), i, 0, n, VF_CHUNK, {
		vf_map1_nt(A + i, Z + i, min64(VF_CHUNK, n - i), vf_tanh, nt);
		if (nt) vf_fence();
	});
}

void tanh_bwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *X = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	int nt = streams(3.0 * n);
	VF_PAR_FOR(vf_par_worth(n, 3), i, 0, n, VF_CHUNK, {
		vf_map2_nt(dZ + i, X + i, dA + i, min64(VF_CHUNK, n - i), tanh_grad, nt);
		if (nt) vf_fence();
	});
}
