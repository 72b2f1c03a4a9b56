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

/* The context entries, in the order vb_context_get gives them. */
enum {
	CTX_REVISION,
	CTX_CPU_MODEL,
	CTX_ONLINE_CPUS,
	CTX_OPENBLAS_CONFIG,
	CTX_OPENBLAS_CORE,
	CTX_THREADS,
	CTX_COMPILER,
	CTX_FLAGS,
	CTX_GEMM_BACKEND,
	CTX_CUDA,
	CTX_COUNT
};

int vb_context_count(void) { return CTX_COUNT; }

void vb_context_get(int i, const char **key, char *value, size_t len) {
	const char *omp = getenv("OMP_NUM_THREADS");
	switch (i) {
	case CTX_REVISION:
		*key = "vecbench_revision";
		snprintf(value, len, "%s", VB_GIT_REV);
		break;
	case CTX_CPU_MODEL:
		*key = "cpu_model";
		vb_cpu_model(value, len);
		break;
	case CTX_ONLINE_CPUS:
		*key = "online_cpus";
		snprintf(value, len, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
		break;
	case CTX_OPENBLAS_CONFIG:
		*key = "openblas_config";
		snprintf(value, len, "%s", openblas_get_config());
		break;
	case CTX_OPENBLAS_CORE:
		*key = "openblas_core";
		snprintf(value, len, "%s", openblas_get_corename());
		break;
	case CTX_THREADS:
		*key = "threads";
		snprintf(value, len, "openblas=%d OMP_NUM_THREADS=%s", openblas_get_num_threads(), omp ? omp : "unset");
		break;
	case CTX_COMPILER:
		*key = "compiler";
		snprintf(value, len, "%s", __VERSION__);
		break;
	case CTX_FLAGS:
		*key = "flags";
		snprintf(value, len, "reference (loop, semi, oracle): %s; kernels/cpu (vec): %s; kernels/cuda: %s",
		         VB_FLAGS_REFERENCE, VB_FLAGS_KERNELS, VB_FLAGS_CUDA);
		break;
	case CTX_GEMM_BACKEND:
		*key = "gemm_backend";
		vb_gemm_describe(value, len);
		break;
	case CTX_CUDA:
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
