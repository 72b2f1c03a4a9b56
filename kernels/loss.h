/* Losses and their gradients (rows = examples): reference/loss.c (oracle,
 * loop, descriptors), kernels/cpu/loss.c (vec), kernels/cuda (cuda_*). */
#ifndef VB_KERNELS_LOSS_H
#define VB_KERNELS_LOSS_H
#include "activation.h"

void mse_loss_vec(const vb_call *c);
void mse_grad_vec(const vb_call *c);
void softmax_xent_loss_vec(const vb_call *c);
void softmax_xent_grad_vec(const vb_call *c);
void bce_loss_vec(const vb_call *c);
void bce_grad_vec(const vb_call *c);

VB_WEAK_KERNEL(mse_loss_cuda_loop);
VB_WEAK_KERNEL(mse_loss_cuda_vec);
VB_WEAK_KERNEL(mse_grad_cuda_loop);
VB_WEAK_KERNEL(mse_grad_cuda_vec);
VB_WEAK_KERNEL(softmax_xent_loss_cuda_loop);
VB_WEAK_KERNEL(softmax_xent_loss_cuda_vec);
VB_WEAK_KERNEL(softmax_xent_grad_cuda_loop);
VB_WEAK_KERNEL(softmax_xent_grad_cuda_vec);
VB_WEAK_KERNEL(bce_loss_cuda_loop);
VB_WEAK_KERNEL(bce_loss_cuda_vec);
VB_WEAK_KERNEL(bce_grad_cuda_loop);
VB_WEAK_KERNEL(bce_grad_cuda_vec);
#endif
