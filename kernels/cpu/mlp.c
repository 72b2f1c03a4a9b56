/* The 3-layer MLP, vectorized: GEMMs over the whole batch (kernels/gemm.h), SIMD
 * elementwise passes, the SGD update fused into the weight-gradient GEMMs
 * (mlp_vec.inc, instantiated for float32 and float64). */
#include <cblas.h>
#include <math.h>
#include <omp.h>

#include "gemm.h"
#include "mlp.h"
#include "vmath.h"

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, T_OUT };

/* e[o] = exp(z[o] - zmax), o < n; e may be z. float: SLEEF's vector exp. */
static void exp_shifted_f32(float *e, const float *z, float zmax, int64_t n) {
#pragma omp simd
	for (int64_t o = 0; o < n; o++)
		e[o] = z[o] - zmax;
	vf_map1(e, e, n, vf_exp);
}

static void exp_shifted_f64(double *e, const double *z, double zmax, int64_t n) {
	for (int64_t o = 0; o < n; o++)
		e[o] = exp(z[o] - zmax);
}

/* The GEMM backend of the float32 call in progress: every entry point below
 * sets it first (the harness calls one kernel at a time). */
static vb_gemm_backend mlp_backend;

static void mlp_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
                      const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
	(void)order; /* always row-major */
	vb_sgemm(mlp_backend, ta == CblasTrans, tb == CblasTrans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

#define REAL float
#define GEMM mlp_sgemm
#define DENSE_LAYER(...) vb_dense_layer(mlp_backend, __VA_ARGS__)
#define LOG logf
#define FN(name) name##_f32
#include "mlp_vec.inc"
#undef REAL
#undef GEMM
#undef DENSE_LAYER
#undef LOG
#undef FN

#define REAL double
#define GEMM cblas_dgemm
#define LOG log
#define FN(name) name##_f64
#include "mlp_vec.inc"
#undef REAL
#undef GEMM
#undef LOG
#undef FN

typedef struct {
	float *A1, *A2, *P;
} activations;

static activations activations_alloc(const vb_call *c) {
	int64_t m = c->dim[M];
	return (activations){vb_scratch(c, sizeof(float) * (size_t)(m * c->dim[H1])),
	                     vb_scratch(c, sizeof(float) * (size_t)(m * c->dim[H2])),
	                     vb_scratch(c, sizeof(float) * (size_t)(m * c->dim[K]))};
}

void mlp_fwd_vec(const vb_call *c) {
	mlp_backend = vb_gemm_for_vec();
	activations a = activations_alloc(c);
	((float *)c->t[T_OUT])[0] = forward_f32(c, a.A1, a.A2, a.P, 1);
}

void mlp_bwd_vec(const vb_call *c) {
	mlp_backend = vb_gemm_for_vec();
	activations a = activations_alloc(c);
	forward_f32(c, a.A1, a.A2, a.P, 0);
	void *const grads[6] = {c->t[T_OUT],     c->t[T_OUT + 1], c->t[T_OUT + 2],
	                        c->t[T_OUT + 3], c->t[T_OUT + 4], c->t[T_OUT + 5]};
	backward_f32(c, a.A1, a.A2, a.P, 1, 0, grads);
}

/* Gradient accumulation: the same gradients over micro-batches of
 * MLP_MICRO_BATCH examples (the last one shorter), each one's dW, db added
 * into the outputs (beta = 1 after the first), so the activations and their
 * gradients are micro-batch sized instead of m sized. */
enum { MLP_MICRO_BATCH = 64 };

void mlp_bwd_vec_accum(const vb_call *c) {
	mlp_backend = vb_gemm_for_vec();
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	int64_t dim[VB_MAX_DIMS] = {0};
	for (int i = 0; i <= K; i++)
		dim[i] = c->dim[i];
	dim[M] = m < MLP_MICRO_BATCH ? m : MLP_MICRO_BATCH;
	void *t[T_OUT + 6];
	for (int i = 0; i < T_OUT + 6; i++)
		t[i] = c->t[i];
	const vb_call micro = {.dim = dim, .t = t, .ws = c->ws};
	activations a = activations_alloc(&micro);
	int64_t widest = h1 > h2 ? h1 : h2;
	float *dA2 = vb_scratch(c, sizeof(float) * (size_t)(dim[M] * h2)),
	      *dA1 = vb_scratch(c, sizeof(float) * (size_t)(dim[M] * h1)),
	      *sum = vb_scratch(c, sizeof(float) * (size_t)(widest > k ? widest : k));
	void *const grads[6] = {c->t[T_OUT],     c->t[T_OUT + 1], c->t[T_OUT + 2],
	                        c->t[T_OUT + 3], c->t[T_OUT + 4], c->t[T_OUT + 5]};
	for (int64_t s = 0; s < m; s += MLP_MICRO_BATCH) {
		dim[M] = m - s < MLP_MICRO_BATCH ? m - s : MLP_MICRO_BATCH;
		t[T_X] = (float *)c->t[T_X] + s * d;
		t[T_Y] = (float *)c->t[T_Y] + s * k;
		forward_f32(&micro, a.A1, a.A2, a.P, 0);
		backward_ws_f32(&micro, a.A1, a.A2, a.P, 1 / (float)m, 1, s == 0 ? 0 : 1, grads, dA2, dA1, sum);
	}
}

static void train_step_on(const vb_call *c, vb_gemm_backend be) {
	mlp_backend = be;
	train_step_f32(c);
}

void mlp_train_step_vec(const vb_call *c) { train_step_on(c, vb_gemm_for_vec()); }
void mlp_train_step_vec_openblas(const vb_call *c) { train_step_on(c, VB_GEMM_OPENBLAS); }
#ifdef VB_HAVE_BLIS
void mlp_train_step_vec_blis(const vb_call *c) { train_step_on(c, VB_GEMM_BLIS); }
#endif
#ifdef VB_HAVE_DNNL
void mlp_train_step_vec_dnnl(const vb_call *c) { train_step_on(c, VB_GEMM_DNNL); }
#endif

void mlp_train_step_vec_f64(const vb_call *c) { train_step_f64(c); }

/* The same step on one core: OpenBLAS and OpenMP held to one thread inside
 * the call, the previous counts restored after (OpenBLAS's OpenMP build sets
 * OpenMP's count too, so OpenMP's is restored last). */
void mlp_train_step_vec_1t(const vb_call *c) {
	int blas_threads = openblas_get_num_threads(), omp_threads = omp_get_max_threads();
	openblas_set_num_threads(1);
	omp_set_num_threads(1);
	train_step_on(c, vb_gemm_for_vec());
	openblas_set_num_threads(blas_threads);
	omp_set_num_threads(omp_threads);
}
