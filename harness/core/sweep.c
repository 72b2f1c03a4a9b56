/* Sweeps: `--sweep DIM=v1,v2,...` parsed, the dim it sets, and where two
 * variants' timing curves cross. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int vb_sweep_parse(const char *s, vb_sweep_spec *out, char *err, size_t errlen) {
	memset(out, 0, sizeof *out);
	const char *p = s;
	while (*p && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
		p++;
	size_t nlen = (size_t)(p - s);
	if (nlen == 0 || *p != '=' || !p[1]) {
		snprintf(err, errlen, "bad --sweep '%s': expected DIM=v1,v2,...", s);
		return -1;
	}
	if (nlen >= sizeof out->name) {
		snprintf(err, errlen, "bad --sweep '%s': dim name too long", s);
		return -1;
	}
	memcpy(out->name, s, nlen);
	for (p++;;) {
		char *end;
		errno = 0;
		double v = isdigit((unsigned char)*p) || *p == '.' ? strtod(p, &end) : NAN;
		if (isnan(v) || errno || (*end && *end != ',') || !isfinite(v) || v <= 0) {
			size_t len = strcspn(p, ",");
			snprintf(err, errlen, "bad --sweep '%s': '%.*s' is not a positive number", s, (int)len, p);
			return -1;
		}
		if (out->n == (int)(sizeof out->value / sizeof *out->value)) {
			snprintf(err, errlen, "bad --sweep '%s': more than %d values", s, out->n);
			return -1;
		}
		for (int i = 0; i < out->n; i++)
			if (out->value[i] == v) {
				snprintf(err, errlen, "bad --sweep '%s': %g given twice", s, v);
				return -1;
			}
		out->value[out->n++] = v;
		if (!*end) return 0;
		p = end + 1;
	}
}

int vb_sweep_dim(const vb_op *op, const char *name, int *per_mille) {
	char pm[32];
	snprintf(pm, sizeof pm, "%s_pm", name);
	for (int k = 0; k < vb_op_ndims(op); k++) {
		if (!strcmp(op->dims[k], name)) return *per_mille = 0, k;
		if (!strcmp(op->dims[k], pm)) return *per_mille = 1, k;
	}
	return -1;
}

int64_t vb_sweep_dim_value(double v, int per_mille) {
	double x = per_mille ? v * 1000 : v, r = nearbyint(x);
	if (fabs(x - r) > 1e-9 * (r > 1 ? r : 1) || r < 1 || r > (per_mille ? 1000 : (double)VB_DIM_MAX)) return -1;
	return (int64_t)r;
}

int vb_crossover(const double *x, const double *ta, const double *tb, int n, double *xc, int max) {
	int found = 0, prev = -1;
	double dprev = NAN;
	for (int i = 0; i < n && found < max; i++) {
		if (!(ta[i] > 0) || !(tb[i] > 0) || !(x[i] > 0)) continue;
		double d = log(ta[i] / tb[i]); /* < 0 where a is faster */
		if (d == 0) {
			xc[found++] = x[i];
		} else if (prev >= 0 && dprev != 0 && (d < 0) != (dprev < 0)) {
			double l0 = log(x[prev]), l1 = log(x[i]);
			xc[found++] = exp(l0 + (l1 - l0) * dprev / (dprev - d));
		}
		prev = i;
		dprev = d;
	}
	return found;
}
