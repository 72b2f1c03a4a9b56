/* The timing side of the distributed variants: each iteration is one
 * lockstep step of every rank (core/mpi.c), timed as the slowest rank's. */
#include "prof.h"
#include "vb_mpi.h"

void vb_mpi_bench(vb_bm_state *st, const vb_variant *v, const vb_call *call, vb_arena *ws) {
#ifndef VB_HAVE_MPI
	(void)v, (void)call, (void)ws;
	vb_bm_skip_with_error(st, "not built: no MPI at build time");
#else
	double compute = 0, comm = 0, bytes = 0;
	int64_t n = 0;
	while (vb_bm_keep_running(st)) {
		double slowest[3];
		vb_mpi_step(v, call, ws, slowest, &bytes);
		vb_bm_set_iteration_time(st, slowest[0]);
		compute += slowest[1], comm += slowest[2], n++;
	}
	vb_mpi_step_counters(st, compute, comm, n, bytes);
#endif
}

void vb_mpi_step_counters(vb_bm_state *st, double compute, double comm, int64_t n, double bytes) {
	if (n == 0) return;
	vb_bm_counter(st, "world_size", vb_mpi_size(), 0);
	vb_bm_counter(st, "step_compute_us", compute / (double)n * 1e6, 0);
	vb_bm_counter(st, "step_comm_us", comm / (double)n * 1e6, 0);
	vb_bm_counter(st, "comm_bytes_per_step", bytes, VB_BM_BASE_1024);
}

void vb_mpi_context_register(void) { vb_mpi_context(vb_bm_add_context); }
