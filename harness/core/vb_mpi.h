/* Running under MPI (harness/core/mpi.c): the same vecbench command on every rank,
 * rank 0 printing and writing; distributed variants (vb_variant.distributed)
 * checked and timed in lockstep. Without MPI built, or not launched by
 * mpirun, there is one rank and the distributed variants are unavailable. */
#ifndef VB_MPI_H
#define VB_MPI_H

#include "cli.h"

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
/* One step of a distributed benchmark, every rank in lockstep under the
 * watchdog (which aborts the job when a step hangs): slowest[] gets the
 * slowest rank's step, compute and communication seconds, *bytes what this
 * rank moved. measure/mpi_bench.c times with it. */
void vb_mpi_step(const vb_variant *v, const vb_call *call, vb_arena *ws, double slowest[3], double *bytes);
/* One checked call of a distributed variant under the watchdog (a CUDA one
 * through the bridge, on the device's copies of ts); then the ranks compare
 * their outputs. Returns 0, or -1 with why in msg (the ranks disagree: the
 * same answer on every rank). */
int vb_mpi_checked_call(const vb_variant *v, const vb_call *call, vb_tensors *ts, char *msg, size_t len);
/* This rank's index among the ranks on its host, and their count (0 and 1
 * without MPI): a rank drives GPU local_rank % devices (measure/cuda.cu). */
int vb_mpi_local_rank(void);
int vb_mpi_local_size(void);
/* A step's bounds, for variants timed elsewhere (dp_cuda_vec, by the CUDA
 * bridge with CUDA events): begin brings the ranks together under the
 * watchdog; end turns t = {step, compute, comm} seconds into the slowest
 * rank's of each. */
void vb_mpi_step_begin(void);
void vb_mpi_step_end(double t[3]);
/* The bytes the last distributed call said one rank moved (vb_dist_record). */
double vb_mpi_last_bytes(void);
/* world_size, mpi_hosts, mpi_library, mpi_transport and
 * mpi_threads_per_rank as (key, value) pairs given to add, under mpirun. */
void vb_mpi_context(void (*add)(const char *key, const char *value));

#endif
