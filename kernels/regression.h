/* Seed 002's linear and logistic regression, cost and gradient:
 * reference/regression.c (oracle, loop, semi), kernels/cpu/regression.c (vec),
 * kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_REGRESSION_H
#define VB_KERNELS_REGRESSION_H
#include "vb.h"

void linreg_cost_vec(const vb_call *c);
void linreg_grad_vec(const vb_call *c);
void logreg_cost_vec(const vb_call *c);
void logreg_grad_vec(const vb_call *c);

VB_WEAK_KERNEL(linreg_cost_cuda_loop);
VB_WEAK_KERNEL(linreg_cost_cuda_vec);
VB_WEAK_KERNEL(linreg_grad_cuda_loop);
VB_WEAK_KERNEL(linreg_grad_cuda_vec);
VB_WEAK_KERNEL(logreg_cost_cuda_loop);
VB_WEAK_KERNEL(logreg_cost_cuda_vec);
VB_WEAK_KERNEL(logreg_grad_cuda_loop);
VB_WEAK_KERNEL(logreg_grad_cuda_vec);
#endif
