/* `vecbench check`: the equivalence table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"

/* The gradient check runs the forward oracle four times per sampled element:
 * above this many FLOP per forward call it runs at a reduced size. */
#define GRAD_MAX_FLOPS 2e7
#define GRAD_REDUCED_DIM 37

static void print_row(const vb_case *c, const char *what, const char *status, double ratio, const char *note) {
	char d[128];
	vb_dims_format(c->op, c->dim, ',', d, sizeof d);
	printf("%-22s %-28s %-12s %-5s %10.3g  %s\n", c->op->name, d, what, status, ratio, note);
}

void vb_check_header(void) {
	printf("%-22s %-28s %-12s %-5s %10s  %s\n", "op", "dims", "variant", "", "err/bound", "");
}

int vb_check_case(const vb_select *s, const vb_case *c, double *ratio, int *counts) {
	const vb_op *op = c->op;
	vb_ref ref;
	if (vb_ref_init(&ref, op, c->dim, s->seed, s->scale) != 0)
		vb_die(VB_EXIT_USAGE, "out of memory for %s", op->name);
	int ok = 1;
	char repro[512];
	for (int v = 0; v < vb_op_nvariants(op); v++) {
		const vb_variant *var = &op->variants[v];
		ratio[v] = NAN;
		if (!vb_select_variant(s, var)) continue;
		const char *why = vb_variant_unavailable(var);
		if (why) {
			print_row(c, var->name, "skip", NAN, why);
			counts[2]++;
			continue;
		}
		vb_check_result r;
		vb_check_variant(&ref, v, &r);
		ratio[v] = r.pass ? r.ratio : INFINITY;
		print_row(c, var->name, r.pass ? "ok" : "FAIL", r.ratio, r.msg);
		if (!r.pass) {
			vb_check_repro(op, c->dim, s->seed, var->name, repro, sizeof repro);
			printf("    seed %llu; repro: %s\n", (unsigned long long)s->seed, repro);
			ok = 0;
		}
		counts[r.pass ? 0 : 1]++;
	}
	vb_ref_free(&ref);
	if (op->fwd && !s->variants) {
		vb_case g = *c;
		const vb_op *fwd = vb_op_find(op->fwd);
		if (fwd && fwd->flops && fwd->flops(g.dim) > GRAD_MAX_FLOPS)
			for (int i = 0; i < vb_op_ndims(op); i++)
				if (g.dim[i] > GRAD_REDUCED_DIM) g.dim[i] = GRAD_REDUCED_DIM;
		vb_check_result r;
		vb_check_grad(op, g.dim, s->seed, &r);
		char note[320];
		snprintf(note, sizeof note, "finite differences of %s%s", op->fwd, r.msg[0] ? ": " : "");
		strncat(note, r.msg, sizeof note - strlen(note) - 1);
		print_row(&g, "grad", r.pass ? "ok" : "FAIL", r.ratio, note);
		if (!r.pass) {
			vb_check_repro(op, g.dim, s->seed, NULL, repro, sizeof repro);
			printf("    seed %llu; repro: %s\n", (unsigned long long)s->seed, repro);
			ok = 0;
		}
		counts[r.pass ? 0 : 1]++;
	}
	return ok;
}

int vb_cmd_check(int argc, char **argv) {
	vb_opt opts[] = {{"op", 1, NULL},   {"variant", 1, NULL}, {"dims", 1, NULL},
	                 {"seed", 1, NULL}, {"scale", 1, NULL},   {"sweep", 1, NULL}};
	enum { NOPTS = sizeof opts / sizeof opts[0] };
	const char *pos[1];
	int npos;
	vb_parse_opts("check", argc, argv, opts, NOPTS, pos, 0, &npos, NULL, NULL);
	vb_select s = {
	    .op_regex = opts[0].value, .variants = opts[1].value, .dims = opts[2].value, .seed = 1, .scale = 1};
	if (opts[3].value) s.seed = vb_parse_u64("--seed", opts[3].value);
	if (opts[4].value) s.scale = vb_parse_double("--scale", opts[4].value);
	s.sweep = opts[5].value;
	vb_case *cases;
	int n = vb_select_cases(&s, &cases);
	int counts[3] = {0}, ok = 1;
	double ratio[VB_MAX_VARIANTS];
	vb_check_header();
	for (int i = 0; i < n; i++) {
		ok &= vb_check_case(&s, &cases[i], ratio, counts);
		fflush(stdout);
	}
	printf("check: %d passed, %d failed, %d skipped\n", counts[0], counts[1], counts[2]);
	free(cases);
	return ok ? VB_EXIT_OK : VB_EXIT_FAIL;
}
