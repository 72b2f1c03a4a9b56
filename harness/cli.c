/* Command-line front door: option parsing, selection of ops, `list`, main. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "report.h"

void vb_parse_opts(const char *cmd, int argc, char **argv, vb_opt *opts, int nopts, const char **pos, int maxpos,
                   int *npos, char ***rest, int *nrest) {
	*npos = 0;
	if (rest) *rest = NULL, *nrest = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			if (!rest) vb_die(VB_EXIT_USAGE, "%s: unexpected '--'", cmd);
			*rest = argv + i + 1;
			*nrest = argc - i - 1;
			return;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
			if (*npos == maxpos) vb_die(VB_EXIT_USAGE, "%s: unexpected argument '%s'", cmd, a);
			pos[(*npos)++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		vb_opt *o = NULL;
		for (int k = 0; k < nopts; k++)
			if (strlen(opts[k].name) == len && strncmp(opts[k].name, a + 2, len) == 0) o = &opts[k];
		if (!o) vb_die(VB_EXIT_USAGE, "%s: unknown option '%.*s' (see 'vecbench help')", cmd, (int)len + 2, a);
		if (o->value) vb_die(VB_EXIT_USAGE, "%s: option '--%s' given twice", cmd, o->name);
		if (!o->takes_value) {
			if (eq) vb_die(VB_EXIT_USAGE, "%s: option '--%s' takes no value", cmd, o->name);
			o->value = "1";
		} else if (eq) {
			o->value = eq + 1;
		} else {
			if (i + 1 >= argc) vb_die(VB_EXIT_USAGE, "%s: option '--%s' needs a value", cmd, o->name);
			o->value = argv[++i];
		}
		if (o->takes_value && !*o->value)
			vb_die(VB_EXIT_USAGE, "%s: option '--%s' needs a value", cmd, o->name);
	}
}

const char *vb_opt_get(vb_opt *opts, int nopts, const char *name) {
	for (int k = 0; k < nopts; k++)
		if (strcmp(opts[k].name, name) == 0) return opts[k].value;
	return NULL;
}

uint64_t vb_parse_u64(const char *what, const char *s) {
	char *end;
	errno = 0;
	/* strtoull would skip blanks and negate a '-': " -1" must not become 2^64 - 1. */
	if (!isdigit((unsigned char)*s)) vb_die(VB_EXIT_USAGE, "bad %s '%s': expected a non-negative integer", what, s);
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end) vb_die(VB_EXIT_USAGE, "bad %s '%s': expected a non-negative integer", what, s);
	return v;
}

double vb_parse_double(const char *what, const char *s) {
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0)
		vb_die(VB_EXIT_USAGE, "bad %s '%s': expected a positive number", what, s);
	return v;
}

/* ---- selection ---- */

int vb_select_variant(const vb_select *s, const vb_variant *v) {
	if (!s->variants) return 1;
	size_t n = strlen(v->name);
	for (const char *p = s->variants; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, v->name, n) == 0) return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

static double phys_memory(void) { return (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE); }

int vb_select_cases(const vb_select *s, vb_case **out) {
	regex_t re, except;
	if (s->except_regex) {
		int rc = regcomp(&except, s->except_regex, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];
			regerror(rc, &except, msg, sizeof msg);
			vb_die(VB_EXIT_USAGE, "bad --except regex '%s': %s", s->except_regex, msg);
		}
	}
	if (s->op_regex) {
		int rc = regcomp(&re, s->op_regex, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];
			regerror(rc, &re, msg, sizeof msg);
			vb_die(VB_EXIT_USAGE, "bad --op regex '%s': %s", s->op_regex, msg);
		}
	}
	vb_dims_spec spec = {0};
	char err[256];
	if (s->dims && vb_dims_parse(s->dims, &spec, err, sizeof err) != 0) vb_die(VB_EXIT_USAGE, "%s", err);
	vb_sweep_spec sweep = {0};
	if (s->sweep && vb_sweep_parse(s->sweep, &sweep, err, sizeof err) != 0) vb_die(VB_EXIT_USAGE, "%s", err);
	int used[VB_MAX_DIMS * 4] = {0}, variant_seen = 0, sweep_seen = 0, cap = 16, n = 0;
	vb_case *cases = VB_XMALLOC(sizeof *cases * (size_t)cap);
	for (size_t i = 0; i < vb_op_count(); i++) {
		const vb_op *op = vb_op_at(i);
		if (s->op_regex && regexec(&re, op->name, 0, NULL, 0) != 0) continue;
		if (s->except_regex && regexec(&except, op->name, 0, NULL, 0) == 0) continue;
		int any = 0;
		for (int v = 0; v < vb_op_nvariants(op); v++)
			any |= vb_select_variant(s, &op->variants[v]);
		if (!any) continue;
		variant_seen = 1;
		/* The swept dim and its values: --sweep's (ops without that dim are
		 * left out), else the op's own sweep, which --dims of that dim ends. */
		int sdim = -1, per_mille = 0, npoints = 1;
		int64_t points[64];
		if (s->sweep) {
			sdim = vb_sweep_dim(op, sweep.name, &per_mille);
			if (sdim < 0) continue;
			sweep_seen = 1;
			for (int j = 0; j < sweep.n; j++)
				if ((points[j] = vb_sweep_dim_value(sweep.value[j], per_mille)) < 0)
					vb_die(VB_EXIT_USAGE, "bad --sweep '%s': %g is not a %s", s->sweep,
					       sweep.value[j],
					       per_mille ? "fraction in whole thousandths from 0.001 to 1"
					                 : "positive integer");
			npoints = sweep.n;
		} else if (op->sweep.values[0] > 0) {
			sdim = op->sweep.dim;
			per_mille =
			    strlen(op->dims[sdim]) > 3 && !strcmp(op->dims[sdim] + strlen(op->dims[sdim]) - 3, "_pm");
			for (npoints = 0; npoints < VB_MAX_SWEEP && op->sweep.values[npoints] > 0; npoints++)
				points[npoints] = op->sweep.values[npoints];
		}
		for (int j = 0; j < spec.n; j++)
			for (int k = 0; k < vb_op_ndims(op); k++)
				if (strcmp(spec.name[j], op->dims[k]) == 0) {
					used[j] = 1;
					if (k == sdim && s->sweep)
						vb_die(VB_EXIT_USAGE, "--dims and --sweep both set '%s'", op->dims[k]);
					if (k == sdim)
						sdim = -1, npoints = 1; /* --dims picks one point of the op's sweep */
				}
		int nsizes = s->dims || s->quick || s->sweep ? 1 : vb_op_nsizes(op);
		for (int z = 0; z < nsizes; z++)
			for (int p = 0; p < npoints; p++) {
				if (n == cap) {
					cap *= 2;
					vb_case *grown = realloc(cases, sizeof *cases * (size_t)cap);
					if (!grown) vb_die(VB_EXIT_USAGE, "out of memory");
					cases = grown;
				}
				vb_case *c = &cases[n];
				memset(c, 0, sizeof *c);
				c->op = op;
				vb_dims_apply(op, &spec, op->sizes[z], c->dim);
				if (sdim >= 0) {
					c->dim[sdim] = points[p];
					snprintf(c->sweep_name, sizeof c->sweep_name, "%.*s",
					         (int)strlen(op->dims[sdim]) - (per_mille ? 3 : 0), op->dims[sdim]);
					c->sweep_value = per_mille ? (double)points[p] / 1000 : (double)points[p];
				}
				/* The check holds the inputs three times in float64 plus a variant's copy. */
				double need = 4 * vb_dims_footprint(op, c->dim, VB_F64);
				if (need > phys_memory()) {
					char d[256];
					vb_dims_format(op, c->dim, ',', d, sizeof d);
					vb_die(VB_EXIT_USAGE,
					       "%s at %s needs %.1f GiB, more than this machine's %.1f GiB", op->name,
					       d, need / (1 << 30), phys_memory() / (1 << 30));
				}
				n++;
			}
	}
	if (s->op_regex) regfree(&re);
	if (s->except_regex) regfree(&except);
	if (s->sweep && variant_seen && !sweep_seen)
		vb_die(VB_EXIT_USAGE, "--sweep names '%s', which no selected op has (see 'vecbench list')", sweep.name);
	for (int j = 0; j < spec.n; j++)
		if (!used[j] && n > 0)
			vb_die(VB_EXIT_USAGE, "--dims names '%s', which no selected op has", spec.name[j]);
	if (n == 0) {
		if (s->variants && !variant_seen)
			vb_die(VB_EXIT_USAGE, "no selected op has variant '%s' (see 'vecbench list')", s->variants);
		vb_die(VB_EXIT_USAGE, "--op '%s' matches no op (see 'vecbench list')", s->op_regex ? s->op_regex : "");
	}
	*out = cases;
	return n;
}

/* ---- list ---- */

static cJSON *list_json(void) {
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < vb_op_count(); i++) {
		const vb_op *op = vb_op_at(i);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", op->name);
		cJSON_AddStringToObject(o, "family", op->family);
		cJSON_AddStringToObject(o, "seed", op->seed);
		cJSON_AddStringToObject(o, "summary", op->summary);
		if (op->fwd) cJSON_AddStringToObject(o, "grad_of", op->fwd);
		if (op->batch) cJSON_AddStringToObject(o, "batch", op->batch);
		if (op->lr > 0) cJSON_AddNumberToObject(o, "lr", op->lr);
		cJSON *dims = cJSON_AddArrayToObject(o, "dims");
		for (int d = 0; d < vb_op_ndims(op); d++)
			cJSON_AddItemToArray(dims, cJSON_CreateString(op->dims[d]));
		cJSON *sizes = cJSON_AddArrayToObject(o, "sizes");
		for (int z = 0; z < vb_op_nsizes(op); z++) {
			cJSON *sz = cJSON_CreateObject();
			for (int d = 0; d < vb_op_ndims(op); d++)
				cJSON_AddNumberToObject(sz, op->dims[d], (double)op->sizes[z][d]);
			cJSON_AddNumberToObject(sz, "flops", op->flops(op->sizes[z]));
			cJSON_AddNumberToObject(sz, "bytes", op->bytes(op->sizes[z]));
			cJSON_AddItemToArray(sizes, sz);
		}
		if (op->sweep.values[0] > 0) {
			cJSON *sw = cJSON_AddObjectToObject(o, "sweep");
			cJSON_AddStringToObject(sw, "dim", op->dims[op->sweep.dim]);
			cJSON *vals = cJSON_AddArrayToObject(sw, "values");
			for (int k = 0; k < VB_MAX_SWEEP && op->sweep.values[k] > 0; k++)
				cJSON_AddItemToArray(vals, cJSON_CreateNumber((double)op->sweep.values[k]));
		}
		cJSON *tensors = cJSON_AddArrayToObject(o, "tensors");
		for (int t = 0; t < vb_op_ntensors(op); t++) {
			const vb_tensor *ts = &op->tensors[t];
			cJSON *to = cJSON_CreateObject();
			cJSON_AddStringToObject(to, "name", ts->name);
			cJSON_AddStringToObject(to, "dir",
			                        ts->dir == VB_IN    ? "in"
			                        : ts->dir == VB_OUT ? "out"
			                                            : "inout");
			cJSON *shape = cJSON_AddArrayToObject(to, "shape");
			cJSON_AddItemToArray(shape, cJSON_CreateString(ts->rows == VB_ONE ? "1" : op->dims[ts->rows]));
			cJSON_AddItemToArray(shape, cJSON_CreateString(ts->cols == VB_ONE ? "1" : op->dims[ts->cols]));
			cJSON_AddItemToArray(tensors, to);
		}
		cJSON *vars = cJSON_AddArrayToObject(o, "variants");
		for (int v = 0; v < vb_op_nvariants(op); v++) {
			const vb_variant *var = &op->variants[v];
			cJSON *vo = cJSON_CreateObject();
			cJSON_AddStringToObject(vo, "name", var->name);
			cJSON_AddStringToObject(vo, "dtype", vb_dtype_name(var->dtype));
			cJSON_AddStringToObject(vo, "device", var->device == VB_CUDA ? "cuda" : "cpu");
			const char *why = vb_variant_unavailable(var);
			cJSON_AddBoolToObject(vo, "available", !why);
			if (why) cJSON_AddStringToObject(vo, "unavailable", why);
			cJSON_AddItemToArray(vars, vo);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

int vb_cmd_list(int argc, char **argv) {
	vb_opt opts[] = {{"json", 0, NULL}};
	const char *pos[1];
	int npos;
	vb_parse_opts("list", argc, argv, opts, 1, pos, 0, &npos, NULL, NULL);
	if (opts[0].value) {
		cJSON *arr = list_json();
		char *s = cJSON_Print(arr);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(arr);
		return 0;
	}
	const char *family = "";
	for (size_t i = 0; i < vb_op_count(); i++) {
		const vb_op *op = vb_op_at(i);
		if (strcmp(family, op->family) != 0) printf("%s[%s]\n", i ? "\n" : "", family = op->family);
		printf("  %-22s %s", op->name, op->summary);
		if (op->fwd) printf("   (gradient of %s)", op->fwd);
		printf("\n    seed: %s\n    variants:", op->seed);
		for (int v = 0; v < vb_op_nvariants(op); v++) {
			const char *why = vb_variant_unavailable(&op->variants[v]);
			printf(" %s%s%s%s", op->variants[v].name, why ? " (unavailable: " : "", why ? why : "",
			       why ? ")" : "");
		}
		printf("\n    sizes:");
		for (int z = 0; z < vb_op_nsizes(op); z++) {
			char d[256];
			vb_dims_format(op, op->sizes[z], ',', d, sizeof d);
			printf("%s %s (%.3g FLOP, %.3g B)", z ? ";" : "", d, op->flops(op->sizes[z]),
			       op->bytes(op->sizes[z]));
		}
		if (op->sweep.values[0] > 0) {
			printf("\n    each size swept over %s =", op->dims[op->sweep.dim]);
			for (int k = 0; k < VB_MAX_SWEEP && op->sweep.values[k] > 0; k++)
				printf("%s%lld", k ? "," : " ", (long long)op->sweep.values[k]);
		}
		printf("\n");
	}
	return 0;
}
