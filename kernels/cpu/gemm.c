/* GEMM backend dispatch and the choice of `vec`'s backend (kernels/gemm.h). */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm.h"
#include "vmath.h"

VF_INLINE vf relu_vf(vf z) { return vf_max(z, vf_set1(0.0f)); }
VF_INLINE vf add_vf(vf z, vf b) { return z + b; }
VF_INLINE vf add_relu_vf(vf z, vf b) { return vf_max(z + b, vf_set1(0.0f)); }

static const char *const names[VB_GEMM_COUNT + 1] = {"openblas", "blis", "dnnl", "vec"};

const char *vb_gemm_name(vb_gemm_backend be) { return names[be]; }

const char *vb_gemm_unavailable(vb_gemm_backend be) {
	switch (be) {
#ifdef VB_HAVE_BLIS
	case VB_GEMM_BLIS: return vb_blis_load();
#else
	case VB_GEMM_BLIS: return "not built: no BLIS (libblis-openmp-dev) at build time, or an AddressSanitizer build";
#endif
#ifdef VB_HAVE_DNNL
	case VB_GEMM_DNNL: return vb_dnnl_load();
#else
	case VB_GEMM_DNNL: return "not built: no oneDNN (libdnnl-dev) at build time, or an AddressSanitizer build";
#endif
	default: return NULL;
	}
}

const char *vb_blis_unavailable(void) { return vb_gemm_unavailable(VB_GEMM_BLIS); }
const char *vb_dnnl_unavailable(void) { return vb_gemm_unavailable(VB_GEMM_DNNL); }

void vb_sgemm(vb_gemm_backend be, int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A,
              int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
	switch (vb_gemm_resolve(be, m, n, k)) {
#ifdef VB_HAVE_BLIS
	case VB_GEMM_BLIS: vb_sgemm_blis(transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc); return;
#endif
#ifdef VB_HAVE_DNNL
	case VB_GEMM_DNNL: vb_sgemm_dnnl(transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc); return;
#endif
	default:
		cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans, transb ? CblasTrans : CblasNoTrans,
		            (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
	}
}

/* The choice per class of GEMM (narrow, wide); -1 not yet made. */
enum { NARROW, WIDE, CLASSES };
static int chosen[CLASSES] = {-1, -1};
static int pinned; /* VECBENCH_GEMM named one backend for both */
static const char *chosen_why = "default (no calibration in this process)";
static double rate[VB_GEMM_COUNT][CLASSES]; /* GFLOP/s measured by vb_gemm_calibrate, 0: not measured */

static int from_env(void) {
	const char *e = getenv("VECBENCH_GEMM");
	if (!e || !*e) return -1;
	for (int b = 0; b < VB_GEMM_COUNT; b++)
		if (strcmp(e, names[b]) == 0 && !vb_gemm_unavailable((vb_gemm_backend)b)) return b;
	fprintf(stderr, "vecbench: VECBENCH_GEMM=%s is not a built-in backend; vec uses openblas\n", e);
	return VB_GEMM_OPENBLAS;
}

vb_gemm_backend vb_gemm_for_vec(void) {
	if (chosen[NARROW] < 0) {
		int e = from_env();
		chosen[NARROW] = chosen[WIDE] = e >= 0 ? e : VB_GEMM_OPENBLAS;
		if (e >= 0) chosen_why = "VECBENCH_GEMM", pinned = 1;
	}
	return pinned ? (vb_gemm_backend)chosen[NARROW] : VB_GEMM_VEC;
}

vb_gemm_backend vb_gemm_resolve(vb_gemm_backend be, int64_t m, int64_t n, int64_t k) {
	if (be != VB_GEMM_VEC) return be;
	vb_gemm_for_vec();
	int64_t least = m < n ? (m < k ? m : k) : (n < k ? n : k);
	return (vb_gemm_backend)chosen[least <= VB_GEMM_NARROW ? NARROW : WIDE];
}

/* The calibration's clock: wall time, the team's (it runs at the run's threads). */
static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The calibration's work, as the vec variants call the backends: narrow,
 * the MLP step's two dense layers (bias and ReLU), a weight gradient and an
 * error propagation; wide, a dense layer 2048x1024->1024 and its weight
 * gradient. */
enum { CAL_TASKS = 6, CAL_NARROW = 4, CAL_ROUNDS = 7 }; /* tasks [0, CAL_NARROW) narrow, the rest wide */
static double task_rate[VB_GEMM_COUNT][CAL_TASKS];      /* GFLOP/s of each calibration task */
static const char cal_tasks[] = "dense layer 256x784->256 + ReLU, its dW sgemm, the next layer 256x256->128 + ReLU, "
                                "its dA sgemm (256x128 by 128x256); wide: dense layer 2048x1024->1024, its dW sgemm";

static double cal_flops(int task) {
	static const double mnk[CAL_TASKS] = {256.0 * 784 * 256, 256.0 * 784 * 256,    256.0 * 256 * 128,
	                                      256.0 * 128 * 256, 2048.0 * 1024 * 1024, 2048.0 * 1024 * 1024};
	return 2 * mnk[task];
}

static void cal_run(vb_gemm_backend be, int task, const float *A, const float *B, float *C) {
	switch (task) {
	case 0: vb_dense_layer(be, 256, 784, 256, A, B, B + 256 * 784, C, 1); break;
	case 1: vb_sgemm(be, 1, 0, 256, 784, 256, 1.0f, A, 256, B, 784, 0.0f, C, 784); break;
	case 2: vb_dense_layer(be, 256, 256, 128, A, B, B + 256 * 128, C, 1); break;
	case 3: vb_sgemm(be, 0, 0, 256, 256, 128, 1.0f, A, 128, B, 256, 0.0f, C, 256); break;
	case 4: vb_dense_layer(be, 2048, 1024, 1024, A, B, B + 1024 * 1024, C, 0); break;
	default: vb_sgemm(be, 1, 0, 1024, 1024, 2048, 1.0f, A, 1024, B, 1024, 0.0f, C, 1024);
	}
}

static int cal_threads; /* the thread count the calibration ran at */

/* At the run's thread count, as the vec variants run: a library's threading
 * on these small GEMMs decides as much as its kernels (OpenBLAS's two-thread
 * training step was 20% slower than oneDNN's where their one-thread rates
 * tied). The backends take turns over CAL_ROUNDS rounds, the first a warm-up,
 * and each keeps its best time per task: a busy moment slows one round, not
 * one backend. */
void vb_gemm_calibrate(void) {
	if (from_env() >= 0) {
		vb_gemm_for_vec();
		return;
	}
	size_t most = 2048 * 1024 + 1024;
	float *A = malloc(sizeof(float) * most), *B = malloc(sizeof(float) * most), *C = malloc(sizeof(float) * most);
	if (!A || !B || !C) {
		free(A), free(B), free(C);
		return; /* keep the default */
	}
	for (size_t i = 0; i < most; i++)
		A[i] = B[i] = (float)(i % 17) * 0.0625f - 0.5f;
	double best[VB_GEMM_COUNT][CAL_TASKS];
	for (int b = 0; b < VB_GEMM_COUNT; b++)
		for (int task = 0; task < CAL_TASKS; task++)
			best[b][task] = 1e30;
	for (int r = 0; r < CAL_ROUNDS; r++)
		for (int b = 0; b < VB_GEMM_COUNT; b++) {
			if (vb_gemm_unavailable((vb_gemm_backend)b)) continue;
			for (int task = 0; task < CAL_TASKS; task++) {
				double t0 = now();
				cal_run((vb_gemm_backend)b, task, A, B, C);
				double t = now() - t0;
				if (r && t < best[b][task]) best[b][task] = t;
			}
		}
	/* Each class to its fastest backend by the geometric mean of its shapes'
	 * rates (each shape counted once). One winner for both let either class
	 * decide for the other: oneDNN ran the narrow shapes 10-25% faster than
	 * OpenBLAS and lowrank_fwd's and nn2_bwd's 2-2.7x, OpenBLAS a square-ish
	 * sgemm 1024x512x1024 20-40%. That sgemm was no wide op's: oneDNN ran
	 * dense_fwd and dense_bwd at m=2048 and 4096 5-15% faster, so the wide
	 * class is now timed on a wide dense layer and its weight gradient. */
	double top[CLASSES] = {0, 0};
	for (int b = 0; b < VB_GEMM_COUNT; b++) {
		if (vb_gemm_unavailable((vb_gemm_backend)b)) continue;
		double logs[CLASSES] = {0, 0};
		for (int task = 0; task < CAL_TASKS; task++) {
			task_rate[b][task] = cal_flops(task) / best[b][task] * 1e-9;
			logs[task < CAL_NARROW ? NARROW : WIDE] += log(task_rate[b][task]);
		}
		rate[b][NARROW] = exp(logs[NARROW] / CAL_NARROW);
		rate[b][WIDE] = exp(logs[WIDE] / (CAL_TASKS - CAL_NARROW));
		for (int k = 0; k < CLASSES; k++)
			if (rate[b][k] > top[k]) top[k] = rate[b][k], chosen[k] = b;
	}
	cal_threads = omp_get_max_threads();
	chosen_why = "fastest in this run's calibration";
	free(A), free(B), free(C);
}

void vb_gemm_describe(char *buf, size_t len) {
	vb_gemm_for_vec();
	int n = snprintf(buf, len, "vec=%s for narrow GEMMs (a dimension <= %d), %s for wide ones (%s)",
	                 names[chosen[NARROW]], VB_GEMM_NARROW, names[chosen[WIDE]], chosen_why);
	if (rate[chosen[NARROW]][NARROW] > 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n,
		              "; calibration: narrow: %s, %d thread%s, best of %d interleaved rounds, GFLOP/s (each "
		              "class the geometric mean of its shapes')",
		              cal_tasks, cal_threads, cal_threads == 1 ? "" : "s", CAL_ROUNDS - 1);
	for (int b = 0; b < VB_GEMM_COUNT && n > 0 && (size_t)n < len; b++) {
		const char *why = vb_gemm_unavailable((vb_gemm_backend)b);
		if (why)
			n += snprintf(buf + n, len - (size_t)n, "; %s %s", names[b], why);
		else if (rate[b][NARROW] > 0)
			n += snprintf(buf + n, len - (size_t)n,
			              "; %s narrow %.1f (%.0f, %.0f, %.0f, %.0f), wide %.1f (%.0f, %.0f)", names[b],
			              rate[b][NARROW], task_rate[b][0], task_rate[b][1], task_rate[b][2],
			              task_rate[b][3], rate[b][WIDE], task_rate[b][4], task_rate[b][5]);
#ifdef VB_HAVE_BLIS
		if (b == VB_GEMM_BLIS && !why && n > 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " (%s)", vb_blis_kernels());
#endif
	}
}

/* ---- the dense layer and its bias gradient ---- */

/* One block of rows of the layer through a library GEMM and a pass over the
 * block's output (the bias on OpenBLAS before, the ReLU after). */
static void dense_rows(vb_gemm_backend be, int64_t m, int64_t in, int64_t out, const float *A, const float *W,
                       const float *b, float *Z, int relu) {
	int big = m * out >= VF_PAR_MIN;
	if (be == VB_GEMM_OPENBLAS) {
		/* OpenBLAS zeroes C in a pass of its own when beta = 0, so the bias
		 * broadcast costs nothing more and beta = 1 adds the product onto it. */
		VF_PAR_FOR(big, i, 0, m, 1, { memcpy(Z + i * out, b, sizeof(float) * (size_t)out); });
		vb_sgemm(be, 0, 1, m, out, in, 1.0f, A, in, W, in, 1.0f, Z, out);
		if (relu) VF_PAR_FOR(big, i, 0, m, 1, { vf_map1(Z + i * out, Z + i * out, out, relu_vf); });
		return;
	}
	/* BLIS and oneDNN write C without reading it when beta = 0: one pass after the
	 * GEMM adds the bias and applies the activation. */
	vb_sgemm(be, 0, 1, m, out, in, 1.0f, A, in, W, in, 0.0f, Z, out);
	if (relu)
		VF_PAR_FOR(big, i, 0, m, 1, { vf_map2(Z + i * out, Z + i * out, b, out, add_relu_vf); });
	else
		VF_PAR_FOR(big, i, 0, m, 1, { vf_map2(Z + i * out, Z + i * out, b, out, add_vf); });
}

void vb_dense_layer(vb_gemm_backend be, int64_t m, int64_t in, int64_t out, const float *A, const float *W,
                    const float *b, float *Z, int relu) {
	be = vb_gemm_resolve(be, m, out, in); /* once: the row blocks below are narrower than the layer */
#ifdef VB_HAVE_DNNL
	/* oneDNN's matmul primitive applies the bias and the ReLU inside its
	 * kernel: 10-20% faster than its sgemm and a pass after it at training
	 * sizes, but 3-10% slower once Z passes 4 MiB (measured on an AVX-512
	 * EPYC: 4096x1024 and 32768x64 outputs), where its sgemm takes over. */
	if (be == VB_GEMM_DNNL && m * out <= (1 << 20) && vb_dense_layer_dnnl(m, in, out, A, W, b, Z, relu)) return;
#endif
	/* Elsewhere the pass after the GEMM reads Z back: in blocks of rows of
	 * about 512 KiB it finds the block still in L2. Each GEMM call packs W
	 * again, so only while W is small (up to 1 MiB); a large W in one call. */
	int64_t rows = (int64_t)(1 << 17) / out;
	int after = relu || be != VB_GEMM_OPENBLAS; /* a pass after the GEMM */
	if (!after || in * out > (1 << 18) || rows >= m || rows < 64) {
		dense_rows(be, m, in, out, A, W, b, Z, relu);
		return;
	}
	for (int64_t i0 = 0; i0 < m; i0 += rows)
		dense_rows(be, m - i0 < rows ? m - i0 : rows, in, out, A + i0 * in, W, b, Z + i0 * out, relu);
}

void vb_column_sums(const float *G, int64_t m, int64_t n, float *db) {
	/* Whole rows added into db: contiguous SIMD; threads over column panels. */
	enum { PANEL = 512 };
	VF_PAR_FOR(m * n >= VF_PAR_MIN, j0, 0, n, PANEL, {
		int64_t w = n - j0 < PANEL ? n - j0 : PANEL;
		float *s = db + j0;
		for (int64_t j = 0; j < w; j++)
			s[j] = 0;
		for (int64_t i = 0; i < m; i++)
			vf_map2(s, s, G + i * n + j0, w, add_vf);
	});
}
