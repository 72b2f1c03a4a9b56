/* Statistics of the regression gate: the Mann-Whitney U test, the
 * sign test and the median's confidence interval (paired
 * comparisons, `vecbench ab`), the Benjamini-Hochberg correction,
 * quantiles. Plain C and libm only. */
#ifndef VB_STATS_H
#define VB_STATS_H

/* Exact p-values are computed without ties for samples up to this size. */
enum { VB_MWU_EXACT_MAX = 50 };

typedef struct {
	double u;      /* U of x: pairs (x_i, y_j) with x_i > y_j, a tie counting 1/2 */
	double p;      /* two-sided p-value */
	int exact;     /* 1: exact null distribution; 0: normal approximation */
	double sigma2; /* variance of U under the null, tie-corrected */
} vb_mwu;

/* Two-sided Mann-Whitney U test of x (n values) against y (m values):
 * exact when there are no ties and n, m <= VB_MWU_EXACT_MAX, else the normal
 * approximation with tie and continuity corrections. Returns 0, or -1 when
 * a sample is empty, too large, holds a non-finite value, or memory runs out. */
int vb_mann_whitney(const double *x, int n, const double *y, int m, vb_mwu *out);

/* P(U <= u) under the null for samples of n and m distinct values; NAN when
 * n or m exceeds VB_MWU_EXACT_MAX. */
double vb_mwu_exact_cdf(int n, int m, double u);

/* Two-sided sign test of d[0..n-1] against a zero median: the exact
 * binomial(m, 1/2) p-value of the rarer sign among the m nonzero values; 1
 * when all are zero. It is the test the interval below inverts. */
double vb_sign_test(const double *d, int n);

/* Distribution-free confidence interval of the median of x[0..n-1] (order
 * statistics from the binomial(n, 1/2) distribution, as the sign test):
 * [x_(k), x_(n+1-k)] with the largest k whose coverage is >= conf. Returns
 * 0, or -1 when n is too small for that coverage (lo, hi: the extremes). */
int vb_median_ci(const double *x, int n, double conf, double *lo, double *hi);

/* Benjamini-Hochberg adjusted p-values (q-values) of p[0..n-1] into q;
 * q[i] <= alpha rejects at false discovery rate alpha. p and q may alias. */
void vb_bh_adjust(const double *p, int n, double *q);

/* Quantile q in [0, 1] of n values (unsorted), linear interpolation between
 * order statistics (R's type 7). NAN when n is 0. */
double vb_quantile(const double *x, int n, double q);

#endif
