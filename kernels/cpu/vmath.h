/* SIMD helpers for the activation, softmax, loss and network kernels (kernels/cpu,
 * compiled -march=native): one vector type `vf` of VF_LANES floats, AVX-512
 * or AVX2, with a one-lane scalar fallback so the kernels build anywhere.
 * Arithmetic uses GCC's vector operators (+ - * /); exp, tanh and log are
 * polynomials of vecbench's own (vf_exp, vf_tanh, vf_log: every float
 * checked against the ulps of VB_EXP_ULPS in activation.h), SLEEF's _u10
 * functions for AVX2's exp and the special cases. A row's tail is one
 * partial vector with masked loads and stores, so no lane reads or writes
 * past the end. */
#ifndef VB_KERNELS_CPU_VMATH_H
#define VB_KERNELS_CPU_VMATH_H
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#include <sleef.h>
#endif

#define VF_INLINE static inline __attribute__((always_inline))

/* Below this many floats (1 MiB) a kernel stays on one thread: its work is
 * then a few tens of microseconds, where a fork-join, or a second thread
 * that is late to its time slice, costs as much as it saves. */
enum { VF_PAR_MIN = 1 << 18, VF_CHUNK = 1 << 14 };

/* Whether a pass over n elements is worth a fork-join: n times its cost per
 * element in relu_fwd's (one float in, one out) reaches VF_PAR_MIN, about
 * 10 us of work. The costs are about the passes' one-thread times over
 * relu_fwd's at 1000 x 100 on an AVX-512 EPYC, with SLEEF's exp, log and
 * tanh (vecbench's own are 1.3-4x faster, so these err towards threads): an
 * exp ~5, a softmax ~12, tanh ~26; a pass over three arrays counts 3, as its 1.2 MB there outgrow
 * one core's L2 (two threads: relu_bwd 4.8 us instead of 8.6). */
VF_INLINE int vf_par_worth(int64_t n, double cost) { return (double)n * cost >= VF_PAR_MIN; }

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
/* A store that bypasses the caches (p aligned to the vector). */
VF_INLINE void vf_store_nt(float *p, vf v) { _mm512_stream_ps(p, v); }
VF_INLINE vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
/* x where c > 0, else 0. x is pinned to a register first: GCC otherwise
 * folds the select into a zero-masked load of x, which made relu_bwd 50%
 * slower on an AVX-512 EPYC (3.1 ms instead of 2.0 at 4096 x 2048). */
VF_INLINE vf vf_where_pos(vf c, vf x) {
	__asm__("" : "+v"(x));
	return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(c, _mm512_setzero_ps(), _CMP_GT_OQ), x);
}
/* v in the first n < VF_LANES lanes, 0 in the others. */
VF_INLINE vf vf_keep_first(vf v, int64_t n) { return _mm512_maskz_mov_ps(vf_tail_mask(n), v); }
VF_INLINE float vf_hsum(vf v) { return _mm512_reduce_add_ps(v); }
VF_INLINE float vf_hmax(vf v) { return _mm512_reduce_max_ps(v); }
/* e^x as 2^n e^r, n = round(x / ln 2), r = x - n ln 2 (two FMAs, ln 2 in two
 * parts), e^r a degree-6 minimax polynomial on [-ln2/2, ln2/2] (fit error
 * 0.03 u), 2^n by vscalefps, which also rounds the subnormal results and
 * overflows to inf; 0 below -104. Within 1.06 ulp over every float (checked),
 * ~1.5x SLEEF's expf16_u10, which left softmax compute bound. */
VF_INLINE vf vf_exp(vf x) {
	__m512 t = _mm512_min_ps(_mm512_max_ps(x * _mm512_set1_ps(0x1.715476p+0f), _mm512_set1_ps(-200.0f)),
	                         _mm512_set1_ps(200.0f));
	__m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e43p-1f), x);
	r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-0x1.05c61p-29f), r);
	__m512 p = _mm512_set1_ps(0x1.6ab976p-10f);
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0x1.126d0cp-7f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0x1.55589ap-5f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0x1.55540ap-3f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0x1.fffffap-2f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
	__m512 e = _mm512_scalef_ps(p, n);
	return _mm512_mask_mov_ps(e, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-104.0f), _CMP_LT_OQ), _mm512_setzero_ps());
}
/* x = 2^k m, m in [sqrt(1/2), sqrt(2)): k and f = m - 1 (exact) for vf_log. */
VF_INLINE vf vf_log_split(vf x, vf *k) {
	__m512i ix = _mm512_sub_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(0x3f3504f3));
	*k = _mm512_cvtepi32_ps(_mm512_srai_epi32(ix, 23));
	__m512i m = _mm512_add_epi32(_mm512_and_si512(ix, _mm512_set1_epi32(0x7fffff)), _mm512_set1_epi32(0x3f3504f3));
	return _mm512_castsi512_ps(m) - _mm512_set1_ps(1.0f);
}
/* r, with SLEEF's logf in the lanes where x is not a positive normal float
 * (0, negative, subnormal, inf, NaN). */
VF_INLINE vf vf_log_fixup(vf r, vf x) {
	__mmask16 odd = _mm512_cmp_ps_mask(x, _mm512_set1_ps(0x1p-126f), _CMP_NGE_UQ) |
	                _mm512_cmp_ps_mask(x, _mm512_set1_ps(0x1.fffffep127f), _CMP_GT_OQ);
	return odd ? _mm512_mask_mov_ps(r, odd, Sleef_logf16_u10(x)) : r;
}
VF_INLINE vf vf_log1p(vf x) { return Sleef_log1pf16_u10(x); }
/* a where key < limit, else b. */
VF_INLINE vf vf_select_lt(vf key, float limit, vf a, vf b) {
	return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(key, _mm512_set1_ps(limit), _CMP_LT_OQ), b, a);
}
/* |r| with x's sign. */
VF_INLINE vf vf_copysign(vf r, vf x) {
	__m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN));
	return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r), sign));
}

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
VF_INLINE void vf_store_nt(float *p, vf v) { _mm256_stream_ps(p, v); }
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
VF_INLINE vf vf_log_split(vf x, vf *k) {
	__m256i ix = _mm256_sub_epi32(_mm256_castps_si256(x), _mm256_set1_epi32(0x3f3504f3));
	*k = _mm256_cvtepi32_ps(_mm256_srai_epi32(ix, 23));
	__m256i m = _mm256_add_epi32(_mm256_and_si256(ix, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(0x3f3504f3));
	return _mm256_castsi256_ps(m) - _mm256_set1_ps(1.0f);
}
VF_INLINE vf vf_log_fixup(vf r, vf x) {
	vf odd = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_set1_ps(0x1p-126f), _CMP_NGE_UQ),
	                      _mm256_cmp_ps(x, _mm256_set1_ps(0x1.fffffep127f), _CMP_GT_OQ));
	return _mm256_movemask_ps(odd) ? _mm256_blendv_ps(r, Sleef_logf8_u10(x), odd) : r;
}
VF_INLINE vf vf_log1p(vf x) { return Sleef_log1pf8_u10(x); }
VF_INLINE vf vf_select_lt(vf key, float limit, vf a, vf b) {
	return _mm256_blendv_ps(b, a, _mm256_cmp_ps(key, _mm256_set1_ps(limit), _CMP_LT_OQ));
}
VF_INLINE vf vf_copysign(vf r, vf x) { return _mm256_or_ps(r, _mm256_and_ps(x, _mm256_set1_ps(-0.0f))); }

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
VF_INLINE void vf_store_nt(float *p, vf v) { *p = v; }
VF_INLINE vf vf_max(vf a, vf b) { return a > b ? a : b; }
VF_INLINE vf vf_where_pos(vf c, vf x) { return c > 0 ? x : 0.0f; }
VF_INLINE vf vf_keep_first(vf v, int64_t n) { return n > 0 ? v : 0.0f; }
VF_INLINE float vf_hsum(vf v) { return v; }
VF_INLINE float vf_hmax(vf v) { return v; }
VF_INLINE vf vf_exp(vf x) { return expf(x); }
VF_INLINE vf vf_log(vf x) { return logf(x); }
VF_INLINE vf vf_tanh(vf x) { return tanhf(x); }
VF_INLINE vf vf_log1p(vf x) { return log1pf(x); }
#endif

/* ---- streaming stores ----
 * An output that does not fit in the last-level cache beside the inputs is
 * written around the caches: a normal store first reads the line it writes
 * (read for ownership), so a pass that reads x and writes y moves 3 bytes per
 * byte of y through memory where a streaming store moves 2. Below that size
 * normal stores win: the next call, or the next op, finds y in cache. */

/* Orders the streaming stores before whatever follows (a thread's chunk ends
 * with it, before OpenMP's barrier). */
VF_INLINE void vf_fence(void) {
#if defined(__AVX2__) || defined(__AVX512F__)
	_mm_sfence();
#endif
}

/* The last-level cache of cpu0 in bytes as sysfs gives it (the cache
 * hierarchy's highest level; 32 MiB if unknown). Not sysconf's: glibc reads
 * CPUID, which in a VM can describe the host (384 MiB on a 2-vCPU EPYC whose
 * sysfs says 32). */
static inline double vf_llc_bytes(void) {
	double best = 0;
	for (int i = 0; i < 8; i++) {
		char path[64], buf[32];
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		FILE *f = fopen(path, "r");
		if (!f) continue;
		if (fgets(buf, sizeof buf, f)) {
			char *end;
			double v = strtod(buf, &end);
			v *= *end == 'K' ? 1024.0 : *end == 'M' ? 1048576.0 : 1.0;
			best = v > best ? v : best;
		}
		fclose(f);
	}
	return best > 0 ? best : 32.0 * (1 << 20);
}

/* Whether a pass over `bytes` of inputs and outputs should stream its
 * stores: more than half the last-level cache. relu_fwd on one thread of a
 * 2-vCPU EPYC (32 MiB L3): streamed 45% slower at 16 MiB, 6% faster at 24
 * MiB, 20-30% at 64 MiB. Call it outside parallel regions. */
static inline int vf_streams(double bytes) {
	static double llc;
	if (!(llc > 0)) llc = vf_llc_bytes();
	return bytes > llc / 2;
}

/* Elements before y reaches the vector's alignment (at most n). */
VF_INLINE int64_t vf_head(const float *y, int64_t n) {
	int64_t h = (int64_t)(((uintptr_t)0 - (uintptr_t)y) % (sizeof(float) * VF_LANES) / sizeof(float));
	return h < n ? h : n;
}

/* A whole vector to p: streamed when nt (p aligned), else a normal store. */
VF_INLINE void vf_store_to(float *p, vf v, int nt) {
	if (nt)
		vf_store_nt(p, v);
	else
		vf_store(p, v);
}

#if defined(__AVX512F__) || defined(__AVX2__)
/* tanh within 1.6 u (0.78 ulp), four times SLEEF's tanhf16_u10 (0.94 ns a
 * float on an AVX-512 EPYC core, a double-float expm1 inside), which left tanh_fwd at a
 * quarter of the bandwidth roof. |x| < 0.81: x + x^3 P(x^2), P a degree-5
 * minimax fit of (tanh x - x) / x^3 (fit error 0.07 u, 1.4 u after float
 * rounding, u = 2^-24). Beyond: 1 - 2 / (e^2|x| + 1), where tanh >= 2/3 keeps
 * exp's 2 u and two roundings within 3 u; 1 once e^2|x| overflows, NaN stays
 * NaN. The sign is x's (tanh(-0) = -0). */
VF_INLINE vf vf_tanh(vf x) {
	vf a = vf_max(x, -x), t = a * a, one = vf_set1(1.0f);
	vf p = vf_set1(0.0015552088f);
	p = p * t + vf_set1(-0.0073576523f);
	p = p * t + vf_set1(0.021269327f);
	p = p * t + vf_set1(-0.053842511f);
	p = p * t + vf_set1(0.13332097f);
	p = p * t + vf_set1(-0.33333293f);
	vf small = a + a * t * p, large = one - vf_set1(2.0f) / (vf_exp(a + a) + one);
	return vf_copysign(vf_select_lt(a, 0.81f, small, large), x);
}

/* log x as FreeBSD's logf (e_logf.c: its reduction to m in [sqrt(1/2),
 * sqrt(2)), s = f / (2 + f) and its degree-8 odd series in s), within 0.76
 * ulp over every positive normal float (checked); SLEEF's logf16_u10 for the
 * others. Twice SLEEF's speed (0.26 ns a float on an AVX-512 EPYC core),
 * which left bce_loss, two logs a float, compute bound at 55% of the DRAM
 * roof. */
VF_INLINE vf vf_log(vf x) {
	vf k, f = vf_log_split(x, &k);
	vf s = f / (vf_set1(2.0f) + f), z = s * s, w = z * z;
	vf R = z * (vf_set1(0x1.555554p-1f) + w * vf_set1(0x1.23d3dcp-2f)) +
	       w * (vf_set1(0x1.999c26p-2f) + w * vf_set1(0x1.f13c4cp-3f));
	vf hfsq = vf_set1(0.5f) * f * f;
	vf r = k * vf_set1(0x1.62e3p-1f) - ((hfsq - (s * (hfsq + R) + k * vf_set1(0x1.2fefa2p-17f))) - f);
	return vf_log_fixup(r, x);
}
#endif

/* sigma(z) = 1 / (1 + e^-z); 0 once e^-z overflows (z < -88.7, where sigma is subnormal). */
VF_INLINE vf vf_sigmoid(vf z) { return vf_set1(1.0f) / (vf_set1(1.0f) + vf_exp(-z)); }
/* sigma(z) - y: the logistic loss' slope in z. */
VF_INLINE vf vf_sigmoid_minus(vf z, vf y) { return vf_sigmoid(z) - y; }
/* e^-|z|, in (0, 1]: the logistic loss' log1p(e^-|z|) without overflow. */
VF_INLINE vf vf_exp_neg_abs(vf z) { return vf_exp(-vf_max(z, -z)); }

/* softplus(z) - y z = max(z, 0) + log1p(e^-|z|) - y z: the logistic loss
 * of logit z and label y, without overflow. */
VF_INLINE vf vf_logistic_loss(vf z, vf y) { return vf_max(z, vf_set1(0.0f)) - y * z + vf_log1p(vf_exp_neg_abs(z)); }

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

/* vf_map1 with streaming stores after y's aligned head (y must not be x),
 * the caller fencing (vf_fence) after a batch of them; when nt is 0, plain
 * vf_map1. */
VF_INLINE void vf_map1_nt(float *restrict y, const float *restrict x, int64_t n, vf (*f)(vf), int nt) {
	if (!nt) {
		vf_map1(y, x, n, f);
		return;
	}
	int64_t i = vf_head(y, n);
	if (i) vf_store_part(y, i, f(vf_load_part(x, i, 0.0f)));
	for (; i + VF_LANES <= n; i += VF_LANES)
		vf_store_nt(y + i, f(vf_load(x + i)));
	if (i < n) vf_store_part(y + i, n - i, f(vf_load_part(x + i, n - i, 0.0f)));
}

/* vf_map2 with streaming stores (y neither a nor b) when nt, as vf_map1_nt. */
VF_INLINE void vf_map2_nt(float *restrict y, const float *a, const float *b, int64_t n, vf (*f)(vf, vf), int nt) {
	if (!nt) {
		vf_map2(y, a, b, n, f);
		return;
	}
	int64_t i = vf_head(y, n);
	if (i) vf_store_part(y, i, f(vf_load_part(a, i, 0.0f), vf_load_part(b, i, 0.0f)));
	for (; i + VF_LANES <= n; i += VF_LANES)
		vf_store_nt(y + i, f(vf_load(a + i), vf_load(b + i)));
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

/* y[i] = x[i] * s, i < n, streamed when nt (y not x). */
VF_INLINE void vf_row_scale_to(float *restrict y, const float *restrict x, float s, int64_t n, int nt) {
	vf v = vf_set1(s);
	int64_t i = nt ? vf_head(y, n) : 0;
	if (i) vf_store_part(y, i, vf_load_part(x, i, 0.0f) * v);
	for (; i + VF_LANES <= n; i += VF_LANES)
		vf_store_to(y + i, vf_load(x + i) * v, nt);
	if (i < n) vf_store_part(y + i, n - i, vf_load_part(x + i, n - i, 0.0f) * v);
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

/* sums[r] = the sum of row r of x, `rows` rows of n. */
VF_INLINE void vf_row_sums(float *sums, const float *x, int64_t rows, int64_t n) {
	for (int64_t r = 0; r < rows; r++)
		sums[r] = vf_row_sum(x + r * n, n);
}

/* Rows of n per block: whole rows, about VF_BLOCK floats. */
VF_INLINE int64_t vf_block_rows(int64_t n) {
	int64_t r = VF_BLOCK / n;
	return r < 1 ? 1 : r > VF_BLOCK_ROWS ? VF_BLOCK_ROWS : r;
}

/* e_ij = exp(z_ij - zmax_i) for `rows` rows of n, zmax_i the row's max and
 * esum_i the row's sum of e_ij (also written to zmax[] and esum[]). Rows of
 * at least VF_ROW_FUSED floats take two passes each: the max, then the
 * exponential, its store and its sum in one (a pass over L1 less each than
 * subtracting, exponentiating and summing apart; softmax_fwd was compute
 * bound on two EPYC cores). Shorter rows (10 classes) have the max
 * subtracted row by row and the exponential run over the block as one flat
 * array, in whole vectors, then summed row by row. While the exponentials
 * run, the next block's data (ahead[0..ahead_n), the next rows of z; ahead2
 * as long, e.g. the rows of labels read next) are prefetched a line per
 * vector: without it the next block's first pass (the row max) waits for
 * memory line by line (on one EPYC core that pass took half of
 * softmax_fwd's time at 4096 x 2048). */
enum { VF_ROW_FUSED = 4 * VF_LANES };
VF_INLINE void vf_rows_exp_stable_ahead(float *restrict e, float *restrict zmax, float *restrict esum,
                                        const float *restrict z, int64_t rows, int64_t n, const float *ahead,
                                        const float *ahead2, int64_t ahead_n) {
	if (n >= VF_ROW_FUSED) {
		for (int64_t r = 0, at = 0; r < rows; r++) {
			const float *zr = z + r * n;
			float *er = e + r * n;
			vf mx = vf_set1(zmax[r] = vf_row_max(zr, n)), acc = vf_set1(0.0f);
			int64_t j = 0;
			for (; j + VF_LANES <= n; j += VF_LANES, at += VF_LANES) {
				if (at < ahead_n) {
					if (ahead) __builtin_prefetch(ahead + at);
					if (ahead2) __builtin_prefetch(ahead2 + at);
				}
				vf ej = vf_exp(vf_load(zr + j) - mx);
				vf_store(er + j, ej);
				acc += ej;
			}
			if (j < n) {
				vf ej = vf_keep_first(vf_exp(vf_load_part(zr + j, n - j, 0.0f) - mx), n - j);
				vf_store_part(er + j, n - j, ej);
				acc += ej;
			}
			esum[r] = vf_hsum(acc);
		}
		return;
	}
	for (int64_t r = 0; r < rows; r++) {
		const float *zr = z + r * n;
		float *er = e + r * n;
		vf mx = vf_set1(zmax[r] = vf_row_max(zr, n));
		int64_t j = 0;
		for (; j + VF_LANES <= n; j += VF_LANES)
			vf_store(er + j, vf_load(zr + j) - mx);
		if (j < n) vf_store_part(er + j, n - j, vf_load_part(zr + j, n - j, 0.0f) - mx);
	}
	int64_t len = rows * n, j = 0;
	for (; j + VF_LANES <= len; j += VF_LANES) {
		if (j < ahead_n) {
			if (ahead) __builtin_prefetch(ahead + j);
			if (ahead2) __builtin_prefetch(ahead2 + j);
		}
		vf_store(e + j, vf_exp(vf_load(e + j)));
	}
	if (j < len) vf_store_part(e + j, len - j, vf_exp(vf_load_part(e + j, len - j, 0.0f)));
	vf_row_sums(esum, e, rows, n);
}

/* Floats of the block of up to br rows of n after the one at row i < m. */
VF_INLINE int64_t vf_next_block(int64_t i, int64_t br, int64_t m, int64_t n) {
	int64_t next = m - (i + br);
	return next <= 0 ? 0 : (next < br ? next : br) * n;
}
#endif
