/* The regression gate: `vecbench compare`, the machine id baselines are
 * filed under, instruction counting (`run --count-instructions`), and the
 * test-only slowdown injection. */
#ifndef VB_REGRESS_H
#define VB_REGRESS_H

#include <stddef.h>

#include "report.h"

int vb_cmd_compare(int argc, char **argv);
int vb_cmd_machine_id(int argc, char **argv);

/* CPU model, core count, GPU, BLAS and compiler, as a file name:
 * [a-z0-9._-], at most 160 bytes. */
void vb_machine_id(char *buf, size_t len);

/* The gate tables' cells (compare, ab): a time in ns as "1.234 ms", a p- or
 * q-value as "0.0123" or "<1e-4"; NAN as "-". */
void vb_gate_fmt_ns(double ns, char *buf, size_t len);
void vb_gate_fmt_p(double p, char *buf, size_t len);

/* ---- slowdown injection (count.c) ----
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

/* machine_id (and inject_slowdown when set) into the run's context. */
void vb_regress_context_register(void);

/* ---- instruction counting (count.c) ---- */
/* `run --count-instructions`: checks natively, then counts each selected CPU
 * kernel's instructions per call under valgrind's callgrind (one thread,
 * fixed call count, the first size of each op's sweep unless --dims), writes Google Benchmark-shaped JSON with an
 * `instructions` field per benchmark to out (when given) and prints a table.
 * argv are run's arguments, passed again to the counting child. */
int vb_count_instructions(const vb_select *s, int argc, char **argv, const char *out);

#endif
