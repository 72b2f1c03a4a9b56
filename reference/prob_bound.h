/* Pieces of the probabilistic error bounds of the network references
 * (reference/mlp.c explains them; nn2.c): the confidence factor, and the
 * float64 products the bounds (never the oracles) compute with dgemm. */
#ifndef VB_REFERENCE_PROB_BOUND_H
#define VB_REFERENCE_PROB_BOUND_H
#include <cblas.h>
#include <math.h>

#include "vb.h"

/* A length-K product is off by at most LAMBDA sqrt(K) u sum|terms| except
 * with probability 2 exp(-LAMBDA^2/2). */
#define LAMBDA 8.0

/* |a| (or a^2 when square), in scratch. */
static inline double *map_copy(const vb_call *c, const double *a, int64_t n, int square) {
	double *r = vb_scratch(c, sizeof(double) * (size_t)n);
	for (int64_t i = 0; i < n; i++)
		r[i] = square ? a[i] * a[i] : fabs(a[i]);
	return r;
}

/* C (m*n) = A B^T + beta C, A m*k, B n*k */
static inline void gemm_nt(int64_t m, int64_t n, int64_t k, const double *A, const double *B, double beta, double *C) {
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0, A, (int)k, B, (int)k, beta, C,
	            (int)n);
}
/* C (m*n) = A B + beta C, A m*k, B k*n */
static inline void gemm_nn(int64_t m, int64_t n, int64_t k, const double *A, const double *B, double beta, double *C) {
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, A, (int)k, B, (int)n, beta,
	            C, (int)n);
}
/* C (m*n) = A^T B + beta C, A k*m, B k*n */
static inline void gemm_tn(int64_t m, int64_t n, int64_t k, const double *A, const double *B, double beta, double *C) {
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, A, (int)m, B, (int)n, beta, C,
	            (int)n);
}

#endif
