/* Dense layer with its activation fused (ReLU): reference/dense_act.c (oracle,
 * loop), kernels/cpu/dense_act.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_DENSE_ACT_H
#define VB_KERNELS_DENSE_ACT_H
#include "vb.h"

/* Variant lists (harness/vb.h). */
/* clang-format off */
#define DENSE_ACT_FWD_VARIANTS(V)                                                                                      \
	V(dense_act_fwd, loop, REF)                                                                                    \
	V(dense_act_fwd, vec, CPU)                                                                                     \
	VB_GEMM_BACKEND_VARIANTS(V, dense_act_fwd)                                                                     \
	V(dense_act_fwd, vec_bf16, BF16)                                                                               \
	V(dense_act_fwd, cuda_loop, CUDA)                                                                              \
	V(dense_act_fwd, cuda_vec, CUDA)                                                                               \
	VB_CUDA_PRECISION_VARIANTS(V, dense_act_fwd)
#define DENSE_ACT_BWD_VARIANTS(V) VB_STD_VARIANTS(V, dense_act_bwd)
#define DENSE_ACT_VARIANTS(V)                                                                                          \
	DENSE_ACT_FWD_VARIANTS(V)                                                                                      \
	DENSE_ACT_BWD_VARIANTS(V)
VB_DECLARE_VARIANTS(DENSE_ACT_VARIANTS)
/* clang-format on */
#endif
