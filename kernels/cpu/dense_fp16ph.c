/* dense_fwd vec_fp16: Z = X W^T + b on float16 storage with the CPU's own
 * float16 arithmetic, AVX512_FP16's vfmadd*ph (_mm512_fmadd_ph): 32 half
 * products and sums per instruction, twice float32's lanes. A float16 sum
 * loses accuracy fast (11 bits), so each lane sums only VB_FP16_CHUNK
 * products in float16 before they are widened (vcvtph2psx) and added to
 * float32 accumulators; the variant's bound counts those chunk roundings
 * (harness/core/vb.h, VB_FP16PH_FIELDS). Only these functions are compiled
 * for AVX512_FP16 (target attribute); the descriptor's cpu_feature keeps the
 * harness from calling them on a CPU without it, where the variant is listed
 * unavailable: never a silent fallback. Both X and W are row-major along d,
 * so each output is a dot product of two contiguous rows: a 3 x 3 block of
 * outputs keeps 9 half and 9 float32 accumulators in registers and loads 6
 * vectors per 9 FMAs. */
#include <immintrin.h>

#include "dense.h"
#include "fp16.h"
#include "vmath.h"

#define FP16PH __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512fp16")))

enum { M, D, H };
enum { RB = 3 }; /* rows of X and of W per block */

FP16PH static inline __m512h load_halves(const uint16_t *p, int64_t left) {
	__mmask32 k = left >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << left) - 1);
	return _mm512_castsi512_ph(_mm512_maskz_loadu_epi16(k, p));
}

/* acc32 += both float32 halves of the float16 sums in acc16. */
FP16PH static inline __m512 widen_add(__m512 acc32, __m512h acc16) {
	__m256h lo = _mm512_castph512_ph256(acc16);
	__m256h hi = _mm256_castsi256_ph(_mm512_extracti64x4_epi64(_mm512_castph_si512(acc16), 1));
	return _mm512_add_ps(acc32, _mm512_add_ps(_mm512_cvtxph_ps(lo), _mm512_cvtxph_ps(hi)));
}

/* Outputs (i0.., j0..) of one block; rows past m or h repeat the last one
 * (valid memory) and are not stored. */
FP16PH static void block(const uint16_t *X, const uint16_t *W, const uint16_t *b, uint16_t *Z, int64_t m, int64_t d,
                         int64_t h, int64_t i0, int64_t j0) {
	const uint16_t *x[RB], *w[RB];
	for (int r = 0; r < RB; r++) {
		x[r] = X + (i0 + r < m ? i0 + r : m - 1) * d;
		w[r] = W + (j0 + r < h ? j0 + r : h - 1) * d;
	}
	__m512 acc[RB][RB];
	for (int a = 0; a < RB; a++)
		for (int c = 0; c < RB; c++)
			acc[a][c] = _mm512_setzero_ps();
	const int64_t step = 32 * VB_FP16_CHUNK; /* halves per lane's float16 chunk */
	for (int64_t k0 = 0; k0 < d; k0 += step) {
		__m512h part[RB][RB];
		for (int a = 0; a < RB; a++)
			for (int c = 0; c < RB; c++)
				part[a][c] = _mm512_setzero_ph();
		int64_t k1 = k0 + step < d ? k0 + step : d;
		for (int64_t k = k0; k < k1; k += 32) {
			__m512h xv[RB], wv[RB];
			for (int r = 0; r < RB; r++) {
				xv[r] = load_halves(x[r] + k, k1 - k);
				wv[r] = load_halves(w[r] + k, k1 - k);
			}
			for (int a = 0; a < RB; a++)
				for (int c = 0; c < RB; c++)
					part[a][c] = _mm512_fmadd_ph(xv[a], wv[c], part[a][c]);
		}
		for (int a = 0; a < RB; a++)
			for (int c = 0; c < RB; c++)
				acc[a][c] = widen_add(acc[a][c], part[a][c]);
	}
	for (int a = 0; a < RB && i0 + a < m; a++)
		for (int c = 0; c < RB && j0 + c < h; c++)
			Z[(i0 + a) * h + j0 + c] =
			    f16_from_f32(_mm512_reduce_add_ps(acc[a][c]) + f16_to_f32(b[j0 + c]));
}

FP16PH void dense_fwd_vec_fp16(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const uint16_t *X = c->t[0], *W = c->t[1], *b = c->t[2];
	uint16_t *Z = c->t[3];
	int64_t iblocks = (m + RB - 1) / RB, jblocks = (h + RB - 1) / RB;
	VF_PAR_FOR(m * h * d >= VF_PAR_MIN, ib, 0, iblocks, 1, {
		for (int64_t jb = 0; jb < jblocks; jb++)
			block(X, W, b, Z, m, d, h, ib * RB, jb * RB);
	});
}
