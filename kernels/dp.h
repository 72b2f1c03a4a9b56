/* Data-parallel ops (reference/dp.c, kernels/cpu/dp.c): the batch split over
 * the MPI ranks, gradients summed across them; the MLP training step's same
 * update on every rank, nn2's mean gradient on every rank. Built only with
 * MPI (dp_cuda_vec: and CUDA); NULL (unavailable) otherwise. */
#ifndef VB_KERNELS_DP_H
#define VB_KERNELS_DP_H
#include "vb.h"

/* Variant lists (harness/vb.h): the single-process step for comparison (not
 * with several MPI ranks), then dp_loop, gradients to rank 0 (MPI_Send),
 * summed there, weights broadcast; dp_vec, one MPI_Allreduce over all
 * gradients in one buffer; dp_overlap, MPI_Iallreduce per layer as
 * backpropagation produces it; dp_cuda_vec, a GPU per rank: the cuda_vec
 * kernels on the shard, one ncclAllReduce of all gradients on the devices,
 * the update there (kernels/cuda/dp_nccl.cu; built with CUDA and MPI,
 * libnccl opened at run time). nn2: seed 002's network, its mean gradient
 * (nn2_bwd) on every rank, summed the same ways. */
/* clang-format off */
#define VB_DP_VARIANTS(V, model)                                                                                       \
	V(model, dp_loop, DP)                                                                                          \
	V(model, dp_vec, DP)                                                                                           \
	V(model, dp_overlap, DP)                                                                                       \
	V(model, dp_cuda_vec, DP_CUDA)
#define DP_MLP_TRAIN_STEP_VARIANTS(V)                                                                                  \
	V(mlp_train_step, loop, REF)                                                                                   \
	V(mlp_train_step, vec, CPU)                                                                                    \
	V(mlp_train_step, cuda_loop, CUDA)                                                                             \
	V(mlp_train_step, cuda_vec, CUDA)                                                                              \
	VB_DP_VARIANTS(V, mlp)
#define DP_NN2_BWD_VARIANTS(V)                                                                                         \
	V(nn2, loop, REF)                                                                                              \
	V(nn2_bwd, vec, CPU)                                                                                           \
	V(nn2_bwd, cuda_loop, CUDA)                                                                                    \
	V(nn2_bwd, cuda_vec, CUDA)                                                                                     \
	VB_DP_VARIANTS(V, nn2)
#define DP_VARIANTS(V)                                                                                                 \
	DP_MLP_TRAIN_STEP_VARIANTS(V)                                                                                  \
	DP_NN2_BWD_VARIANTS(V)
VB_DECLARE_VARIANTS(DP_VARIANTS)
/* clang-format on */
#endif
