/* linreg_sgd_epoch's error bound (reference/minibatch.c) is an iterated one:
 * the right variants must pass it, and a kernel that drops the shorter last
 * batch, skips the last step, or scales the last batch by lr/b instead of
 * lr/bs must exceed it, at sizes whose last batch is shorter than b. */
#include <stdio.h>
#include <string.h>

#include "check_variant.h"
#include "expect.h"
#include "harness.h"
#include "minibatch.h"

extern const vb_op linreg_sgd_epoch;

enum { M, D, B };
enum { T_X, T_Y, T_THETA0, T_THETA };
enum { RIGHT, DROPS_PARTIAL_BATCH, SKIPS_LAST_STEP, DIVIDES_BY_B };

/* The loop variant, with one of the bugs. */
static void sgd_epoch_buggy(const vb_call *c, int bug) {
	int64_t m = c->dim[M], d = c->dim[D], b = c->dim[B];
	const float *X = c->t[T_X], *y = c->t[T_Y], *theta0 = c->t[T_THETA0];
	float *theta = c->t[T_THETA], *grad = vb_scratch(c, sizeof(float) * (size_t)d);
	for (int64_t j = 0; j < d; j++)
		theta[j] = theta0[j];
	for (int64_t s = 0; s < m; s += b) {
		int64_t bs = m - s < b ? m - s : b;
		if (bug == DROPS_PARTIAL_BATCH && bs < b) break; /* m / b full batches only */
		if (bug == SKIPS_LAST_STEP && s + bs == m) break;
		for (int64_t j = 0; j < d; j++)
			grad[j] = 0;
		for (int64_t i = s; i < s + bs; i++) {
			float r = -y[i];
			for (int64_t k = 0; k < d; k++)
				r += X[i * d + k] * theta[k];
			for (int64_t j = 0; j < d; j++)
				grad[j] += r * X[i * d + j];
		}
		float step = (float)LINREG_SGD_LR / (float)(bug == DIVIDES_BY_B ? b : bs);
		for (int64_t j = 0; j < d; j++)
			theta[j] -= step * grad[j];
	}
}

static void drops_partial_batch(const vb_call *c) { sgd_epoch_buggy(c, DROPS_PARTIAL_BATCH); }
static void skips_last_step(const vb_call *c) { sgd_epoch_buggy(c, SKIPS_LAST_STEP); }
static void divides_by_b(const vb_call *c) { sgd_epoch_buggy(c, DIVIDES_BY_B); }
static void rewritten_right(const vb_call *c) { sgd_epoch_buggy(c, RIGHT); }

int main(void) {
	/* Every size ends in a shorter batch (m % b != 0): 1 example, a few, most of b. */
	const int64_t sizes[][3] = {{33, 5, 32}, {100, 33, 7}, {127, 17, 16}, {1000, 64, 64}, {8000, 64, 512}};
	vb_fn loop = NULL;
	for (int v = 0; v < VB_MAX_VARIANTS && linreg_sgd_epoch.variants[v].name; v++)
		if (strcmp(linreg_sgd_epoch.variants[v].name, "loop") == 0) loop = linreg_sgd_epoch.variants[v].fn;
	if (!EXPECT(loop, "linreg_sgd_epoch has no loop variant")) return expect_exit_status();
	for (uint64_t seed = 1; seed <= 3; seed++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			const int64_t *dim = sizes[s];
			expect_verdict(&linreg_sgd_epoch, loop, "loop", 1, dim, seed);
			expect_verdict(&linreg_sgd_epoch, linreg_sgd_epoch_vec, "vec", 1, dim, seed);
			expect_verdict(&linreg_sgd_epoch, rewritten_right, "loop_rewritten", 1, dim, seed);
			expect_verdict(&linreg_sgd_epoch, drops_partial_batch, "drops_partial_batch", 0, dim, seed);
			expect_verdict(&linreg_sgd_epoch, skips_last_step, "skips_last_step", 0, dim, seed);
			expect_verdict(&linreg_sgd_epoch, divides_by_b, "divides_by_b", 0, dim, seed);
		}
	return expect_exit_status();
}
