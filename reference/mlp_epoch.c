/* Mini-batches: one epoch of SGD on the 3-layer MLP (784-256-128-10 by
 * default) over a fixed synthetic set X m*d, Y m*k (one-hot rows). For batch
 * starts s = 0, b, 2b, ... (the last batch bs = m - s <= b), one
 * mlp_train_step on rows s .. s+bs-1:
 *
 *     W <- W - MLP_LR dL_s/dW   for W1, b1, W2, b2, W3, b3, L_s the batch's mean loss
 *
 * The step is reference/mlp.c's (oracle, loop, error scale) and
 * kernels/cpu/mlp.c's (vec), called once per batch: b = 1 is the seeds'
 * example-by-example loop, larger b hands the GEMMs more rows per call.
 * The weights start as a network does (VB_FILL_INIT: fan-in scaled), so
 * 2^14 steps stay in the regime of small updates. */
#include <math.h>
#include <string.h>

#include "minibatch.h"
#include "mlp.h"

enum { M, D, H1, H2, K, B };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, NT };

extern const vb_op mlp_train_step;

static void param_sizes(const int64_t *n, int64_t p[6]) {
	int64_t s[6] = {n[H1] * n[D], n[H1], n[H2] * n[H1], n[H2], n[K] * n[H2], n[K]};
	memcpy(p, s, sizeof s);
}

/* Runs step(batch) for every batch of the epoch: the batch's rows of X and
 * Y, the weights `w` (the epoch's own tensors unless given), its scratch
 * released after each step. elem: bytes per element of the tensors. */
static void each_batch(const vb_call *c, size_t elem, void *const *w, void (*step)(const vb_call *)) {
	int64_t m = c->dim[M], d = c->dim[D], k = c->dim[K], b = c->dim[B];
	int64_t dim[VB_MAX_DIMS] = {0};
	memcpy(dim, c->dim, sizeof(int64_t) * (K + 1));
	void *t[NT];
	for (int i = T_W1; i < NT; i++)
		t[i] = w ? w[i - T_W1] : c->t[i];
	const vb_call sub = {.dim = dim, .t = t, .ws = c->ws};
	for (int64_t s = 0; s < m; s += b) {
		dim[M] = m - s < b ? m - s : b;
		t[T_X] = (char *)c->t[T_X] + (size_t)(s * d) * elem;
		t[T_Y] = (char *)c->t[T_Y] + (size_t)(s * k) * elem;
		vb_scratch_mark mark = vb_scratch_save(c);
		step(&sub);
		vb_scratch_release(c, mark);
	}
}

static void mlp_sgd_epoch_oracle(const vb_call *c) { each_batch(c, sizeof(double), NULL, mlp_train_step.oracle); }
static void mlp_sgd_epoch_loop(const vb_call *c) { each_batch(c, sizeof(float), NULL, mlp_train_step_loop); }
static void mlp_sgd_epoch_vec(const vb_call *c) { each_batch(c, sizeof(float), NULL, mlp_train_step_vec); }

/* ---- error scale, in units of u ----
 * First order, the float32 weights after step t are off by e_t, and
 *   e_{t+1} = (I - MLP_LR H_t) e_t + l_t,
 * H_t the batch loss's Hessian, l_t the step's own rounding error, which
 * mlp_train_step's scale bounds at the oracle's iterate (probabilistic
 * products, ReLU flips allowed; see reference/mlp.c). With the fan-in
 * scaled start the steps are small (MLP_LR |H_t| << 1), so the epoch's error
 * is the sum of the steps' own: independent roundings, a random walk, bounded
 * by EPOCH_LAMBDA sqrt(sum_t l_t^2), each l_t evaluated at its iterate of the
 * float64 trajectory. The ratio err/bound in the check table shows the
 * margin this leaves at each batch size. */
/* Each step's scale is itself a worst case, 3 to 10 times the step's real
 * error (mlp_train_step's err/bound): one of them over the walk's
 * root-sum-square keeps that margin (one step: the step's own bound). */
#define EPOCH_LAMBDA 1.0

static void mlp_sgd_epoch_mag(const vb_call *c) {
	int64_t n[6];
	param_sizes(c->dim, n);
	/* three blocks in all: the step's own scale takes most of the arena's */
	int64_t total = 0;
	for (int l = 0; l < 6; l++)
		total += n[l];
	double *cur[6], *tmp[6], *sum[6];
	cur[0] = vb_scratch(c, sizeof(double) * (size_t)total);
	tmp[0] = vb_scratch(c, sizeof(double) * (size_t)total);
	sum[0] = vb_scratch(c, sizeof(double) * (size_t)total);
	for (int l = 0; l < 6; l++) {
		if (l) cur[l] = cur[l - 1] + n[l - 1], tmp[l] = tmp[l - 1] + n[l - 1], sum[l] = sum[l - 1] + n[l - 1];
		memcpy(cur[l], c->t[T_W1 + l], sizeof(double) * (size_t)n[l]);
		memset(sum[l], 0, sizeof(double) * (size_t)n[l]);
	}
	int64_t m = c->dim[M], d = c->dim[D], k = c->dim[K], b = c->dim[B];
	int64_t dim[VB_MAX_DIMS] = {0};
	memcpy(dim, c->dim, sizeof(int64_t) * (K + 1));
	void *t[NT];
	const vb_call sub = {.dim = dim, .t = t, .ws = c->ws};
	for (int64_t s = 0; s < m; s += b) {
		dim[M] = m - s < b ? m - s : b;
		t[T_X] = (double *)c->t[T_X] + s * d;
		t[T_Y] = (double *)c->t[T_Y] + s * k;
		vb_scratch_mark mark = vb_scratch_save(c);
		for (int l = 0; l < 6; l++) {
			memcpy(tmp[l], cur[l], sizeof(double) * (size_t)n[l]);
			t[T_W1 + l] = tmp[l];
		}
		mlp_train_step.mag(&sub); /* tmp: this step's scale */
		for (int l = 0; l < 6; l++) {
			for (int64_t j = 0; j < n[l]; j++)
				sum[l][j] += tmp[l][j] * tmp[l][j];
			t[T_W1 + l] = cur[l];
		}
		vb_scratch_release(c, mark);
		mark = vb_scratch_save(c);
		mlp_train_step.oracle(&sub); /* the next iterate */
		vb_scratch_release(c, mark);
	}
	/* The steps' roundings are independent: they add up as a random walk,
	 * sqrt(sum of squares) times EPOCH_LAMBDA, not as the plain sum (16
	 * times looser at 256 steps, loose enough to pass a dropped update). */
	for (int l = 0; l < 6; l++)
		for (int64_t j = 0; j < n[l]; j++)
			((double *)c->t[T_W1 + l])[j] = EPOCH_LAMBDA * sqrt(sum[l][j]);
}

/* ---- descriptor ---- */

static double weights(const int64_t *n) { return (double)n[D] * n[H1] + (double)n[H1] * n[H2] + (double)n[H2] * n[K]; }
static double units(const int64_t *n) { return (double)n[H1] + n[H2] + n[K]; }
static double steps(const int64_t *n) { return (double)((n[M] + n[B] - 1) / n[B]); }
/* mlp_train_step's count over the epoch's m examples, plus one update per step. */
static double epoch_flops(const int64_t *n) {
	double fwd = 2.0 * n[M] * weights(n) + 4.0 * n[M] * units(n);
	double bwd =
	    fwd + 2.0 * n[M] * weights(n) + 2.0 * n[M] * (weights(n) - (double)n[D] * n[H1]) + 3.0 * n[M] * units(n);
	return bwd + steps(n) * 2.0 * (weights(n) + units(n));
}
/* The data once; the weights read and written every step. */
static double epoch_bytes(const int64_t *n) {
	return 4.0 * n[M] * (n[D] + n[K]) + steps(n) * 8.0 * (weights(n) + units(n));
}

/* clang-format off */
#define EPOCH_INPUTS                                                                                           \
	{"X", VB_IN, M, D, VB_FILL_PROB}, {"Y", VB_IN, M, K, VB_FILL_ONEHOT_ROW}, {"W1", VB_INOUT, H1, D, VB_FILL_INIT}, \
	    {"b1", VB_INOUT, VB_ONE, H1, VB_FILL_INIT}, {"W2", VB_INOUT, H2, H1, VB_FILL_INIT},                         \
	    {"b2", VB_INOUT, VB_ONE, H2, VB_FILL_INIT}, {"W3", VB_INOUT, K, H2, VB_FILL_INIT},                          \
	    {"b3", VB_INOUT, VB_ONE, K, VB_FILL_INIT}
/* clang-format on */

/* 256 examples at batch sizes 1 to 4096 (a batch larger than m is the whole
 * set): its check (the float64 trajectory and its error scale, per batch
 * size) stays a few seconds. The seeds' set of 16384 examples:
 * run --op '^mlp_sgd_epoch$' --dims m=16384 (about 40 s of checks per batch size). */
const vb_op mlp_sgd_epoch = {
    .name = "mlp_sgd_epoch",
    .family = "minibatch",
    .seed = "advanced techniques: mini-batches (one epoch of the L-layer network)",
    .summary = "for each batch of b rows (the last one shorter): W <- W - 0.01 dL_batch/dW, every layer",
    .dims = {"m", "d", "h1", "h2", "k", "b"},
    .batch = "b",
    .lr = MLP_LR,
    .sizes = {{256, 784, 256, 128, 10, 16}},
    .sweep = {.dim = B, .values = {1, 4, 16, 64, 256, 1024, 4096}},
    .tensors = {EPOCH_INPUTS},
    .flops = epoch_flops,
    .bytes = epoch_bytes,
    .oracle = mlp_sgd_epoch_oracle,
    .mag = mlp_sgd_epoch_mag,
    .variants = {MLP_SGD_EPOCH_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mlp_sgd_epoch);
