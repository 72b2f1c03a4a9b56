/* Advanced techniques: sparse weights and the order of matrix products.
 * reference/advanced.c (oracle, loop), kernels/cpu/advanced.c (vec, vec_csr,
 * vec_merged), kernels/cuda/advanced.cu (cuda_*); the sparse layer's dense
 * variants are dense_fwd's. */
#ifndef VB_KERNELS_ADVANCED_H
#define VB_KERNELS_ADVANCED_H
#include "vb.h"

void sparse_dense_fwd_vec_csr(const vb_call *c); /* CSR of W built per call, sparse x dense */
void lowrank_fwd_vec(const vb_call *c);          /* (X U^T) V^T: the cheap order */
void lowrank_fwd_vec_merged(const vb_call *c);   /* X (V U)^T: the expensive order */

VB_WEAK_KERNEL(lowrank_fwd_cuda_loop);
VB_WEAK_KERNEL(lowrank_fwd_cuda_vec);
#endif
