/* mlp_sgd_epoch's error scale (reference/mlp_epoch.c) sums the steps' own:
 * an epoch written by hand from mlp_bwd's gradients must pass it, and the
 * classic mistakes must exceed it: gradients not zeroed between steps (each
 * step then applies the sum of all gradients so far), a shorter last batch
 * dropped, the last batch skipped. Sizes whose last batch is shorter than b. */
#include <stdio.h>
#include <string.h>

#include "check_variant.h"
#include "expect.h"
#include "harness.h"
#include "mlp.h"

extern const vb_op mlp_sgd_epoch;

enum { M, D, H1, H2, K, B };
enum { T_X, T_Y, T_W1, NT = 8 };
enum { RIGHT, FORGETS_ZERO_GRAD, DROPS_PARTIAL_BATCH, SKIPS_LAST_BATCH };

static void epoch_by_hand(const vb_call *c, int bug) {
	int64_t m = c->dim[M], d = c->dim[D], k = c->dim[K], b = c->dim[B];
	int64_t n[6] = {c->dim[H1] * d, c->dim[H1], c->dim[H2] * c->dim[H1], c->dim[H2], k * c->dim[H2], k};
	int64_t dim[VB_MAX_DIMS] = {0};
	memcpy(dim, c->dim, sizeof(int64_t) * (K + 1));
	void *t[NT + 6];
	float *acc[6];
	for (int l = 0; l < 6; l++) {
		t[T_W1 + l] = c->t[T_W1 + l];
		t[NT + l] = vb_scratch(c, sizeof(float) * (size_t)n[l]);
		acc[l] = vb_scratch(c, sizeof(float) * (size_t)n[l]);
		memset(acc[l], 0, sizeof(float) * (size_t)n[l]); /* zeroed once, before the first step */
	}
	const vb_call sub = {.dim = dim, .t = t, .ws = c->ws};
	for (int64_t s = 0; s < m; s += b) {
		dim[M] = m - s < b ? m - s : b;
		if (bug == DROPS_PARTIAL_BATCH && dim[M] < b) break;
		if (bug == SKIPS_LAST_BATCH && s + dim[M] == m) break;
		t[T_X] = (float *)c->t[T_X] + s * d;
		t[T_Y] = (float *)c->t[T_Y] + s * k;
		vb_scratch_mark mark = vb_scratch_save(c);
		mlp_bwd_vec(&sub); /* this batch's gradients, into t[NT..] */
		vb_scratch_release(c, mark);
		for (int l = 0; l < 6; l++) {
			float *w = c->t[T_W1 + l], *g = t[NT + l];
			for (int64_t j = 0; j < n[l]; j++) {
				/* the right loop starts each step's gradient from zero */
				acc[l][j] = (bug == FORGETS_ZERO_GRAD ? acc[l][j] : 0) + g[j];
				w[j] -= (float)MLP_LR * acc[l][j];
			}
		}
	}
}

static void right(const vb_call *c) { epoch_by_hand(c, RIGHT); }
static void forgets_zero_grad(const vb_call *c) { epoch_by_hand(c, FORGETS_ZERO_GRAD); }
static void drops_partial_batch(const vb_call *c) { epoch_by_hand(c, DROPS_PARTIAL_BATCH); }
static void skips_last_batch(const vb_call *c) { epoch_by_hand(c, SKIPS_LAST_BATCH); }

static void expect(vb_fn fn, const char *label, int should_pass, const int64_t *dim) {
	vb_check_result res;
	int rc = check_variant(&mlp_sgd_epoch, (vb_variant){.name = label, .fn = fn, .dtype = VB_F32}, dim, 1, &res);
	EXPECT(rc == 0, "%s: vb_ref_init", label);
	if (rc) return;
	printf("%s %-20s m=%lld b=%lld: %s (err/bound %.3g) %s\n", res.pass == should_pass ? "ok  " : "FAIL", label,
	       (long long)dim[M], (long long)dim[B], res.pass ? "passed" : "caught", res.ratio, res.msg);
	EXPECT(res.pass == should_pass, "%s at m=%lld b=%lld", label, (long long)dim[M], (long long)dim[B]);
}

int main(void) {
	/* A narrower network than the default keeps the test fast; the same code. */
	const int64_t sizes[][6] = {{37, 49, 23, 11, 10, 8}, {40, 49, 23, 11, 10, 3}, {19, 784, 64, 32, 10, 1}};
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		const int64_t *dim = sizes[s];
		expect(right, "by_hand", 1, dim);
		for (int v = 0; v < VB_MAX_VARIANTS && mlp_sgd_epoch.variants[v].name; v++)
			if (mlp_sgd_epoch.variants[v].device ==
			    VB_CPU) /* the CPU's; tests/test_cuda.py has the GPU's */
				expect(mlp_sgd_epoch.variants[v].fn, mlp_sgd_epoch.variants[v].name, 1, dim);
		expect(forgets_zero_grad, "forgets_zero_grad", 0, dim);
		expect(skips_last_batch, "skips_last_batch", 0, dim);
		if (dim[M] % dim[B]) expect(drops_partial_batch, "drops_partial_batch", 0, dim);
	}
	return expect_exit_status();
}
