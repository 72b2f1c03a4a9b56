/* The data-parallel MLP training step (reference/dp.c, kernels/cpu/dp.c): the
 * batch split over the MPI ranks, gradients summed across them, the same
 * update on every rank. Built only with MPI; NULL (unavailable) otherwise. */
#ifndef VB_KERNELS_DP_H
#define VB_KERNELS_DP_H
#include "vb.h"

VB_WEAK_KERNEL(mlp_dp_loop);    /* gradients to rank 0 (MPI_Send), summed there, weights broadcast */
VB_WEAK_KERNEL(mlp_dp_vec);     /* one MPI_Allreduce over all gradients in one buffer */
VB_WEAK_KERNEL(mlp_dp_overlap); /* MPI_Iallreduce per layer as backpropagation produces it */
#endif
