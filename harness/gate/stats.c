/* Mann-Whitney U, the sign test and the median's interval,
 * Benjamini-Hochberg, quantiles: small enough to check by
 * hand (tests/test_stats.c checks them against brute-force enumeration). */
#include "stats.h"
#include "record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double vb_quantile(const double *x, int n, double q) {
	if (n <= 0) return NAN;
	double *s = malloc(sizeof *s * (size_t)n);
	if (!s) return NAN;
	memcpy(s, x, sizeof *s * (size_t)n);
	qsort(s, (size_t)n, sizeof *s, vb_cmp_double);
	double h = (n - 1) * (q < 0 ? 0 : q > 1 ? 1 : q);
	int lo = (int)h;
	double v = lo + 1 < n ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
	free(s);
	return v;
}

/* Number of arrangements of n x-values and m y-values (all distinct) with
 * U = u, for u = 0..n*m, from f(i, j; u) = f(i-1, j; u-j) + f(i, j-1; u):
 * the largest value is an x (beating all j y-values) or a y. All terms are
 * positive, so doubles lose nothing but the last bits of huge counts. */
static double *mwu_counts(int n, int m) {
	size_t width = (size_t)n * (size_t)m + 1;
	double *prev = calloc((size_t)(m + 1) * width, sizeof *prev);
	double *cur = calloc((size_t)(m + 1) * width, sizeof *cur);
	double *out = malloc(sizeof *out * width);
	if (!prev || !cur || !out) {
		free(prev), free(cur), free(out);
		return NULL;
	}
	for (int j = 0; j <= m; j++)
		prev[(size_t)j * width] = 1; /* i = 0: only y-values, U = 0 */
	for (int i = 1; i <= n; i++) {
		memset(cur, 0, sizeof *cur * (size_t)(m + 1) * width);
		cur[0] = 1; /* j = 0: only x-values, U = 0 */
		for (int j = 1; j <= m; j++) {
			double *f = cur + (size_t)j * width;
			const double *left = cur + (size_t)(j - 1) * width, *up = prev + (size_t)j * width;
			for (size_t u = 0; u <= (size_t)i * (size_t)j; u++)
				f[u] = left[u] + (u >= (size_t)j ? up[u - (size_t)j] : 0);
		}
		double *t = prev;
		prev = cur, cur = t;
	}
	memcpy(out, prev + (size_t)m * width, sizeof *out * width);
	free(prev), free(cur);
	return out;
}

double vb_mwu_exact_cdf(int n, int m, double u) {
	if (n < 1 || m < 1 || n > VB_MWU_EXACT_MAX || m > VB_MWU_EXACT_MAX) return NAN;
	if (u < 0) return 0;
	double *f = mwu_counts(n, m);
	if (!f) return NAN;
	double below = 0, total = 0;
	for (int k = 0; k <= n * m; k++) {
		total += f[k];
		if (k <= u) below += f[k];
	}
	free(f);
	return below / total;
}

typedef struct {
	double v;
	int from_x;
} tagged;

static int cmp_tagged(const void *a, const void *b) {
	return vb_cmp_double(&((const tagged *)a)->v, &((const tagged *)b)->v);
}

int vb_mann_whitney(const double *x, int n, const double *y, int m, vb_mwu *out) {
	if (n < 1 || m < 1 || n > (1 << 24) || m > (1 << 24)) return -1;
	int N = n + m;
	tagged *a = malloc(sizeof *a * (size_t)N);
	if (!a) return -1;
	for (int i = 0; i < N; i++) {
		a[i].v = i < n ? x[i] : y[i - n];
		a[i].from_x = i < n;
		if (!isfinite(a[i].v)) {
			free(a);
			return -1;
		}
	}
	qsort(a, (size_t)N, sizeof *a, cmp_tagged);
	/* Midranks (1-based) for ties; the sum of t^3 - t over tie groups. */
	double rank_x = 0, ties = 0;
	for (int i = 0; i < N;) {
		int j = i;
		while (j < N && a[j].v == a[i].v)
			j++;
		double t = j - i, mid = (i + 1 + j) / 2.0;
		for (int k = i; k < j; k++)
			if (a[k].from_x) rank_x += mid;
		ties += t * t * t - t;
		i = j;
	}
	free(a);
	double nm = (double)n * m;
	out->u = rank_x - (double)n * (n + 1) / 2;
	out->sigma2 = nm / 12 * ((N + 1) - ties / ((double)N * (N - 1)));
	if (ties == 0 && n <= VB_MWU_EXACT_MAX && m <= VB_MWU_EXACT_MAX) {
		double *f = mwu_counts(n, m);
		if (!f) return -1;
		/* Symmetric null: two-sided p = 2 P(U <= min(u, nm - u)). */
		double lo = fmin(out->u, nm - out->u), below = 0, total = 0;
		for (int k = 0; k <= n * m; k++) {
			total += f[k];
			if (k <= lo) below += f[k];
		}
		free(f);
		out->p = fmin(1, 2 * below / total);
		out->exact = 1;
		return 0;
	}
	out->exact = 0;
	if (!(out->sigma2 > 0)) { /* every value tied: no evidence either way */
		out->p = 1;
		return 0;
	}
	double z = (fabs(out->u - nm / 2) - 0.5) / sqrt(out->sigma2);
	out->p = z <= 0 ? 1 : fmin(1, erfc(z / sqrt(2)));
	return 0;
}

typedef struct {
	double p;
	int i;
} ranked_p;

static int cmp_ranked(const void *a, const void *b) {
	const ranked_p *x = a, *y = b;
	int c = vb_cmp_double(&x->p, &y->p);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

void vb_bh_adjust(const double *p, int n, double *q) {
	if (n <= 0) return;
	ranked_p *r = malloc(sizeof *r * (size_t)n);
	if (!r) { /* cannot rank: the most conservative answer */
		for (int i = 0; i < n; i++)
			q[i] = 1;
		return;
	}
	for (int i = 0; i < n; i++)
		r[i] = (ranked_p){isnan(p[i]) ? 1 : p[i], i};
	qsort(r, (size_t)n, sizeof *r, cmp_ranked);
	/* q_(k) = min over j >= k of p_(j) n / j, from the largest p down. */
	double run = 1;
	for (int k = n; k >= 1; k--) {
		double v = r[k - 1].p * n / k;
		if (v < run) run = v;
		r[k - 1].p = run;
	}
	for (int k = 0; k < n; k++)
		q[r[k].i] = r[k].p;
	free(r);
}

/* log P(Binomial(n, 1/2) = i) */
static double log_binom_half(int n, int i) {
	return lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2);
}

double vb_sign_test(const double *d, int n) {
	int pos = 0, neg = 0;
	for (int i = 0; i < n; i++)
		pos += d[i] > 0, neg += d[i] < 0;
	int m = pos + neg, k = pos < neg ? pos : neg;
	if (m == 0) return 1;
	double tail = 0;
	for (int i = 0; i <= k; i++)
		tail += exp(log_binom_half(m, i));
	return fmin(1, 2 * tail);
}

int vb_median_ci(const double *x, int n, double conf, double *lo, double *hi) {
	*lo = *hi = NAN;
	if (n < 1 || !(conf > 0 && conf < 1)) return -1;
	double *s = malloc(sizeof *s * (size_t)n);
	if (!s) return -1;
	memcpy(s, x, sizeof *s * (size_t)n);
	qsort(s, (size_t)n, sizeof *s, vb_cmp_double);
	/* [x_(k), x_(n+1-k)] misses the median with probability 2 P(B <= k-1),
	 * B ~ binomial(n, 1/2): the largest k (1-based) keeping that <= 1 - conf. */
	double tail = 0, miss = 1 - conf;
	int k = 0;
	for (int i = 0; i < (n + 1) / 2; i++) {
		tail += exp(log_binom_half(n, i));
		if (2 * tail > miss) break;
		k = i + 1;
	}
	int rc = 0;
	if (k == 0) { /* too few values for this coverage: the whole range */
		k = 1;
		rc = -1;
	}
	*lo = s[k - 1];
	*hi = s[n - k];
	free(s);
	return rc;
}
