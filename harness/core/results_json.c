/* Result files into per-benchmark samples. The order of the checks: size,
 * encoding (no NUL, valid UTF-8), JSON syntax (truncated or malformed), then
 * the shape Google Benchmark writes, field by field, with types and ranges. */
#include "results_json.h"
#include "harness.h"
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* One-line message: newlines and other control bytes (from a path) become spaces. */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...) {
	if (!err || !errlen) return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
	return -1;
}

static int ident_char(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

char *vb_json_null_nonfinite(const char *data, size_t len, size_t *outlen) {
	static const char *const tokens[] = {"-Infinity", "Infinity", "-NaN", "NaN"};
	if (len > (SIZE_MAX - 1) / 2) return NULL;
	char *out = malloc(2 * len + 1); /* "NaN" -> "null" grows by a third at most */
	if (!out) return NULL;
	size_t o = 0;
	int in_string = 0;
	for (size_t i = 0; i < len;) {
		char c = data[i];
		if (in_string) {
			out[o++] = c;
			if (c == '\\' && i + 1 < len)
				out[o++] = data[++i];
			else if (c == '"')
				in_string = 0;
			i++;
			continue;
		}
		if (c == '"') in_string = 1;
		if ((c == '-' || c == 'N' || c == 'I') && (i == 0 || !ident_char(data[i - 1]))) {
			size_t k;
			for (k = 0; k < sizeof tokens / sizeof *tokens; k++) {
				size_t tl = strlen(tokens[k]);
				if (len - i >= tl && memcmp(data + i, tokens[k], tl) == 0 &&
				    (i + tl == len || !ident_char(data[i + tl]))) {
					memcpy(out + o, "null", 4);
					o += 4;
					i += tl;
					break;
				}
			}
			if (k < sizeof tokens / sizeof *tokens) continue;
		}
		out[o++] = c;
		i++;
	}
	out[o] = 0;
	if (outlen) *outlen = o;
	return out;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Returns the offset of the first bad byte, or len. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t len) {
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned min, cp;
		if ((c & 0xe0) == 0xc0)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return i;
		if (len - i <= n) return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80) return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
		i += n + 1;
	}
	return len;
}

/* After a parse error: does the text end inside a string, object or array
 * that a longer text could have closed? Then it was cut short. */
static int ends_inside_value(const char *s, size_t len) {
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth < 0) return 0;
		}
	}
	return in_string || depth > 0;
}

static size_t line_of(const char *s, size_t pos) {
	size_t line = 1;
	for (size_t i = 0; i < pos; i++)
		line += s[i] == '\n';
	return line;
}

/* ---- fields ---- */

/* A name or label: 1..VB_RESULTS_MAX_NAME bytes, no control characters. */
static int valid_text(const char *s) {
	size_t n = strlen(s);
	if (n == 0 || n > VB_RESULTS_MAX_NAME) return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
	return 1;
}

typedef struct {
	const char *what;
	char *err;
	size_t errlen;
	int index; /* benchmark entry, for messages */
} ctx;

/* Optional string field: 0 and *out NULL when absent, -1 when present but bad. */
static int opt_text(const ctx *c, const cJSON *o, const char *key, const char **out) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!x) return 0;
	if (!cJSON_IsString(x) || !x->valuestring)
		return fail(c->err, c->errlen, "%s: benchmarks[%d].%s is not a string", c->what, c->index, key);
	if (!valid_text(x->valuestring))
		return fail(c->err, c->errlen,
		            "%s: benchmarks[%d].%s is empty, longer than %d bytes or has control characters", c->what,
		            c->index, key, VB_RESULTS_MAX_NAME);
	*out = x->valuestring;
	return 0;
}

/* Optional number field: NAN when absent or null (Google Benchmark's NaN),
 * -1 when present but not a number, not finite, or below min. */
static int opt_number(const ctx *c, const cJSON *o, const char *key, double min, double *out) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NAN;
	if (!x || cJSON_IsNull(x)) return 0;
	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble < min)
		return fail(c->err, c->errlen, "%s: benchmarks[%d].%s is not a number >= %g", c->what, c->index, key,
		            min);
	*out = x->valuedouble;
	return 0;
}

enum { K_ITER, K_MEDIAN, K_MEAN };

/* One benchmark entry of the file, before entries are grouped by name. */
typedef struct {
	const char *key, *op, *variant, *dims, *error;
	int kind, errored, index;
	double time_ns, roof, instr, speedup;
} entry;

static int read_entry(const ctx *c, const cJSON *b, entry *e, int *skip) {
	*skip = 0;
	memset(e, 0, sizeof *e);
	e->index = c->index;
	if (!cJSON_IsObject(b))
		return fail(c->err, c->errlen, "%s: benchmarks[%d] is not an object", c->what, c->index);
	const char *name, *run_name, *run_type, *agg;
	if (opt_text(c, b, "name", &name) || opt_text(c, b, "run_name", &run_name) ||
	    opt_text(c, b, "run_type", &run_type) || opt_text(c, b, "aggregate_name", &agg))
		return -1;
	if (!name) return fail(c->err, c->errlen, "%s: benchmarks[%d] has no name", c->what, c->index);
	e->key = run_name ? run_name : name;
	int aggregate = run_type ? !strcmp(run_type, "aggregate") : agg != NULL;
	if (run_type && !aggregate && strcmp(run_type, "iteration"))
		return fail(c->err, c->errlen, "%s: benchmarks[%d].run_type '%s' is neither iteration nor aggregate",
		            c->what, c->index, run_type);
	if (aggregate) {
		if (!agg)
			return fail(c->err, c->errlen, "%s: benchmarks[%d] is an aggregate without aggregate_name",
			            c->what, c->index);
		if (strcmp(agg, "median") && strcmp(agg, "mean")) {
			*skip = 1; /* stddev, cv, user aggregates: not samples */
			return 0;
		}
		e->kind = strcmp(agg, "median") ? K_MEAN : K_MEDIAN;
	}
	const cJSON *eo = cJSON_GetObjectItemCaseSensitive(b, "error_occurred");
	if (eo && !cJSON_IsBool(eo))
		return fail(c->err, c->errlen, "%s: benchmarks[%d].error_occurred is not true or false", c->what,
		            c->index);
	e->errored = cJSON_IsTrue(eo);
	if (opt_text(c, b, "op", &e->op) || opt_text(c, b, "variant", &e->variant) || opt_text(c, b, "dims", &e->dims))
		return -1;
	if (e->errored) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(b, "error_message");
		e->error = cJSON_IsString(m) && m->valuestring && valid_text(m->valuestring) ? m->valuestring : NULL;
		e->time_ns = e->roof = e->instr = e->speedup = NAN;
		return 0;
	}
	double rt;
	const char *unit;
	if (opt_number(c, b, "real_time", 0, &rt) || opt_text(c, b, "time_unit", &unit) ||
	    opt_number(c, b, "instructions", 0, &e->instr) || opt_number(c, b, "speedup_vs_loop", 0, &e->speedup))
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(b, "real_time") && isnan(rt))
		return fail(c->err, c->errlen, "%s: benchmarks[%d].real_time is not a number", c->what, c->index);
	e->time_ns = NAN;
	if (!isnan(rt)) {
		if (!unit)
			return fail(c->err, c->errlen, "%s: benchmarks[%d] has real_time but no time_unit", c->what,
			            c->index);
		if (vb_time_unit_ns(unit) == 0)
			return fail(c->err, c->errlen, "%s: benchmarks[%d].time_unit '%s' is not ns, us, ms or s",
			            c->what, c->index, unit);
		e->time_ns = rt * vb_time_unit_ns(unit);
		if (!isfinite(e->time_ns))
			return fail(c->err, c->errlen, "%s: benchmarks[%d].real_time is out of range", c->what,
			            c->index);
	}
	if (isnan(e->time_ns) && isnan(e->instr))
		return fail(c->err, c->errlen, "%s: benchmarks[%d] ('%s') has neither real_time nor instructions",
		            c->what, c->index, e->key);
	return opt_number(c, b, "roofline_pct", 0, &e->roof); /* harness/measure/roofline.c */
}

static int cmp_entry(const void *a, const void *b) {
	const entry *x = a, *y = b;
	int r = strcmp(x->key, y->key);
	return r ? r : (x->index > y->index) - (x->index < y->index);
}

/* Samples of one field over a group: the iteration entries' values, else
 * the median aggregate's, else the mean's. Returns the count (0 when none),
 * -1 when out of memory. */
static int gather(const entry *g, int n, size_t field, double **out, int *from_aggregate) {
	*out = NULL;
	*from_aggregate = 0;
	int cnt = 0;
	for (int i = 0; i < n; i++)
		cnt += g[i].kind == K_ITER && !isnan(*(const double *)((const char *)&g[i] + field));
	if (cnt == 0) {
		for (int kind = K_MEDIAN; kind <= K_MEAN && !*out; kind++)
			for (int i = 0; i < n && !*out; i++) {
				double v = *(const double *)((const char *)&g[i] + field);
				if (g[i].kind == kind && !isnan(v)) {
					if (!(*out = malloc(sizeof **out))) return -1;
					**out = v;
					*from_aggregate = 1;
				}
			}
		return *out ? 1 : 0;
	}
	if (!(*out = malloc(sizeof **out * (size_t)cnt))) return -1;
	cnt = 0;
	for (int i = 0; i < n; i++) {
		double v = *(const double *)((const char *)&g[i] + field);
		if (g[i].kind == K_ITER && !isnan(v)) (*out)[cnt++] = v;
	}
	return cnt;
}

static int build_group(const entry *g, int n, vb_bench_result *r) {
	memset(r, 0, sizeof *r);
	r->speedup_vs_loop = r->instructions = NAN;
	r->name = strdup(g[0].key);
	if (!r->name) return -1;
	for (int i = 0; i < n; i++) {
		if (!r->op && g[i].op && !(r->op = strdup(g[i].op))) return -1;
		if (!r->variant && g[i].variant && !(r->variant = strdup(g[i].variant))) return -1;
		if (!r->dims && g[i].dims && !(r->dims = strdup(g[i].dims))) return -1;
		if (g[i].errored && !r->errored) {
			r->errored = 1;
			if (g[i].error && !(r->error = strdup(g[i].error))) return -1;
		}
		if (isnan(r->speedup_vs_loop) && g[i].kind != K_MEAN) r->speedup_vs_loop = g[i].speedup;
	}
	if (r->errored) return 0;
	int agg;
	if ((r->n = gather(g, n, offsetof(entry, time_ns), &r->time_ns, &r->from_aggregate)) < 0) return -1;
	if ((r->nroof = gather(g, n, offsetof(entry, roof), &r->roofline_pct, &agg)) < 0) return -1;
	double *in;
	int nin = gather(g, n, offsetof(entry, instr), &in, &agg);
	if (nin < 0) return -1;
	if (nin > 0) { /* deterministic counts agree; the median guards against one odd entry */
		qsort(in, (size_t)nin, sizeof *in, vb_cmp_double);
		r->instructions = in[nin / 2];
	}
	free(in);
	return 0;
}

static void results_clear(vb_result_file *r) {
	for (int i = 0; i < r->n; i++) {
		vb_bench_result *b = &r->b[i];
		free(b->name), free(b->op), free(b->variant), free(b->dims), free(b->error);
		free(b->time_ns), free(b->roofline_pct);
	}
	free(r->b), free(r->cpu_model), free(r->machine_id), free(r->counter);
	memset(r, 0, sizeof *r);
}

void vb_result_file_free(vb_result_file *r) {
	if (r) results_clear(r);
}

static int read_context(const ctx *c, const cJSON *root, vb_result_file *out) {
	const cJSON *cx = cJSON_GetObjectItemCaseSensitive(root, "context");
	if (!cx) return 0;
	if (!cJSON_IsObject(cx)) return fail(c->err, c->errlen, "%s: context is not an object", c->what);
	static const char *const keys[] = {"cpu_model", "machine_id", "instruction_counter"};
	char **dst[] = {&out->cpu_model, &out->machine_id, &out->counter};
	for (int k = 0; k < 3; k++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(cx, keys[k]);
		if (!x) continue;
		if (!cJSON_IsString(x) || !x->valuestring || !valid_text(x->valuestring))
			return fail(c->err, c->errlen, "%s: context.%s is not a one-line string", c->what, keys[k]);
		if (!(*dst[k] = strdup(x->valuestring))) return fail(c->err, c->errlen, "%s: out of memory", c->what);
	}
	const cJSON *nc = cJSON_GetObjectItemCaseSensitive(cx, "num_cpus");
	if (nc) {
		double v = cJSON_IsNumber(nc) ? nc->valuedouble : -1;
		if (!(v >= 1 && v <= (1 << 20) && v == floor(v)))
			return fail(c->err, c->errlen, "%s: context.num_cpus is not a CPU count", c->what);
		out->num_cpus = (int)v;
	}
	return 0;
}

static int parse_doc(const ctx *c, const cJSON *root, vb_result_file *out) {
	if (!cJSON_IsObject(root))
		return fail(c->err, c->errlen,
		            "%s: not a benchmark result file (expected an object with a \"benchmarks\" array)",
		            c->what);
	const cJSON *benches = cJSON_GetObjectItemCaseSensitive(root, "benchmarks");
	if (!benches)
		return fail(c->err, c->errlen, "%s: not a benchmark result file (no \"benchmarks\" array)", c->what);
	if (!cJSON_IsArray(benches)) return fail(c->err, c->errlen, "%s: \"benchmarks\" is not an array", c->what);
	if (read_context(c, root, out)) return -1;
	int n = cJSON_GetArraySize(benches);
	if (n <= 0) return fail(c->err, c->errlen, "%s: holds no benchmarks", c->what);
	entry *e = malloc(sizeof *e * (size_t)n);
	if (!e) return fail(c->err, c->errlen, "%s: out of memory", c->what);
	int ne = 0, i = 0;
	const cJSON *b;
	cJSON_ArrayForEach(b, benches) {
		ctx ci = *c;
		ci.index = i++;
		int skip;
		if (read_entry(&ci, b, &e[ne], &skip)) {
			free(e);
			return -1;
		}
		ne += !skip;
	}
	if (ne == 0) {
		free(e);
		return fail(c->err, c->errlen, "%s: holds only aggregates other than mean and median", c->what);
	}
	qsort(e, (size_t)ne, sizeof *e, cmp_entry);
	int groups = 0;
	for (int k = 0; k < ne; k++)
		groups += k == 0 || strcmp(e[k].key, e[k - 1].key) != 0;
	out->b = calloc((size_t)groups, sizeof *out->b);
	if (!out->b) {
		free(e);
		return fail(c->err, c->errlen, "%s: out of memory", c->what);
	}
	for (int k = 0; k < ne;) {
		int j = k + 1;
		while (j < ne && !strcmp(e[j].key, e[k].key))
			j++;
		int rc = build_group(e + k, j - k, &out->b[out->n]);
		out->n++; /* counted even when partly built, so it is freed */
		if (rc) {
			free(e);
			return fail(c->err, c->errlen, "%s: out of memory", c->what);
		}
		k = j;
	}
	free(e);
	return 0;
}

/* Size, encoding and JSON syntax: the document (Google Benchmark's NaN and
 * Infinity made null), or NULL with a one-line reason in err. */
static cJSON *parse_json(const char *data, size_t len, const char *what, char *err, size_t errlen) {
	if (len > VB_RESULTS_MAX_BYTES) {
		fail(err, errlen, "%s: too large (%zu bytes; a result file is at most %zu MiB)", what, len,
		     VB_RESULTS_MAX_BYTES >> 20);
		return NULL;
	}
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) data += 3, len -= 3; /* UTF-8 byte order mark */
	size_t ws = 0;
	while (ws < len && (data[ws] == ' ' || data[ws] == '\t' || data[ws] == '\n' || data[ws] == '\r'))
		ws++;
	if (ws == len) {
		fail(err, errlen, "%s: empty file (no JSON)", what);
		return NULL;
	}
	if (memchr(data, 0, len)) {
		fail(err, errlen, "%s: binary data (a NUL byte), not a JSON result file", what);
		return NULL;
	}
	size_t bad = utf8_valid_prefix((const unsigned char *)data, len);
	if (bad < len) {
		fail(err, errlen, "%s: binary data (invalid UTF-8 at byte %zu), not a JSON result file", what, bad);
		return NULL;
	}
	size_t tlen;
	char *text = vb_json_null_nonfinite(data, len, &tlen);
	if (!text) {
		fail(err, errlen, "%s: out of memory", what);
		return NULL;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		size_t pos = end && end >= text && end <= text + tlen ? (size_t)(end - text) : tlen;
		if (ends_inside_value(text, tlen))
			fail(err, errlen, "%s: truncated JSON (the text ends inside a value, line %zu)", what,
			     line_of(text, tlen));
		else
			fail(err, errlen, "%s: malformed JSON at line %zu", what, line_of(text, pos));
	}
	free(text);
	return root;
}

int vb_result_file_parse(const char *data, size_t len, const char *what, vb_result_file *out, char *err,
                         size_t errlen) {
	memset(out, 0, sizeof *out);
	if (err && errlen) err[0] = 0;
	if (!what) what = "input";
	cJSON *root = parse_json(data, len, what, err, errlen);
	if (!root) return -1;
	ctx c = {what, err, errlen, 0};
	int rc = parse_doc(&c, root, out);
	cJSON_Delete(root);
	if (rc) results_clear(out);
	return rc;
}

/* The whole file (vb_read_file: pipes and growing files bounded too, at
 * VB_RESULTS_MAX_BYTES + 1 bytes): a malloc'd buffer, or NULL with the
 * reason in err. */
static char *read_capped(const char *path, size_t *lenp, char *err, size_t errlen) {
	size_t len = 0;
	char *buf = vb_read_file(path, VB_RESULTS_MAX_BYTES, &len);
	if (buf) {
		*lenp = len;
		return buf;
	}
	if (errno == EISDIR)
		fail(err, errlen, "cannot read %s: it is a directory", path);
	else if (errno == EFBIG)
		fail(err, errlen, "%s: too large (%zu bytes; a result file is at most %zu MiB)", path, len,
		     VB_RESULTS_MAX_BYTES >> 20);
	else if (errno == ENOMEM)
		fail(err, errlen, "%s: out of memory", path);
	else
		fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
	return NULL;
}

int vb_result_file_load(const char *path, vb_result_file *out, char *err, size_t errlen) {
	memset(out, 0, sizeof *out);
	size_t len;
	char *buf = read_capped(path, &len, err, errlen);
	if (!buf) return -1;
	int rc = vb_result_file_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

cJSON *vb_result_file_load_json(const char *path, char *err, size_t errlen) {
	if (err && errlen) err[0] = 0;
	size_t len;
	char *buf = read_capped(path, &len, err, errlen);
	if (!buf) return NULL;
	cJSON *root = parse_json(buf, len, path, err, errlen);
	free(buf);
	if (!root) return NULL;
	/* The same checks of shape, types and ranges as vb_result_file_load. */
	vb_result_file r = {0};
	ctx c = {path, err, errlen, 0};
	int rc = parse_doc(&c, root, &r);
	results_clear(&r);
	if (rc) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static int cmp_name(const void *key, const void *elem) { return strcmp(key, ((const vb_bench_result *)elem)->name); }

const vb_bench_result *vb_result_file_find(const vb_result_file *r, const char *name) {
	if (!r->n) return NULL;
	return bsearch(name, r->b, (size_t)r->n, sizeof *r->b, cmp_name);
}

double vb_dims_value(const char *dims, const char *name) {
	size_t n = strlen(name);
	for (const char *p = dims; p && *p;) {
		if (!strncmp(p, name, n) && p[n] == '=') return strtod(p + n + 1, NULL);
		p = strchr(p, ',');
		if (p) p++;
	}
	return NAN;
}
