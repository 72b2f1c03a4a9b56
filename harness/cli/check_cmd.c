/* `vecbench check`: the equivalence table, and its sensitivity self-test. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"

const char vb_usage_check[] =
    "  check [--op REGEX] [--variant V[,V]] [--dims m=..,d=..] [--seed N] [--scale S] [--quick]\n"
    "                                                  every variant against the float64 oracle (random,\n"
    "                                                  exact and wide inputs, odd twins of the default\n"
    "                                                  sizes), backward ops against finite differences\n"
    "        [--self-test]                             perturbed oracle outputs must each be rejected\n"
    "        [--except REGEX]                          leave out the ops it matches\n"
    "        [--sweep DIM=v1,v2,...]                   every value of one dim (density=FRACTION,...)\n";

int vb_cmd_check(int argc, char **argv) {
	enum { OP = 1, VARIANT, DIMS, SEED, SCALE, SELF_TEST, QUICK, SWEEP, EXCEPT };
	static const struct option opts[] = {
	    {"op", required_argument, NULL, OP},         {"variant", required_argument, NULL, VARIANT},
	    {"dims", required_argument, NULL, DIMS},     {"seed", required_argument, NULL, SEED},
	    {"scale", required_argument, NULL, SCALE},   {"self-test", no_argument, NULL, SELF_TEST},
	    {"quick", no_argument, NULL, QUICK},         {"sweep", required_argument, NULL, SWEEP},
	    {"except", required_argument, NULL, EXCEPT}, {0}};
	vb_select s = {.seed = 1, .scale = 1};
	const char *seed = NULL, *scale = NULL;
	int self_test = 0;
	vb_args a;
	vb_args_start(&a, "check", vb_usage_check, argc, argv, opts, 0, 0);
	for (int c; (c = vb_args_next(&a)) != -1;)
		switch (c) {
		case OP: s.op_regex = a.value; break;
		case VARIANT: s.variants = a.value; break;
		case DIMS: s.dims = a.value; break;
		case SEED: seed = a.value; break;
		case SCALE: scale = a.value; break;
		case SELF_TEST: self_test = 1; break;
		case QUICK: s.quick = 1; break; /* the first default size (and its twin) only */
		case SWEEP: s.sweep = a.value; break;
		case EXCEPT: s.except_regex = a.value; break;
		}
	if (seed) s.seed = vb_parse_u64("--seed", seed);
	if (scale) s.scale = vb_parse_double("--scale", scale);
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
