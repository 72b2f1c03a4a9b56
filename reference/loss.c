/* Losses and their gradients, rows = examples (m examples, n outputs).
 * The 1/m of the batch mean belongs to the loss, so every gradient here
 * carries it (the layers' backward ops, e.g. dense_bwd, sum over examples):
 *
 *   mse_loss:           L = 1/(2m) sum_ij (A_ij - Y_ij)^2
 *   mse_grad:           dA = (A - Y) / m
 *   softmax_xent_loss:  L = -1/m sum_ij Y_ij log softmax(Z_i)_j
 *                         = 1/m sum_ij Y_ij (lse_i - Z_ij),  lse_i = log sum_k e^Z_ik
 *   softmax_xent_grad:  dZ = (softmax(Z) - Y) / m     (rows of Y sum to 1: one-hot labels)
 *   bce_loss:           L = -1/m sum_ij [Y_ij log A_ij + (1 - Y_ij) log(1 - A_ij)]
 *   bce_grad:           dA = (A - Y) / (A (1 - A) m)  (A in (0,1); Y soft labels in (0,1))
 *
 * Gradient ops are checked against finite differences of their loss op.
 * Each loss is the mean of per-example costs, summed example by example (as
 * the seeds write J += cost(i)): a rounding error then passes through at most
 * n + m additions, not m*n, and the bounds below say so. */
#include <math.h>

#include "loss.h"

enum { M, N };

/* ---- mean squared error ---- */

static void mse_loss_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *Y = c->t[1];
	double *L = c->t[2];
	double sum = 0;
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			sum += (A[i * n + j] - Y[i * n + j]) * (A[i * n + j] - Y[i * n + j]);
	L[0] = sum / (2.0 * m);
}

static void mse_loss_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float *L = c->t[2];
	float total = 0;
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float cost = 0;
		for (int64_t j = 0; j < n; j++) {
			float d = A[i * n + j] - Y[i * n + j];
			cost += d * d;
		}
		total += cost;
	}
	L[0] = total / (2.0f * (float)m);
}

/* Non-negative terms, each within 3u (difference, square), summed with at
 * most n - 1 additions per example and m + 1 over the examples (threads'
 * partial sums included); the division adds u. */
static void mse_loss_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	mse_loss_oracle(c);
	((double *)c->t[2])[0] *= (double)(n + m) + 4;
}

static void mse_grad_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *Y = c->t[1];
	double *dA = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dA[i * n + j] = (A[i * n + j] - Y[i * n + j]) / m;
}

/* Exact mode: the squares (grid 2^-6, at most 4) of about 2 density m n
 * nonzero differences, plus one per row, must sum below 2^18; 2^14 expected
 * nonzeros per input leave a margin of 4. */
static double mse_loss_exact_density(const int64_t *dim) {
	double p = 0x1p14 / ((double)dim[M] * (double)dim[N]);
	return p < 1 ? p : 1;
}

static void mse_grad_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float *dA = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dA[i * n + j] = (A[i * n + j] - Y[i * n + j]) / (float)m;
}

/* difference, then a division, or a reciprocal and a product */
static void mse_grad_mag(const vb_call *c) {
	int64_t mn = c->dim[M] * c->dim[N];
	mse_grad_oracle(c);
	double *dA = c->t[2];
	for (int64_t k = 0; k < mn; k++)
		dA[k] = 4 * fabs(dA[k]);
}

/* ---- softmax cross-entropy ---- */

/* Row i's max, sum_k e^(Z_ik - max) and log-sum-exp. */
static void xent_row(const double *z, int64_t n, double *zmax, double *sum, double *lse) {
	double mx = z[0], s = 0;
	for (int64_t k = 1; k < n; k++)
		mx = fmax(mx, z[k]);
	for (int64_t k = 0; k < n; k++)
		s += exp(z[k] - mx);
	*zmax = mx;
	*sum = s;
	*lse = mx + log(s);
}

static void softmax_xent_loss_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *Y = c->t[1];
	double *L = c->t[2];
	double total = 0, zmax, sum, lse;
	for (int64_t i = 0; i < m; i++) {
		xent_row(Z + i * n, n, &zmax, &sum, &lse);
		for (int64_t j = 0; j < n; j++)
			total += Y[i * n + j] * (lse - Z[i * n + j]);
	}
	L[0] = total / m;
}

static void softmax_xent_loss_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *Y = c->t[1];
	float *L = c->t[2];
	float total = 0;
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float zmax = Z[i * n];
		for (int64_t k = 1; k < n; k++)
			if (Z[i * n + k] > zmax) zmax = Z[i * n + k];
		float sum = 0;
		for (int64_t k = 0; k < n; k++)
			sum += expf(Z[i * n + k] - zmax);
		float lse = zmax + logf(sum), cost = 0;
		for (int64_t j = 0; j < n; j++)
			cost += Y[i * n + j] * (lse - Z[i * n + j]);
		total += cost;
	}
	L[0] = total / (float)m;
}

/* lse_i in float32 is off by u (n + 2e_exp + R_i) (the sum of exponentials,
 * as in softmax_fwd, R_i = the row's range), 2e_log u |log sum| (logf) and
 * u |lse_i| (the addition), each weighted by sum_j |Y_ij|; the non-negative
 * terms Y_ij (lse_i - Z_ij), each within 2u, are summed as in mse_loss. */
static void softmax_xent_loss_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *Y = c->t[1];
	double *L = c->t[2];
	double total = 0, zmax, sum, lse;
	for (int64_t i = 0; i < m; i++) {
		const double *z = Z + i * n, *y = Y + i * n;
		xent_row(z, n, &zmax, &sum, &lse);
		double zmin = z[0], ysum = 0, terms = 0;
		for (int64_t j = 0; j < n; j++) {
			zmin = fmin(zmin, z[j]);
			ysum += fabs(y[j]);
			terms += fabs(y[j] * (lse - z[j]));
		}
		double lse_err =
		    (double)n + 2 * VB_EXP_ULPS + (zmax - zmin) + 2 * VB_LOG_ULPS * fabs(log(sum)) + fabs(lse);
		total += ysum * lse_err + (double)(n + m + 4) * terms;
	}
	L[0] = total / m;
}

static void softmax_xent_grad_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *Y = c->t[1];
	double *dZ = c->t[2];
	double zmax, sum, lse;
	for (int64_t i = 0; i < m; i++) {
		xent_row(Z + i * n, n, &zmax, &sum, &lse);
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = (exp(Z[i * n + j] - zmax) / sum - Y[i * n + j]) / m;
	}
}

/* softmax, then minus the label, one row at a time. */
static void softmax_xent_grad_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *Z = c->t[0], *Y = c->t[1];
	float *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float zmax = Z[i * n];
		for (int64_t k = 1; k < n; k++)
			if (Z[i * n + k] > zmax) zmax = Z[i * n + k];
		float sum = 0;
		for (int64_t k = 0; k < n; k++) {
			dZ[i * n + k] = expf(Z[i * n + k] - zmax);
			sum += dZ[i * n + k];
		}
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = (dZ[i * n + j] / sum - Y[i * n + j]) / (float)m;
	}
}

/* softmax_fwd's scale for P = softmax(Z) (plus one u for a reciprocal), then
 * P - Y and the 1/m (a division, or a reciprocal and a product). */
static void softmax_xent_grad_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *Z = c->t[0], *Y = c->t[1];
	double *dZ = c->t[2];
	double zmax, sum, lse;
	for (int64_t i = 0; i < m; i++) {
		const double *z = Z + i * n;
		xent_row(z, n, &zmax, &sum, &lse);
		double zmin = z[0];
		for (int64_t j = 1; j < n; j++)
			zmin = fmin(zmin, z[j]);
		for (int64_t j = 0; j < n; j++) {
			double p = exp(z[j] - zmax) / sum;
			double p_err = (double)n + 4 + 4 * VB_EXP_ULPS + (zmax - zmin) + (zmax - z[j]);
			dZ[i * n + j] = (p * p_err + 4 * fabs(p - Y[i * n + j])) / m;
		}
	}
}

/* ---- binary cross-entropy ---- */

static void bce_loss_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *Y = c->t[1];
	double *L = c->t[2];
	double total = 0;
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			total += Y[i * n + j] * log(A[i * n + j]) + (1 - Y[i * n + j]) * log(1 - A[i * n + j]);
	L[0] = -total / m;
}

static void bce_loss_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float *L = c->t[2];
	float total = 0;
	for (int64_t i = 0; i < m; i++) { /* for each example */
		float cost = 0;
		for (int64_t j = 0; j < n; j++)
			cost += Y[i * n + j] * logf(A[i * n + j]) + (1 - Y[i * n + j]) * logf(1 - A[i * n + j]);
		total += cost;
	}
	L[0] = -total / (float)m;
}

/* Y log A: logf's 2e u relative and the product's u. (1 - Y) log(1 - A):
 * the same, plus u for rounding 1 - Y, plus an absolute u for rounding
 * 1 - A (log turns its relative error into an absolute one). Both terms
 * are <= 0, so they sum without cancellation, as in mse_loss. */
static void bce_loss_mag(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *Y = c->t[1];
	double *L = c->t[2];
	double own = 0, terms = 0;
	for (int64_t k = 0; k < m * n; k++) {
		double pos = fabs(Y[k] * log(A[k])), neg = fabs((1 - Y[k]) * log(1 - A[k]));
		own += (2 * VB_LOG_ULPS + 1) * pos + (2 * VB_LOG_ULPS + 2) * neg + fabs(1 - Y[k]);
		terms += pos + neg;
	}
	L[0] = (own + (double)(n + m + 4) * terms) / m;
}

static void bce_grad_oracle(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const double *A = c->t[0], *Y = c->t[1];
	double *dA = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dA[i * n + j] = (A[i * n + j] - Y[i * n + j]) / (A[i * n + j] * (1 - A[i * n + j]) * m);
}

static void bce_grad_loop(const vb_call *c) {
	int64_t m = c->dim[M], n = c->dim[N];
	const float *A = c->t[0], *Y = c->t[1];
	float *dA = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			dA[i * n + j] = (A[i * n + j] - Y[i * n + j]) / (A[i * n + j] * (1 - A[i * n + j]) * (float)m);
}

/* Six roundings at most: A - Y, 1 - A, two products (or a reciprocal of m
 * and a product), the division. */
static void bce_grad_mag(const vb_call *c) {
	int64_t mn = c->dim[M] * c->dim[N];
	bce_grad_oracle(c);
	double *dA = c->t[2];
	for (int64_t k = 0; k < mn; k++)
		dA[k] = 7 * fabs(dA[k]);
}

/* ---- descriptors ---- */

/* exp and log count as one FLOP each. */
static double mse_loss_flops(const int64_t *n) { return 3.0 * n[M] * n[N]; }
static double mse_grad_flops(const int64_t *n) { return 2.0 * n[M] * n[N]; }
static double xent_loss_flops(const int64_t *n) { return 7.0 * n[M] * n[N]; }
static double xent_grad_flops(const int64_t *n) { return 6.0 * n[M] * n[N]; }
static double bce_loss_flops(const int64_t *n) { return 7.0 * n[M] * n[N]; }
static double bce_grad_flops(const int64_t *n) { return 5.0 * n[M] * n[N]; }
static double loss_bytes(const int64_t *n) { return 4.0 * (2 * n[M] * n[N] + 1); }
static double grad_bytes(const int64_t *n) { return 4.0 * 3 * n[M] * n[N]; }

/* The MNIST output layer (10 classes) on a training batch, 1000 examples
 * of 100 outputs, and 8192 of 1000 (2 x 32 MiB of inputs, out of cache). */
#define LOSS_COMMON .family = "loss", .dims = {"m", "n"}, .batch = "m", .sizes = {{256, 10}, {1000, 100}, {8192, 1000}}

const vb_op mse_loss = {
    .name = "mse_loss",
    LOSS_COMMON,
    .seed = "002 linear regression cost, per output",
    .summary = "L = 1/(2m) sum_ij (A_ij - Y_ij)^2",
    .tensors = {{"A", VB_IN, M, N}, {"Y", VB_IN, M, N}, {"L", VB_OUT, VB_ONE, VB_ONE}},
    .flops = mse_loss_flops,
    .bytes = loss_bytes,
    .oracle = mse_loss_oracle,
    .mag = mse_loss_mag,
    .exact_density = mse_loss_exact_density,
    .exact_roundings = 2,
    .variants = {MSE_LOSS_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mse_loss);

const vb_op mse_grad = {
    .name = "mse_grad",
    LOSS_COMMON,
    .seed = "002 linear regression cost, derivative",
    .summary = "dA = (A - Y) / m",
    .tensors = {{"A", VB_IN, M, N}, {"Y", VB_IN, M, N}, {"dA", VB_OUT, M, N}},
    .flops = mse_grad_flops,
    .bytes = grad_bytes,
    .oracle = mse_grad_oracle,
    .mag = mse_grad_mag,
    .fwd = "mse_loss",
    .exact_density = vb_exact_dense,
    .exact_roundings = 2,
    .variants = {MSE_GRAD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(mse_grad);

const vb_op softmax_xent_loss = {
    .name = "softmax_xent_loss",
    LOSS_COMMON,
    .seed = "001 output layer cost, softmax + cross-entropy",
    .summary = "L = 1/m sum_ij Y_ij (logsumexp(Z_i) - Z_ij)",
    .tensors = {{"Z", VB_IN, M, N}, {"Y", VB_IN, M, N, VB_FILL_ONEHOT_ROW}, {"L", VB_OUT, VB_ONE, VB_ONE}},
    .flops = xent_loss_flops,
    .bytes = loss_bytes,
    .oracle = softmax_xent_loss_oracle,
    .mag = softmax_xent_loss_mag,
    .wide = VB_WIDE_STABLE,
    .variants = {SOFTMAX_XENT_LOSS_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(softmax_xent_loss);

const vb_op softmax_xent_grad = {
    .name = "softmax_xent_grad",
    LOSS_COMMON,
    .seed = "001 output layer cost, derivative (fused softmax - labels)",
    .summary = "dZ = (softmax(Z) - Y) / m",
    .tensors = {{"Z", VB_IN, M, N}, {"Y", VB_IN, M, N, VB_FILL_ONEHOT_ROW}, {"dZ", VB_OUT, M, N}},
    .flops = xent_grad_flops,
    .bytes = grad_bytes,
    .oracle = softmax_xent_grad_oracle,
    .mag = softmax_xent_grad_mag,
    .fwd = "softmax_xent_loss",
    .wide = VB_WIDE_STABLE,
    .variants = {SOFTMAX_XENT_GRAD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(softmax_xent_grad);

const vb_op bce_loss = {
    .name = "bce_loss",
    LOSS_COMMON,
    .seed = "002 logistic regression cost",
    .summary = "L = -1/m sum_ij [Y_ij log A_ij + (1 - Y_ij) log(1 - A_ij)]",
    .tensors = {{"A", VB_IN, M, N, VB_FILL_PROB}, {"Y", VB_IN, M, N, VB_FILL_PROB}, {"L", VB_OUT, VB_ONE, VB_ONE}},
    .flops = bce_loss_flops,
    .bytes = loss_bytes,
    .oracle = bce_loss_oracle,
    .mag = bce_loss_mag,
    .variants = {BCE_LOSS_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(bce_loss);

const vb_op bce_grad = {
    .name = "bce_grad",
    LOSS_COMMON,
    .seed = "002 logistic regression cost, derivative",
    .summary = "dA = (A - Y) / (A (1 - A) m)",
    .tensors = {{"A", VB_IN, M, N, VB_FILL_PROB}, {"Y", VB_IN, M, N, VB_FILL_PROB}, {"dA", VB_OUT, M, N}},
    .flops = bce_grad_flops,
    .bytes = grad_bytes,
    .oracle = bce_grad_oracle,
    .mag = bce_grad_mag,
    .fwd = "bce_loss",
    .variants = {BCE_GRAD_VARIANTS(VB_VARIANT_ROW)},
};
VB_REGISTER_OP(bce_grad);
