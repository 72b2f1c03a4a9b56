/* oneDNN's JIT sgemm (row-major, like cblas_sgemm with CblasRowMajor).
 * libdnnl (40 MB, with its OpenCL loader) is opened on first use rather than
 * linked, so vecbench's start-up does not pay for it on every run. */
#ifdef VB_HAVE_DNNL
#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"

static __typeof__(dnnl_sgemm) *sgemm;
static char load_error[256];

const char *vb_dnnl_load(void) {
	static int tried;
	if (!tried) {
		tried = 1;
		void *lib = dlopen(VB_DNNL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
		if (lib) *(void **)&sgemm = dlsym(lib, "dnnl_sgemm");
		if (!sgemm) snprintf(load_error, sizeof load_error, "oneDNN not loadable: %s", dlerror());
	}
	return sgemm ? NULL : load_error;
}

void vb_sgemm_dnnl(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
	if (vb_dnnl_load()) {
		fprintf(stderr, "vecbench: %s\n", load_error);
		exit(2);
	}
	dnnl_status_t st = sgemm(transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
	if (st != dnnl_success) { /* only bad arguments fail: a bug here, not bad input */
		fprintf(stderr, "vecbench: dnnl_sgemm failed (status %d)\n", (int)st);
		abort();
	}
}
#else
typedef int vb_gemm_dnnl_not_built; /* ISO C: no empty translation unit */
#endif
