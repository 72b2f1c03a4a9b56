/* Seed 002's two-layer sigmoid network (no bias units): reference/nn2.c
 * (oracle, loop, semi), kernels/cpu/nn2.c (vec), kernels/cuda/ (cuda_*). */
#ifndef VB_KERNELS_NN2_H
#define VB_KERNELS_NN2_H
#include "vb.h"

void nn2_grad_vec(const vb_call *c, float inv_m, float *D1, float *D2, void (*d2_ready)(void));

/* Variant lists (harness/vb.h). */
/* clang-format off */
#define NN2_FWD_VARIANTS(V) VB_SEMI_VARIANTS(V, nn2_fwd)
#define NN2_BWD_VARIANTS(V) VB_SEMI_VARIANTS(V, nn2_bwd)
#define NN2_VARIANTS(V)                                                                                                \
	NN2_FWD_VARIANTS(V)                                                                                            \
	NN2_BWD_VARIANTS(V)
VB_DECLARE_VARIANTS(NN2_VARIANTS)
/* clang-format on */
#endif
