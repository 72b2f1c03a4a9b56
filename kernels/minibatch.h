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

/* Variant lists (harness/vb.h). mlp_sgd_epoch: mlp_train_step's loop and vec
 * per batch (reference/mlp_epoch.c), its CUDA pair likewise. */
/* clang-format off */
#define LINREG_SGD_EPOCH_VARIANTS(V) VB_STD_VARIANTS(V, linreg_sgd_epoch)
#define MLP_SGD_EPOCH_VARIANTS(V)                                                                                      \
	V(mlp_sgd_epoch, loop, REF)                                                                                    \
	V(mlp_sgd_epoch, vec, REF)                                                                                     \
	V(mlp_sgd_epoch, cuda_loop, CUDA)                                                                              \
	V(mlp_sgd_epoch, cuda_vec, CUDA)
#define MINIBATCH_VARIANTS(V)                                                                                          \
	LINREG_SGD_EPOCH_VARIANTS(V)                                                                                   \
	MLP_SGD_EPOCH_VARIANTS(V)
VB_DECLARE_VARIANTS(MINIBATCH_VARIANTS)
/* clang-format on */

#ifdef __cplusplus
}
#endif
#endif
