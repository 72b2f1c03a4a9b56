/* The 3-layer MLP (X m*d -> h1 -> h2 -> k; ReLU hidden layers, softmax
 * cross-entropy output, Y one-hot rows): reference/mlp.c (oracle, loop),
 * reference/mlp_step.inc (the loop train step, also compiled by
 * kernels/cpu/mlp_autovec.c), kernels/cpu/mlp.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_MLP_H
#define VB_KERNELS_MLP_H
#include "vb.h"

/* The SGD step's learning rate: W <- W - MLP_LR * dL/dW, L the batch mean loss. */
#define MLP_LR 0.01

void mlp_fwd_vec(const vb_call *c);
void mlp_bwd_vec(const vb_call *c);
void mlp_bwd_vec_accum(const vb_call *c); /* gradient accumulation over micro-batches */
void mlp_train_step_loop(const vb_call *c);
void mlp_train_step_loop_autovec(const vb_call *c);
void mlp_train_step_vec(const vb_call *c);
void mlp_train_step_vec_1t(const vb_call *c);
void mlp_train_step_vec_openblas(const vb_call *c); /* on a named GEMM backend (kernels/gemm.h) */
VB_WEAK_KERNEL(mlp_train_step_vec_blis);
VB_WEAK_KERNEL(mlp_train_step_vec_dnnl);
void mlp_train_step_vec_f64(const vb_call *c);

VB_WEAK_KERNEL(mlp_fwd_cuda_loop);
VB_WEAK_KERNEL(mlp_fwd_cuda_vec);
VB_WEAK_KERNEL(mlp_bwd_cuda_loop);
VB_WEAK_KERNEL(mlp_bwd_cuda_vec);
VB_WEAK_KERNEL(mlp_train_step_cuda_loop);
VB_WEAK_KERNEL(mlp_train_step_cuda_vec);
VB_WEAK_KERNEL(mlp_train_step_cuda_tf32);
VB_WEAK_KERNEL(mlp_train_step_cuda_fp16);
VB_WEAK_KERNEL(mlp_train_step_cuda_bf16);
#endif
