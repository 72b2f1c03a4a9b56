/* Seed 002's two-layer sigmoid network (no bias units): reference/nn2.c
 * (oracle, loop, semi), kernels/cpu/nn2.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_NN2_H
#define VB_KERNELS_NN2_H
#include "vb.h"

void nn2_fwd_vec(const vb_call *c);
void nn2_bwd_vec(const vb_call *c);

VB_WEAK_KERNEL(nn2_fwd_cuda_loop);
VB_WEAK_KERNEL(nn2_fwd_cuda_vec);
VB_WEAK_KERNEL(nn2_bwd_cuda_loop);
VB_WEAK_KERNEL(nn2_bwd_cuda_vec);
#endif
