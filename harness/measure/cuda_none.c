/* The CUDA bridge when vecbench is built without CUDA: GPU variants are
 * listed as unavailable and skipped. harness/measure/cuda.cu replaces this file. */
#include "prof.h"

const char *vb_cuda_unavailable(void) { return "built without CUDA"; }

const char *vb_cuda_variant_unavailable(const vb_variant *v) {
	(void)v;
	return "built without CUDA";
}

int vb_cuda_call(const vb_variant *v, vb_tensors *host, vb_arena *ws, char *err, size_t errlen) {
	(void)v, (void)host, (void)ws;
	snprintf(err, errlen, "built without CUDA");
	return -1;
}

int vb_cuda_bench(struct vb_bm_state *st, const vb_variant *v, vb_tensors *host, vb_arena *ws, const char *range,
                  char *err, size_t errlen) {
	(void)st, (void)v, (void)host, (void)ws, (void)range;
	snprintf(err, errlen, "built without CUDA");
	return -1;
}

void vb_cuda_context_register(void) {}
