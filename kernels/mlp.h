/* The 3-layer MLP (X m*d -> h1 -> h2 -> k; ReLU hidden layers, softmax
 * cross-entropy output, Y one-hot rows): reference/mlp.c (oracle, loop),
 * reference/mlp_step.inc (the loop train step, also compiled by
 * kernels/cpu/mlp_autovec.c), kernels/cpu/mlp.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_MLP_H
#define VB_KERNELS_MLP_H
#include "vb.h"

/* The SGD step's learning rate: W <- W - MLP_LR * dL/dW, L the batch mean loss. */
#define MLP_LR 0.01

void mlp_train_step_loop(const vb_call *c); /* reference/mlp_step.inc; also per batch of mlp_sgd_epoch */

/* Variant lists (harness/vb.h).
 * mlp_bwd vec_accum: gradient accumulation over micro-batches.
 * mlp_train_step loop_autovec: the loop built for the compiler's
 * vectorizer; vec_1t: vec on one thread; vec_f64: float64 storage. */
/* clang-format off */
#define MLP_FWD_VARIANTS(V) VB_STD_VARIANTS(V, mlp_fwd)
#define MLP_BWD_VARIANTS(V)                                                                                            \
	V(mlp_bwd, loop, REF)                                                                                          \
	V(mlp_bwd, vec, CPU)                                                                                           \
	V(mlp_bwd, vec_accum, CPU)                                                                                     \
	V(mlp_bwd, cuda_loop, CUDA)                                                                                    \
	V(mlp_bwd, cuda_vec, CUDA)
#define MLP_TRAIN_STEP_VARIANTS(V)                                                                                     \
	V(mlp_train_step, loop, REF)                                                                                   \
	V(mlp_train_step, loop_autovec, CPU)                                                                           \
	V(mlp_train_step, vec, CPU)                                                                                    \
	VB_GEMM_BACKEND_VARIANTS(V, mlp_train_step)                                                                    \
	V(mlp_train_step, vec_1t, CPU)                                                                                 \
	V(mlp_train_step, vec_f64, F64)                                                                                \
	V(mlp_train_step, cuda_loop, CUDA)                                                                             \
	V(mlp_train_step, cuda_vec, CUDA)                                                                              \
	VB_CUDA_PRECISION_VARIANTS(V, mlp_train_step)
#define MLP_VARIANTS(V)                                                                                                \
	MLP_FWD_VARIANTS(V)                                                                                            \
	MLP_BWD_VARIANTS(V)                                                                                            \
	MLP_TRAIN_STEP_VARIANTS(V)
VB_DECLARE_VARIANTS(MLP_VARIANTS)
/* clang-format on */
#endif
