/* The GEMM backends of the vec variants (kernels/cpu/gemm*.c): OpenBLAS
 * always, BLIS (its native typed API, so its BLAS symbols never replace
 * OpenBLAS's) and oneDNN (dnnl_sgemm) when CMake found them. All three run on
 * libgomp, the one OpenMP runtime of the binary. */
#ifndef VB_KERNELS_GEMM_H
#define VB_KERNELS_GEMM_H
#include <stddef.h>
#include <stdint.h>

/* VB_GEMM_VEC is no library: the `vec` variants' choice, made per GEMM by its
 * shape (vb_gemm_resolve). */
typedef enum {
	VB_GEMM_OPENBLAS,
	VB_GEMM_BLIS,
	VB_GEMM_DNNL,
	VB_GEMM_COUNT,
	VB_GEMM_VEC = VB_GEMM_COUNT
} vb_gemm_backend;

/* C (m*n, row-major, leading dimension ldc) = alpha op(A) op(B) + beta C,
 * op(X) = X^T when trans is set. beta = 0 ignores C's contents (NaN too). */
void vb_sgemm(vb_gemm_backend be, int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A,
              int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc);

const char *vb_gemm_name(vb_gemm_backend be);
/* NULL when built in, else why not. */
const char *vb_gemm_unavailable(vb_gemm_backend be);

/* The backend the `vec` variants use: VECBENCH_GEMM (openblas, blis or dnnl)
 * when set, else VB_GEMM_VEC. */
vb_gemm_backend vb_gemm_for_vec(void);
/* The library that runs an m x n x k GEMM on `be`: be itself, or for
 * VB_GEMM_VEC the one vb_gemm_calibrate measured fastest for the GEMM's
 * class: narrow (a dimension of at most VB_GEMM_NARROW: training batches,
 * thin layers, low rank) or wide. OpenBLAS before a calibration. */
enum { VB_GEMM_NARROW = 256 };
vb_gemm_backend vb_gemm_resolve(vb_gemm_backend be, int64_t m, int64_t n, int64_t k);
/* Times every built-in backend on the MLP step's GEMM shapes (two dense
 * layers with their epilogue, a weight-gradient and an error-propagation
 * sgemm: the narrow class) and on a wide dense layer and its weight-gradient
 * sgemm (the wide class), at the run's threads, wall time, best of
 * interleaved rounds (~0.5 s in all), and gives each class to the backend
 * with the highest geometric mean rate over its shapes. `run` calls it before its checks; `check` and the
 * instruction counts skip it. */
void vb_gemm_calibrate(void);
/* One line for the results' context: vec's backends, why, and the rates. */
void vb_gemm_describe(char *buf, size_t len);

/* The dense layer on backend `be`: Z (m*out) = A (m*in) W^T + b, then ReLU
 * when relu; the bias and the activation are the GEMM's epilogue. */
void vb_dense_layer(vb_gemm_backend be, int64_t m, int64_t in, int64_t out, const float *A, const float *W,
                    const float *b, float *Z, int relu);
/* db (n) = the column sums of G (m*n). */
void vb_column_sums(const float *G, int64_t m, int64_t n, float *db);

/* The backends beside OpenBLAS (kernels/cpu/gemm_blis.c, gemm_dnnl.c),
 * opened on first use: the load functions return NULL or why they failed. */
const char *vb_blis_load(void);
const char *vb_blis_kernels(void); /* which kernels BLIS was asked for, and why */
const char *vb_dnnl_load(void);
/* vb_dense_layer on oneDNN's matmul primitive (bias and ReLU fused into the
 * kernel); 0 when oneDNN could not make one, and Z is then untouched. */
int vb_dense_layer_dnnl(int64_t m, int64_t in, int64_t out, const float *A, const float *W, const float *b, float *Z,
                        int relu);
void vb_sgemm_blis(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
void vb_sgemm_dnnl(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
#endif
