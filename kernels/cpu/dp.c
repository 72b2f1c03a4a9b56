/* The data-parallel MLP training step: the global batch of m examples split
 * over the MPI ranks (shards differing by at most one example), each rank's
 * gradients computed by the vec kernels (mlp_vec.inc, the same code as
 * mlp_train_step's vec variant) as the sum over its shard times 1/m, so that
 * the sum over the ranks is the whole batch's mean gradient; then summed
 * across the ranks three ways, and the same SGD update on every rank. */
#ifdef VB_HAVE_MPI

#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "dp.h"
#include "mlp.h"
#include "vmath.h"

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, T_OUT };

typedef enum { DP_LOOP, DP_VEC, DP_OVERLAP } dp_comm;

/* The step in progress, for the hook backpropagation calls per layer. */
static struct {
	dp_comm how;
	float *g[6]; /* dW1 db1 dW2 db2 dW3 db3, one contiguous buffer */
	int64_t n[6];
	MPI_Request req[3];
	double hook_s; /* seconds spent starting all-reduces inside backpropagation */
} step;

/* Layer l's gradients (dW_l, db_l: adjacent in the buffer) are final:
 * dp_overlap starts their all-reduce while backpropagation goes on. */
static void grad_ready(int layer) {
	if (step.how != DP_OVERLAP) return;
	double t0 = MPI_Wtime();
	int w = 2 * (layer - 1);
	MPI_Iallreduce(MPI_IN_PLACE, step.g[w], (int)(step.n[w] + step.n[w + 1]), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
	               &step.req[layer - 1]);
	step.hook_s += MPI_Wtime() - t0;
}
#define MLP_GRAD_READY(layer) grad_ready(layer)

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

static void update(const vb_call *c) {
	for (int l = 0; l < 6; l++) {
		float *w = c->t[T_W1 + l];
		const float *g = step.g[l];
#pragma omp simd
		for (int64_t j = 0; j < step.n[l]; j++)
			w[j] -= (float)MLP_LR * g[j];
	}
}

static void dp_step(const vb_call *c, dp_comm how) {
	MPI_Comm comm = MPI_COMM_WORLD;
	int rank, world;
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &world);
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	double t0 = MPI_Wtime();
	/* this rank's shard: rows [first, first + rows) */
	int64_t base = m / world, extra = m % world;
	int64_t rows = base + (rank < extra), first = rank * base + (rank < extra ? rank : extra);
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

	int64_t n[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k}, total = 0, widest = 0;
	for (int l = 0; l < 6; l++)
		total += n[l], widest = n[l] > widest ? n[l] : widest;
	float *G = vb_scratch(c, sizeof(float) * (size_t)total);
	step.how = how;
	step.hook_s = 0;
	for (int l = 0, off = 0; l < 6; off += (int)n[l], l++)
		step.g[l] = G + off, step.n[l] = n[l];
	void *const dst[6] = {step.g[0], step.g[1], step.g[2], step.g[3], step.g[4], step.g[5]};

	if (rows > 0) {
		int64_t rw = rows, wide = h1 > h2 ? h1 : h2;
		float *A1 = vb_scratch(c, sizeof(float) * (size_t)(rw * h1)),
		      *A2 = vb_scratch(c, sizeof(float) * (size_t)(rw * h2)),
		      *P = vb_scratch(c, sizeof(float) * (size_t)(rw * k)),
		      *dA2 = vb_scratch(c, sizeof(float) * (size_t)(rw * h2)),
		      *dA1 = vb_scratch(c, sizeof(float) * (size_t)(rw * h1)),
		      *sum = vb_scratch(c, sizeof(float) * (size_t)(wide > k ? wide : k));
		forward_f32(&shard, A1, A2, P, 0);
		/* alpha 1, beta 0: the gradient itself, scaled by the whole batch's 1/m */
		backward_ws_f32(&shard, A1, A2, P, 1 / (float)m, 1, 0, dst, dA2, dA1, sum);
	} else { /* more ranks than examples (`vecbench run` refuses it): nothing to add */
		for (int64_t j = 0; j < total; j++)
			G[j] = 0;
		for (int layer = 3; layer >= 1; layer--)
			grad_ready(layer);
	}
	double compute = MPI_Wtime() - t0 - step.hook_s;
	if (rank == kill_rank()) _exit(9);

	if (how == DP_LOOP) { /* a parameter server on rank 0, one tensor per message */
		if (rank == 0) {
			float *recv = vb_scratch(c, sizeof(float) * (size_t)widest);
			for (int r = 1; r < world; r++)
				for (int l = 0; l < 6; l++) {
					MPI_Recv(recv, (int)n[l], MPI_FLOAT, r, l, comm, MPI_STATUS_IGNORE);
					for (int64_t j = 0; j < n[l]; j++)
						step.g[l][j] += recv[j];
				}
			update(c);
		} else {
			for (int l = 0; l < 6; l++)
				MPI_Send(step.g[l], (int)n[l], MPI_FLOAT, 0, l, comm);
		}
		for (int l = 0; l < 6; l++)
			MPI_Bcast(c->t[T_W1 + l], (int)n[l], MPI_FLOAT, 0, comm);
	} else {
		if (how == DP_VEC)
			MPI_Allreduce(MPI_IN_PLACE, G, (int)total, MPI_FLOAT, MPI_SUM, comm);
		else
			MPI_Waitall(3, step.req, MPI_STATUSES_IGNORE);
		update(c);
	}
	/* All ranks together move 2 (world - 1) times the gradients per step:
	 * gather and broadcast for dp_loop, a ring all-reduce's count for the others. */
	double bytes = 2.0 * (world - 1) * (double)total * sizeof(float);
	vb_dist_record(compute, MPI_Wtime() - t0 - compute, bytes);
}

void mlp_dp_loop(const vb_call *c) { dp_step(c, DP_LOOP); }
void mlp_dp_vec(const vb_call *c) { dp_step(c, DP_VEC); }
void mlp_dp_overlap(const vb_call *c) { dp_step(c, DP_OVERLAP); }

#endif
