/* The 3-layer MLP (X m*d -> h1 -> h2 -> k; ReLU hidden layers, softmax
 * cross-entropy output, Y one-hot rows): reference/mlp.c (oracle, loop),
 * reference/mlp_step.inc (the loop train step, also compiled by
 * kernels/cpu/mlp_autovec.c), kernels/cpu/mlp.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_MLP_H
#define VB_KERNELS_MLP_H
#include "vb.h"

/* The SGD step's learning rate: W <- W - MLP_LR * dL/dW, L the batch mean loss. */
#define MLP_LR 0.01

/* The float16 step with loss scaling: float32 storage of its tensors, float16
 * copies inside, float32 arithmetic; checked at float32's unit against the
 * oracle's own float16 stores (reference/mlp.c). */
/* The bias test: float32 softmax and sums before the float16 stores shift
 * a whole update by up to 1.3e-4 (seen at m=2048), a quarter of float16's
 * unit roundoff; 2^-11 is its floor. */
#define VB_AMP16_FIELDS .dtype = VB_F32, .unit_roundoff = 0x1p-24, .bias_floor = 0x1p-11
#define VB_DECL_AMP16_REF VB_DECL_REF
#define VB_DECL_AMP16 VB_DECL_CPU
#define VB_DECL_CUDA_AMP16 VB_DECL_WEAK
#define VB_ROW_AMP16(n, f)                                                                                             \
	{ .name = (n), .fn = (f), VB_AMP16_FIELDS }
#define VB_ROW_AMP16_REF VB_ROW_AMP16
#define VB_ROW_CUDA_AMP16(n, f)                                                                                        \
	{ .name = (n), .fn = (f), VB_AMP16_FIELDS, .device = VB_CUDA }
/* mlp_train_step_amp's vec in two halves: G[l] (scratch, float32 holding
 * float16 values) = the gradients of the scaled loss S L for W1, b1, ...,
 * b3; the second half unscales, checks and updates (tests/test_amp.c plants
 * wrong second halves). */
void mlp_amp_scaled_gradients(const vb_call *c, float *G[6]);

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
/* mlp_train_step_amp: every variant is the float16 step (float32 master
 * weights and storage of the tensors, float16 inside: AMP16 rows). */
#define MLP_TRAIN_STEP_AMP_VARIANTS(V)                                                                                 \
	V(mlp_train_step_amp, loop, AMP16_REF)                                                                         \
	V(mlp_train_step_amp, vec, AMP16)                                                                              \
	V(mlp_train_step_amp, cuda_loop, CUDA_AMP16)                                                                   \
	V(mlp_train_step_amp, cuda_vec, CUDA_AMP16)
#define MLP_VARIANTS(V)                                                                                                \
	MLP_FWD_VARIANTS(V)                                                                                            \
	MLP_BWD_VARIANTS(V)                                                                                            \
	MLP_TRAIN_STEP_VARIANTS(V)                                                                                     \
	MLP_TRAIN_STEP_AMP_VARIANTS(V)
VB_DECLARE_VARIANTS(MLP_VARIANTS)
/* clang-format on */
#endif
