/* Machine and build facts recorded with every run (Google Benchmark context). */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_shim.h"
#include "gemm.h"
#include "prof.h"

#ifndef VB_FLAGS_REFERENCE
#define VB_FLAGS_REFERENCE "unknown"
#endif
#ifndef VB_FLAGS_KERNELS
#define VB_FLAGS_KERNELS "unknown"
#endif
#ifndef VB_FLAGS_CUDA
#define VB_FLAGS_CUDA "not built"
#endif
#ifndef VB_GIT_REV
#define VB_GIT_REV "unknown"
#endif

/* OpenBLAS extensions, declared in its cblas.h. */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

int vb_context_count(void) { return 10; }

void vb_context_get(int i, const char **key, char *value, size_t len) {
	const char *omp = getenv("OMP_NUM_THREADS");
	switch (i) {
	case 0:
		*key = "vecbench_revision";
		snprintf(value, len, "%s", VB_GIT_REV);
		break;
	case 1:
		*key = "cpu_model";
		vb_cpu_model(value, len);
		break;
	case 2:
		*key = "online_cpus";
		snprintf(value, len, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
		break;
	case 3:
		*key = "openblas_config";
		snprintf(value, len, "%s", openblas_get_config());
		break;
	case 4:
		*key = "openblas_core";
		snprintf(value, len, "%s", openblas_get_corename());
		break;
	case 5:
		*key = "threads";
		snprintf(value, len, "openblas=%d OMP_NUM_THREADS=%s", openblas_get_num_threads(), omp ? omp : "unset");
		break;
	case 6:
		*key = "compiler";
		snprintf(value, len, "%s", __VERSION__);
		break;
	case 7:
		*key = "flags";
		snprintf(value, len, "reference (loop, semi, oracle): %s; kernels/cpu (vec): %s; kernels/cuda: %s",
		         VB_FLAGS_REFERENCE, VB_FLAGS_KERNELS, VB_FLAGS_CUDA);
		break;
	case 8:
		*key = "gemm_backend";
		vb_gemm_describe(value, len);
		break;
	default:
		*key = "cuda";
		snprintf(value, len, "%s", vb_cuda_unavailable() ? vb_cuda_unavailable() : "available");
		break;
	}
}

void vb_context_register(void) {
	char value[1024];
	const char *key;
	for (int i = 0; i < vb_context_count(); i++) {
		vb_context_get(i, &key, value, sizeof value);
		vb_bm_add_context(key, value);
	}
	vb_cuda_context_register();
}
