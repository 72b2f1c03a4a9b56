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
/* mlp_train_step_amp: float16 copies, float32 master weights, dynamic loss scale (kernels/cpu/mlp_amp.c) */
void mlp_train_step_amp_vec_fp16(const vb_call *c);
/* Its first half: G[l] (scratch, float32 holding float16 values) = the
 * gradients of the scaled loss S L for W1, b1, ..., b3; the second half
 * unscales, checks and updates (tests/test_amp.c plants wrong second halves). */
void mlp_amp_scaled_gradients(const vb_call *c, float *G[6]);

VB_WEAK_KERNEL(mlp_fwd_cuda_loop);
VB_WEAK_KERNEL(mlp_fwd_cuda_vec);
VB_WEAK_KERNEL(mlp_bwd_cuda_loop);
VB_WEAK_KERNEL(mlp_bwd_cuda_vec);
VB_WEAK_KERNEL(mlp_train_step_cuda_loop);
VB_WEAK_KERNEL(mlp_train_step_cuda_vec);
VB_WEAK_KERNEL(mlp_train_step_cuda_tf32);
VB_WEAK_KERNEL(mlp_train_step_cuda_fp16);
VB_WEAK_KERNEL(mlp_train_step_cuda_bf16);
VB_WEAK_KERNEL(mlp_train_step_amp_cuda_loop); /* float32 master weights, float16 step, dynamic loss scale */
VB_WEAK_KERNEL(mlp_train_step_amp_cuda_vec);
#endif
