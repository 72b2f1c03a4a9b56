/* The harness's CUDA API for kernels/cuda: what the bridge
 * (harness/measure/cuda.cu) gives every CUDA variant. C++ (nvcc) only. */
#ifndef VB_CUDA_API_H
#define VB_CUDA_API_H

#include <cublas_v2.h>
#include <stddef.h>

#include "vb.h"

/* Throws: the bridge (harness/measure/cuda.cu) catches it and reports
 * "file:line: call: library error" as the variant's failure. */
[[noreturn]] void vb_cuda_fail(const char *file, int line, const char *call, const char *name, const char *msg);

/* Device scratch for a variant call, from the bridge's tracking allocator
 * (counted in gpu_peak_bytes). Blocks are handed out in request order and
 * reused by the next call, so timed iterations do not allocate. Contents
 * are undefined (poisoned with NaN bytes when first allocated). */
void *vb_cuda_scratch(const vb_call *c, size_t bytes);
/* A variant that calls other variants in a loop (an epoch of steps) releases
 * their scratch after each, as vb_scratch_save/release do on the host. */
struct vb_cuda_scratch_mark {
	int blocks;
	size_t live;
};
vb_cuda_scratch_mark vb_cuda_scratch_save(const vb_call *c);
void vb_cuda_scratch_release(const vb_call *c, vb_cuda_scratch_mark m);

/* A distributed variant (kernels/cuda/dp_nccl.cu) marks the end of its
 * computing part on the stream: the bridge times compute to the mark and
 * communication (and the update) after it. */
void vb_cuda_mark_compute(const vb_call *c);

/* The cuBLAS handle shared by all variants (default stream, default math,
 * its workspace counted in gpu_peak_bytes of the variants that use it).
 * Only for variants declared with VB_CUBLAS_VARIANT. */
cublasHandle_t vb_cublas(const vb_call *c);

#endif
