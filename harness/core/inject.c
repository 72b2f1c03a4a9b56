/* VB_INJECT_SLOWDOWN: the test-only extra work of the gate's proofs (run,
 * run --count-instructions and ab apply it; see inject.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject.h"

typedef struct {
	int set;
	char op[128], variant[64];
	double pct;
} inject_spec;

static const inject_spec *inject_parse(void) {
	static inject_spec spec;
	static int parsed;
	if (parsed) return &spec;
	parsed = 1;
	const char *e = getenv(VB_ENV_INJECT);
	if (!e || !*e) return &spec;
	const char *slash = strchr(e, '/'), *colon = strrchr(e, ':');
	char *end;
	errno = 0;
	double pct = colon ? strtod(colon + 1, &end) : NAN;
	if (!slash || !colon || colon < slash || slash == e || colon == slash + 1 || errno || end == colon + 1 ||
	    *end || !(pct > 0 && pct <= 1000) || (size_t)(slash - e) >= sizeof spec.op ||
	    (size_t)(colon - slash - 1) >= sizeof spec.variant)
		vb_die(VB_EXIT_USAGE, "bad %s '%s': expected op/variant:PCT, e.g. dense_fwd/vec:10 (0 < PCT <= 1000)",
		       VB_ENV_INJECT, e);
	memcpy(spec.op, e, (size_t)(slash - e));
	memcpy(spec.variant, slash + 1, (size_t)(colon - slash - 1));
	spec.pct = pct;
	spec.set = 1;
	return &spec;
}

vb_inject vb_inject_for(const vb_op *op, const vb_variant *v) {
	const inject_spec *s = inject_parse();
	vb_inject in = {0, 0};
	if (s->set && !strcmp(s->op, op->name) && !strcmp(s->variant, v->name)) in.pct = s->pct;
	return in;
}

void vb_inject_validate(const vb_select *sel, const vb_case *cases, int ncases) {
	const inject_spec *s = inject_parse();
	if (!s->set) return;
	for (int i = 0; i < ncases; i++) {
		if (strcmp(cases[i].op->name, s->op)) continue;
		int vi = vb_op_variant_index(cases[i].op, s->variant);
		if (vi < 0 || !vb_select_variant(sel, &cases[i].op->variants[vi])) continue;
		if (cases[i].op->variants[vi].device != VB_CPU)
			vb_die(VB_EXIT_USAGE, "%s: %s/%s is a GPU variant; injection works on CPU variants",
			       VB_ENV_INJECT, s->op, s->variant);
		fprintf(stderr,
		        "vecbench: note: %s: %s/%s does %g%% more work (extra calls), to test the regression gate\n",
		        VB_ENV_INJECT, s->op, s->variant, s->pct);
		return;
	}
	vb_die(VB_EXIT_USAGE, "%s names %s/%s, which is not among the selected kernels", VB_ENV_INJECT, s->op,
	       s->variant);
}
