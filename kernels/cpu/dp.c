/* Data parallelism over MPI ranks: the global batch of m examples split over
 * the ranks (shards differing by at most one example), each rank's gradients
 * computed by the vec kernels (mlp_vec.inc, the code of mlp_train_step's vec
 * variant; nn2_grad_vec, nn2_bwd's) as the sum over its shard times 1/m, so
 * that the sum over the ranks is the whole batch's mean gradient; summed
 * across the ranks three ways; then the same SGD update on every rank (the
 * MLP step) or the mean gradient itself on every rank (nn2). */
#ifdef VB_HAVE_MPI

#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "dp.h"
#include "mlp.h"
#include "nn2.h"
#include "vmath.h"

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, T_OUT };

typedef enum { DP_LOOP, DP_VEC, DP_OVERLAP } dp_comm;

/* The step in progress: its gradient tensors (views into one buffer), what it
 * leaves on every rank, and dp_overlap's requests. */
static struct {
	dp_comm how;
	int nt;
	float *g[6];
	int64_t n[6];
	float *result[6]; /* the weights (updated: W -= lr g) or the mean gradient (result = g) */
	int update;
	MPI_Request req[6];
	int nreq;
	double hook_s; /* seconds spent starting all-reduces inside backpropagation */
} step;

/* Tensors [first, first + count) (adjacent in the buffer) are final:
 * dp_overlap starts their all-reduce while backpropagation goes on. */
static void grad_ready(int first, int count) {
	if (step.how != DP_OVERLAP) return;
	double t0 = MPI_Wtime();
	int64_t len = 0;
	for (int l = first; l < first + count; l++)
		len += step.n[l];
	MPI_Iallreduce(MPI_IN_PLACE, step.g[first], (int)len, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
	               &step.req[step.nreq++]);
	step.hook_s += MPI_Wtime() - t0;
}
/* mlp_vec.inc: layer l's dW_l, db_l are tensors 2(l - 1) and 2(l - 1) + 1 */
#define MLP_GRAD_READY(layer) grad_ready(2 * ((layer)-1), 2)

static void exp_shifted_f32(float *e, const float *z, float zmax, int64_t n) {
#pragma omp simd
	for (int64_t o = 0; o < n; o++)
		e[o] = z[o] - zmax;
	vf_map1(e, e, n, vf_exp);
}

/* Only the forward and backward passes are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#define REAL float
#define GEMM cblas_sgemm
#define LOG logf
#define FN(name) name##_f32
#include "mlp_vec.inc"
#undef REAL
#undef GEMM
#undef LOG
#undef FN
#pragma GCC diagnostic pop

/* Tests only: VB_DP_KILL_RANK=r makes rank r die in the middle of a step. */
static int kill_rank(void) {
	static int r = -2;
	if (r == -2) {
		const char *s = getenv("VB_DP_KILL_RANK");
		r = s && *s ? atoi(s) : -1;
	}
	return r;
}

/* This rank's shard of m examples: rows [first, first + rows). */
static void shard_of(int64_t m, int rank, int world, int64_t *first, int64_t *rows) {
	int64_t base = m / world, extra = m % world;
	*rows = base + (rank < extra);
	*first = rank * base + (rank < extra ? rank : extra);
}

/* Lays out the gradients in one buffer (the order backpropagation fills them in is the caller's). */
static float *begin(const vb_call *c, dp_comm how, int nt, const int64_t *n, int update) {
	int64_t total = 0;
	for (int l = 0; l < nt; l++)
		total += n[l];
	float *G = vb_scratch(c, sizeof(float) * (size_t)total);
	step.how = how, step.nt = nt, step.update = update, step.nreq = 0, step.hook_s = 0;
	for (int l = 0, off = 0; l < nt; off += (int)n[l], l++)
		step.g[l] = G + off, step.n[l] = n[l];
	return G;
}

static void apply(void) {
	for (int l = 0; l < step.nt; l++) {
		float *r = step.result[l];
		const float *g = step.g[l];
		if (step.update) {
#pragma omp simd
			for (int64_t j = 0; j < step.n[l]; j++)
				r[j] -= (float)MLP_LR * g[j];
		} else {
#pragma omp simd
			for (int64_t j = 0; j < step.n[l]; j++)
				r[j] = g[j];
		}
	}
}

/* After backpropagation on the shard (compute seconds, from t0): the sum
 * over the ranks, the result on every rank, the split recorded. */
static void finish(const vb_call *c, double t0, double compute) {
	MPI_Comm comm = MPI_COMM_WORLD;
	int rank, world;
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &world);
	if (rank == kill_rank()) _exit(9);
	int64_t total = 0, widest = 0;
	for (int l = 0; l < step.nt; l++)
		total += step.n[l], widest = step.n[l] > widest ? step.n[l] : widest;
	if (step.how == DP_LOOP) { /* a parameter server on rank 0, one tensor per message */
		if (rank == 0) {
			float *recv = vb_scratch(c, sizeof(float) * (size_t)widest);
			for (int r = 1; r < world; r++)
				for (int l = 0; l < step.nt; l++) {
					MPI_Recv(recv, (int)step.n[l], MPI_FLOAT, r, l, comm, MPI_STATUS_IGNORE);
					for (int64_t j = 0; j < step.n[l]; j++)
						step.g[l][j] += recv[j];
				}
			apply();
		} else {
			for (int l = 0; l < step.nt; l++)
				MPI_Send(step.g[l], (int)step.n[l], MPI_FLOAT, 0, l, comm);
		}
		for (int l = 0; l < step.nt; l++)
			MPI_Bcast(step.result[l], (int)step.n[l], MPI_FLOAT, 0, comm);
	} else {
		if (step.how == DP_VEC)
			MPI_Allreduce(MPI_IN_PLACE, step.g[0], (int)total, MPI_FLOAT, MPI_SUM, comm);
		else
			MPI_Waitall(step.nreq, step.req, MPI_STATUSES_IGNORE);
		apply();
	}
	/* All ranks together move 2 (world - 1) times the gradients per step:
	 * gather and broadcast for dp_loop, a ring all-reduce's count for the others. */
	double bytes = 2.0 * (world - 1) * (double)total * sizeof(float);
	vb_dist_record(compute, MPI_Wtime() - t0 - compute, bytes);
}

/* ---- the MLP training step: the weights after one SGD step on every rank ---- */

static void mlp_dp_step(const vb_call *c, dp_comm how) {
	int rank, world;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	double t0 = MPI_Wtime();
	int64_t first, rows;
	shard_of(m, rank, world, &first, &rows);
	int64_t dim[VB_MAX_DIMS] = {0};
	for (int i = 0; i <= K; i++)
		dim[i] = c->dim[i];
	dim[M] = rows;
	void *t[T_B3 + 1];
	for (int i = 0; i <= T_B3; i++)
		t[i] = c->t[i];
	t[T_X] = (float *)c->t[T_X] + first * d;
	t[T_Y] = (float *)c->t[T_Y] + first * k;
	const vb_call shard = {.dim = dim, .t = t, .ws = c->ws};

	const int64_t n[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	float *G = begin(c, how, 6, n, 1);
	for (int l = 0; l < 6; l++)
		step.result[l] = c->t[T_W1 + l];
	void *const dst[6] = {step.g[0], step.g[1], step.g[2], step.g[3], step.g[4], step.g[5]};
	if (rows > 0) {
		int64_t wide = h1 > h2 ? h1 : h2;
		float *A1 = vb_scratch(c, sizeof(float) * (size_t)(rows * h1)),
		      *A2 = vb_scratch(c, sizeof(float) * (size_t)(rows * h2)),
		      *P = vb_scratch(c, sizeof(float) * (size_t)(rows * k)),
		      *dA2 = vb_scratch(c, sizeof(float) * (size_t)(rows * h2)),
		      *dA1 = vb_scratch(c, sizeof(float) * (size_t)(rows * h1)),
		      *sum = vb_scratch(c, sizeof(float) * (size_t)(wide > k ? wide : k));
		forward_f32(&shard, A1, A2, P, 0);
		/* alpha 1, beta 0: the gradient itself, scaled by the whole batch's 1/m */
		backward_ws_f32(&shard, A1, A2, P, 1 / (float)m, 1, 0, dst, dA2, dA1, sum);
	} else { /* more ranks than examples (`vecbench run` refuses it): nothing to add */
		for (int64_t j = 0; j < n[0] + n[1] + n[2] + n[3] + n[4] + n[5]; j++)
			G[j] = 0;
		for (int layer = 3; layer >= 1; layer--)
			MLP_GRAD_READY(layer);
	}
	finish(c, t0, MPI_Wtime() - t0 - step.hook_s);
}

void mlp_dp_loop(const vb_call *c) { mlp_dp_step(c, DP_LOOP); }
void mlp_dp_vec(const vb_call *c) { mlp_dp_step(c, DP_VEC); }
void mlp_dp_overlap(const vb_call *c) { mlp_dp_step(c, DP_OVERLAP); }

/* ---- seed 002's two-layer network: the batch's mean gradient on every rank ---- */

enum { NN2_M, NN2_N, NN2_H, NN2_K };
enum { NN2_X, NN2_Y, NN2_THETA1, NN2_THETA2, NN2_DTHETA1, NN2_DTHETA2 };

static void nn2_dtheta2_ready(void) { grad_ready(1, 1); }

static void nn2_dp_grad(const vb_call *c, dp_comm how) {
	int rank, world;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	int64_t m = c->dim[NN2_M], n = c->dim[NN2_N], h = c->dim[NN2_H], k = c->dim[NN2_K];
	double t0 = MPI_Wtime();
	int64_t first, rows;
	shard_of(m, rank, world, &first, &rows);
	int64_t dim[VB_MAX_DIMS] = {rows, n, h, k};
	void *t[NN2_THETA2 + 1] = {(float *)c->t[NN2_X] + first * n, (float *)c->t[NN2_Y] + first * k, c->t[NN2_THETA1],
	                           c->t[NN2_THETA2]};
	const vb_call shard = {.dim = dim, .t = t, .ws = c->ws};
	const int64_t sizes[2] = {h * n, k * h};
	float *G = begin(c, how, 2, sizes, 0);
	step.result[0] = c->t[NN2_DTHETA1], step.result[1] = c->t[NN2_DTHETA2];
	if (rows > 0) {
		nn2_grad_vec(&shard, 1.0f / (float)m, step.g[0], step.g[1], nn2_dtheta2_ready);
	} else {
		for (int64_t j = 0; j < sizes[0] + sizes[1]; j++)
			G[j] = 0;
		nn2_dtheta2_ready();
	}
	grad_ready(0, 1);
	finish(c, t0, MPI_Wtime() - t0 - step.hook_s);
}

void nn2_dp_loop(const vb_call *c) { nn2_dp_grad(c, DP_LOOP); }
void nn2_dp_vec(const vb_call *c) { nn2_dp_grad(c, DP_VEC); }
void nn2_dp_overlap(const vb_call *c) { nn2_dp_grad(c, DP_OVERLAP); }

#endif
