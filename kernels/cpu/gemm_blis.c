/* BLIS through its native typed API (bli_sgemm_ex): general strides give
 * row-major without a transpose trick, and the runtime object sets the
 * thread count per call (BLIS alone would read BLIS_NUM_THREADS or
 * OMP_NUM_THREADS from the environment and otherwise run on one thread).
 *
 * BLIS also exports the BLAS and CBLAS symbols (sgemm_, cblas_sgemm). Linked
 * in, it could supply them in OpenBLAS's place, depending on the link order;
 * opened here with RTLD_LOCAL on first use, its symbols stay out of the
 * global scope and every cblas_* call in vecbench stays OpenBLAS's. */
#ifdef VB_HAVE_BLIS
#include <blis.h>
#include <dlfcn.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"

static __typeof__(bli_sgemm_ex) *sgemm_ex;
static char load_error[256];
static const char *kernels_note = "BLIS's own choice of kernels";

const char *vb_blis_kernels(void) { return kernels_note; }

/* BLIS 0.9 picks its kernels from the CPU's model; one it does not know
 * (AMD Zen 4 and 5, which have AVX-512) gets its generic C kernels, 5x slower
 * here. With AVX-512 (F, DQ, BW, VL: what its skx kernels use) and no
 * BLIS_ARCH_TYPE of the user's, ask for those while BLIS initialises (it
 * reads the variable then); returns 1 when it set the variable. */
static int choose_kernels(void) {
	if (getenv("BLIS_ARCH_TYPE")) {
		kernels_note = "BLIS_ARCH_TYPE from the environment";
		return 0;
	}
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
		char id[8];
		snprintf(id, sizeof id, "%d", (int)BLIS_ARCH_SKX);
		setenv("BLIS_ARCH_TYPE", id, 0);
		kernels_note = "skx kernels (the CPU has AVX-512; set by vecbench)";
		return 1;
	}
	return 0;
}

const char *vb_blis_load(void) {
	static int tried;
	if (!tried) {
		tried = 1;
		int set = choose_kernels();
		void *lib = dlopen(VB_BLIS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
		void (*init)(void) = NULL;
		if (lib) {
			*(void **)&sgemm_ex = dlsym(lib, "bli_sgemm_ex");
			*(void **)&init = dlsym(lib, "bli_init");
		}
		if (init) init();
		/* Initialised: the variable has done its work; child processes
		 * (the instruction counts' valgrind runs) must not inherit it. */
		if (set) unsetenv("BLIS_ARCH_TYPE");
		if (!sgemm_ex) snprintf(load_error, sizeof load_error, "BLIS not loadable: %s", dlerror());
	}
	return sgemm_ex ? NULL : load_error;
}

void vb_sgemm_blis(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
	if (vb_blis_load()) {
		fprintf(stderr, "vecbench: %s\n", load_error);
		exit(2);
	}
	rntm_t rntm = BLIS_RNTM_INITIALIZER;
	bli_rntm_set_num_threads(omp_get_max_threads(), &rntm);
	/* Row-major: row stride = leading dimension, column stride 1. */
	sgemm_ex(transa ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, transb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, m, n, k,
	         &alpha, (float *)A, lda, 1, (float *)B, ldb, 1, &beta, C, ldc, 1, NULL, &rntm);
}
#else
typedef int vb_gemm_blis_not_built; /* ISO C: no empty translation unit */
#endif
