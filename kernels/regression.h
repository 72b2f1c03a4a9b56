/* Seed 002's linear and logistic regression, cost and gradient:
 * reference/regression.c (oracle, loop, semi), kernels/cpu/regression.c (vec),
 * kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_REGRESSION_H
#define VB_KERNELS_REGRESSION_H
#include "vb.h"

/* Variant lists (harness/vb.h). */
/* clang-format off */
#define LINREG_COST_VARIANTS(V) VB_SEMI_VARIANTS(V, linreg_cost)
#define LINREG_GRAD_VARIANTS(V) VB_SEMI_VARIANTS(V, linreg_grad)
#define LOGREG_COST_VARIANTS(V) VB_SEMI_VARIANTS(V, logreg_cost)
#define LOGREG_GRAD_VARIANTS(V) VB_SEMI_VARIANTS(V, logreg_grad)
#define REGRESSION_VARIANTS(V)                                                                                         \
	LINREG_COST_VARIANTS(V)                                                                                        \
	LINREG_GRAD_VARIANTS(V)                                                                                        \
	LOGREG_COST_VARIANTS(V)                                                                                        \
	LOGREG_GRAD_VARIANTS(V)
VB_DECLARE_VARIANTS(REGRESSION_VARIANTS)
/* clang-format on */
#endif
