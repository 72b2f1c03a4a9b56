/* dense_fwd vec_bf16dp: Z = X W^T + b on bfloat16 storage with the CPU's own
 * bf16 arithmetic, AVX512_BF16's vdpbf16ps (_mm512_dpbf16_ps): 32 bf16
 * products per instruction, exact, summed in pairs into 16 float32
 * accumulators (round to nearest, denormals flushed; the fills have none).
 * Only these functions are compiled for AVX512_BF16 (target attribute), and
 * the descriptor's cpu_feature keeps the harness from calling them on a CPU
 * without it, where the variant is listed unavailable: never a silent fallback.
 * Both X and W are row-major along d, so each output is a dot product of two
 * contiguous rows: a 4 x 4 block of outputs keeps 16 accumulators in
 * registers and loads 8 vectors per 16 dot-product instructions. */
#include <immintrin.h>

#include "bf16.h"
#include "dense.h"
#include "vmath.h"

#define BF16DP __attribute__((target("avx512f,avx512bw,avx512bf16")))

enum { M, D, H };
enum { RB = 4 }; /* rows of X and of W per block */

BF16DP static inline __m512bh load_pairs(const uint16_t *p, int64_t left) {
	__mmask32 k = left >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << left) - 1);
	return (__m512bh)_mm512_maskz_loadu_epi16(k, p);
}

/* Outputs (i0.., j0..) of one block; rows past m or h repeat the last one
 * (valid memory) and are not stored. */
BF16DP static void block(const uint16_t *X, const uint16_t *W, const uint16_t *b, uint16_t *Z, int64_t m, int64_t d,
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
	for (int64_t k = 0; k < d; k += 32) {
		__m512bh xv[RB], wv[RB];
		for (int r = 0; r < RB; r++) {
			xv[r] = load_pairs(x[r] + k, d - k);
			wv[r] = load_pairs(w[r] + k, d - k);
		}
		for (int a = 0; a < RB; a++)
			for (int c = 0; c < RB; c++)
				acc[a][c] = _mm512_dpbf16_ps(acc[a][c], xv[a], wv[c]);
	}
	for (int a = 0; a < RB && i0 + a < m; a++)
		for (int c = 0; c < RB && j0 + c < h; c++)
			Z[(i0 + a) * h + j0 + c] =
			    bf16_from_f32(_mm512_reduce_add_ps(acc[a][c]) + bf16_to_f32(b[j0 + c]));
}

BF16DP void dense_fwd_vec_bf16dp(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const uint16_t *X = c->t[0], *W = c->t[1], *b = c->t[2];
	uint16_t *Z = c->t[3];
	int64_t iblocks = (m + RB - 1) / RB, jblocks = (h + RB - 1) / RB;
	VF_PAR_FOR(m * h * d >= VF_PAR_MIN, ib, 0, iblocks, 1, {
		for (int64_t jb = 0; jb < jblocks; jb++)
			block(X, W, b, Z, m, d, h, ib * RB, jb * RB);
	});
}
