/* bfloat16 storage for float32 arithmetic (the CPU's mixed precision): a
 * bf16 is the top 16 bits of a float32, so widening is a shift and narrowing
 * rounds away the low 16 bits, to nearest, ties to even. AVX2 converts eight
 * at a time; the scalar form handles the tail and builds without AVX2. */
#ifndef VB_KERNELS_CPU_BF16_H
#define VB_KERNELS_CPU_BF16_H
#include <stdint.h>
#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define BF16_INLINE static inline __attribute__((always_inline))

BF16_INLINE float bf16_to_f32(uint16_t h) {
	uint32_t u = (uint32_t)h << 16;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* Round to nearest even: add 0x7fff plus the lowest kept bit, so a tie rounds
 * to the even neighbour. A carry out of the fraction steps the exponent, which
 * is right (FLT_MAX rounds to infinity). NaN stays NaN: its sign and top
 * fraction bits are kept and the quiet bit set, so no payload rounds to Inf. */
BF16_INLINE uint16_t bf16_from_f32(float f) {
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
	return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

/* dst[i] = src[i] widened, i < n. */
BF16_INLINE void bf16_widen(float *restrict dst, const uint16_t *restrict src, int64_t n) {
	int64_t i = 0;
#if defined(__AVX2__)
	for (; i + 8 <= n; i += 8) {
		__m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
		_mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
	}
#endif
	for (; i < n; i++)
		dst[i] = bf16_to_f32(src[i]);
}

/* dst[i] = src[i] rounded to nearest even, i < n. */
BF16_INLINE void bf16_narrow(uint16_t *restrict dst, const float *restrict src, int64_t n) {
	int64_t i = 0;
#if defined(__AVX2__)
	const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
	const __m256i one = _mm256_set1_epi32(1), half = _mm256_set1_epi32(0x7fff), quiet = _mm256_set1_epi32(0x400000);
	for (; i + 8 <= n; i += 8) {
		__m256i u = _mm256_castps_si256(_mm256_loadu_ps(src + i));
		__m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
		__m256i r = _mm256_add_epi32(u, _mm256_add_epi32(half, odd));
		/* |u| > Inf as signed integers (both non-negative): NaN. */
		__m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
		r = _mm256_blendv_epi8(r, _mm256_or_si256(u, quiet), nan);
		r = _mm256_srli_epi32(r, 16);
		/* Eight 32-bit lanes below 2^16 to eight 16-bit ones, in order. */
		__m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
		_mm_storeu_si128((__m128i *)(dst + i), packed);
	}
#endif
	for (; i < n; i++)
		dst[i] = bf16_from_f32(src[i]);
}
#endif
