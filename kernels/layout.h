/* Memory layout: one product, Z = X W^T + b, with W given transposed (Wt,
 * d x h: W's columns are rows of Wt, so a row of W is a strided view).
 * reference/layout.c (oracle, loop, descriptor), kernels/cpu/layout.c (vec
 * variants: the strided view used in place, copied contiguous first, or
 * absorbed by BLAS's transpose flag; X copied to an aligned or a deliberately
 * misaligned buffer). */
#ifndef VB_KERNELS_LAYOUT_H
#define VB_KERNELS_LAYOUT_H
#include "vb.h"

/* Variant list (harness/vb.h): vec, sgemm reading Wt as it is (the
 * transpose flag); vec_strided, a strided dot product per output, in place;
 * vec_copy, Wt transposed into a contiguous W first; vec_aligned and
 * vec_misaligned, X copied to a 64-byte aligned buffer or 4 bytes past one,
 * then vec. */
/* clang-format off */
#define LAYOUT_FWD_VARIANTS(V)                                                                                         \
	V(layout_fwd, loop, REF)                                                                                       \
	V(layout_fwd, vec, CPU)                                                                                        \
	V(layout_fwd, vec_strided, CPU)                                                                                \
	V(layout_fwd, vec_copy, CPU)                                                                                   \
	V(layout_fwd, vec_aligned, CPU)                                                                                \
	V(layout_fwd, vec_misaligned, CPU)                                                                             \
	V(layout_fwd, cuda_loop, CUDA)                                                                                 \
	V(layout_fwd, cuda_vec, CUDA)
VB_DECLARE_VARIANTS(LAYOUT_FWD_VARIANTS)
/* clang-format on */
#endif
