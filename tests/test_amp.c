/* The float16 training step with dynamic loss scaling (mlp_train_step_amp):
 * its variants pass the check against the float64 oracle, an overflowing
 * step is skipped with the scale halved, and wrong updates planted on the
 * real kernel's float16 gradients fail: not unscaling, not skipping on
 * overflow, not halving the scale, never doubling it. */
#include <math.h>
#include <string.h>

#include "expect.h"
#include "harness.h"
#include "mlp.h"

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, T_SCALE, T_GOOD };

typedef enum { BUG_NO_UNSCALE, BUG_NO_SKIP, BUG_NO_HALVE, BUG_NO_GROWTH } amp_bug;
static amp_bug planted;

/* The real kernel's scaled float16 gradients, then a wrong second half. */
static void step_with_bug(const vb_call *c) {
	int64_t d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	int64_t n[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	float *scale = c->t[T_SCALE], *good = c->t[T_GOOD], S = scale[0], *G[6];
	mlp_amp_scaled_gradients(c, G);
	int finite = 1;
	for (int l = 0; l < 6; l++)
		for (int64_t j = 0; j < n[l]; j++) {
			if (planted != BUG_NO_UNSCALE) G[l][j] /= S;
			finite &= isfinite(G[l][j]) != 0;
		}
	if (!finite && planted != BUG_NO_SKIP) {
		scale[0] = planted == BUG_NO_HALVE ? S : S / 2;
		good[0] = 0;
		return;
	}
	for (int l = 0; l < 6; l++) {
		float *w = c->t[T_W1 + l];
		for (int64_t j = 0; j < n[l]; j++)
			w[j] -= 0.01f * G[l][j];
	}
	if (!finite) { /* BUG_NO_SKIP: the scale halves all the same */
		scale[0] = S / 2;
		good[0] = 0;
	} else if (++good[0] >= VB_LOSS_SCALE_GROWTH && planted != BUG_NO_GROWTH) {
		scale[0] = 2 * S;
		good[0] = 0;
	}
}

/* Checks variant vi of the op (or fn in its place) on one input set. */
static vb_check_result check(const vb_op *op, int vi, vb_fn fn, const int64_t *dim, double fill_scale, vb_mode mode,
                             vb_ref *keep) {
	vb_ref r;
	vb_check_result res;
	memset(&res, 0, sizeof res);
	if (vb_ref_init_mode(&r, op, dim, 7, fill_scale, mode) != 0) {
		EXPECT(0, "vb_ref_init_mode");
		return res;
	}
	vb_op copy = *op; /* the variant's precision and bound, fn planted */
	if (fn) copy.variants[vi].fn = fn;
	r.in.op = r.out.op = r.mag.op = &copy;
	vb_check_variant(&r, vi, &res);
	r.in.op = r.out.op = r.mag.op = op;
	if (keep)
		*keep = r;
	else
		vb_ref_free(&r);
	return res;
}

int main(void) {
	const vb_op *op = vb_op_find("mlp_train_step_amp");
	EXPECT(op != NULL, "mlp_train_step_amp is registered");
	if (!op) return 1;
	int vec = vb_op_variant_index(op, "vec"), loop = vb_op_variant_index(op, "loop");
	EXPECT(vec >= 0 && loop >= 0, "loop and vec variants");
	const int64_t dims[][5] = {{37, 61, 29, 17, 7}, {300, 97, 41, 23, 10}};
	for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++) {
		const int64_t *dim = dims[s];
		for (int mode = VB_MODE_RANDOM; mode <= VB_MODE_WIDE; mode += VB_MODE_WIDE) {
			const char *set = mode == VB_MODE_WIDE ? "scale 2^40" : "scale 2^16";
			for (int v = 0; v < 2; v++) {
				vb_check_result r = check(op, v ? vec : loop, NULL, dim, 1, (vb_mode)mode, NULL);
				EXPECT(r.pass, "%s at m=%lld, %s: %s", v ? "vec" : "loop", (long long)dim[M], set,
				       r.msg);
			}
			/* A planted bug fails where its path is taken: a good step
			 * (2^16, one step before the scale doubles) or an overflow (2^40). */
			static const char *const names[] = {"not unscaling", "not skipping the overflowing step",
			                                    "not halving the scale", "never doubling the scale"};
			for (int b = BUG_NO_UNSCALE; b <= BUG_NO_GROWTH; b++) {
				planted = (amp_bug)b;
				int taken = mode == VB_MODE_WIDE ? (b == BUG_NO_SKIP || b == BUG_NO_HALVE)
				                                 : (b == BUG_NO_UNSCALE || b == BUG_NO_GROWTH);
				vb_check_result r = check(op, vec, step_with_bug, dim, 1, (vb_mode)mode, NULL);
				EXPECT(r.pass != taken, "%s at m=%lld, %s: %s (err/bound %.3g: %s)", names[b],
				       (long long)dim[M], set, taken ? "passed" : "failed", r.ratio, r.msg);
				printf("%-34s m=%-4lld %s: %s (err/bound %.3g) %s\n", names[b], (long long)dim[M], set,
				       r.pass ? "passes" : "caught", r.ratio, r.msg);
			}
		}
	}
	/* Overflow from the data at the initial scale 2^16: weights 100x their
	 * initial size make activations and gradients that float16 cannot hold.
	 * The oracle skips the step and halves the scale; the kernels must leave
	 * every weight bit for bit (the bound of a skipped step is 0). */
	const int64_t dim[5] = {64, 784, 256, 128, 10};
	for (int v = 0; v < 2; v++) {
		vb_ref r;
		vb_check_result res = check(op, v ? vec : loop, NULL, dim, 100, VB_MODE_RANDOM, &r);
		const double *s_in = r.in.ptr[T_SCALE], *s_out = r.out.ptr[T_SCALE], *g_out = r.out.ptr[T_GOOD];
		EXPECT(s_in[0] == 65536 && s_out[0] == 32768 && g_out[0] == 0,
		       "large activations at scale 2^16: the oracle halves the scale (%g -> %g, good steps %g)",
		       s_in[0], s_out[0], g_out[0]);
		EXPECT(memcmp(r.in.ptr[T_W1], r.out.ptr[T_W1], sizeof(double) * (size_t)r.in.numel[T_W1]) == 0,
		       "the oracle skips the update");
		EXPECT(res.pass, "%s skips the overflowing step: %s", v ? "vec" : "loop", res.msg);
		printf("overflow at scale 2^16 (weights x100), %s: %s\n", v ? "vec" : "loop",
		       res.pass ? "skipped, scale halved" : res.msg);
		vb_ref_free(&r);
	}
	printf(fails ? "%d FAILED\n" : "all passed\n", fails);
	return fails != 0;
}
