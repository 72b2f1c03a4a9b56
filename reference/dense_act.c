/* Dense layer with its activation fused, the way the textbook writes it.
 * The activation is ReLU, the MLP's hidden activation: its derivative needs
 * only the layer's output (relu'(Z) = [A > 0]), so the backward pass keeps A.
 *
 * Forward:   Z = X W^T + b,  A = relu(Z)         X m*d, W h*d, b 1*h, A m*h
 * Backward, from the upstream gradient dA (no 1/m: that belongs to the loss):
 *   Delta = dA (.) relu'(Z),  dW = Delta^T X,  db = sum_i Delta,  dX = Delta W
 * Chained over layers, this layer's dX is the previous layer's dA, so its
 * Delta_prev = (Delta W) (.) sigma'(Z_prev): the textbook's error propagation.
 */
#include "dense_act.h"

enum { M, D, H };

/* ---- forward ---- */

static void dense_act_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *X = c->t[0], *W = c->t[1], *b = c->t[2];
	double *A = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			double z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[j * d + k];
			A[i * h + j] = z > 0 ? z : 0;
		}
}

static void dense_act_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *A = c->t[3];
	for (int64_t i = 0; i < m; i++)           /* for each example */
		for (int64_t j = 0; j < h; j++) { /* for each unit */
			float z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * W[j * d + k];
			A[i * h + j] = z > 0 ? z : 0; /* the activation, on the unit's sum while it is at hand */
		}
}

/* ---- backward ---- */

static void dense_act_bwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *X = c->t[0], *W = c->t[1], *A = c->t[2], *dA = c->t[3];
	double *dW = c->t[4], *db = c->t[5], *dX = c->t[6];
	double *Delta = vb_scratch(c, sizeof(double) * (size_t)(m * h));
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++)
			Delta[i * h + j] = A[i * h + j] > 0 ? dA[i * h + j] : 0;
	/* Sums over examples accumulated row by row: contiguous inner loops, so the
	 * large sizes are checked in seconds. */
	for (int64_t j = 0; j < h; j++) {
		db[j] = 0;
		for (int64_t k = 0; k < d; k++)
			dW[j * d + k] = 0;
	}
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			db[j] += Delta[i * h + j];
			for (int64_t k = 0; k < d; k++)
				dW[j * d + k] += Delta[i * h + j] * X[i * d + k];
		}
	for (int64_t i = 0; i < m; i++) {
		for (int64_t k = 0; k < d; k++)
			dX[i * d + k] = 0;
		for (int64_t j = 0; j < h; j++)
			for (int64_t k = 0; k < d; k++)
				dX[i * d + k] += Delta[i * h + j] * W[j * d + k];
	}
}

/* The seed's form: one example at a time, its contribution accumulated. */
static void dense_act_bwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *W = c->t[1], *A = c->t[2], *dA = c->t[3];
	float *dW = c->t[4], *db = c->t[5], *dX = c->t[6];
	float *delta = vb_scratch(c, sizeof(float) * (size_t)h);
	for (int64_t j = 0; j < h; j++) {
		db[j] = 0;
		for (int64_t k = 0; k < d; k++)
			dW[j * d + k] = 0;
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		for (int64_t j = 0; j < h; j++)
			delta[j] = A[i * h + j] > 0 ? dA[i * h + j] : 0;
		for (int64_t j = 0; j < h; j++) {
			db[j] += delta[j];
			for (int64_t k = 0; k < d; k++)
				dW[j * d + k] += delta[j] * X[i * d + k];
		}
		for (int64_t k = 0; k < d; k++) {
			float s = 0;
			for (int64_t j = 0; j < h; j++)
				s += delta[j] * W[j * d + k];
			dX[i * d + k] = s;
		}
	}
}

/* ---- descriptors ---- */

static double fwd_flops(const int64_t *n) { return 2.0 * n[M] * n[D] * n[H] + 2.0 * n[M] * n[H]; }
static double fwd_bytes(const int64_t *n) { return 4.0 * (n[M] * n[D] + n[H] * n[D] + n[H] + n[M] * n[H]); }
/* d products and the bias per output, plus the rounding of 16-bit inputs
 * and output (the GPU's fp16/bf16 variants). */
static double fwd_depth(const int64_t *n) { return n[D] + 4.0; }
static double bwd_flops(const int64_t *n) { return 4.0 * n[M] * n[D] * n[H] + 2.0 * n[M] * n[H]; }
static double bwd_bytes(const int64_t *n) { return 4.0 * (2 * n[M] * n[D] + 2 * n[H] * n[D] + 2 * n[M] * n[H] + n[H]); }
/* dW and db sum over m examples, dX over h units. */
static double bwd_depth(const int64_t *n) { return (n[M] > n[H] ? n[M] : n[H]) + 2.0; }

/* The seed's layer (1000 examples, 50 inputs, 100 units), a training-sized
 * hidden layer, and a large batch through a narrow layer: X and dX are 32 MB
 * each, out of L3, while the loop backward stays near a second. */
/* clang-format off */
#define DENSE_ACT_SIZES {{1000, 50, 100}, {256, 784, 256}, {32768, 256, 64}}
/* clang-format on */

const vb_op dense_act_fwd = {
    .name = "dense_act_fwd",
    .family = "dense_act",
    .seed = "001 forward propagation: A = g(Z), Z = W X + b (row-major, g = ReLU)",
    .summary = "A = relu(X W^T + b)",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = DENSE_ACT_SIZES,
    .tensors = {{"X", VB_IN, M, D}, {"W", VB_IN, H, D}, {"b", VB_IN, VB_ONE, H}, {"A", VB_OUT, M, H}},
    .flops = fwd_flops,
    .bytes = fwd_bytes,
    .oracle = dense_act_fwd_oracle,
    .depth = fwd_depth,
    .exact_density = vb_exact_dense,
    .variants = {DENSE_ACT_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dense_act_fwd);

const vb_op dense_act_bwd = {
    .name = "dense_act_bwd",
    .family = "dense_act",
    .seed = "001 backpropagation: dZ = dA * g'(Z), dW = dZ X^T, db = sum dZ, dA_prev = W^T dZ (row-major)",
    .summary = "Delta = dA (.) [A > 0]; dW = Delta^T X, db = sum_i Delta, dX = Delta W "
               "(chained: Delta_prev = Delta W (.) relu'(Z_prev))",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = DENSE_ACT_SIZES,
    .tensors = {{"X", VB_IN, M, D},
                {"W", VB_IN, H, D},
                {"A", VB_IN, M, H},
                {"dA", VB_IN, M, H},
                {"dW", VB_OUT, H, D},
                {"db", VB_OUT, VB_ONE, H},
                {"dX", VB_OUT, M, D}},
    .flops = bwd_flops,
    .bytes = bwd_bytes,
    .oracle = dense_act_bwd_oracle,
    .depth = bwd_depth,
    .fwd = "dense_act_fwd",
    .exact_density = vb_exact_dense,
    .variants = {DENSE_ACT_BWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(dense_act_bwd);
