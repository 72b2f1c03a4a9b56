#ifndef VB_INJECT_H
#define VB_INJECT_H

#include "cli.h"

#define VB_ENV_INJECT "VB_INJECT_SLOWDOWN"

/* The slowdown injection, for testing the regression gate:
 * VB_INJECT_SLOWDOWN=op/variant:PCT makes that kernel do PCT% more work in
 * timed and counted regions: one extra call of the kernel per 100/PCT calls,
 * so the mean cost per iteration grows by PCT% exactly over any multiple of
 * 100/PCT iterations. For testing the gate only; off (and free) when unset. */
typedef struct {
	double pct; /* 0: off */
	double credit;
} vb_inject;

/* The injection for (op, variant): pct 0 when VB_INJECT_SLOWDOWN is unset or
 * names another kernel; exits 2 when it is malformed. */
vb_inject vb_inject_for(const vb_op *op, const vb_variant *v);
/* Checks the variable against the selection; exits 2 when it is malformed,
 * names a GPU variant, or names no selected kernel. Prints one note when set. */
void vb_inject_validate(const vb_select *s, const vb_case *cases, int ncases);
/* The extra calls owed after one call (none unless the credit reached 100). */
static inline void vb_inject_after_call(vb_inject *in, const vb_variant *v, const vb_call *call, vb_arena *ws) {
	for (in->credit += in->pct; in->credit >= 100; in->credit -= 100) {
		vb_arena_reset(ws);
		v->fn(call);
	}
}

#endif
