/* Memory layout: one product, Z = X W^T + b, with W given transposed (Wt,
 * d x h: W's columns are rows of Wt, so a row of W is a strided view).
 * reference/layout.c (oracle, loop, descriptor), kernels/cpu/layout.c (vec
 * variants: the strided view used in place, copied contiguous first, or
 * absorbed by BLAS's transpose flag; X copied to an aligned or a deliberately
 * misaligned buffer). */
#ifndef VB_KERNELS_LAYOUT_H
#define VB_KERNELS_LAYOUT_H
#include "vb.h"

void layout_fwd_vec(const vb_call *c);            /* sgemm reads Wt as it is (the transpose flag) */
void layout_fwd_vec_strided(const vb_call *c);    /* a strided dot product per output, in place */
void layout_fwd_vec_copy(const vb_call *c);       /* Wt transposed into a contiguous W first */
void layout_fwd_vec_aligned(const vb_call *c);    /* X copied to a 64-byte aligned buffer, then vec */
void layout_fwd_vec_misaligned(const vb_call *c); /* X copied 4 bytes past 64-byte alignment, then vec */

VB_WEAK_KERNEL(layout_fwd_cuda_loop); /* kernels/cuda/layout.cu */
VB_WEAK_KERNEL(layout_fwd_cuda_vec);
#endif
