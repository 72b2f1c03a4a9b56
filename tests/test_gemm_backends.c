/* The GEMM backends (kernels/gemm.h): each built-in one computes the same
 * row-major product as a float64 loop, for every transpose case, alpha and
 * beta, at odd sizes; loading BLIS (which exports cblas_sgemm too) leaves
 * vecbench's cblas_sgemm OpenBLAS's; the calibration picks a built-in
 * backend and restores the thread counts. */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "gemm.h"

enum { M = 37, N = 29, K = 41 };

static float A[K * M > M *K ? K *M : M *K], B[N * K], C[M * N], C0[M * N];

/* element (i, j) of op(X), X stored row-major with leading dimension ld */
static double at(const float *X, int trans, int ld, int i, int j) { return trans ? X[j * ld + i] : X[i * ld + j]; }

static void check_backend(vb_gemm_backend be) {
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			int lda = ta ? M : K, ldb = tb ? K : N;
			float alpha = 0.75f, beta = ta ? 0.5f : 0.0f;
			memcpy(C, C0, sizeof C);
			vb_sgemm(be, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
			double worst = 0;
			for (int i = 0; i < M; i++)
				for (int j = 0; j < N; j++) {
					double s = 0, mag = 0;
					for (int k = 0; k < K; k++) {
						s += at(A, ta, lda, i, k) * at(B, tb, ldb, k, j);
						mag += fabs(at(A, ta, lda, i, k) * at(B, tb, ldb, k, j));
					}
					double ref = alpha * s + beta * C0[i * N + j];
					/* u K sum|terms| (+ the beta term's rounding) */
					double bound =
					    0x1p-24 * (K + 2) * (fabs(alpha) * mag + fabs(beta * C0[i * N + j]));
					double r = fabs(C[i * N + j] - ref) / bound;
					worst = r > worst ? r : worst;
				}
			EXPECT(worst <= 1, "%s transa=%d transb=%d: err/bound %g", vb_gemm_name(be), ta, tb, worst);
		}
}

int main(void) {
	srand(7);
	for (size_t i = 0; i < sizeof A / sizeof *A; i++)
		A[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < sizeof B / sizeof *B; i++)
		B[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < sizeof C0 / sizeof *C0; i++)
		C0[i] = (float)rand() / RAND_MAX - 0.5f;
	int built = 0;
	for (int b = 0; b < VB_GEMM_COUNT; b++) {
		const char *why = vb_gemm_unavailable((vb_gemm_backend)b);
		printf("%s: %s\n", vb_gemm_name((vb_gemm_backend)b), why ? why : "available");
		if (why) continue;
		built++;
		check_backend((vb_gemm_backend)b);
	}
	EXPECT(built >= 1, "no GEMM backend at all");
	/* BLIS and oneDNN are loaded now: cblas_sgemm must still be OpenBLAS's. */
	Dl_info info;
	EXPECT(dladdr((void *)cblas_sgemm, &info) && info.dli_fname && strstr(info.dli_fname, "openblas"),
	       "cblas_sgemm comes from %s, not OpenBLAS", info.dli_fname ? info.dli_fname : "?");
	/* The calibration picks a built-in backend at the run's threads and
	 * leaves OpenMP's count as it found it (one no default would give);
	 * OpenBLAS's OpenMP build takes OpenMP's count at each call. */
	omp_set_num_threads(2);
	vb_gemm_calibrate();
	/* `vec` is a choice per GEMM: a built-in library for each class. */
	EXPECT(vb_gemm_for_vec() == VB_GEMM_VEC, "vec is pinned to %s", vb_gemm_name(vb_gemm_for_vec()));
	vb_gemm_backend narrow = vb_gemm_resolve(VB_GEMM_VEC, 4096, VB_GEMM_NARROW, 1024),
	                wide = vb_gemm_resolve(VB_GEMM_VEC, 1024, VB_GEMM_NARROW + 1, 1024);
	EXPECT(narrow < VB_GEMM_COUNT && !vb_gemm_unavailable(narrow), "narrow GEMMs on %s", vb_gemm_name(narrow));
	EXPECT(wide < VB_GEMM_COUNT && !vb_gemm_unavailable(wide), "wide GEMMs on %s", vb_gemm_name(wide));
	EXPECT(vb_gemm_resolve(VB_GEMM_BLIS, 1, 1, 1) == VB_GEMM_BLIS, "a named backend is resolved to another");
	check_backend(VB_GEMM_VEC);
	EXPECT(omp_get_max_threads() == 2, "OpenMP's thread count changed: %d", omp_get_max_threads());
	char line[1024];
	vb_gemm_describe(line, sizeof line);
	EXPECT(strstr(line, "vec=") && strstr(line, "GFLOP/s") && strstr(line, "2 threads"), "context line: %s", line);
	printf("%s\n", line);
	return expect_exit_status();
}
