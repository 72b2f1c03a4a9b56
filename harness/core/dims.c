/* Parsing and printing of problem sizes ("m=256,d=784,h=256"). */
#include <ctype.h>
#include <string.h>

#include "harness.h"

int vb_dims_parse(const char *s, vb_dims_spec *out, char *err, size_t errlen) {
	memset(out, 0, sizeof *out);
	const char *p = s;
	if (!*p) {
		snprintf(err, errlen, "empty --dims: expected name=value[,name=value...]");
		return -1;
	}
	for (;;) {
		const char *name = p;
		while (*p && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			p++;
		size_t nlen = (size_t)(p - name);
		if (nlen == 0 || *p != '=') {
			snprintf(err, errlen, "bad --dims '%s': expected name=value[,name=value...]", s);
			return -1;
		}
		if (nlen >= sizeof out->name[0]) {
			snprintf(err, errlen, "bad --dims '%s': dim name too long", s);
			return -1;
		}
		p++;
		if (*p == '-') {
			snprintf(err, errlen, "bad --dims '%s': sizes must be positive", s);
			return -1;
		}
		if (!isdigit((unsigned char)*p)) {
			snprintf(err, errlen, "bad --dims '%s': '%.*s' needs a positive integer", s, (int)nlen, name);
			return -1;
		}
		int64_t v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > VB_DIM_MAX) {
				snprintf(err, errlen, "bad --dims '%s': '%.*s' exceeds %lld", s, (int)nlen, name,
				         (long long)VB_DIM_MAX);
				return -1;
			}
			p++;
		}
		if (v == 0) {
			snprintf(err, errlen, "bad --dims '%s': '%.*s' must be at least 1", s, (int)nlen, name);
			return -1;
		}
		if (*p && *p != ',') {
			snprintf(err, errlen, "bad --dims '%s': '%.*s' needs a positive integer", s, (int)nlen, name);
			return -1;
		}
		for (int i = 0; i < out->n; i++)
			if (strlen(out->name[i]) == nlen && strncmp(out->name[i], name, nlen) == 0) {
				snprintf(err, errlen, "bad --dims '%s': '%.*s' given twice", s, (int)nlen, name);
				return -1;
			}
		if (out->n == (int)(sizeof out->value / sizeof out->value[0])) {
			snprintf(err, errlen, "bad --dims '%s': too many dims", s);
			return -1;
		}
		memcpy(out->name[out->n], name, nlen);
		out->name[out->n][nlen] = 0;
		out->value[out->n++] = v;
		if (!*p) return 0;
		p++; /* ',' */
	}
}

void vb_dims_apply(const vb_op *op, const vb_dims_spec *spec, const int64_t *base, int64_t *dim) {
	int nd = vb_op_ndims(op);
	for (int i = 0; i < nd; i++) {
		dim[i] = base[i];
		for (int j = 0; j < spec->n; j++)
			if (strcmp(spec->name[j], op->dims[i]) == 0) dim[i] = spec->value[j];
	}
}

void vb_dims_format(const vb_op *op, const int64_t *dim, char sep, char *buf, size_t len) {
	size_t at = 0;
	buf[0] = 0;
	for (int i = 0; i < vb_op_ndims(op) && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s%c%lld", i ? (sep == '/' ? "/" : ",") : "", op->dims[i],
		                       sep == '/' ? ':' : '=', (long long)dim[i]);
}

double vb_dims_footprint(const vb_op *op, const int64_t *dim, vb_dtype t) {
	double total = 0;
	for (int i = 0; i < vb_op_ntensors(op); i++) {
		const vb_tensor *ts = &op->tensors[i];
		double r = ts->rows == VB_ONE ? 1 : (double)dim[ts->rows];
		double c = ts->cols == VB_ONE ? 1 : (double)dim[ts->cols];
		total += r * c * (double)vb_dtype_size(t);
	}
	return total;
}
