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
 * the update is one more rounding of lr |dW|, within the step's bound.
 * dp_cuda_vec does the same on GPUs with NCCL's sum (kernels/cuda/dp_nccl.cu). */
#include <string.h>

#include "dp.h"
#include "mlp.h"
#include "nn2.h"

extern const vb_op mlp_train_step, nn2_bwd;

static void dp_oracle(const vb_call *c) { mlp_train_step.oracle(c); }
static void dp_mag(const vb_call *c) { mlp_train_step.mag(c); }
static double dp_flops(const int64_t *dim) { return mlp_train_step.flops(dim); }
static double dp_bytes(const int64_t *dim) { return mlp_train_step.bytes(dim); }

enum { M, D, H1, H2, K };

/* Index of a variant by name (descriptors list loop first, but say so by name). */
static int variant_named(const vb_op *op, const char *name) {
	int i = 0;
	while (op->variants[i].name && strcmp(op->variants[i].name, name))
		i++;
	return i;
}

const vb_op dp_mlp_train_step = {
    .name = "dp_mlp_train_step",
    .family = "dp",
    .seed = "001 L-layer network: one SGD step, data-parallel over MPI ranks",
    .summary = "mlp_train_step with the batch split over the ranks, gradients summed across them (loop: to rank 0; "
               "vec: one all-reduce; overlap: one per layer during backprop)",
    .dims = {"m", "d", "h1", "h2", "k"},
    .batch = "m",
    .lr = MLP_LR,
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
    /* loop, vec, cuda_*: mlp_train_step's, one process on the whole batch (not with several MPI ranks) */
    .variants = {DP_MLP_TRAIN_STEP_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dp_mlp_train_step);

/* Seed 002's two-layer network (reference/nn2.c): the whole batch's mean
 * gradient dTheta on every rank, checked against nn2_bwd's oracle with its
 * bound (the same argument: the split reorders each m-term sum). */
enum { NN2_M, NN2_N, NN2_H, NN2_K };

static void nn2_dp_oracle(const vb_call *c) { nn2_bwd.oracle(c); }
static void nn2_dp_mag(const vb_call *c) { nn2_bwd.mag(c); }
static double nn2_dp_flops(const int64_t *dim) { return nn2_bwd.flops(dim); }
static double nn2_dp_bytes(const int64_t *dim) { return nn2_bwd.bytes(dim); }
/* nn2_bwd's loop variant, one process (reference/nn2.c keeps it static) */
static void nn2_loop(const vb_call *c) { nn2_bwd.variants[variant_named(&nn2_bwd, "loop")].fn(c); }

const vb_op dp_nn2_bwd = {
    .name = "dp_nn2_bwd",
    .family = "dp",
    .seed = "002 neural network: backpropagation, data-parallel over MPI ranks",
    .summary = "nn2_bwd with the batch split over the ranks, dTheta summed across them (loop: to rank 0; vec: one "
               "all-reduce; overlap: dTheta2's started before dTheta1 is computed)",
    .dims = {"m", "n", "h", "k"},
    .batch = "m",
    /* the course's exercise: 5000 digits of 400 pixels (a 40 KB gradient: compute-bound) */
    .sizes = {{5000, 400, 25, 10}},
    .tensors = {{"X", VB_IN, NN2_M, NN2_N},
                {"Y", VB_IN, NN2_M, NN2_K, VB_FILL_ONEHOT_ROW},
                {"Theta1", VB_IN, NN2_H, NN2_N},
                {"Theta2", VB_IN, NN2_K, NN2_H},
                {"dTheta1", VB_OUT, NN2_H, NN2_N},
                {"dTheta2", VB_OUT, NN2_K, NN2_H}},
    .flops = nn2_dp_flops,
    .bytes = nn2_dp_bytes,
    .oracle = nn2_dp_oracle,
    .mag = nn2_dp_mag,
    .variants = {DP_NN2_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dp_nn2_bwd);
