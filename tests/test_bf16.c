/* CPU mixed precision (bfloat16 storage, float32 arithmetic): the rounding
 * helpers of kernels/cpu/bf16.h are exact, the vec_bf16 variants pass their
 * check, and the check's bf16 bound (u = 2^-8) catches what exceeds it.
 * Compiled with the kernels' flags, so the AVX2 paths are the ones tested. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_variant.h"
#include "cpu/bf16.h"
#include "dense.h"
#include "dense_act.h"
#include "harness.h"

extern const vb_op dense_fwd, dense_bwd, dense_act_fwd;

enum { M, D, H };

static int failures;

#define EXPECT(cond, ...)                                                                                              \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			printf("FAIL " __VA_ARGS__);                                                                   \
			printf("\n");                                                                                  \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static float from_bits(uint32_t u) {
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* Round to nearest even by comparing distances in float64 (exact for two
 * neighbouring bf16 values and a float32 between them); Inf counts as 2^128,
 * the IEEE rule for overflow. Independent of the bit trick under test. */
static uint16_t bf16_reference(uint32_t u) {
	uint16_t lo = (uint16_t)(u >> 16), hi = (uint16_t)(lo + 1);
	if ((u & 0xffff) == 0) return lo;
	double x = fabs((double)from_bits(u)), a = fabs((double)bf16_to_f32(lo));
	double b = (hi & 0x7fff) == 0x7f80 ? 0x1p128 : fabs((double)bf16_to_f32(hi));
	if (x - a < b - x) return lo;
	if (x - a > b - x) return hi;
	return lo & 1 ? hi : lo;
}

/* Each case through the scalar helper, and through bf16_narrow at every
 * position of a 24-element array (vector lanes and the scalar tail). */
static void expect_round(uint32_t in, uint16_t want, const char *what) {
	uint16_t got = bf16_from_f32(from_bits(in));
	EXPECT(got == want, "bf16_from_f32(0x%08x) %s: got 0x%04x, want 0x%04x", in, what, got, want);
	for (int pos = 0; pos < 24; pos++) {
		float src[24];
		uint16_t dst[24];
		for (int k = 0; k < 24; k++)
			src[k] = 1.0f;
		src[pos] = from_bits(in);
		bf16_narrow(dst, src, 24);
		EXPECT(dst[pos] == want && dst[pos ? 0 : 1] == 0x3f80,
		       "bf16_narrow(0x%08x) %s at %d: got 0x%04x, want 0x%04x", in, what, pos, dst[pos], want);
	}
}

static void test_rounding(void) {
	expect_round(0x3f808000, 0x3f80, "tie 1+2^-8 -> even 1");
	expect_round(0x3f818000, 0x3f82, "tie 1+3*2^-8 -> even up");
	expect_round(0xbf808000, 0xbf80, "negative tie -> even");
	expect_round(0xbf818000, 0xbf82, "negative tie -> even, away from 0");
	expect_round(0x3f807fff, 0x3f80, "just below a tie");
	expect_round(0x3f808001, 0x3f81, "just above a tie");
	expect_round(0x00008000, 0x0000, "subnormal tie -> 0");
	expect_round(0x00018000, 0x0002, "subnormal tie -> even up");
	expect_round(0x7f7fffff, 0x7f80, "FLT_MAX overflows to +Inf");
	expect_round(0xff7fffff, 0xff80, "-FLT_MAX overflows to -Inf");
	expect_round(0x7f7f8000, 0x7f80, "tie between the largest bf16 and Inf -> Inf (even)");
	expect_round(0x7f7f7fff, 0x7f7f, "below that tie stays finite");
	expect_round(0x7f800000, 0x7f80, "+Inf");
	expect_round(0xff800000, 0xff80, "-Inf");
	expect_round(0x7fc00000, 0x7fc0, "quiet NaN");
	expect_round(0x7f800001, 0x7fc0, "NaN with only low payload stays NaN, not Inf");
	expect_round(0xff800001, 0xffc0, "negative NaN keeps its sign");
	expect_round(0x7fffffff, 0x7fff, "NaN with every payload bit: no carry into the sign");
	/* Every high half with the low halves where rounding turns, against the
	 * float64 reference and the harness's own conversion. */
	static const uint32_t lows[] = {0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0x1234, 0xc0de};
	int bad = 0;
	for (uint32_t hi = 0; hi < 0x10000; hi++)
		for (size_t l = 0; l < sizeof lows / sizeof lows[0]; l++) {
			uint32_t u = hi << 16 | lows[l];
			float f = from_bits(u);
			uint16_t got = bf16_from_f32(f), vec[8];
			float src[8] = {f, f, f, f, f, f, f, f};
			bf16_narrow(vec, src, 8);
			if (isnan(f)) {
				bad +=
				    !isnan(bf16_to_f32(got)) || vec[0] != got || (got & 0x8000) != (u >> 16 & 0x8000);
				continue;
			}
			uint16_t harness;
			vb_store(&harness, VB_BF16, 0, (double)f);
			bad += got != bf16_reference(u) || vec[0] != got || harness != got;
		}
	EXPECT(bad == 0, "%d of 589824 float32 patterns rounded wrongly (scalar, AVX2 or against the harness)", bad);
	/* Widening is exact: every bf16 is the top half of its float32. */
	static uint16_t all[0x10000];
	static float wide[0x10000];
	for (uint32_t h = 0; h < 0x10000; h++)
		all[h] = (uint16_t)h;
	bf16_widen(wide, all, 0x10000 - 3); /* odd length: the tail too */
	for (uint32_t h = 0; h < 0x10000 - 3; h++) {
		uint32_t u;
		memcpy(&u, &wide[h], sizeof u);
		if (u != h << 16) bad++;
	}
	EXPECT(bad == 0, "bf16_widen is not exact for %d patterns", bad);
	printf("ok   rounding: ties to even, NaN, overflow to Inf, 589824 patterns, widening\n");
}

/* ---- variants that should or should not pass the bf16 check ---- */

/* Z = X W^T + b in float32 from bf16 inputs; out() stores each output. */
static void fwd_f32_then(const vb_call *c, uint16_t (*out)(float)) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const uint16_t *X = c->t[0], *W = c->t[1], *b = c->t[2];
	uint16_t *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			float z = bf16_to_f32(b[j]);
			for (int64_t k = 0; k < d; k++)
				z += bf16_to_f32(X[i * d + k]) * bf16_to_f32(W[j * d + k]);
			Z[i * h + j] = out(z);
		}
}

static uint16_t truncate_bf16(float f) {
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return (uint16_t)(u >> 16);
}

/* An 8-bit float's precision (e4m3: 3 fraction bits, u = 2^-4), rounded to
 * nearest even, then stored exactly in bf16. */
static uint16_t fp8_precision(float f) {
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	u = (u + 0x7ffff + ((u >> 20) & 1)) & 0xfff00000u;
	return bf16_from_f32(from_bits(u));
}

static void fwd_truncates(const vb_call *c) { fwd_f32_then(c, truncate_bf16); }
static void fwd_fp8_output(const vb_call *c) { fwd_f32_then(c, fp8_precision); }

/* bf16 arithmetic: every product and every partial sum rounded to bf16. */
static void fwd_bf16_accumulates(const vb_call *c) {
	int64_t m = c->dim[M], d = c->dim[D], h = c->dim[H];
	const uint16_t *X = c->t[0], *W = c->t[1], *b = c->t[2];
	uint16_t *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < h; j++) {
			uint16_t z = b[j];
			for (int64_t k = 0; k < d; k++) {
				uint16_t p = bf16_from_f32(bf16_to_f32(X[i * d + k]) * bf16_to_f32(W[j * d + k]));
				z = bf16_from_f32(bf16_to_f32(z) + bf16_to_f32(p));
			}
			Z[i * h + j] = z;
		}
}

/* Drops X W^T: Z = b. */
static void fwd_bias_only(const vb_call *c) {
	int64_t m = c->dim[M], h = c->dim[H];
	const uint16_t *b = c->t[2];
	uint16_t *Z = c->t[3];
	for (int64_t i = 0; i < m; i++)
		memcpy(Z + i * h, b, sizeof(uint16_t) * (size_t)h);
}

/* Checks fn as a bf16 variant of base; should_pass < 0: report only. */
static double expect(const vb_op *base, vb_fn fn, const char *label, int should_pass, const int64_t *dim,
                     uint64_t seed) {
	vb_variant v = VB_ROW_BF16("vec_bf16", fn); /* the descriptor's bound: float32 math, bf16 storage */
	v.name = label;
	vb_check_result res;
	if (check_variant(base, v, dim, seed, &res) != 0) {
		printf("FAIL %s: vb_ref_init\n", label);
		failures++;
		return NAN;
	}
	int ok = should_pass < 0 || res.pass == should_pass;
	printf("%s %-16s %-13s m=%lld d=%lld h=%lld seed=%llu: %s (err/bound %.3g) %s\n",
	       !ok               ? "FAIL"
	       : should_pass < 0 ? "info"
	                         : "ok  ",
	       label, base->name, (long long)dim[M], (long long)dim[D], (long long)dim[H], (unsigned long long)seed,
	       res.pass ? "passed" : "caught", res.ratio, res.msg);
	if (!ok) failures++;
	return res.ratio;
}

int main(void) {
	test_rounding();
	/* The kernels themselves, at odd sizes (no multiple of 8 lanes). */
	const int64_t odd[][3] = {{1, 1, 1}, {3, 17, 5}, {17, 33, 127}, {33, 3, 17}, {127, 64, 31}, {131, 9, 1}};
	for (uint64_t seed = 1; seed <= 3; seed++)
		for (size_t s = 0; s < sizeof odd / sizeof odd[0]; s++) {
			expect(&dense_fwd, dense_fwd_vec_bf16, "vec_bf16", 1, odd[s], seed);
			expect(&dense_bwd, dense_bwd_vec_bf16, "vec_bf16", 1, odd[s], seed);
			expect(&dense_act_fwd, dense_act_fwd_vec_bf16, "vec_bf16", 1, odd[s], seed);
		}
	/* The bound is (2^-24 (d + 4) + 3 * 2^-8) sum|terms|: float32 arithmetic
	 * plus three bf16 roundings (two inputs, the output). Truncating the
	 * output (error < 2u |z|) is within it and bf16 accumulation may be;
	 * shown, not asserted. An 8-bit float's precision (u = 2^-4) and a
	 * missing product exceed it and are caught. */
	for (uint64_t seed = 1; seed <= 3; seed++)
		for (int k = 0; k < 3; k++) {
			int64_t d = (int64_t[]){1, 3, 17}[k];
			const int64_t dim[3] = {127, d, 31};
			expect(&dense_fwd, fwd_truncates, "truncates", -1, dim, seed);
			expect(&dense_fwd, fwd_bf16_accumulates, "bf16_accumulate", -1, dim, seed);
			if (d < 17) expect(&dense_fwd, fwd_fp8_output, "fp8_precision", 0, dim, seed);
			expect(&dense_fwd, fwd_bias_only, "bias_only", 0, dim, seed);
		}
	/* Long K: the storage roundings count once, not once per term (a bound
	 * of u_bf16 * d * sum|terms| would exceed |z| from d = 252 on and pass
	 * Z = b), so a missing product is still caught. */
	for (int64_t d = 784; d <= 4099; d += 3315) {
		const int64_t dim[3] = {17, d, 13};
		expect(&dense_fwd, dense_fwd_vec_bf16, "vec_bf16", 1, dim, 1);
		expect(&dense_fwd, fwd_truncates, "truncates", -1, dim, 1);
		expect(&dense_fwd, fwd_bf16_accumulates, "bf16_accumulate", -1, dim, 1);
		expect(&dense_fwd, fwd_bias_only, "bias_only", 0, dim, 1);
	}
	printf(failures ? "%d FAILED\n" : "all passed\n", failures);
	return failures != 0;
}
