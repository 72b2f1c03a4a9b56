/* Matrix chains: Z = A1 A2 ... An, A_i p_{i-1} x p_i, n = 3..6 (one op per n,
 * matchain<n>_fwd). reference/matchain.c (the cheapest order by dynamic
 * programming, the oracle, the loop, the descriptors), kernels/cpu/matchain.c
 * (vec: left to right; vec_optimal: the order the dynamic programme found),
 * kernels/cuda/matchain.cu (cuda_loop, cuda_vec: left to right). */
#ifndef VB_KERNELS_MATCHAIN_H
#define VB_KERNELS_MATCHAIN_H
#include "vb.h"

enum { MATCHAIN_MAX = 6 };

/* The cheapest parenthesisation of the chain p[0] x p[1] x ... x p[n]:
 * returns its multiply-adds; split[i][j] (0-based matrices i..j) is the k
 * where the product splits into (i..k)(k+1..j). */
double matchain_order(int n, const int64_t *p, int split[MATCHAIN_MAX][MATCHAIN_MAX]);
/* Multiply-adds of the left-to-right order ((A1 A2) A3) ... */
double matchain_ltr_macs(int n, const int64_t *p);

void matchain_fwd_vec(const vb_call *c, int n);
void matchain_fwd_vec_optimal(const vb_call *c, int n);

VB_WEAK_KERNEL(matchain3_fwd_cuda_loop);
VB_WEAK_KERNEL(matchain4_fwd_cuda_loop);
VB_WEAK_KERNEL(matchain5_fwd_cuda_loop);
VB_WEAK_KERNEL(matchain6_fwd_cuda_loop);
VB_WEAK_KERNEL(matchain3_fwd_cuda_vec);
VB_WEAK_KERNEL(matchain4_fwd_cuda_vec);
VB_WEAK_KERNEL(matchain5_fwd_cuda_vec);
VB_WEAK_KERNEL(matchain6_fwd_cuda_vec);
#endif
