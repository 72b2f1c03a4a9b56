/* Test-only ops for `vecbench ab` between two builds that differ, compiled
 * twice: AB_SIDE=0 is the base, AB_SIDE=1 the new build.
 *   ab_scale  y = 2x in both; its `vec` variant only in the new build;
 *   ab_shape  dims (n) in the base, (m) in the new build: cannot be paired;
 *   ab_gone   only in the base. */
#include "vb.h"

static double ab_flops(const int64_t *dim) { return (double)dim[0]; }
static double ab_bytes(const int64_t *dim) { return 8.0 * (double)dim[0]; }

static void ab_oracle(const vb_call *c) {
	const double *x = c->t[0];
	double *y = c->t[1];
	for (int64_t i = 0; i < c->dim[0]; i++)
		y[i] = 2 * x[i];
}

static void ab_loop(const vb_call *c) {
	const float *x = c->t[0];
	float *y = c->t[1];
	for (int64_t i = 0; i < c->dim[0]; i++)
		y[i] = 2 * x[i];
}

static double ab_depth(const int64_t *dim) {
	(void)dim;
	return 1;
}

#define AB_OP(op_name, dim_name, ...)                                                                                  \
	static const vb_op op_name = {                                                                                 \
	    .name = #op_name,                                                                                          \
	    .family = "ab_test",                                                                                       \
	    .seed = "tests/test_ab_ops.c",                                                                             \
	    .summary = "y = 2x",                                                                                       \
	    .dims = {dim_name},                                                                                        \
	    .sizes = {{1000}},                                                                                         \
	    .tensors = {{"X", VB_IN, 0, VB_ONE, VB_FILL_SIGNED}, {"Y", VB_OUT, 0, VB_ONE, VB_FILL_SIGNED}},            \
	    .flops = ab_flops,                                                                                         \
	    .bytes = ab_bytes,                                                                                         \
	    .oracle = ab_oracle,                                                                                       \
	    .depth = ab_depth,                                                                                         \
	    .variants = {__VA_ARGS__},                                                                                 \
	};                                                                                                             \
	VB_REGISTER_OP(op_name)

#if AB_SIDE == 0
AB_OP(ab_scale, "n", VB_LOOP(ab_loop));
AB_OP(ab_shape, "n", VB_LOOP(ab_loop));
AB_OP(ab_gone, "n", VB_LOOP(ab_loop));
#else
AB_OP(ab_scale, "n", VB_LOOP(ab_loop), VB_VEC(ab_loop));
AB_OP(ab_shape, "m", VB_LOOP(ab_loop));
#endif
