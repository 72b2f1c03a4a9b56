/* SIMD helpers for the activation, softmax, loss and network kernels (kernels/cpu,
 * compiled -march=native): one vector type `vf` of VF_LANES floats, AVX-512
 * or AVX2, with a one-lane scalar fallback so the kernels build anywhere.
 * Arithmetic uses GCC's vector operators (+ - * /); exp, log and tanh come
 * from SLEEF's _u10 functions (at most 1.0 ulp, see VB_EXP_ULPS in
 * activation.h). A row's tail is one partial vector with masked loads and
 * stores, so no lane reads or writes past the end. */
#ifndef VB_KERNELS_CPU_VMATH_H
#define VB_KERNELS_CPU_VMATH_H
#include <math.h>
#include <omp.h>
#include <stdint.h>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#include <sleef.h>
#endif

#define VF_INLINE static inline __attribute__((always_inline))

/* Below this many floats (1 MiB) a kernel stays on one thread: its work is
 * then a few tens of microseconds, where a fork-join, or a second thread
 * that is late to its time slice, costs as much as it saves. */
enum { VF_PAR_MIN = 1 << 18, VF_CHUNK = 1 << 14 };

/* for (int64_t i = lo; i < hi; i += step) { body }, on OpenMP threads only
 * when `big` and more than one thread is allowed. Not an `if` clause: a
 * region entered with if (0), or with one thread, still has libgomp malloc
 * and free a team on every call, ~2000 instructions whose cost moves with
 * the heap's state (harness/measure/count.c) and would dominate small kernels.
 * VF_PAR_SUM adds a reduction(+ : total). */
#define VF_PRAGMA(x) _Pragma(#x)
#define VF_PAR_LOOP(clauses, big, i, lo, hi, step, ...)                                                                \
	do {                                                                                                           \
		if ((big) && omp_get_max_threads() > 1) {                                                              \
			VF_PRAGMA(omp parallel for schedule(static) clauses)                                           \
			for (int64_t i = (lo); i < (hi); i += (step)) {                                                \
				__VA_ARGS__;                                                                           \
			}                                                                                              \
		} else {                                                                                               \
			for (int64_t i = (lo); i < (hi); i += (step)) {                                                \
				__VA_ARGS__;                                                                           \
			}                                                                                              \
		}                                                                                                      \
	} while (0)
#define VF_PAR_FOR(big, i, lo, hi, step, ...) VF_PAR_LOOP(, big, i, lo, hi, step, __VA_ARGS__)
#define VF_PAR_SUM(total, big, i, lo, hi, step, ...)                                                                   \
	VF_PAR_LOOP(reduction(+ : total), big, i, lo, hi, step, __VA_ARGS__)

/* Row kernels (softmax, cross-entropy) work on blocks of whole rows of about
 * VF_BLOCK floats (an L1-sized slice), at most VF_BLOCK_ROWS rows. */
enum { VF_BLOCK = 4096, VF_BLOCK_ROWS = 256 };

#if defined(__AVX512F__)
enum { VF_LANES = 16 };
typedef __m512 vf;
VF_INLINE __mmask16 vf_tail_mask(int64_t n) { return (__mmask16)((1u << n) - 1); }
VF_INLINE vf vf_set1(float x) { return _mm512_set1_ps(x); }
VF_INLINE vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
VF_INLINE void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
/* The first n < VF_LANES lanes from p, the others `fill`. */
VF_INLINE vf vf_load_part(const float *p, int64_t n, float fill) {
	return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), vf_tail_mask(n), p);
}
VF_INLINE void vf_store_part(float *p, int64_t n, vf v) { _mm512_mask_storeu_ps(p, vf_tail_mask(n), v); }
VF_INLINE vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
/* x where c > 0, else 0. */
VF_INLINE vf vf_where_pos(vf c, vf x) {
	return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(c, _mm512_setzero_ps(), _CMP_GT_OQ), x);
}
/* v in the first n < VF_LANES lanes, 0 in the others. */
VF_INLINE vf vf_keep_first(vf v, int64_t n) { return _mm512_maskz_mov_ps(vf_tail_mask(n), v); }
VF_INLINE float vf_hsum(vf v) { return _mm512_reduce_add_ps(v); }
VF_INLINE float vf_hmax(vf v) { return _mm512_reduce_max_ps(v); }
VF_INLINE vf vf_exp(vf x) { return Sleef_expf16_u10(x); }
VF_INLINE vf vf_log(vf x) { return Sleef_logf16_u10(x); }
VF_INLINE vf vf_tanh(vf x) { return Sleef_tanhf16_u10(x); }

#elif defined(__AVX2__)
enum { VF_LANES = 8 };
typedef __m256 vf;
VF_INLINE __m256i vf_tail_mask(int64_t n) {
	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
VF_INLINE vf vf_set1(float x) { return _mm256_set1_ps(x); }
VF_INLINE vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
VF_INLINE void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
VF_INLINE vf vf_load_part(const float *p, int64_t n, float fill) {
	__m256i k = vf_tail_mask(n);
	return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, k), _mm256_castsi256_ps(k));
}
VF_INLINE void vf_store_part(float *p, int64_t n, vf v) { _mm256_maskstore_ps(p, vf_tail_mask(n), v); }
VF_INLINE vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
VF_INLINE vf vf_where_pos(vf c, vf x) { return _mm256_and_ps(_mm256_cmp_ps(c, _mm256_setzero_ps(), _CMP_GT_OQ), x); }
VF_INLINE vf vf_keep_first(vf v, int64_t n) { return _mm256_and_ps(_mm256_castsi256_ps(vf_tail_mask(n)), v); }
VF_INLINE float vf_hsum(vf v) {
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
VF_INLINE float vf_hmax(vf v) {
	__m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_max_ps(s, _mm_movehl_ps(s, s));
	return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}
/* SLEEF's dispatcher picks its AVX2 (FMA) or AVX code at the first call. */
VF_INLINE vf vf_exp(vf x) { return Sleef_expf8_u10(x); }
VF_INLINE vf vf_log(vf x) { return Sleef_logf8_u10(x); }
VF_INLINE vf vf_tanh(vf x) { return Sleef_tanhf8_u10(x); }

#else /* scalar fallback: same code, one lane, libm */
enum { VF_LANES = 1 };
typedef float vf;
VF_INLINE vf vf_set1(float x) { return x; }
VF_INLINE vf vf_load(const float *p) { return *p; }
VF_INLINE void vf_store(float *p, vf v) { *p = v; }
VF_INLINE vf vf_load_part(const float *p, int64_t n, float fill) { return n > 0 ? *p : fill; }
VF_INLINE void vf_store_part(float *p, int64_t n, vf v) {
	if (n > 0) *p = v;
}
VF_INLINE vf vf_max(vf a, vf b) { return a > b ? a : b; }
VF_INLINE vf vf_where_pos(vf c, vf x) { return c > 0 ? x : 0.0f; }
VF_INLINE vf vf_keep_first(vf v, int64_t n) { return n > 0 ? v : 0.0f; }
VF_INLINE float vf_hsum(vf v) { return v; }
VF_INLINE float vf_hmax(vf v) { return v; }
VF_INLINE vf vf_exp(vf x) { return expf(x); }
VF_INLINE vf vf_log(vf x) { return logf(x); }
VF_INLINE vf vf_tanh(vf x) { return tanhf(x); }
#endif

/* sigma(z) = 1 / (1 + e^-z); 0 once e^-z overflows (z < -88.7, where sigma is subnormal). */
VF_INLINE vf vf_sigmoid(vf z) { return vf_set1(1.0f) / (vf_set1(1.0f) + vf_exp(-z)); }
/* sigma(z) - y: the logistic loss' slope in z. */
VF_INLINE vf vf_sigmoid_minus(vf z, vf y) { return vf_sigmoid(z) - y; }
/* e^-|z|, in (0, 1]: the logistic loss' log1p(e^-|z|) without overflow. */
VF_INLINE vf vf_exp_neg_abs(vf z) { return vf_exp(-vf_max(z, -z)); }

/* y[i] = f(x[i]), i < n: whole vectors, then one partial vector. y may be x. */
VF_INLINE void vf_map1(float *y, const float *x, int64_t n, vf (*f)(vf)) {
	int64_t i = 0;
	for (; i + VF_LANES <= n; i += VF_LANES)
		vf_store(y + i, f(vf_load(x + i)));
	if (i < n) vf_store_part(y + i, n - i, f(vf_load_part(x + i, n - i, 0.0f)));
}

/* y[i] = f(a[i], b[i]), i < n. y may be a or b. */
VF_INLINE void vf_map2(float *y, const float *a, const float *b, int64_t n, vf (*f)(vf, vf)) {
	int64_t i = 0;
	for (; i + VF_LANES <= n; i += VF_LANES)
		vf_store(y + i, f(vf_load(a + i), vf_load(b + i)));
	if (i < n) vf_store_part(y + i, n - i, f(vf_load_part(a + i, n - i, 0.0f), vf_load_part(b + i, n - i, 0.0f)));
}

/* sum of f(a[j], b[j]), j < n: per-lane partial sums, then the lanes added.
 * The tail's unused lanes read `fill` (a value f accepts) and are masked out. */
VF_INLINE float vf_sum_map2(const float *a, const float *b, int64_t n, vf (*f)(vf, vf), float fill) {
	vf acc = vf_set1(0.0f);
	int64_t j = 0;
	for (; j + VF_LANES <= n; j += VF_LANES)
		acc += f(vf_load(a + j), vf_load(b + j));
	if (j < n) acc += vf_keep_first(f(vf_load_part(a + j, n - j, fill), vf_load_part(b + j, n - j, fill)), n - j);
	return vf_hsum(acc);
}

/* max of x[0..n), n >= 1. */
VF_INLINE float vf_row_max(const float *x, int64_t n) {
	vf m = vf_set1(-INFINITY);
	int64_t i = 0;
	for (; i + VF_LANES <= n; i += VF_LANES)
		m = vf_max(m, vf_load(x + i));
	if (i < n) m = vf_max(m, vf_load_part(x + i, n - i, -INFINITY));
	return vf_hmax(m);
}

/* x[i] *= s, i < n. */
VF_INLINE void vf_row_scale(float *x, float s, int64_t n) {
	vf v = vf_set1(s);
	int64_t i = 0;
	for (; i + VF_LANES <= n; i += VF_LANES)
		vf_store(x + i, vf_load(x + i) * v);
	if (i < n) vf_store_part(x + i, n - i, vf_load_part(x + i, n - i, 0.0f) * v);
}

/* sum of x[i], i < n. */
VF_INLINE float vf_row_sum(const float *x, int64_t n) {
	vf s = vf_set1(0.0f);
	int64_t i = 0;
	for (; i + VF_LANES <= n; i += VF_LANES)
		s += vf_load(x + i);
	if (i < n) s += vf_load_part(x + i, n - i, 0.0f);
	return vf_hsum(s);
}

/* Rows of n per block: whole rows, about VF_BLOCK floats. */
VF_INLINE int64_t vf_block_rows(int64_t n) {
	int64_t r = VF_BLOCK / n;
	return r < 1 ? 1 : r > VF_BLOCK_ROWS ? VF_BLOCK_ROWS : r;
}

/* e_ij = exp(z_ij - zmax_i) for `rows` rows of n, zmax_i the row's max (also
 * written to zmax[]). The max is subtracted row by row, then the exponential
 * runs over the block as one flat array, so it uses whole vectors even when
 * a row is shorter than one (10 classes). */
VF_INLINE void vf_rows_exp_stable(float *restrict e, float *restrict zmax, const float *restrict z, int64_t rows,
                                  int64_t n) {
	for (int64_t r = 0; r < rows; r++) {
		const float *zr = z + r * n;
		float *er = e + r * n;
		vf mx = vf_set1(zmax[r] = vf_row_max(zr, n));
		int64_t j = 0;
		for (; j + VF_LANES <= n; j += VF_LANES)
			vf_store(er + j, vf_load(zr + j) - mx);
		if (j < n) vf_store_part(er + j, n - j, vf_load_part(zr + j, n - j, 0.0f) - mx);
	}
	vf_map1(e, e, rows * n, vf_exp);
}
#endif
