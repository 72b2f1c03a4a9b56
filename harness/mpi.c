/* vecbench under mpirun: every rank runs the same command; rank 0 prints and
 * writes. Distributed variants run on every rank in lockstep, so anything
 * that decides how often they run (Google Benchmark's iteration count) is
 * agreed between the ranks first. See vb_mpi.h. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_shim.h"
#include "vb_mpi.h"

/* The compute/communication split of the last distributed call. */
static struct { double compute, comm, bytes; } last_call;

void vb_dist_record(double compute_s, double comm_s, double bytes) {
	last_call.compute = compute_s;
	last_call.comm = comm_s;
	last_call.bytes = bytes;
}

#ifndef VB_HAVE_MPI

void vb_mpi_start(int argc, char **argv) { (void)argc, (void)argv; }
int vb_mpi_rank(void) { return 0; }
int vb_mpi_size(void) { return 1; }
const char *vb_mpi_unavailable(void) { return "not built: no MPI at build time"; }
int vb_mpi_select(vb_case *cases, int n) { return (void)cases, n; }
void vb_mpi_quiet_barrier(void) {}
int64_t vb_mpi_iterations(const vb_op *op, int vi, const int64_t *dim, uint64_t seed, double min_time) {
	(void)op, (void)vi, (void)dim, (void)seed, (void)min_time;
	return 1;
}
void vb_mpi_bench(struct vb_bm_state *st, const vb_variant *v, const vb_call *call, vb_arena *ws) {
	(void)v, (void)call, (void)ws;
	vb_bm_skip_with_error(st, "not built: no MPI at build time");
}
int vb_mpi_checked_call(const vb_variant *v, const vb_call *call, vb_tensors *ts, char *msg, size_t len) {
	(void)v, (void)call, (void)ts;
	snprintf(msg, len, "not built: no MPI at build time");
	return -1;
}
int vb_mpi_local_rank(void) { return 0; }
int vb_mpi_local_size(void) { return 1; }
void vb_mpi_step_begin(void) {}
void vb_mpi_step_end(double t[3]) { (void)t; }
void vb_mpi_step_counters(struct vb_bm_state *st, double compute, double comm, int64_t n) {
	(void)st, (void)compute, (void)comm, (void)n;
}
void vb_mpi_context_register(void) {}

#else

#include <mpi.h>

static int active, rank, world = 1, local_rank, local_size = 1;
static unsigned step_timeout_s = 60;
static char timeout_msg[256];

static int launched_by_mpirun(void) {
	return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

static void say(const char *s) {
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

/* mpirun aborts the job when a rank exits abnormally: the others get SIGTERM
 * while waiting for it. Rank 0 says so in one line. */
static void on_abort(int sig) {
	if (rank == 0 && !vb_error_said) /* not a second line after rank 0's own error */
		say(sig == SIGINT
		        ? "vecbench: interrupted: the MPI job stops on every rank\n"
		        : "vecbench: the MPI job was aborted: a rank exited or was killed (mpirun names it)\n");
	_exit(128 + sig);
}

/* The step watchdog: a collective that outlives VB_MPI_TIMEOUT seconds. */
static void on_timeout(int sig) {
	(void)sig;
	if (rank == 0) say(timeout_msg);
	MPI_Abort(MPI_COMM_WORLD, 3);
	_exit(3);
}

static void on_finalize_timeout(int sig) {
	(void)sig;
	_exit(VB_EXIT_FAIL);
}

/* At exit: finalize, unless a peer never gets there (one rank died alone). */
static void finalize(void) {
	int done = 0;
	MPI_Finalized(&done);
	if (done) return;
	signal(SIGALRM, on_finalize_timeout);
	alarm(10);
	MPI_Finalize();
	alarm(0);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* 1 when every rank holds the same h. */
static int all_agree(uint64_t h) {
	uint64_t mine[2] = {h, ~h}, least[2];
	MPI_Allreduce(mine, least, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
	return least[0] == h && ~least[1] == h;
}

void vb_mpi_start(int argc, char **argv) {
	if (!launched_by_mpirun()) return;
	int provided;
	/* OpenBLAS and OpenMP threads compute; only the main thread calls MPI. */
	MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
	active = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	MPI_Comm host;
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &host);
	MPI_Comm_rank(host, &local_rank);
	MPI_Comm_size(host, &local_size);
	MPI_Comm_free(&host);
	atexit(finalize);
	if (rank > 0) { /* rank 0 speaks for the job */
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull) {
			fflush(stdout), fflush(stderr);
			dup2(fileno(devnull), STDOUT_FILENO);
			dup2(fileno(devnull), STDERR_FILENO);
			fclose(devnull);
		}
	}
	const char *t = getenv("VB_MPI_TIMEOUT");
	if (t && atoi(t) > 0) step_timeout_s = (unsigned)atoi(t);
	snprintf(timeout_msg, sizeof timeout_msg,
	         "vecbench: a data-parallel step waited more than %u s (a rank stopped responding; VB_MPI_TIMEOUT sets "
	         "the limit): aborting the MPI job\n",
	         step_timeout_s);
	signal(SIGALRM, on_timeout);
	if (world > 1) {
		struct sigaction sa = {.sa_handler = on_abort};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	uint64_t h = 0xcbf29ce484222325ULL;
	for (int i = 1; i < argc; i++)
		h = fnv1a(h, argv[i], strlen(argv[i]) + 1);
	if (!all_agree(h)) {
		vb_error_said = 1; /* mpirun's SIGTERM during the exit adds no second line */
		if (rank == 0)
			fprintf(stderr,
			        "vecbench: the %d MPI ranks were given different command lines: every rank must run "
			        "the same vecbench command (op, dims, seed, options)\n",
			        world);
		exit(VB_EXIT_USAGE);
	}
}

int vb_mpi_rank(void) { return rank; }
int vb_mpi_size(void) { return world; }
int vb_mpi_local_rank(void) { return local_rank; }
int vb_mpi_local_size(void) { return local_size; }

const char *vb_mpi_unavailable(void) {
	return active ? NULL : "not launched by mpirun (mpirun -np N vecbench run --op dp, or make bench-mpi)";
}

static int has_distributed(const vb_op *op) {
	for (int v = 0; v < vb_op_nvariants(op); v++)
		if (op->variants[v].distributed) return 1;
	return 0;
}

int vb_mpi_select(vb_case *cases, int n) {
	int kept = 0, dropped = 0;
	for (int i = 0; i < n; i++) {
		if (world > 1 && !has_distributed(cases[i].op)) {
			dropped++;
			continue;
		}
		cases[kept++] = cases[i];
	}
	if (dropped)
		printf("mpirun with %d ranks: only data-parallel variants run; %d other cases not run here\n", world,
		       dropped);
	if (world > 1 && kept == 0)
		vb_die(VB_EXIT_USAGE, "no data-parallel op selected: with %d MPI ranks only they run (--op dp)", world);
	for (int i = 0; i < kept; i++) {
		if (!has_distributed(cases[i].op)) continue;
		for (int d = 0; d < vb_op_ndims(cases[i].op); d++)
			if (!strcmp(cases[i].op->dims[d], "m") && cases[i].dim[d] < world)
				vb_die(VB_EXIT_USAGE,
				       "%s: batch m=%lld is smaller than the %d MPI ranks: every rank needs an example",
				       cases[i].op->name, (long long)cases[i].dim[d], world);
	}
	return kept;
}

void vb_mpi_quiet_barrier(void) {
	if (world <= 1) return;
	MPI_Request req;
	MPI_Ibarrier(MPI_COMM_WORLD, &req);
	for (int done = 0;;) {
		MPI_Test(&req, &done, MPI_STATUS_IGNORE);
		if (done) return;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
}

/* The watchdog: a step and the collectives around it end within the limit. */
static void watch(int on) { alarm(on ? step_timeout_s : 0); }

/* One step; returns this rank's seconds. A CUDA variant runs through the
 * bridge on device copies of ts (inputs in, outputs back); a failure there
 * ends the job (every rank's collectives are in flight). */
static double timed_step(const vb_variant *v, const vb_call *call, vb_tensors *ts) {
	double t0 = MPI_Wtime();
	if (v->device == VB_CUDA) {
		char err[320];
		if (vb_cuda_call(v, ts, call->ws, err, sizeof err) != 0) {
			fprintf(stderr, "vecbench: rank %d: %s/%s: %s\n", rank, ts->op->name, v->name, err);
			MPI_Abort(MPI_COMM_WORLD, VB_EXIT_FAIL);
		}
	} else {
		v->fn(call);
	}
	return MPI_Wtime() - t0;
}

int64_t vb_mpi_iterations(const vb_op *op, int vi, const int64_t *dim, uint64_t seed, double min_time) {
	const vb_variant *v = &op->variants[vi];
	vb_tensors ref, ts;
	if (vb_tensors_alloc(&ref, op, dim, VB_F64) != 0 || vb_fill_inputs(&ref, seed, 1.0) != 0 ||
	    vb_tensors_alloc(&ts, op, dim, v->dtype) != 0)
		vb_die(VB_EXIT_USAGE, "out of memory for %s", op->name);
	vb_tensors_convert(&ts, &ref, 1);
	vb_tensors_free(&ref);
	vb_arena *ws = vb_arena_new();
	vb_call call = {.dim = ts.dim, .t = ts.ptr, .ws = ws};
	/* Untimed steps, as the benchmark runs them (barrier, step, reduction), for
	 * a tenth of min_time after a warm-up: their mean wall time counts the
	 * pauses a busy machine inflicts, which a few quick steps would miss. The
	 * elapsed time is reduced with each step, so every rank stops at the same one. */
	double target = min_time > 0 ? min_time : 0.5, t_start = 0, elapsed = 0;
	int64_t n = 0;
	for (int i = 0;; i++) {
		vb_arena_reset(ws);
		watch(1);
		MPI_Barrier(MPI_COMM_WORLD);
		if (i == 1) t_start = MPI_Wtime();
		timed_step(v, &call, &ts);
		double mine = i >= 1 ? MPI_Wtime() - t_start : 0;
		MPI_Allreduce(&mine, &elapsed, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
		watch(0);
		n += i >= 1;
		if (n >= 3 && (elapsed >= target / 10 || n >= 1000)) break;
	}
	vb_arena_free(ws);
	vb_tensors_free(&ts);
	double want = ceil(target / fmax(elapsed / (double)n, 1e-9));
	int64_t iters = (int64_t)fmin(fmax(want, 1), 1e6);
	/* the same on every rank already; rank 0's count is broadcast anyway */
	MPI_Bcast(&iters, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
	return iters;
}

void vb_mpi_bench(struct vb_bm_state *st, const vb_variant *v, const vb_call *call, vb_arena *ws) {
	double compute = 0, comm = 0;
	int64_t n = 0;
	while (vb_bm_keep_running(st)) {
		vb_arena_reset(ws);
		vb_mpi_step_begin(); /* steps start together: a step lasts until its slowest rank ends */
		double t[3];
		t[0] = timed_step(v, call, NULL);
		t[1] = last_call.compute, t[2] = last_call.comm;
		vb_mpi_step_end(t);
		vb_bm_set_iteration_time(st, t[0]);
		compute += t[1], comm += t[2], n++;
	}
	vb_mpi_step_counters(st, compute, comm, n);
}

void vb_mpi_step_begin(void) {
	watch(1);
	MPI_Barrier(MPI_COMM_WORLD);
}

void vb_mpi_step_end(double t[3]) {
	double slowest[3];
	MPI_Allreduce(t, slowest, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	watch(0);
	for (int i = 0; i < 3; i++)
		t[i] = slowest[i];
}

void vb_mpi_step_counters(struct vb_bm_state *st, double compute, double comm, int64_t n) {
	if (n == 0) return;
	vb_bm_counter(st, "world_size", world, 0);
	vb_bm_counter(st, "step_compute_us", compute / (double)n * 1e6, 0);
	vb_bm_counter(st, "step_comm_us", comm / (double)n * 1e6, 0);
	vb_bm_counter(st, "comm_bytes_per_step", last_call.bytes, VB_BM_BASE_1024);
}

int vb_mpi_checked_call(const vb_variant *v, const vb_call *call, vb_tensors *ts, char *msg, size_t len) {
	watch(1);
	timed_step(v, call, ts);
	uint64_t h = 0xcbf29ce484222325ULL;
	for (int i = 0; i < ts->n; i++)
		if (ts->op->tensors[i].dir != VB_IN)
			h = fnv1a(h, ts->ptr[i], (size_t)ts->numel[i] * vb_dtype_size(ts->dtype));
	int agree = all_agree(h);
	watch(0);
	if (agree) return 0;
	snprintf(msg, len, "the %d ranks' outputs differ after the step (they must agree bit for bit)", world);
	return -1;
}

void vb_mpi_context_register(void) {
	if (!active) return;
	char buf[4096];
	snprintf(buf, sizeof buf, "%d", world);
	vb_bm_add_context("world_size", buf);
	/* hosts: each distinct name with its rank count, in rank order */
	char name[MPI_MAX_PROCESSOR_NAME] = {0};
	int len;
	MPI_Get_processor_name(name, &len);
	char *all = VB_XMALLOC((size_t)world * MPI_MAX_PROCESSOR_NAME);
	MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
	buf[0] = 0;
	for (int r = 0; r < world; r++) {
		const char *h = all + (size_t)r * MPI_MAX_PROCESSOR_NAME;
		int seen = 0, count = 0;
		for (int q = 0; q < world; q++) {
			const char *o = all + (size_t)q * MPI_MAX_PROCESSOR_NAME;
			if (!strcmp(o, h)) seen |= q < r, count++;
		}
		if (seen) continue;
		size_t used = strlen(buf);
		snprintf(buf + used, sizeof buf - used, "%s%s x%d", used ? ", " : "", h, count);
	}
	free(all);
	vb_bm_add_context("mpi_hosts", buf);
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	MPI_Get_library_version(lib, &len);
	lib[strcspn(lib, "\n")] = 0;
	vb_bm_add_context("mpi_library", lib);
	/* Open MPI picks its transport per peer (shared memory on one host, TCP or
	 * a fabric between hosts); what the user forced is recorded as given. */
	buf[0] = 0;
	static const char *const mca[] = {"pml", "btl", "coll", "mpi_yield_when_idle"};
	for (size_t i = 0; i < sizeof mca / sizeof mca[0]; i++) {
		char var[64];
		snprintf(var, sizeof var, "OMPI_MCA_%s", mca[i]);
		const char *val = getenv(var);
		size_t used = strlen(buf);
		snprintf(buf + used, sizeof buf - used, "%s%s=%s", used ? " " : "", mca[i], val ? val : "default");
	}
	vb_bm_add_context("mpi_transport", buf);
	const char *omp = getenv("OMP_NUM_THREADS");
	vb_bm_add_context("mpi_threads_per_rank", omp ? omp : "unset");
}

#endif
