/* Row-wise softmax (rows = examples): reference/softmax.c (oracle, loop,
 * descriptors), kernels/cpu/softmax.c (vec), kernels/cuda (cuda_*). */
#ifndef VB_KERNELS_SOFTMAX_H
#define VB_KERNELS_SOFTMAX_H
#include "activation.h"

/* Variant lists (harness/vb.h). */
/* clang-format off */
#define SOFTMAX_FWD_VARIANTS(V) VB_STD_VARIANTS(V, softmax_fwd)
#define SOFTMAX_UNSTABLE_FWD_VARIANTS(V) VB_STD_VARIANTS(V, softmax_unstable_fwd)
#define SOFTMAX_BWD_VARIANTS(V) VB_STD_VARIANTS(V, softmax_bwd)
#define SOFTMAX_FAMILY_VARIANTS(V)                                                                                     \
	SOFTMAX_FWD_VARIANTS(V)                                                                                        \
	SOFTMAX_UNSTABLE_FWD_VARIANTS(V)                                                                               \
	SOFTMAX_BWD_VARIANTS(V)
VB_DECLARE_VARIANTS(SOFTMAX_FAMILY_VARIANTS)
/* clang-format on */
#endif
