/* Seed 002's two-layer sigmoid network (no bias units): reference/nn2.c
 * (oracle, loop, semi), kernels/cpu/nn2.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_NN2_H
#define VB_KERNELS_NN2_H
#include "vb.h"

void nn2_fwd_vec(const vb_call *c);
void nn2_bwd_vec(const vb_call *c);
/* nn2_bwd_vec's gradients scaled by inv_m (1/m of a larger batch when c holds
 * one shard of it) into D1, D2; d2_ready (or NULL) is called as soon as D2 is
 * final, before D1 is computed. */
void nn2_grad_vec(const vb_call *c, float inv_m, float *D1, float *D2, void (*d2_ready)(void));

VB_WEAK_KERNEL(nn2_fwd_cuda_loop);
VB_WEAK_KERNEL(nn2_fwd_cuda_vec);
VB_WEAK_KERNEL(nn2_bwd_cuda_loop);
VB_WEAK_KERNEL(nn2_bwd_cuda_vec);
#endif
