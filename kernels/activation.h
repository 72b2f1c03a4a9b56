/* Bias add and elementwise activations: reference/activation.c (oracle,
 * loop, descriptors), kernels/cpu/activation.c (vec), kernels/cuda (cuda_*). */
#ifndef VB_KERNELS_ACTIVATION_H
#define VB_KERNELS_ACTIVATION_H
#include "vb.h"

/* Accuracy of the transcendental functions the float32 variants call, in
 * ulps, the worst of: vec's own exp, tanh and log (kernels/cpu/vmath.h),
 * within 1.06 (SLEEF's _u10 expf, 1.0, where AVX-512 is missing), 0.78 and
 * 0.76 ulp over every float;
 * glibc's expf and logf (loop), within 1, its tanhf within 2 (glibc manual,
 * "Known Maximum Errors in Math Functions"); CUDA's expf and tanhf (the
 * cuda_* variants share these descriptors), 2, its logf 1 (CUDA C++
 * Programming Guide, "Mathematical Functions"; not the __expf intrinsics).
 * An error of e ulps is a relative error of at most 2e*u, which is how these
 * enter the ops' `mag` functions. */
#define VB_EXP_ULPS 2.0
#define VB_LOG_ULPS 1.0
#define VB_TANH_ULPS 2.0

/* Variant lists (harness/vb.h): the textbook loop here in reference/, the
 * vectorized kernel in kernels/cpu, the CUDA pair in kernels/cuda. */
/* clang-format off */
#define BIAS_ADD_VARIANTS(V) VB_STD_VARIANTS(V, bias_add)
#define BIAS_ADD_CM_VARIANTS(V) VB_STD_VARIANTS(V, bias_add_cm)
#define RELU_FWD_VARIANTS(V) VB_STD_VARIANTS(V, relu_fwd)
#define RELU_BWD_VARIANTS(V) VB_STD_VARIANTS(V, relu_bwd)
#define SIGMOID_FWD_VARIANTS(V) VB_STD_VARIANTS(V, sigmoid_fwd)
#define SIGMOID_BWD_VARIANTS(V) VB_STD_VARIANTS(V, sigmoid_bwd)
#define TANH_FWD_VARIANTS(V) VB_STD_VARIANTS(V, tanh_fwd)
#define TANH_BWD_VARIANTS(V) VB_STD_VARIANTS(V, tanh_bwd)
#define ACTIVATION_VARIANTS(V)                                                                                         \
	BIAS_ADD_VARIANTS(V)                                                                                           \
	BIAS_ADD_CM_VARIANTS(V)                                                                                        \
	RELU_FWD_VARIANTS(V)                                                                                           \
	RELU_BWD_VARIANTS(V)                                                                                           \
	SIGMOID_FWD_VARIANTS(V)                                                                                        \
	SIGMOID_BWD_VARIANTS(V)                                                                                        \
	TANH_FWD_VARIANTS(V)                                                                                           \
	TANH_BWD_VARIANTS(V)
VB_DECLARE_VARIANTS(ACTIVATION_VARIANTS)
/* clang-format on */
#endif
