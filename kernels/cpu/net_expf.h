/* A vectorizable expf for the network kernels (regression, nn2, mlp): glibc's
 * expf does not vectorize without -ffast-math, this one is plain C that gcc
 * vectorizes inside a `#pragma omp simd` loop at -O3 -march=native.
 * Cody-Waite reduction x = n ln2 + r, Cephes' expf polynomial on
 * |r| <= ln2/2, 2^n built in the exponent bits: within 2 ulp (the mag
 * functions allow 8u per exp). Defined for x <= 0 only, which is all these
 * kernels need (sigmoid of -|z|, softmax of z - max z); below -87.3 it
 * returns 0, where the true value is under float's smallest normal. */
#ifndef VB_KERNELS_CPU_NET_EXPF_H
#define VB_KERNELS_CPU_NET_EXPF_H
#include <stdint.h>
#include <string.h>

static inline float net_expf_nonpos(float x) {
	float xc = x < -88.0f ? -88.0f : x;
	float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round to nearest */
	float r = xc - n * 0.693359375f;                                   /* ln2 = C1 - C2, n*C1 exact */
	r = r + n * 2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	float e = p * r * r + r + 1.0f;
	uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return x < -87.3f ? 0.0f : e * scale;
}

/* sigma(z) = 1 / (1 + e^-z), through e^-|z| so the exponent is never positive. */
static inline float net_sigmoidf(float z) {
	float e = net_expf_nonpos(z < 0 ? z : -z);
	return z >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}
#endif
