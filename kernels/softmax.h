/* Row-wise softmax (rows = examples): reference/softmax.c (oracle, loop,
 * descriptors), kernels/cpu/softmax.c (vec), kernels/cuda (cuda_*). */
#ifndef VB_KERNELS_SOFTMAX_H
#define VB_KERNELS_SOFTMAX_H
#include "activation.h"

void softmax_fwd_vec(const vb_call *c);
void softmax_unstable_fwd_vec(const vb_call *c);
void softmax_bwd_vec(const vb_call *c);

VB_WEAK_KERNEL(softmax_fwd_cuda_loop);
VB_WEAK_KERNEL(softmax_fwd_cuda_vec);
VB_WEAK_KERNEL(softmax_unstable_fwd_cuda_loop);
VB_WEAK_KERNEL(softmax_unstable_fwd_cuda_vec);
VB_WEAK_KERNEL(softmax_bwd_cuda_loop);
VB_WEAK_KERNEL(softmax_bwd_cuda_vec);
#endif
