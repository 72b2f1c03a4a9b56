/* `vecbench check`: the equivalence table, and its sensitivity self-test. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"

int vb_cmd_check(int argc, char **argv) {
	vb_opt opts[] = {{"op", 1, NULL},    {"variant", 1, NULL}, {"dims", 1, NULL},
	                 {"seed", 1, NULL},  {"scale", 1, NULL},   {"self-test", 0, NULL},
	                 {"quick", 0, NULL}, {"sweep", 1, NULL},   {"except", 1, NULL}};
	enum { NOPTS = sizeof opts / sizeof opts[0] };
	const char *pos[1];
	int npos;
	vb_parse_opts("check", argc, argv, opts, NOPTS, pos, 0, &npos, NULL, NULL);
	vb_select s = {.op_regex = vb_opt_get(opts, NOPTS, "op"),
	               .variants = vb_opt_get(opts, NOPTS, "variant"),
	               .dims = vb_opt_get(opts, NOPTS, "dims"),
	               .seed = 1,
	               .scale = 1};
	const char *seed = vb_opt_get(opts, NOPTS, "seed"), *scale = vb_opt_get(opts, NOPTS, "scale");
	if (seed) s.seed = vb_parse_u64("--seed", seed);
	if (scale) s.scale = vb_parse_double("--scale", scale);
	int self_test = vb_opt_get(opts, NOPTS, "self-test") != NULL;
	s.quick = vb_opt_get(opts, NOPTS, "quick") != NULL; /* the first default size (and its twin) only */
	s.sweep = vb_opt_get(opts, NOPTS, "sweep");
	s.except_regex = vb_opt_get(opts, NOPTS, "except");
	vb_case *cases;
	int n = vb_select_cases(&s, &cases);
	int counts[3] = {0}, ok = 1;
	double ratio[VB_MAX_VARIANTS];
	if (self_test)
		printf("%-22s %-28s %-12s %-9s %6s  %s\n", "op", "dims", "variant", "", "missed", "");
	else
		vb_check_header();
	for (int i = 0; i < n; i++) {
		ok &=
		    self_test ? vb_self_test_case(&s, &cases[i], counts) : vb_check_case(&s, &cases[i], ratio, counts);
		fflush(stdout);
	}
	if (self_test)
		printf("self-test: %d checks trusted, %d untrusted\n", counts[0], counts[1]);
	else
		printf("check: %d passed, %d failed, %d skipped\n", counts[0], counts[1], counts[2]);
	free(cases);
	return ok ? VB_EXIT_OK : VB_EXIT_FAIL;
}
