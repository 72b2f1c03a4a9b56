/* vecbench: loop versus vectorized neural-network ops, checked and timed. */
#include <string.h>

#include "report.h"

static void usage(FILE *f) {
	fputs("usage: vecbench <command> [options]\n"
	      "  list  [--json]                                  ops, dims, sizes, variants, FLOP and byte counts\n"
	      "  check [--op REGEX] [--variant V[,V]] [--dims m=..,d=..] [--seed N] [--scale S]\n"
	      "                                                  every variant against the float64 oracle,\n"
	      "                                                  backward ops against finite differences\n"
	      "  run   [--op REGEX] [--variant V[,V]] [--dims ...] [--seed N] [--quick] [--quiet]\n"
	      "        [--out FILE] [-- <Google Benchmark flags>]  check, then time through Google Benchmark\n"
	      "  dump  OP [--dims ...] [--seed N] [--variant V] --out DIR\n"
	      "                                                  inputs and outputs as NumPy .npy files\n"
	      "exit status: 0 ok, 1 a check failed, 2 bad input\n",
	      f);
}

int main(int argc, char **argv) {
	if (argc < 2) vb_die(VB_EXIT_USAGE, "no command given; usage: vecbench list|check|run|dump (see 'vecbench help')");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "list")) return vb_cmd_list(argc - 2, argv + 2);
	if (!strcmp(cmd, "check")) return vb_cmd_check(argc - 2, argv + 2);
	if (!strcmp(cmd, "run")) return vb_cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "dump")) return vb_cmd_dump(argc - 2, argv + 2);
	vb_die(VB_EXIT_USAGE, "unknown command '%s' (see 'vecbench help')", cmd);
}
