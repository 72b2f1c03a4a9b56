/* What the commands share: option parsing and the selection of ops,
 * variants and sizes from the command line. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

void vb_args_start(vb_args *a, const char *cmd, const char *usage, int argc, char **argv, const struct option *opts,
                   int maxpos, int takes_rest) {
	*a = (vb_args){.cmd = cmd,
	               .usage = usage,
	               .argc = argc,
	               .argv = argv,
	               .opts = opts,
	               .maxpos = maxpos,
	               .takes_rest = takes_rest};
	if (maxpos > VB_ARGS_MAX_POS) vb_die(VB_EXIT_USAGE, "%s: too many positional arguments declared", cmd);
}

int vb_args_next(vb_args *a) {
	while (a->next < a->argc) {
		char *t = a->argv[a->next];
		if (!strcmp(t, "--")) {
			if (!a->takes_rest) vb_die(VB_EXIT_USAGE, "%s: unexpected '--'", a->cmd);
			a->rest = a->argv + a->next + 1;
			a->nrest = a->argc - a->next - 1;
			a->next = a->argc;
			return -1;
		}
		if (strncmp(t, "--", 2) != 0) { /* "-x" too: no short options */
			if (a->npos == a->maxpos) vb_die(VB_EXIT_USAGE, "%s: unexpected argument '%s'", a->cmd, t);
			a->pos[a->npos++] = t;
			a->next++;
			continue;
		}
		if (!strcmp(t, "--help")) {
			printf("usage: vecbench %s [options]\n%s", a->cmd, a->usage);
			exit(VB_EXIT_OK);
		}
		/* Full names only: getopt_long alone would take any unambiguous prefix. */
		size_t len = strcspn(t + 2, "=");
		int k = 0;
		while (a->opts && a->opts[k].name &&
		       !(strlen(a->opts[k].name) == len && !strncmp(a->opts[k].name, t + 2, len)))
			k++;
		const struct option *o = a->opts ? &a->opts[k] : NULL;
		if (!o || !o->name || k >= (int)(8 * sizeof a->seen))
			vb_die(VB_EXIT_USAGE, "%s: unknown option '%.*s' (see 'vecbench help')", a->cmd, (int)len + 2,
			       t);
		if (a->seen & 1ul << k) vb_die(VB_EXIT_USAGE, "%s: option '--%s' given twice", a->cmd, o->name);
		if (o->has_arg == no_argument && t[2 + len] == '=')
			vb_die(VB_EXIT_USAGE, "%s: option '--%s' takes no value", a->cmd, o->name);
		/* getopt_long sees one option at a time: the command's name, the
		 * option, and what may be its value; optind then says what it took. */
		char *one[] = {(char *)a->cmd, t, a->next + 1 < a->argc ? a->argv[a->next + 1] : NULL, NULL};
		opterr = 0;
		optind = 1;
		int found = -1, c = getopt_long(one[2] ? 3 : 2, one, "+:", a->opts, &found);
		if (c == ':' || (o->has_arg == required_argument && c == o->val && !*optarg))
			vb_die(VB_EXIT_USAGE, "%s: option '--%s' needs a value", a->cmd, o->name);
		if (c != o->val || found != k) vb_die(VB_EXIT_USAGE, "%s: cannot parse option '%s'", a->cmd, t);
		a->seen |= 1ul << k;
		a->value = optarg;
		a->next += optind - 1;
		return c;
	}
	return -1;
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
