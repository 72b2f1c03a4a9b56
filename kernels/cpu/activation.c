/* Bias add and elementwise activations, vectorized: SIMD over the flat
 * m*n array (SLEEF's vector exp and tanh), chunks across OpenMP threads once
 * the array is large enough to pay for the fork-join. */
#include "activation.h"
#include "vmath.h"

enum { M, N };

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

VF_INLINE vf add(vf a, vf b) { return a + b; }
VF_INLINE vf relu(vf z) { return vf_max(z, vf_set1(0.0f)); }
VF_INLINE vf relu_grad(vf z, vf da) { return vf_where_pos(z, da); }
VF_INLINE vf sigmoid_grad(vf a, vf da) { return da * a * (vf_set1(1.0f) - a); }
VF_INLINE vf tanh_grad(vf a, vf da) { return da * (vf_set1(1.0f) - a * a); }

/* ---- bias add ---- */

/* Every row of Z plus the bias row b: SIMD along the row. */
void bias_add_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	VF_PAR_FOR(m * n >= VF_PAR_MIN, i, 0, m, 1, { vf_map2(Y + i * n, Z + i * n, b, n, add); });
}

/* Every row j of Z (one unit over all examples) plus the scalar b[j]. */
void bias_add_cm_vec(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	VF_PAR_FOR(m * n >= VF_PAR_MIN, j, 0, n, 1, {
		const float *z = Z + j * m;
		float *y = Y + j * m;
		vf bj = vf_set1(b[j]);
		int64_t i = 0;
		for (; i + VF_LANES <= m; i += VF_LANES)
			vf_store(y + i, vf_load(z + i) + bj);
		if (i < m) vf_store_part(y + i, m - i, vf_load_part(z + i, m - i, 0.0f) + bj);
	});
}

/* ---- activations: the flat m*n array in VF_CHUNK pieces across threads ---- */

void relu_fwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK, { vf_map1(A + i, Z + i, min64(VF_CHUNK, n - i), relu); });
}

void relu_bwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *X = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK,
	           { vf_map2(dZ + i, X + i, dA + i, min64(VF_CHUNK, n - i), relu_grad); });
}

void sigmoid_fwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK, { vf_map1(A + i, Z + i, min64(VF_CHUNK, n - i), vf_sigmoid); });
}

void sigmoid_bwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *X = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK,
	           { vf_map2(dZ + i, X + i, dA + i, min64(VF_CHUNK, n - i), sigmoid_grad); });
}

void tanh_fwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *Z = c->t[0];
	float *A = c->t[1];
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK, { vf_map1(A + i, Z + i, min64(VF_CHUNK, n - i), vf_tanh); });
}

void tanh_bwd_vec(const vb_call *c) {
	int64_t n = c->dim[M] * c->dim[N];
	const float *X = c->t[0], *dA = c->t[1];
	float *dZ = c->t[2];
	VF_PAR_FOR(n >= VF_PAR_MIN, i, 0, n, VF_CHUNK,
	           { vf_map2(dZ + i, X + i, dA + i, min64(VF_CHUNK, n - i), tanh_grad); });
}
