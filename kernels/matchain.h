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

/* Variant lists (harness/vb.h): vec multiplies left to right, vec_optimal in
 * the order matchain_order finds; both wrappers in reference/matchain.c. */
/* clang-format off */
#define VB_MATCHAIN_VARIANTS(V, N)                                                                                     \
	V(matchain##N, loop, REF)                                                                                      \
	V(matchain##N, vec, REF)                                                                                       \
	V(matchain##N, vec_optimal, REF)                                                                               \
	V(matchain##N##_fwd, cuda_loop, CUDA)                                                                          \
	V(matchain##N##_fwd, cuda_vec, CUDA)
#define MATCHAIN3_FWD_VARIANTS(V) VB_MATCHAIN_VARIANTS(V, 3)
#define MATCHAIN4_FWD_VARIANTS(V) VB_MATCHAIN_VARIANTS(V, 4)
#define MATCHAIN5_FWD_VARIANTS(V) VB_MATCHAIN_VARIANTS(V, 5)
#define MATCHAIN6_FWD_VARIANTS(V) VB_MATCHAIN_VARIANTS(V, 6)
#define MATCHAIN_VARIANTS(V)                                                                                           \
	MATCHAIN3_FWD_VARIANTS(V)                                                                                      \
	MATCHAIN4_FWD_VARIANTS(V)                                                                                      \
	MATCHAIN5_FWD_VARIANTS(V)                                                                                      \
	MATCHAIN6_FWD_VARIANTS(V)
VB_DECLARE_VARIANTS(MATCHAIN_VARIANTS)
/* clang-format on */
#endif
