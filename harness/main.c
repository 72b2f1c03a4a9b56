/* vecbench: loop versus vectorized neural-network ops, checked and timed. */
#include <string.h>

#include "ab.h"
#include "doctor.h"
#include "prof.h"
#include "regress.h"
#include "report.h"
#include "vb_mpi.h"

static void usage(FILE *f) {
	fputs("usage: vecbench <command> [options]\n"
	      "  list  [--json]                                  ops, dims, sizes, variants, FLOP and byte counts\n"
	      "  check [--op REGEX] [--variant V[,V]] [--dims m=..,d=..] [--seed N] [--scale S] [--quick]\n"
	      "                                                  every variant against the float64 oracle (random,\n"
	      "                                                  exact and wide inputs, odd twins of the default\n"
	      "                                                  sizes), backward ops against finite differences\n"
	      "        [--self-test]                             perturbed oracle outputs must each be rejected\n"
	      "        [--except REGEX]                          leave out the ops it matches\n"
	      "        [--sweep DIM=v1,v2,...]                   every value of one dim (density=FRACTION,...)\n"
	      "  run   [--op REGEX] [--variant V[,V]] [--dims ...] [--seed N] [--quick] [--quiet]\n"
	      "        [--sweep DIM=v1,v2,...]                   a curve: crossovers in the summary\n"
	      "        [--out FILE] [-- <Google Benchmark flags>]  check, then time through Google Benchmark\n"
	      "        [--recalibrate]                           measure the roofline again (else cached per machine)\n"
	      "        [--repetitions N]                         N repetitions of each benchmark (compare: 9)\n"
	      "        [--count-instructions]                    instructions per call (callgrind), not times\n"
	      "        [--blas-core auto|asis|NAME]              OpenBLAS core: auto re-runs on a better one when\n"
	      "                                                  OpenBLAS chose a fallback below the CPU (default)\n"
	      "  compare BASE NEW [--threshold PCT] [--alpha A] [--instr-threshold PCT]\n"
	      "          [--machine-independent | --same-machine] [--allow-contended]\n"
	      "                                                  regression gate over two result files:\n"
	      "                                                  exit 1 when a benchmark is SLOWER\n"
	      "  doctor                                          what in the stack would falsify timings, one line\n"
	      "                                                  each with its cost and fix; exit 1 when one does\n"
	      "  calibration-key                                 what the roofline calibration's cache is keyed by\n"
	      "  ab BASE.so NEW.so [--op REGEX] [--variant V[,V]] [--dims ...] [--threshold PCT] [--alpha A]\n"
	      "     [--budget SECONDS] [--min-time SECONDS] [--seed N] [--block-ms MS] [--clock wall|cpu]\n"
	      "     [--layouts N] [--inject-new OP/VARIANT:PCT] [--quiet]\n"
	      "                                                  paired timing of two builds' libvbops.so in one\n"
	      "                                                  process: exit 1 when a benchmark is SLOWER\n"
	      "  machine-id                                      the name baselines are filed under\n"
	      "  plot  RESULTS --out DIR [--scripts DIR]         speedup, time, roofline, memory, breakdown plots\n"
	      "                                                  (gnuplot: .dat, PNG and SVG) from a results JSON\n"
	      "  report RESULTS --out FILE [--plots DIR]         Markdown report of a results JSON and its plots\n"
	      "  dump  OP [--dims ...] [--seed N] [--variant V] --out DIR\n"
	      "                                                  inputs and outputs as NumPy .npy files\n"
	      "        [--inputs DIR]                            your own NAME.npy inputs (shapes checked)\n"
	      "exit status: 0 ok, 1 a check failed (compare: a benchmark is SLOWER), 2 bad input\n",
	      f);
}

int main(int argc, char **argv) {
	/* under mpirun: MPI, and rank 0 alone prints; not in the doctor's BLAS
	 * trial, a child that inherits the rank's environment */
	if (argc < 2 || strcmp(argv[1], "blas-trial") != 0) vb_mpi_start(argc, argv);
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
	if (!strcmp(cmd, "doctor")) return vb_cmd_doctor(argc - 2, argv + 2);
	if (!strcmp(cmd, "blas-trial")) return vb_cmd_blas_trial(argc - 2, argv + 2); /* doctor.c's child */
	if (!strcmp(cmd, "calibration-key")) return vb_cmd_calibration_key(argc - 2, argv + 2);
	if (!strcmp(cmd, "ab")) return vb_cmd_ab(argc - 2, argv + 2);
	if (!strcmp(cmd, "machine-id")) return vb_cmd_machine_id(argc - 2, argv + 2);
	vb_die(VB_EXIT_USAGE, "unknown command '%s' (see 'vecbench help')", cmd);
}
