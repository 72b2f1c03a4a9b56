/* cuBLAS, opened on first use. Linked the ordinary way, libcublas costs
 * every vecbench process about 0.3 s of libcublasLt start-up, also for
 * `list`, CPU-only runs and machines without a GPU. So vecbench does not link
 * it: these definitions of the cuBLAS entry points it calls open the library
 * (dlopen) on the first call and forward to it. Their prototypes come from
 * cublas_api.h, so a mismatch does not compile; a new cuBLAS call in a kernel
 * needs its line here (the link fails until it has one).
 *
 * VB_CUBLAS_LIBRARY=/path/libcublas.so.N in the environment loads that file
 * instead (and nothing else when it fails to load). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb_cuda.cuh"

#define VB_STR_(x) #x
#define VB_STR(x) VB_STR_(x)

namespace {

/* Why cuBLAS did not load: every attempt's dlerror, empty once it loaded. */
char open_error[512];

void *open_cublas() {
	const char *override = getenv("VB_CUBLAS_LIBRARY");
	const char *names[] = {
	    override && *override ? override : nullptr,
#ifdef VB_CUDA_LIBDIR
	    VB_CUDA_LIBDIR "/libcublas.so." VB_STR(CUBLAS_VER_MAJOR),
#endif
	    "libcublas.so." VB_STR(CUBLAS_VER_MAJOR),
	};
	size_t len = (size_t)snprintf(open_error, sizeof open_error, "cannot load cuBLAS:");
	for (const char *name : names) {
		if (!name) continue;
		void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
		if (h) {
			open_error[0] = 0;
			return h;
		}
		if (len < sizeof open_error)
			len += (size_t)snprintf(open_error + len, sizeof open_error - len, " %s;", dlerror());
		/* VB_CUBLAS_LIBRARY names the one library to use: no fallback */
		if (name == override) break;
	}
	len = strlen(open_error);
	if (len && open_error[len - 1] == ';') open_error[len - 1] = 0;
	return nullptr;
}

void *cublas_library() {
	static void *lib = open_cublas(); /* once; C++ makes it thread-safe */
	return lib;
}

template <class F> F cublas_symbol(const char *name) {
	void *lib = cublas_library();
	return lib ? (F)dlsym(lib, name) : nullptr;
}

} // namespace

const char *vb_cublas_unavailable(void) { return cublas_library() ? nullptr : open_error; }

/* A forwarding definition; CUBLAS_STATUS_NOT_INITIALIZED when the library
 * or the symbol is missing. */
#define VB_CUBLAS_FORWARD(name, params, args)                                                                          \
	typedef cublasStatus_t(CUBLASWINAPI *name##_fn) params;                                                        \
	cublasStatus_t CUBLASWINAPI name params {                                                                      \
		static name##_fn f = cublas_symbol<name##_fn>(#name);                                                  \
		return f ? f args : CUBLAS_STATUS_NOT_INITIALIZED;                                                     \
	}

VB_CUBLAS_FORWARD(cublasCreate_v2, (cublasHandle_t * handle), (handle))
VB_CUBLAS_FORWARD(cublasGetVersion_v2, (cublasHandle_t handle, int *version), (handle, version))
VB_CUBLAS_FORWARD(cublasSetWorkspace_v2, (cublasHandle_t handle, void *workspace, size_t bytes),
                  (handle, workspace, bytes))
VB_CUBLAS_FORWARD(cublasSetMathMode, (cublasHandle_t handle, cublasMath_t mode), (handle, mode))
VB_CUBLAS_FORWARD(cublasSgemv_v2,
                  (cublasHandle_t handle, cublasOperation_t trans, int m, int n, const float *alpha, const float *A,
                   int lda, const float *x, int incx, const float *beta, float *y, int incy),
                  (handle, trans, m, n, alpha, A, lda, x, incx, beta, y, incy))
VB_CUBLAS_FORWARD(cublasSgemm_v2,
                  (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
                   const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta, float *C,
                   int ldc),
                  (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc))
VB_CUBLAS_FORWARD(cublasGemmEx,
                  (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
                   const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype,
                   int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
                   cublasGemmAlgo_t algo),
                  (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc,
                   computeType, algo))

/* Messages for a status; without the library, the reason it did not load. */
const char *CUBLASWINAPI cublasGetStatusName(cublasStatus_t status) {
	typedef const char *(CUBLASWINAPI * fn)(cublasStatus_t);
	static fn f = cublas_symbol<fn>("cublasGetStatusName");
	return f ? f(status) : "CUBLAS_STATUS_NOT_INITIALIZED";
}

const char *CUBLASWINAPI cublasGetStatusString(cublasStatus_t status) {
	typedef const char *(CUBLASWINAPI * fn)(cublasStatus_t);
	static fn f = cublas_symbol<fn>("cublasGetStatusString");
	return f ? f(status) : open_error[0] ? open_error : "cuBLAS symbol not found";
}
