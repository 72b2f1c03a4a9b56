/* Advanced techniques: sparse weights and the order of matrix products.
 * reference/advanced.c (oracle, loop), kernels/cpu/advanced.c (vec, vec_csr,
 * vec_merged), kernels/cuda/advanced.cu (cuda_*); the sparse layer's dense
 * variants are dense_fwd's. */
#ifndef VB_KERNELS_ADVANCED_H
#define VB_KERNELS_ADVANCED_H
#include "vb.h"

/* Variant lists (harness/vb.h). sparse_dense_fwd: dense_fwd's loop, vec and
 * CUDA pair on the sparse W, against CSR (the vec_csr kernel builds W's CSR
 * per call, sparse x dense). lowrank_fwd: vec the cheap order (X U^T) V^T,
 * vec_merged the expensive one X (V U)^T. */
/* clang-format off */
#define SPARSE_DENSE_FWD_VARIANTS(V)                                                                                   \
	V(dense_fwd, loop, REF)                                                                                        \
	V(dense_fwd, vec, CPU)                                                                                         \
	V(sparse_dense_fwd, loop_csr, REF)                                                                             \
	V(sparse_dense_fwd, vec_csr, CPU)                                                                              \
	V(dense_fwd, cuda_loop, CUDA)                                                                                  \
	V(dense_fwd, cuda_vec, CUDA)
#define LOWRANK_FWD_VARIANTS(V)                                                                                        \
	V(lowrank_fwd, loop, REF)                                                                                      \
	V(lowrank_fwd, vec, CPU)                                                                                       \
	V(lowrank_fwd, vec_merged, CPU)                                                                                \
	V(lowrank_fwd, cuda_loop, CUDA)                                                                                \
	V(lowrank_fwd, cuda_vec, CUDA)
#define ADVANCED_VARIANTS(V)                                                                                           \
	SPARSE_DENSE_FWD_VARIANTS(V)                                                                                   \
	LOWRANK_FWD_VARIANTS(V)
VB_DECLARE_VARIANTS(ADVANCED_VARIANTS)
/* clang-format on */
#endif
