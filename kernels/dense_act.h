/* Dense layer with its activation fused (ReLU): reference/dense_act.c (oracle,
 * loop), kernels/cpu/dense_act.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_DENSE_ACT_H
#define VB_KERNELS_DENSE_ACT_H
#include "vb.h"

void dense_act_fwd_vec(const vb_call *c);
void dense_act_bwd_vec(const vb_call *c);
void dense_act_fwd_vec_bf16(const vb_call *c); /* bfloat16 storage, float32 arithmetic */

void dense_act_fwd_vec_openblas(const vb_call *c); /* on a named GEMM backend (kernels/gemm.h) */
VB_WEAK_KERNEL(dense_act_fwd_vec_blis);
VB_WEAK_KERNEL(dense_act_fwd_vec_dnnl);

VB_WEAK_KERNEL(dense_act_fwd_cuda_loop);
VB_WEAK_KERNEL(dense_act_fwd_cuda_vec);
VB_WEAK_KERNEL(dense_act_fwd_cuda_tf32);
VB_WEAK_KERNEL(dense_act_fwd_cuda_fp16);
VB_WEAK_KERNEL(dense_act_fwd_cuda_bf16);
VB_WEAK_KERNEL(dense_act_bwd_cuda_loop);
VB_WEAK_KERNEL(dense_act_bwd_cuda_vec);
#endif
