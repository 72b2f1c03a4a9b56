/* The regression gate's statistics against brute force: the exact U
 * distribution and p-values by enumerating every arrangement, the
 * tie-corrected variance by enumerating every assignment of tied values,
 * Benjamini-Hochberg against its definition, a hand-worked example of
 * the normal approximation, and the sign test and the median's interval
 * against every sign pattern and the binomial distribution. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "expect.h"
#include "stats.h"

static uint64_t rng = 12345;
static double uniform(void) { /* xorshift64*, enough for test data */
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ull) >> 11) * 0x1p-53;
}

/* U of the values at the positions in mask (the "x" group) among vals[0..N). */
static double u_of_mask(const double *vals, int N, unsigned mask) {
	double u = 0;
	for (int i = 0; i < N; i++) {
		if (!(mask >> i & 1)) continue;
		for (int j = 0; j < N; j++) {
			if (mask >> j & 1) continue;
			u += vals[i] > vals[j] ? 1 : vals[i] == vals[j] ? 0.5 : 0;
		}
	}
	return u;
}

static void test_exact_distribution(void) {
	for (int n = 1; n <= 6; n++)
		for (int m = 1; m <= 6; m++) {
			int N = n + m;
			double vals[16], count[64] = {0}, total = 0;
			for (int i = 0; i < N; i++)
				vals[i] = i; /* distinct */
			for (unsigned mask = 0; mask < 1u << N; mask++) {
				if (__builtin_popcount(mask) != n) continue;
				count[(int)u_of_mask(vals, N, mask)]++;
				total++;
			}
			double cum = 0;
			for (int u = 0; u <= n * m; u++) {
				cum += count[u];
				double got = vb_mwu_exact_cdf(n, m, u);
				EXPECT(fabs(got - cum / total) < 1e-12, "cdf(%d,%d,%d) = %g, enumeration %g", n, m, u,
				       got, cum / total);
			}
		}
	EXPECT(isnan(vb_mwu_exact_cdf(VB_MWU_EXACT_MAX + 1, 3, 1)), "exact cdf beyond its limit");
}

/* Two-sided exact p: the share of arrangements at least as far from nm/2. */
static void test_exact_p(void) {
	for (int trial = 0; trial < 300; trial++) {
		int n = 1 + (int)(uniform() * 7), m = 1 + (int)(uniform() * 7), N = n + m;
		double x[8], y[8], vals[16];
		for (int i = 0; i < n; i++)
			vals[i] = x[i] = uniform();
		for (int j = 0; j < m; j++)
			vals[n + j] = y[j] = uniform() + (trial % 3) * 0.3; /* some shifted */
		vb_mwu t;
		EXPECT(vb_mann_whitney(x, n, y, m, &t) == 0 && t.exact, "exact test ran");
		double mu = n * m / 2.0, d = fabs(t.u - mu), far = 0, total = 0;
		EXPECT(fabs(t.u - u_of_mask(vals, N, (1u << n) - 1)) < 1e-9, "U = %g", t.u);
		for (unsigned mask = 0; mask < 1u << N; mask++) {
			if (__builtin_popcount(mask) != n) continue;
			far += fabs(u_of_mask(vals, N, mask) - mu) >= d - 1e-9;
			total++;
		}
		EXPECT(fabs(t.p - far / total) < 1e-12, "n=%d m=%d U=%g: p %g, enumeration %g", n, m, t.u, t.p,
		       far / total);
	}
}

/* With ties, the variance of U over all assignments is the tie-corrected
 * formula's, exactly. */
static void test_tie_variance(void) {
	for (int trial = 0; trial < 100; trial++) {
		int n = 2 + (int)(uniform() * 5), m = 2 + (int)(uniform() * 5), N = n + m;
		double vals[16];
		for (int i = 0; i < N; i++)
			vals[i] = (int)(uniform() * 4); /* values 0..3: many ties */
		vb_mwu t;
		EXPECT(vb_mann_whitney(vals, n, vals + n, m, &t) == 0, "test ran");
		double s = 0, s2 = 0, total = 0;
		for (unsigned mask = 0; mask < 1u << N; mask++) {
			if (__builtin_popcount(mask) != n) continue;
			double u = u_of_mask(vals, N, mask);
			s += u, s2 += u * u, total++;
		}
		double mean = s / total, var = s2 / total - mean * mean;
		EXPECT(fabs(mean - n * m / 2.0) < 1e-9, "mean of U");
		EXPECT(fabs(var - t.sigma2) < 1e-9 * (1 + var), "n=%d m=%d: variance %g, formula %g", n, m, var,
		       t.sigma2);
	}
}

static void test_normal_approximation(void) {
	/* By hand: pooled 1 2 2 2 3 3 4 4 5, midranks 1 3 3 3 5.5 5.5 7.5 7.5 9;
	 * R_x = 1+3+3+5.5 = 12.5, U = 12.5 - 10 = 2.5; ties sum(t^3-t) = 24+6+6 = 36;
	 * sigma^2 = 20/12 (10 - 36/72) = 15.8333; z = (|2.5 - 10| - 0.5)/sqrt(sigma^2)
	 * = 1.759186; p = erfc(z/sqrt 2) = 0.078546. */
	double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 4, 5};
	vb_mwu t;
	EXPECT(vb_mann_whitney(x, 4, y, 5, &t) == 0 && !t.exact, "normal approximation used with ties");
	EXPECT(t.u == 2.5, "U = %g", t.u);
	EXPECT(fabs(t.sigma2 - 15.833333333) < 1e-6, "sigma^2 = %g", t.sigma2);
	EXPECT(fabs(t.p - 0.0785459) < 1e-6, "p = %g", t.p);
	/* All equal: nothing to test, p = 1. */
	double c[] = {3, 3, 3};
	EXPECT(vb_mann_whitney(c, 3, c, 3, &t) == 0 && t.p == 1, "all tied: p = %g", t.p);
	/* Large samples without ties: exact and normal agree closely. */
	double a[50], b[50], a2[60], b2[60];
	for (int i = 0; i < 60; i++) {
		double u = uniform(), v = uniform() + 0.3;
		if (i < 50) a[i] = u, b[i] = v;
		a2[i] = u, b2[i] = v;
	}
	vb_mwu e, z;
	EXPECT(vb_mann_whitney(a, 50, b, 50, &e) == 0 && e.exact, "exact at 50");
	EXPECT(vb_mann_whitney(a2, 60, b2, 60, &z) == 0 && !z.exact, "normal beyond 50");
	/* At 50 the exact p and the normal approximation of the same U agree. */
	double zz = (fabs(e.u - 1250) - 0.5) / sqrt(e.sigma2), pn = erfc(zz / sqrt(2));
	EXPECT(fabs(pn - e.p) < 0.01 * (1 + e.p), "exact %g vs normal %g at n=m=50", e.p, pn);
	EXPECT(e.p > 0 && e.p < 1, "exact p in (0, 1): %g", e.p);
	/* Shifted samples: both routes find the shift. */
	EXPECT(e.p < 0.05 && z.p < 0.05, "a 0.3 shift on 50-60 uniforms is found: %g %g", e.p, z.p);
	/* Symmetry: swapping the samples keeps p and mirrors U. */
	vb_mwu s;
	vb_mann_whitney(b, 50, a, 50, &s);
	EXPECT(fabs(s.p - e.p) < 1e-12 && fabs(s.u - (2500 - e.u)) < 1e-9, "swap symmetry");
	/* Bad input. */
	double inf[] = {1, INFINITY};
	EXPECT(vb_mann_whitney(inf, 2, x, 4, &t) == -1, "non-finite value refused");
	EXPECT(vb_mann_whitney(x, 0, y, 5, &t) == -1, "empty sample refused");
}

static void test_bh(void) {
	double p[] = {0.01, 0.04, 0.03, 0.005}, q[4];
	/* sorted 0.005 0.01 0.03 0.04 -> 0.02 0.02 0.04 0.04 */
	vb_bh_adjust(p, 4, q);
	double want[] = {0.02, 0.04, 0.04, 0.02};
	for (int i = 0; i < 4; i++)
		EXPECT(fabs(q[i] - want[i]) < 1e-12, "BH q[%d] = %g, want %g", i, q[i], want[i]);
	for (int trial = 0; trial < 200; trial++) {
		int n = 1 + (int)(uniform() * 30);
		double pv[32], qv[32], sorted[32];
		for (int i = 0; i < n; i++)
			pv[i] = trial % 2 ? uniform() : (int)(uniform() * 5) / 10.0; /* with ties */
		for (int i = 0; i < n; i++)
			sorted[i] = pv[i];
		for (int i = 0; i < n; i++) /* insertion sort */
			for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
				double t = sorted[j];
				sorted[j] = sorted[j - 1], sorted[j - 1] = t;
			}
		vb_bh_adjust(pv, n, qv);
		for (int i = 0; i < n; i++) {
			/* q_i = min over ranks k whose p_(k) >= p_i of p_(k) n / k, capped at 1 */
			double best = 1;
			for (int k = 1; k <= n; k++)
				if (sorted[k - 1] >= pv[i] && sorted[k - 1] * n / k < best)
					best = sorted[k - 1] * n / k;
			EXPECT(fabs(qv[i] - best) < 1e-12, "BH n=%d q[%d] = %g, definition %g", n, i, qv[i], best);
			EXPECT(qv[i] >= pv[i] - 1e-15, "q >= p");
		}
	}
	/* in place */
	double r[] = {0.5, 0.001};
	vb_bh_adjust(r, 2, r);
	EXPECT(fabs(r[0] - 0.5) < 1e-12 && fabs(r[1] - 0.002) < 1e-12, "BH in place: %g %g", r[0], r[1]);
}

static void test_quantile(void) {
	double a[] = {4, 1, 3, 2};
	EXPECT(vb_quantile(a, 4, 0.25) == 1.75, "type-7 quartile");
	EXPECT(vb_quantile(a, 4, 0.5) == 2.5, "median of 4");
	EXPECT(vb_quantile(a, 3, 0.5) == 3, "median of 3 (4 1 3)");
	EXPECT(vb_quantile(a, 4, 1) == 4 && vb_quantile(a, 4, 0) == 1, "extremes");
	EXPECT(vb_quantile(a, 1, 0.5) == 4, "one value");
	EXPECT(isnan(vb_quantile(a, 0, 0.5)), "no values");
}

/* P(Binomial(n, 1/2) <= k) by counting subsets. */
static double binom_cdf_count(int n, int k) {
	double below = 0;
	for (unsigned mask = 0; mask < 1u << n; mask++)
		below += __builtin_popcount(mask) <= k;
	return below / (double)(1u << n);
}

static void test_sign_test(void) {
	for (int n = 1; n <= 12; n++)
		for (int pos = 0; pos <= n; pos++) {
			double d[12];
			for (int i = 0; i < n; i++)
				d[i] = i < pos ? 0.5 + i : -0.5 - i;
			int k = pos < n - pos ? pos : n - pos;
			double want = fmin(1, 2 * binom_cdf_count(n, k));
			double got = vb_sign_test(d, n);
			EXPECT(fabs(got - want) < 1e-12, "sign test n=%d pos=%d: %g, counting %g", n, pos, got, want);
		}
	double zeros[4] = {0, 0, 0, 0}, some[5] = {0, 0, 1, 2, 3};
	EXPECT(vb_sign_test(zeros, 4) == 1, "all zero: p = 1");
	EXPECT(fabs(vb_sign_test(some, 5) - 0.25) < 1e-12, "zeros dropped: 3 of 3 positive is p = 0.25, got %g",
	       vb_sign_test(some, 5));
}

/* The interval [x_(k), x_(n+1-k)] must cover the median with probability
 * 1 - 2 P(B <= k-1) >= conf, and the next k up must not. */
static void test_median_ci(void) {
	for (int n = 1; n <= 14; n++) {
		double x[14];
		for (int i = 0; i < n; i++)
			x[i] = (double)(n - 1 - i); /* 0..n-1, unsorted */
		double lo, hi;
		int rc = vb_median_ci(x, n, 0.95, &lo, &hi);
		int k = (int)lo + 1; /* x sorted is 0..n-1: x_(k) = k - 1 */
		EXPECT(hi == n - k, "n=%d: interval [%g, %g] not symmetric in rank", n, lo, hi);
		double cover = 1 - 2 * binom_cdf_count(n, k - 1);
		if (rc == 0) {
			EXPECT(cover >= 0.95 - 1e-12, "n=%d k=%d covers %g < 0.95", n, k, cover);
			if (k + 1 <= (n + 1) / 2)
				EXPECT(1 - 2 * binom_cdf_count(n, k) < 0.95, "n=%d: k=%d would do too", n, k + 1);
		} else {
			EXPECT(k == 1 && cover < 0.95, "n=%d: rc -1 only when even the range covers < 0.95", n);
		}
	}
	/* n = 6 is the smallest sample whose range covers 95%: 1 - 2/64. */
	double x[6] = {5, 1, 4, 2, 6, 3}, lo, hi;
	EXPECT(vb_median_ci(x, 6, 0.95, &lo, &hi) == 0 && lo == 1 && hi == 6, "n=6: [%g, %g]", lo, hi);
	EXPECT(vb_median_ci(x, 5, 0.95, &lo, &hi) == -1, "n=5 cannot reach 95%%");
}

int main(void) {
	test_exact_distribution();
	test_exact_p();
	test_tie_variance();
	test_normal_approximation();
	test_bh();
	test_quantile();
	test_sign_test();
	test_median_ci();
	return expect_exit_status();
}
