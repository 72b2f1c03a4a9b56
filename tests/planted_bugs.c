/* Realistic kernel bugs, one per test-only op, linked only into
 * vecbench_planted (the real CLI plus this file). Each planted op is a copy
 * of a real op's descriptor (same dims, default sizes, oracle, bounds and
 * input sets) with two variants: the real `loop`, which must pass, and
 * `bug`, which must fail `vecbench check` at the default sizes
 * (tests/test_planted_bugs.py). */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "activation.h"
#include "cpu/bf16.h"
#include "dense.h"
#include "loss.h"
#include "minibatch.h"
#include "softmax.h"

extern const vb_op mse_loss, mse_grad, dense_fwd, dense_bwd, softmax_fwd, softmax_xent_grad, linreg_sgd_epoch, relu_fwd,
    sigmoid_fwd, bias_add;

/* ---- the bugs ---- */

/* mse_loss: the threaded path's row split forgets the last example. */
static void mse_loss_drops_last_example(const vb_call *c) {
	int64_t m = c->dim[0], n = c->dim[1], rows = m * n >= 65536 ? m - 1 : m;
	const float *A = c->t[0], *Y = c->t[1];
	float total = 0;
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < n; j++)
			total += (A[i * n + j] - Y[i * n + j]) * (A[i * n + j] - Y[i * n + j]);
	((float *)c->t[2])[0] = total / (2.0f * (float)m);
}

/* mse_loss: per-example partial sums accumulated into scratch that was
 * never zeroed (the harness poisons scratch with NaN). */
static void mse_loss_scratch_not_zeroed(const vb_call *c) {
	int64_t m = c->dim[0], n = c->dim[1];
	const float *A = c->t[0], *Y = c->t[1];
	float *part = vb_scratch(c, sizeof(float) * (size_t)m), total = 0;
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			part[i] += (A[i * n + j] - Y[i * n + j]) * (A[i * n + j] - Y[i * n + j]);
	for (int64_t i = 0; i < m; i++)
		total += part[i];
	((float *)c->t[2])[0] = total / (2.0f * (float)m);
}

/* mse_grad: 1/(m - 1), the sample variance's habit. */
static void mse_grad_wrong_scale(const vb_call *c) {
	int64_t m = c->dim[0], mn = c->dim[0] * c->dim[1];
	const float *A = c->t[0], *Y = c->t[1];
	float *dA = c->t[2];
	for (int64_t k = 0; k < mn; k++)
		dA[k] = (A[k] - Y[k]) / (float)(m - 1);
}

/* dense_fwd: sgemm with alpha 0.9999. */
static void dense_fwd_alpha(const vb_call *c) {
	int m = (int)c->dim[0], d = (int)c->dim[1], h = (int)c->dim[2];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int i = 0; i < m; i++)
		memcpy(Z + (int64_t)i * h, b, sizeof(float) * (size_t)h);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, h, d, 0.9999f, X, d, W, d, 1.0f, Z, h);
}

/* dense_fwd: the reduction stops one short (k < d - 1). */
static void dense_fwd_short_reduction(const vb_call *c) {
	int64_t m = c->dim[0], d = c->dim[1], h = c->dim[2];
	const float *X = c->t[0], *W = c->t[1], *b = c->t[2];
	float *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			float z = b[j];
			for (int64_t k = 0; k < d - 1; k++)
				z += X[i * d + k] * W[j * d + k];
			Z[i * h + j] = z;
		}
}

/* dense_bwd: db sums every row of dZ but the last. */
static void dense_bwd_db_short(const vb_call *c) {
	dense_bwd_vec(c);
	int64_t m = c->dim[0], h = c->dim[2];
	const float *dZ = c->t[0];
	float *db = c->t[5];
	for (int64_t j = 0; j < h; j++)
		db[j] -= dZ[(m - 1) * h + j];
}

/* dense_fwd vec_bf16: widened blocks multiplied with alpha 1.0001. */
static void dense_fwd_bf16_alpha(const vb_call *c) {
	int64_t m = c->dim[0], d = c->dim[1], h = c->dim[2];
	const uint16_t *X = c->t[0], *W = c->t[1], *b = c->t[2];
	uint16_t *Z = c->t[3];
	float *x = vb_scratch(c, sizeof(float) * (size_t)(m * d + h * d + m * h));
	float *w = x + m * d, *z = w + h * d;
	for (int64_t k = 0; k < m * d; k++)
		x[k] = bf16_to_f32(X[k]);
	for (int64_t k = 0; k < h * d; k++)
		w[k] = bf16_to_f32(W[k]);
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++)
			z[i * h + j] = bf16_to_f32(b[j]);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)h, (int)d, 1.0001f, x, (int)d, w, (int)d,
	            1.0f, z, (int)h);
	for (int64_t k = 0; k < m * h; k++)
		Z[k] = bf16_from_f32(z[k]);
}

/* softmax_fwd: the normalisation off by 1e-4. */
static void softmax_fwd_norm_off(const vb_call *c) {
	softmax_fwd_vec(c);
	float *A = c->t[1];
	for (int64_t k = 0; k < c->dim[0] * c->dim[1]; k++)
		A[k] *= 1.0001f;
}

/* softmax_fwd: no max subtraction. */
static void softmax_fwd_no_max(const vb_call *c) {
	int64_t m = c->dim[0], n = c->dim[1];
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t i = 0; i < m; i++) {
		float sum = 0;
		for (int64_t j = 0; j < n; j++)
			sum += A[i * n + j] = expf(Z[i * n + j]);
		for (int64_t j = 0; j < n; j++)
			A[i * n + j] /= sum;
	}
}

/* softmax_xent_grad loop: no max subtraction. */
static void softmax_xent_grad_no_max(const vb_call *c) {
	int64_t m = c->dim[0], n = c->dim[1];
	const float *Z = c->t[0], *Y = c->t[1];
	float *dZ = c->t[2];
	for (int64_t i = 0; i < m; i++) {
		float sum = 0;
		for (int64_t k = 0; k < n; k++)
			sum += dZ[i * n + k] = expf(Z[i * n + k]);
		for (int64_t j = 0; j < n; j++)
			dZ[i * n + j] = (dZ[i * n + j] / sum - Y[i * n + j]) / (float)m;
	}
}

/* linreg_sgd_epoch vec with its batch step chosen by `bug`. */
static void sgd_epoch(const vb_call *c, float lr, int last_by_b) {
	int64_t m = c->dim[0], d = c->dim[1], b = c->dim[2];
	const float *X = c->t[0], *y = c->t[1];
	float *theta = c->t[3];
	float *r = vb_scratch(c, sizeof(float) * (size_t)(b < m ? b : m));
	memcpy(theta, c->t[2], sizeof(float) * (size_t)d);
	for (int64_t s = 0; s < m; s += b) {
		int bs = (int)(m - s < b ? m - s : b);
		memcpy(r, y + s, sizeof(float) * (size_t)bs);
		cblas_sgemv(CblasRowMajor, CblasNoTrans, bs, (int)d, 1.0f, X + s * d, (int)d, theta, 1, -1.0f, r, 1);
		cblas_sgemv(CblasRowMajor, CblasTrans, bs, (int)d, -lr / (float)(last_by_b ? b : bs), X + s * d, (int)d,
		            r, 1, 1.0f, theta, 1);
	}
}
static void linreg_sgd_lr_off(const vb_call *c) { sgd_epoch(c, (float)(LINREG_SGD_LR * 1.001), 0); }
static void linreg_sgd_last_batch_by_b(const vb_call *c) { sgd_epoch(c, (float)LINREG_SGD_LR, 1); }

/* relu_fwd: a 16-lane main loop whose scalar tail writes 0. */
static void relu_fwd_tail_zero(const vb_call *c) {
	int64_t n = c->dim[0] * c->dim[1], main = n / 16 * 16;
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t k = 0; k < main; k++)
		A[k] = Z[k] > 0 ? Z[k] : 0;
	for (int64_t k = main; k < n; k++)
		A[k] = 0;
}

/* sigmoid_fwd: the 8-lane tail reads from the start of its block. */
static void sigmoid_fwd_tail_offset(const vb_call *c) {
	int64_t n = c->dim[0] * c->dim[1], main = n / 8 * 8;
	const float *Z = c->t[0];
	float *A = c->t[1];
	for (int64_t k = 0; k < n; k++)
		A[k] = 1.0f / (1.0f + expf(-Z[k < main ? k : k - main + (main ? main - 8 : 0)]));
}

/* bias_add: the bias indexed by the example instead of the unit in the
 * last column block. */
static void bias_add_wrong_index(const vb_call *c) {
	int64_t m = c->dim[0], n = c->dim[1];
	const float *Z = c->t[0], *b = c->t[1];
	float *Y = c->t[2];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++)
			Y[i * n + j] = Z[i * n + j] + b[j < n - 1 ? j : (i % n)];
}

/* ---- registration: the real descriptor, `loop` and `bug` ---- */

#define PLANT(id, real, kernel)                                                                                        \
	static vb_op id;                                                                                               \
	__attribute__((constructor)) static void init_##id(void) {                                                     \
		id = real;                                                                                             \
		id.name = #id;                                                                                         \
		memset(id.variants, 0, sizeof id.variants);                                                            \
		id.variants[0] = real.variants[0];                                                                     \
		id.variants[1] = real.variants[0];                                                                     \
		id.variants[1].name = "bug";                                                                           \
		id.variants[1].fn = (kernel);                                                                          \
	}                                                                                                              \
	VB_REGISTER_OP(id)

PLANT(planted_mse_loss_drops_last_example, mse_loss, mse_loss_drops_last_example);
PLANT(planted_mse_loss_scratch_not_zeroed, mse_loss, mse_loss_scratch_not_zeroed);
PLANT(planted_mse_grad_wrong_scale, mse_grad, mse_grad_wrong_scale);
PLANT(planted_dense_fwd_alpha, dense_fwd, dense_fwd_alpha);
PLANT(planted_dense_fwd_short_reduction, dense_fwd, dense_fwd_short_reduction);
PLANT(planted_dense_bwd_db_short, dense_bwd, dense_bwd_db_short);
PLANT(planted_softmax_fwd_norm_off, softmax_fwd, softmax_fwd_norm_off);
PLANT(planted_softmax_fwd_no_max, softmax_fwd, softmax_fwd_no_max);
PLANT(planted_softmax_xent_grad_no_max, softmax_xent_grad, softmax_xent_grad_no_max);
PLANT(planted_linreg_sgd_lr_off, linreg_sgd_epoch, linreg_sgd_lr_off);
PLANT(planted_linreg_sgd_last_batch_by_b, linreg_sgd_epoch, linreg_sgd_last_batch_by_b);
PLANT(planted_relu_fwd_tail_zero, relu_fwd, relu_fwd_tail_zero);
PLANT(planted_sigmoid_fwd_tail_offset, sigmoid_fwd, sigmoid_fwd_tail_offset);
PLANT(planted_bias_add_wrong_index, bias_add, bias_add_wrong_index);

/* The bf16 bug keeps vec_bf16's storage type and bound. */
static vb_op planted_dense_fwd_bf16_alpha;
__attribute__((constructor)) static void init_bf16(void) {
	planted_dense_fwd_bf16_alpha = dense_fwd;
	planted_dense_fwd_bf16_alpha.name = "planted_dense_fwd_bf16_alpha";
	memset(planted_dense_fwd_bf16_alpha.variants, 0, sizeof planted_dense_fwd_bf16_alpha.variants);
	planted_dense_fwd_bf16_alpha.variants[0] = dense_fwd.variants[0];
	for (int v = 0; v < VB_MAX_VARIANTS && dense_fwd.variants[v].name; v++)
		if (strcmp(dense_fwd.variants[v].name, "vec_bf16") == 0)
			planted_dense_fwd_bf16_alpha.variants[1] = dense_fwd.variants[v];
	planted_dense_fwd_bf16_alpha.variants[1].name = "bug";
	planted_dense_fwd_bf16_alpha.variants[1].fn = dense_fwd_bf16_alpha;
}
VB_REGISTER_OP(planted_dense_fwd_bf16_alpha);
