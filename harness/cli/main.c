/* vecbench: loop versus vectorized neural-network ops, checked and timed. */
#include <string.h>

#include "ab.h"
#include "cli.h"
#include "commands.h"
#include "doctor.h"
#include "prof.h"
#include "regress.h"
#include "results.h"
#include "vb_mpi.h"

static void usage(FILE *f) {
	static const char *const usages[] = {vb_usage_list,    vb_usage_check,      vb_usage_run,
	                                     vb_usage_compare, vb_usage_doctor,     vb_usage_calibration_key,
	                                     vb_usage_ab,      vb_usage_machine_id, vb_usage_plot,
	                                     vb_usage_report,  vb_usage_dump};
	fputs("usage: vecbench <command> [options]\n", f);
	for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
		fputs(usages[i], f);
	fputs("exit status: 0 ok, 1 a check failed (compare: a benchmark is SLOWER), 2 bad input\n", f);
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
