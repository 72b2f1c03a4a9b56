/* float16 storage for float32 arithmetic (the CPU's mixed precision with
 * F16C): vcvtps2ph rounds to nearest even (and to infinity from 65520, so an
 * overflow shows as a non-finite value), vcvtph2ps widens exactly; sixteen at
 * a time with AVX-512, eight with F16C, and the compiler's _Float16 for the
 * tail and builds without either. */
#ifndef VB_KERNELS_CPU_FP16_H
#define VB_KERNELS_CPU_FP16_H
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__) || defined(__F16C__)
#include <immintrin.h>
#endif

#define FP16_INLINE static inline __attribute__((always_inline))

FP16_INLINE uint16_t f16_from_f32(float f) {
	_Float16 h = (_Float16)f;
	uint16_t u;
	memcpy(&u, &h, sizeof u);
	return u;
}

FP16_INLINE float f16_to_f32(uint16_t u) {
	_Float16 h;
	memcpy(&h, &u, sizeof h);
	return (float)h;
}

/* dst[i] = src[i] rounded to float16, i < n. */
FP16_INLINE void f16_narrow(uint16_t *restrict dst, const float *restrict src, int64_t n) {
	int64_t i = 0;
#if defined(__AVX512F__)
	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256(
		    (__m256i *)(dst + i),
		    _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#elif defined(__F16C__)
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i),
		                                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
	for (; i < n; i++)
		dst[i] = f16_from_f32(src[i]);
}

/* dst[i] = src[i] widened, i < n. */
FP16_INLINE void f16_widen(float *restrict dst, const uint16_t *restrict src, int64_t n) {
	int64_t i = 0;
#if defined(__AVX512F__)
	for (; i + 16 <= n; i += 16)
		_mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
#elif defined(__F16C__)
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
#endif
	for (; i < n; i++)
		dst[i] = f16_to_f32(src[i]);
}

/* dst[i] = src[i] rounded to float16 and widened back (dst may be src):
 * the value a float16 copy holds, kept in float32 for the GEMMs. */
FP16_INLINE void f16_round(float *dst, const float *src, int64_t n) {
	int64_t i = 0;
#if defined(__AVX512F__)
	for (; i + 16 <= n; i += 16)
		_mm512_storeu_ps(dst + i,
		                 _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_loadu_ps(src + i),
		                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
#elif defined(__F16C__)
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(dst + i,
		                 _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(src + i),
		                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
#endif
	for (; i < n; i++)
		dst[i] = f16_to_f32(f16_from_f32(src[i]));
}
#endif
