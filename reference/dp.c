/* The data-parallel MLP training step: mlp_train_step (reference/mlp.c) with
 * the batch split over MPI ranks (kernels/cpu/dp.c). Its oracle is the
 * single-process step on the whole batch, so the check proves the ranks
 * together compute what one process does; every rank's weights are compared
 * with it, and with each other bit for bit (harness/mpi.c).
 *
 * The bound is mlp_train_step's. Splitting the batch changes only the order
 * of each gradient element's sum over the m examples: still m - 1 additions
 * (within the shards, then across the ranks), which the probabilistic bound's
 * sqrt(m) u sum|terms| covers in any order; the gradient rounded once before
 * the update is one more rounding of lr |dW|, within the step's bound. */
#include "dp.h"
#include "mlp.h"

extern const vb_op mlp_train_step;

static void dp_oracle(const vb_call *c) { mlp_train_step.oracle(c); }
static void dp_mag(const vb_call *c) { mlp_train_step.mag(c); }
static double dp_flops(const int64_t *dim) { return mlp_train_step.flops(dim); }
static double dp_bytes(const int64_t *dim) { return mlp_train_step.bytes(dim); }

enum { M, D, H1, H2, K };

#define DP_VARIANT(vname, f)                                                                                           \
	{ .name = (vname), .fn = (f), .dtype = VB_F32, .distributed = 1 }

const vb_op dp_mlp_train_step = {
    .name = "dp_mlp_train_step",
    .family = "dp",
    .seed = "001 L-layer network: one SGD step, data-parallel over MPI ranks",
    .summary = "mlp_train_step with the batch split over the ranks, gradients summed across them (loop: to rank 0; "
               "vec: one all-reduce; overlap: one per layer during backprop)",
    .dims = {"m", "d", "h1", "h2", "k"},
    /* a communication-bound batch and a compute-bound one */
    .sizes = {{256, 784, 256, 128, 10}, {2048, 784, 256, 128, 10}},
    .tensors = {{"X", VB_IN, M, D, VB_FILL_PROB},
                {"Y", VB_IN, M, K, VB_FILL_ONEHOT_ROW},
                {"W1", VB_INOUT, H1, D},
                {"b1", VB_INOUT, VB_ONE, H1},
                {"W2", VB_INOUT, H2, H1},
                {"b2", VB_INOUT, VB_ONE, H2},
                {"W3", VB_INOUT, K, H2},
                {"b3", VB_INOUT, VB_ONE, K}},
    .flops = dp_flops,
    .bytes = dp_bytes,
    .oracle = dp_oracle,
    .mag = dp_mag,
    /* loop and vec: mlp_train_step's, one process on the whole batch (not under mpirun with several ranks) */
    .variants = {VB_LOOP(mlp_train_step_loop), VB_VEC(mlp_train_step_vec), DP_VARIANT("dp_loop", mlp_dp_loop),
                 DP_VARIANT("dp_vec", mlp_dp_vec), DP_VARIANT("dp_overlap", mlp_dp_overlap)},
};
VB_REGISTER_OP(dp_mlp_train_step);
