/* The checker's verdict on one kernel posing as the only variant of an op,
 * as `vecbench check` would give it: the tests' way to prove that a wrong
 * kernel is caught and a right one passes. */
#ifndef VB_TESTS_CHECK_VARIANT_H
#define VB_TESTS_CHECK_VARIANT_H
#include <string.h>

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
#endif
