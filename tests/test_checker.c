/* The checker on its own: deliberately wrong dense kernels must each be
 * caught, and the right ones must pass, at odd sizes and several seeds. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "advanced.h"
#include "check_variant.h"
#include "dense.h"
#include "expect.h"
#include "harness.h"

extern const vb_op dense_fwd, dense_bwd, dense_fwd_cm, sparse_dense_fwd;

enum { M, D, H };

/* Z = X W + b, reading W as if it were d x h. */
static void fwd_transposed_w(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			float z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[(k * h + j) % (h * d)];
			Z[i * h + j] = z;
		}
}

static void fwd_no_bias(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1];
	float *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			float z = 0;
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[j * d + k];
			Z[i * h + j] = z;
		}
}

static void fwd_off_by_one(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			float z = b[j];
			for (int64_t k = 0; k < d - 1; k++)
				z += X[i * d + k] * W[j * d + k];
			Z[i * h + j] = z;
		}
}

/* Leaves the last row unwritten: the poisoned output must catch it. */
static void fwd_skips_last_row(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int64_t i = 0; i + 1 < m; i++)
		for (int64_t j = 0; j < h; j++) {
			float z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[j * d + k];
			Z[i * h + j] = z;
		}
}

/* Writes one element past the end of Z: the canary must catch it. */
static void fwd_overruns(const vb_call *c) {
	dense_fwd_vec(c);
	float *Z = c->t[3];
	Z[c->dim[M] * c->dim[H]] = 1.0f;
}

/* db summed over the wrong axis (over units instead of examples). */
static void bwd_db_wrong_axis(const vb_call *c) {
	dense_bwd_vec(c);
	int64_t m = c->dim[M], h = c->dim[H];
	const float *dZ = c->t[2];
	float *db = c->t[4];
	for (int64_t j = 0; j < h; j++) {
		float s = 0;
		for (int64_t k = 0; k < h; k++)
			s += dZ[(j % m) * h + k];
		db[j] = s;
	}
}

/* dense_bwd's oracle with dW 1% too large: only the gradient check sees it. */
static void bwd_oracle_scaled(const vb_call *c) {
	dense_bwd.oracle(c);
	double *dW = c->t[3];
	for (int64_t k = 0; k < c->dim[H] * c->dim[D]; k++)
		dW[k] *= 1.01;
}

/* vec_csr as if its CSR build lost the last nonzero of every row of W. */
static void csr_drops_last_nonzero(const vb_call *c) {
	int64_t d = c->dim[D], h = c->dim[H];
	const float *W = c->t[1];
	float *Wd = vb_scratch(c, sizeof(float) * (size_t)(h * d));
	for (int64_t j = 0; j < h; j++) {
		int64_t last = -1;
		for (int64_t k = 0; k < d; k++) {
			Wd[j * d + k] = W[j * d + k];
			if (W[j * d + k] != 0.0f) last = k;
		}
		if (last >= 0) Wd[j * d + last] = 0.0f;
	}
	void *t[4] = {c->t[0], Wd, c->t[2], c->t[3]};
	sparse_dense_fwd_vec_csr(&(vb_call){.dim = c->dim, .t = t, .ws = c->ws});
}

int main(void) {
	/* m, d, h, and sparse_dense_fwd's density_pm (its 10% default) */
	const int64_t sizes[][4] = {
	    {1, 1, 1, 100}, {3, 17, 5, 100}, {17, 33, 127, 100}, {33, 3, 17, 100}, {127, 64, 31, 100}};
	for (uint64_t seed = 1; seed <= 3; seed++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			const int64_t *dim = sizes[s];
			expect_verdict(&dense_fwd, dense_fwd_vec, "vec", 1, dim, seed);
			expect_verdict(&dense_bwd, dense_bwd_vec, "vec", 1, dim, seed);
			expect_verdict(&dense_fwd_cm, dense_fwd_cm_vec, "vec", 1, dim, seed);
			expect_verdict(&dense_fwd, fwd_no_bias, "missing_bias", 0, dim, seed);
			expect_verdict(&dense_fwd, fwd_off_by_one, "off_by_one", 0, dim, seed);
			expect_verdict(&dense_fwd, fwd_overruns, "overrun", 0, dim, seed);
			if (dim[0] > 1) expect_verdict(&dense_fwd, fwd_skips_last_row, "unwritten_row", 0, dim, seed);
			if (dim[1] > 1 && dim[2] > 1)
				expect_verdict(&dense_fwd, fwd_transposed_w, "transposed_W", 0, dim, seed);
			if (dim[0] > 1 && dim[2] > 1)
				expect_verdict(&dense_bwd, bwd_db_wrong_axis, "db_wrong_axis", 0, dim, seed);
			expect_verdict(&sparse_dense_fwd, sparse_dense_fwd_vec_csr, "vec_csr", 1, dim, seed);
			expect_verdict(&sparse_dense_fwd, csr_drops_last_nonzero, "csr_drops_last", 0, dim, seed);
		}
	/* The gradient check itself: dense_bwd's oracle against differences of dense_fwd. */
	vb_check_result g;
	vb_check_grad(&dense_bwd, (const int64_t[]){7, 5, 3}, 1, &g);
	printf("%s grad check dense_bwd: err/tol %.3g %s\n", g.pass ? "ok  " : "FAIL", g.ratio, g.msg);
	EXPECT(g.pass, "the gradient check fails dense_bwd's right oracle");
	/* ...and it fails when the backward oracle is wrong (dW off by 1%). */
	vb_op bad = dense_bwd;
	bad.oracle = bwd_oracle_scaled;
	vb_check_grad(&bad, (const int64_t[]){7, 5, 3}, 1, &g);
	printf("%s grad check catches a wrong dW: %s\n", !g.pass ? "ok  " : "FAIL", g.msg);
	EXPECT(!g.pass, "the gradient check passes a dW off by 1%%");
	return expect_exit_status();
}
