/* A test-only op, linked only into vecbench_canary (the real CLI plus this
 * file): its variants write out of bounds or produce NaN/Inf, so the tests
 * can show that `vecbench check` and `vecbench run` catch them and name the
 * op, variant, tensor and index. Y = 2 X, exact in float32. */
#include <math.h>

#include "vb.h"

enum { N };
enum { X, Y };

static double canary_flops(const int64_t *dim) { return (double)dim[N]; }
static double canary_bytes(const int64_t *dim) { return 8.0 * (double)dim[N]; }

static void canary_oracle(const vb_call *c) {
	const double *x = c->t[X];
	double *y = c->t[Y];
	for (int64_t i = 0; i < c->dim[N]; i++)
		y[i] = 2 * x[i];
}

static void canary_loop(const vb_call *c) {
	const float *x = c->t[X];
	float *y = c->t[Y];
	for (int64_t i = 0; i < c->dim[N]; i++)
		y[i] = 2 * x[i];
}

/* One element past the end of the output. */
static void canary_overrun(const vb_call *c) {
	canary_loop(c);
	((float *)c->t[Y])[c->dim[N]] = 1.0f;
}

/* One element before the start of the output. */
static void canary_underrun(const vb_call *c) {
	canary_loop(c);
	((float *)c->t[Y])[-1] = 1.0f;
}

/* Before the start of an input: inputs are guarded too. */
static void canary_input_underrun(const vb_call *c) {
	canary_loop(c);
	((float *)c->t[X])[-3] = 1.0f;
}

static void canary_nan(const vb_call *c) {
	canary_loop(c);
	((float *)c->t[Y])[c->dim[N] / 2] = NAN;
}

static void canary_inf(const vb_call *c) {
	canary_loop(c);
	((float *)c->t[Y])[c->dim[N] - 1] = -INFINITY;
}

/* A large error early and a NaN late: the NaN must be what is reported,
 * not folded into an error ratio. */
static void canary_error_then_nan(const vb_call *c) {
	canary_loop(c);
	float *y = c->t[Y];
	y[0] += 1000.0f;
	y[c->dim[N] - 1] = NAN;
}

static const vb_op canary_probe = {
    .name = "canary_probe",
    .family = "zz_test",
    .seed = "tests/test_canary_ops.c",
    .summary = "Y = 2 X, with deliberately broken variants",
    .dims = {"n"},
    .sizes = {{37}},
    .tensors = {{"X", VB_IN, N, VB_ONE, VB_FILL_SIGNED}, {"Y", VB_OUT, N, VB_ONE, VB_FILL_SIGNED}},
    .flops = canary_flops,
    .bytes = canary_bytes,
    .oracle = canary_oracle,
    .variants =
        {
            VB_LOOP(canary_loop),
            {.name = "overrun", .fn = canary_overrun, .dtype = VB_F32},
            {.name = "underrun", .fn = canary_underrun, .dtype = VB_F32},
            {.name = "input_underrun", .fn = canary_input_underrun, .dtype = VB_F32},
            {.name = "nan", .fn = canary_nan, .dtype = VB_F32},
            {.name = "inf", .fn = canary_inf, .dtype = VB_F32},
            {.name = "error_then_nan", .fn = canary_error_then_nan, .dtype = VB_F32},
        },
};
VB_REGISTER_OP(canary_probe);
