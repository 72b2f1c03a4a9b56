/* vecbench: loop versus vectorized neural-network ops, checked and timed. */
#include <string.h>

#include "prof.h"
#include "regress.h"
#include "report.h"

static void usage(FILE *f) {
	fputs("usage: vecbench <command> [options]\n"
	      "  list  [--json]                                  ops, dims, sizes, variants, FLOP and byte counts\n"
	      "  check [--op REGEX] [--variant V[,V]] [--dims m=..,d=..] [--seed N] [--scale S]\n"
	      "        [--sweep DIM=v1,v2,...]                   every value of one dim (density=FRACTION,...)\n"
	      "                                                  every variant against the float64 oracle,\n"
	      "                                                  backward ops against finite differences\n"
	      "  run   [--op REGEX] [--variant V[,V]] [--dims ...] [--seed N] [--quick] [--quiet]\n"
	      "        [--sweep DIM=v1,v2,...]                   a curve: crossovers in the summary\n"
	      "        [--out FILE] [-- <Google Benchmark flags>]  check, then time through Google Benchmark\n"
	      "        [--recalibrate]                           measure the roofline again (else cached per machine)\n"
	      "        [--repetitions N]                         N repetitions of each benchmark (compare: 9)\n"
	      "        [--count-instructions]                    instructions per call (callgrind), not times\n"
	      "  compare BASE NEW [--threshold PCT] [--alpha A] [--instr-threshold PCT]\n"
	      "          [--machine-independent | --same-machine]  regression gate over two result files:\n"
	      "                                                  exit 1 when a benchmark is SLOWER\n"
	      "  machine-id                                      the name baselines are filed under\n"
	      "  plot  RESULTS --out DIR [--scripts DIR]         speedup, time, roofline, memory, breakdown plots\n"
	      "                                                  (gnuplot: .dat, PNG and SVG) from a results JSON\n"
	      "  report RESULTS --out FILE [--plots DIR]         Markdown report of a results JSON and its plots\n"
	      "  dump  OP [--dims ...] [--seed N] [--variant V] --out DIR\n"
	      "                                                  inputs and outputs as NumPy .npy files\n"
	      "exit status: 0 ok, 1 a check failed (compare: a benchmark is SLOWER), 2 bad input\n",
	      f);
}

int main(int argc, char **argv) {
	if (argc < 2)
		vb_die(VB_EXIT_USAGE, "no command given; usage: vecbench list|check|run|dump (see 'vecbench help')");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "list")) return vb_cmd_list(argc - 2, argv + 2);
	if (!strcmp(cmd, "check")) return vb_cmd_check(argc - 2, argv + 2);
	if (!strcmp(cmd, "run")) return vb_cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "dump")) return vb_cmd_dump(argc - 2, argv + 2);
	if (!strcmp(cmd, "plot")) return vb_cmd_plot(argc - 2, argv + 2);
	if (!strcmp(cmd, "report")) return vb_cmd_report(argc - 2, argv + 2);
	if (!strcmp(cmd, "compare")) return vb_cmd_compare(argc - 2, argv + 2);
	if (!strcmp(cmd, "machine-id")) return vb_cmd_machine_id(argc - 2, argv + 2);
	vb_die(VB_EXIT_USAGE, "unknown command '%s' (see 'vecbench help')", cmd);
}
