/* Data-parallel ops (reference/dp.c, kernels/cpu/dp.c): the batch split over
 * the MPI ranks, gradients summed across them; the MLP training step's same
 * update on every rank, nn2's mean gradient on every rank. Built only with
 * MPI (dp_cuda_vec: and CUDA); NULL (unavailable) otherwise. */
#ifndef VB_KERNELS_DP_H
#define VB_KERNELS_DP_H
#include "vb.h"

VB_WEAK_KERNEL(mlp_dp_loop);    /* gradients to rank 0 (MPI_Send), summed there, weights broadcast */
VB_WEAK_KERNEL(mlp_dp_vec);     /* one MPI_Allreduce over all gradients in one buffer */
VB_WEAK_KERNEL(mlp_dp_overlap); /* MPI_Iallreduce per layer as backpropagation produces it */
/* Seed 002's network: its mean gradient (nn2_bwd) on every rank, summed the same three ways. */
VB_WEAK_KERNEL(nn2_dp_loop);
VB_WEAK_KERNEL(nn2_dp_vec);
VB_WEAK_KERNEL(nn2_dp_overlap);
/* GPUs, one per rank: the cuda_vec kernels on the shard, one ncclAllReduce of
 * all gradients on the devices, the update there (kernels/cuda/dp_nccl.cu;
 * built with CUDA and MPI, libnccl opened at run time). */
VB_WEAK_KERNEL(mlp_dp_cuda_vec);
VB_WEAK_KERNEL(nn2_dp_cuda_vec);
#endif
