/* The checker's verdict on one kernel posing as the only variant of an op,
 * as `vecbench check` would give it: the tests' way to prove that a wrong
 * kernel is caught and a right one passes. */
#ifndef VB_TESTS_CHECK_VARIANT_H
#define VB_TESTS_CHECK_VARIANT_H
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "harness.h"

/* 0 with *res filled, -1 when the float64 reference cannot be built. */
static inline int check_variant(const vb_op *base, vb_variant v, const int64_t *dim, uint64_t seed,
                                vb_check_result *res) {
	vb_op op = *base;
	memset(op.variants, 0, sizeof op.variants);
	op.variants[0] = v;
	vb_ref r;
	if (vb_ref_init(&r, &op, dim, seed, 1.0) != 0) return -1;
	vb_check_variant(&r, 0, res);
	vb_ref_free(&r);
	return 0;
}

/* One line per verdict of variant v on base; counts (EXPECT) a kernel the
 * checker passes when it should catch it, or catches when it should pass.
 * should_pass < 0: the verdict is shown, not asserted. Returns err/bound. */
static inline double expect_variant(const vb_op *base, vb_variant v, int should_pass, const int64_t *dim,
                                    uint64_t seed) {
	vb_check_result res;
	if (!EXPECT(check_variant(base, v, dim, seed, &res) == 0, "%s: vb_ref_init", v.name)) return NAN;
	char d[256];
	vb_dims_format(base, dim, ',', d, sizeof d);
	int ok = should_pass < 0 || res.pass == should_pass;
	printf("%s %-20s %-13s %s seed=%llu: %s (err/bound %.3g) %s\n",
	       !ok               ? "FAIL"
	       : should_pass < 0 ? "info"
	                         : "ok  ",
	       v.name, base->name, d, (unsigned long long)seed, res.pass ? "passed" : "caught", res.ratio, res.msg);
	EXPECT(ok, "%s on %s %s seed %llu %s", v.name, base->name, d, (unsigned long long)seed,
	       should_pass ? "should pass" : "should be caught");
	return res.ratio;
}

/* expect_variant of a float32 kernel. */
static inline void expect_verdict(const vb_op *base, vb_fn fn, const char *label, int should_pass, const int64_t *dim,
                                  uint64_t seed) {
	expect_variant(base, (vb_variant){.name = label, .fn = fn, .dtype = VB_F32}, should_pass, dim, seed);
}
#endif
