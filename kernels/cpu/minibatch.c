/* Mini-batch gradient descent on linear regression, vectorized per batch:
 * r = X_s theta - y_s is one sgemv, theta -= lr/bs X_s^T r another. With
 * b = 1 these are length-d vector operations, one call pair per example. */
#include <cblas.h>
#include <string.h>

#include "minibatch.h"

enum { M, D, B };
enum { T_X, T_Y, T_THETA0, T_THETA };

void linreg_sgd_epoch_vec(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], b = c->dim[B];
	const float *X = c->t[T_X], *y = c->t[T_Y];
	float *theta = c->t[T_THETA];
	float *r = vb_scratch(c, sizeof(float) * (size_t)(b < m ? b : m));
	memcpy(theta, c->t[T_THETA0], sizeof(float) * (size_t)d);
	for (int64_t s = 0; s < m; s += b) {
		int bs = (int)(m - s < b ? m - s : b);
		/* start from y_s and let the sgemv subtract it (beta = -1) */
		memcpy(r, y + s, sizeof(float) * (size_t)bs);
		cblas_sgemv(CblasRowMajor, CblasNoTrans, bs, (int)d, 1.0f, X + s * d, (int)d, theta, 1, -1.0f, r, 1);
		cblas_sgemv(CblasRowMajor, CblasTrans, bs, (int)d, -(float)LINREG_SGD_LR / (float)bs, X + s * d, (int)d,
		            r, 1, 1.0f, theta, 1);
	}
}
