/* Advanced techniques: mini-batch gradient descent. reference/minibatch.c
 * (oracle, loop, error bound), kernels/cpu/minibatch.c (vec),
 * kernels/cuda/minibatch.cu (cuda_*). */
#ifndef VB_KERNELS_MINIBATCH_H
#define VB_KERNELS_MINIBATCH_H
#include "vb.h"

#ifdef __cplusplus /* kernels/cuda/minibatch.cu reads LINREG_SGD_LR from here */
extern "C" {
#endif

/* Fixed learning rate of linreg_sgd_epoch. With fills |x| < 1 a step's
 * matrix I - lr/bs X_s^T X_s has eigenvalues in [1 - lr d, 1]: every step is
 * non-expansive while lr d <= 2 (d <= 200), whatever the batch size. */
#define LINREG_SGD_LR 0.01

void linreg_sgd_epoch_vec(const vb_call *c);

VB_WEAK_KERNEL(linreg_sgd_epoch_cuda_loop);
VB_WEAK_KERNEL(linreg_sgd_epoch_cuda_vec);
VB_WEAK_KERNEL(mlp_sgd_epoch_cuda_loop); /* mlp_train_step's per batch */
VB_WEAK_KERNEL(mlp_sgd_epoch_cuda_vec);

#ifdef __cplusplus
}
#endif
#endif
