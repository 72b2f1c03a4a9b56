/* Dense layer variants: reference/dense.c (oracle, loop), kernels/cpu/dense.c
 * (vec), kernels/cuda/dense.cu (cuda_*). */
#ifndef VB_KERNELS_DENSE_H
#define VB_KERNELS_DENSE_H
#include "vb.h"

void dense_fwd_oracle(const vb_call *c); /* reference/dense.c; shared with sparse_dense_fwd */
void dense_fwd_loop(const vb_call *c);
/* bfloat16 storage, float32 arithmetic: the blocks of vec_bf16 of dense_fwd (relu 0), dense_act_fwd (1). */
void dense_fwd_bf16_blocks(const vb_call *c, int relu);

/* Variant lists (harness/vb.h). vec_f64: float64 storage, dgemm; vec_bf16:
 * bfloat16 storage, float32 arithmetic (sgemm on widened blocks);
 * vec_bf16dp: AVX512_BF16 dot products (kernels/cpu/dense_bf16dp.c); vec_fp16:
 * float16 storage and AVX512_FP16 FMAs (kernels/cpu/dense_fp16ph.c). */
/* clang-format off */
#define DENSE_FWD_VARIANTS(V)                                                                                          \
	V(dense_fwd, loop, REF)                                                                                        \
	V(dense_fwd, vec, CPU)                                                                                         \
	VB_GEMM_BACKEND_VARIANTS(V, dense_fwd)                                                                         \
	V(dense_fwd, vec_f64, F64)                                                                                     \
	V(dense_fwd, vec_bf16, BF16)                                                                                   \
	V(dense_fwd, vec_bf16dp, BF16DP)                                                                               \
	V(dense_fwd, vec_fp16, FP16PH)                                                                                 \
	V(dense_fwd, cuda_loop, CUDA)                                                                                  \
	V(dense_fwd, cuda_vec, CUDA)                                                                                   \
	VB_CUDA_PRECISION_VARIANTS(V, dense_fwd)
#define DENSE_FWD_CM_VARIANTS(V) VB_STD_VARIANTS(V, dense_fwd_cm)
#define DENSE_BWD_VARIANTS(V)                                                                                          \
	V(dense_bwd, loop, REF)                                                                                        \
	V(dense_bwd, vec, CPU)                                                                                         \
	VB_GEMM_BACKEND_VARIANTS(V, dense_bwd)                                                                         \
	V(dense_bwd, vec_bf16, BF16)                                                                                   \
	V(dense_bwd, cuda_loop, CUDA)                                                                                  \
	V(dense_bwd, cuda_vec, CUDA)                                                                                   \
	VB_CUDA_PRECISION_VARIANTS(V, dense_bwd)
#define DENSE_BWD_CM_VARIANTS(V) VB_STD_VARIANTS(V, dense_bwd_cm)
#define DENSE_VARIANTS(V)                                                                                              \
	DENSE_FWD_VARIANTS(V)                                                                                          \
	DENSE_FWD_CM_VARIANTS(V)                                                                                       \
	DENSE_BWD_VARIANTS(V)                                                                                          \
	DENSE_BWD_CM_VARIANTS(V)
VB_DECLARE_VARIANTS(DENSE_VARIANTS)
/* clang-format on */
#endif
