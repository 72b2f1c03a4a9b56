/* Memory layout: Z = X W^T + b with the weights given transposed, Wt d x h
 * (W[j][k] = Wt[k][j]): a row of W, which the product walks, is a view with
 * stride h. Same Z in every variant; what differs is how the strided
 * operand is read (in place, copied contiguous first, or through BLAS's
 * transpose flag) and whether the other operand is 64-byte aligned. */
#include "layout.h"

enum { M, D, H };

static void layout_fwd_oracle(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const double *X = c->t[0], *Wt = c->t[1], *b = c->t[2];
	double *Z = c->t[3];
#pragma omp parallel for
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			double z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * Wt[k * h + j];
			Z[i * h + j] = z;
		}
}

/* The strided view in place: W[j][k] is Wt[k * h + j], h floats apart. */
static void layout_fwd_loop(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const float *X = c->t[0], *Wt = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)           /* for each example */
		for (int64_t j = 0; j < h; j++) { /* for each unit */
			float z = b[j];
			for (int64_t k = 0; k < d; k++)
				z += X[i * d + k] * Wt[k * h + j];
			Z[i * h + j] = z;
		}
}

static double layout_flops(const int64_t *n) { return 2.0 * n[M] * n[D] * n[H] + n[M] * n[H]; }
static double layout_bytes(const int64_t *n) { return 4.0 * (n[M] * n[D] + n[H] * n[D] + n[H] + n[M] * n[H]); }
/* d products and the bias; vec_copy and the X copies move values without rounding. */
static double layout_depth(const int64_t *n) { return n[D] + 4.0; }

const vb_op layout_fwd = {
    .name = "layout_fwd",
    .family = "advanced",
    .seed = "advanced techniques: memory layout",
    .summary = "Z = X W^T + b, W given transposed (Wt d*h): strided in place, copied, or the BLAS transpose flag; "
               "X aligned or misaligned",
    .dims = {"m", "d", "h"},
    .batch = "m",
    .sizes = {{256, 784, 256}, {512, 1024, 512}}, /* strided in place: 7 s per call at 1024^3 */
    .tensors = {{"X", VB_IN, M, D}, {"Wt", VB_IN, D, H}, {"b", VB_IN, VB_ONE, H}, {"Z", VB_OUT, M, H}},
    .flops = layout_flops,
    .bytes = layout_bytes,
    .oracle = layout_fwd_oracle,
    .depth = layout_depth,
    .variants = {LAYOUT_FWD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(layout_fwd);
