/* Running under MPI (harness/mpi.c): the same vecbench command on every rank,
 * rank 0 printing and writing; distributed variants (vb_variant.distributed)
 * checked and timed in lockstep. Without MPI built, or not launched by
 * mpirun, there is one rank and the distributed variants are unavailable. */
#ifndef VB_MPI_H
#define VB_MPI_H

#include "report.h"

struct vb_bm_state;

/* Called first by main: when launched by mpirun, initialises MPI, silences
 * ranks > 0 (stdout and stderr), and checks that every rank was given the
 * same command line (else a one-line error from rank 0, exit 2 everywhere). */
void vb_mpi_start(int argc, char **argv);
int vb_mpi_rank(void);
int vb_mpi_size(void);
/* Why distributed variants cannot run here, or NULL. */
const char *vb_mpi_unavailable(void);
/* With more than one rank only distributed variants run (the others would
 * time one rank beside busy peers): keeps the cases of ops that have one,
 * saying so on rank 0, and fails (rank 0, one line, exit 2 on every rank)
 * when a batch m is smaller than the world. Returns the new count. */
int vb_mpi_select(vb_case *cases, int n);
/* A barrier that sleeps instead of spinning: ranks > 0 wait in it while rank
 * 0 works alone (the roofline calibration), without stealing its cores. */
void vb_mpi_quiet_barrier(void);
/* The iteration count of a distributed benchmark: a few untimed steps, the
 * slowest rank's time, enough iterations for min_time seconds; the same on
 * every rank (Google Benchmark's own choice would differ between ranks). */
int64_t vb_mpi_iterations(const vb_op *op, int vi, const int64_t *dim, uint64_t seed, double min_time);
/* One distributed benchmark: each iteration's time is the slowest rank's
 * (manual time), with counters for the compute/communication split, bytes
 * moved and the world size. A watchdog aborts the job when a step hangs. */
void vb_mpi_bench(struct vb_bm_state *st, const vb_variant *v, const vb_call *call, vb_arena *ws);
/* One checked call of a distributed variant under the watchdog (a CUDA one
 * through the bridge, on the device's copies of ts); then the
 * ranks compare their outputs. Returns 0, or -1 with why in msg (the ranks
 * disagree: the same answer on every rank). */
int vb_mpi_checked_call(const vb_variant *v, const vb_call *call, vb_tensors *ts, char *msg, size_t len);
/* This rank's index among the ranks on its host, and their count (0 and 1
 * without MPI): a rank drives GPU local_rank % devices (harness/cuda.cu). */
int vb_mpi_local_rank(void);
int vb_mpi_local_size(void);
/* Distributed CUDA variants (dp_cuda_vec), timed by the CUDA bridge with CUDA
 * events: each step begins with the ranks together under the watchdog; its
 * end turns t = {step, compute, comm} seconds into the slowest rank's of each;
 * after the loop the counters vb_mpi_bench sets (totals over n steps). */
void vb_mpi_step_begin(void);
void vb_mpi_step_end(double t[3]);
void vb_mpi_step_counters(struct vb_bm_state *st, double compute, double comm, int64_t n);
/* world_size, hosts, the MPI library and its transport settings. */
void vb_mpi_context_register(void);

#endif
