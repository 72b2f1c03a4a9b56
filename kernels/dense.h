/* Dense layer variants: reference/dense.c (oracle, loop), kernels/cpu/dense.c
 * (vec), kernels/cuda/dense.cu (cuda_*). */
#ifndef VB_KERNELS_DENSE_H
#define VB_KERNELS_DENSE_H
#include "vb.h"

void dense_fwd_oracle(const vb_call *c); /* reference/dense.c; shared with sparse_dense_fwd */
void dense_fwd_loop(const vb_call *c);
void dense_fwd_vec(const vb_call *c);
void dense_fwd_bf16_blocks(const vb_call *c, int relu); /* vec_bf16 of dense_fwd (relu 0), dense_act_fwd (1) */
void dense_fwd_vec_f64(const vb_call *c);               /* float64 storage, dgemm */
void dense_fwd_cm_vec(const vb_call *c);
void dense_bwd_vec(const vb_call *c);
void dense_bwd_cm_vec(const vb_call *c);
/* bfloat16 storage, float32 arithmetic (cblas_sgemm on widened blocks). */
void dense_fwd_vec_bf16(const vb_call *c);
void dense_bwd_vec_bf16(const vb_call *c);
/* bfloat16 storage and AVX512_BF16 dot products (kernels/cpu/dense_bf16dp.c). */
void dense_fwd_vec_bf16dp(const vb_call *c);

/* The same on a named GEMM backend (kernels/gemm.h); NULL when not built in. */
void dense_fwd_vec_openblas(const vb_call *c);
void dense_bwd_vec_openblas(const vb_call *c);
VB_WEAK_KERNEL(dense_fwd_vec_blis);
VB_WEAK_KERNEL(dense_fwd_vec_dnnl);
VB_WEAK_KERNEL(dense_bwd_vec_blis);
VB_WEAK_KERNEL(dense_bwd_vec_dnnl);

VB_WEAK_KERNEL(dense_fwd_cuda_loop);
VB_WEAK_KERNEL(dense_fwd_cuda_vec);
VB_WEAK_KERNEL(dense_fwd_cm_cuda_loop);
VB_WEAK_KERNEL(dense_fwd_cm_cuda_vec);
VB_WEAK_KERNEL(dense_bwd_cuda_loop);
VB_WEAK_KERNEL(dense_bwd_cuda_vec);
VB_WEAK_KERNEL(dense_bwd_cm_cuda_loop);
VB_WEAK_KERNEL(dense_bwd_cm_cuda_vec);
VB_WEAK_KERNEL(dense_fwd_cuda_tf32);
VB_WEAK_KERNEL(dense_fwd_cuda_fp16);
VB_WEAK_KERNEL(dense_fwd_cuda_bf16);
VB_WEAK_KERNEL(dense_bwd_cuda_tf32);
VB_WEAK_KERNEL(dense_bwd_cuda_fp16);
VB_WEAK_KERNEL(dense_bwd_cuda_bf16);
#endif
