/* Bias add and elementwise activations: reference/activation.c (oracle,
 * loop, descriptors), kernels/cpu/activation.c (vec), kernels/cuda (cuda_*). */
#ifndef VB_KERNELS_ACTIVATION_H
#define VB_KERNELS_ACTIVATION_H
#include "vb.h"

/* Accuracy of the transcendental functions the float32 variants call, in
 * ulps, the worst of: SLEEF's _u10 expf/logf/tanhf (vec), within 1.0 ulp;
 * glibc's expf and logf (loop), within 1, its tanhf within 2 (glibc manual,
 * "Known Maximum Errors in Math Functions"); CUDA's expf and tanhf (the
 * cuda_* variants share these descriptors), 2, its logf 1 (CUDA C++
 * Programming Guide, "Mathematical Functions"; not the __expf intrinsics).
 * An error of e ulps is a relative error of at most 2e*u, which is how these
 * enter the ops' `mag` functions. */
#define VB_EXP_ULPS 2.0
#define VB_LOG_ULPS 1.0
#define VB_TANH_ULPS 2.0

void bias_add_vec(const vb_call *c);
void bias_add_cm_vec(const vb_call *c);
void relu_fwd_vec(const vb_call *c);
void relu_bwd_vec(const vb_call *c);
void sigmoid_fwd_vec(const vb_call *c);
void sigmoid_bwd_vec(const vb_call *c);
void tanh_fwd_vec(const vb_call *c);
void tanh_bwd_vec(const vb_call *c);

VB_WEAK_KERNEL(bias_add_cuda_loop);
VB_WEAK_KERNEL(bias_add_cuda_vec);
VB_WEAK_KERNEL(bias_add_cm_cuda_loop);
VB_WEAK_KERNEL(bias_add_cm_cuda_vec);
VB_WEAK_KERNEL(relu_fwd_cuda_loop);
VB_WEAK_KERNEL(relu_fwd_cuda_vec);
VB_WEAK_KERNEL(relu_bwd_cuda_loop);
VB_WEAK_KERNEL(relu_bwd_cuda_vec);
VB_WEAK_KERNEL(sigmoid_fwd_cuda_loop);
VB_WEAK_KERNEL(sigmoid_fwd_cuda_vec);
VB_WEAK_KERNEL(sigmoid_bwd_cuda_loop);
VB_WEAK_KERNEL(sigmoid_bwd_cuda_vec);
VB_WEAK_KERNEL(tanh_fwd_cuda_loop);
VB_WEAK_KERNEL(tanh_fwd_cuda_vec);
VB_WEAK_KERNEL(tanh_bwd_cuda_loop);
VB_WEAK_KERNEL(tanh_bwd_cuda_vec);
#endif
