/* Losses and their gradients (rows = examples): reference/loss.c (oracle,
 * loop, descriptors), kernels/cpu/loss.c (vec), kernels/cuda (cuda_*). */
#ifndef VB_KERNELS_LOSS_H
#define VB_KERNELS_LOSS_H
#include "activation.h"

/* Variant lists (harness/vb.h). */
/* clang-format off */
#define MSE_LOSS_VARIANTS(V) VB_STD_VARIANTS(V, mse_loss)
#define MSE_GRAD_VARIANTS(V) VB_STD_VARIANTS(V, mse_grad)
#define SOFTMAX_XENT_LOSS_VARIANTS(V) VB_STD_VARIANTS(V, softmax_xent_loss)
#define SOFTMAX_XENT_GRAD_VARIANTS(V) VB_STD_VARIANTS(V, softmax_xent_grad)
#define BCE_LOSS_VARIANTS(V) VB_STD_VARIANTS(V, bce_loss)
#define BCE_GRAD_VARIANTS(V) VB_STD_VARIANTS(V, bce_grad)
#define LOSS_VARIANTS(V)                                                                                               \
	MSE_LOSS_VARIANTS(V)                                                                                           \
	MSE_GRAD_VARIANTS(V)                                                                                           \
	SOFTMAX_XENT_LOSS_VARIANTS(V)                                                                                  \
	SOFTMAX_XENT_GRAD_VARIANTS(V)                                                                                  \
	BCE_LOSS_VARIANTS(V)                                                                                           \
	BCE_GRAD_VARIANTS(V)
VB_DECLARE_VARIANTS(LOSS_VARIANTS)
/* clang-format on */
#endif
