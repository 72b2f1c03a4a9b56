/* What every command shares: a small option parser (--name VALUE or
 * --name=VALUE, flags without values, everything after "--" passed through;
 * unknown, repeated or value-less options are errors, exit 2), the selection
 * of ops, variants and sizes, sweeps, and checking a selected case. */
#ifndef VB_CLI_H
#define VB_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "harness.h"

/* A command's arguments through getopt_long: --name VALUE or --name=VALUE,
 * flags without values, positional arguments anywhere, and (when the command
 * takes them) everything after "--" passed through. Option names must be
 * given in full; unknown, repeated or value-less options and extra
 * positional arguments are one-line errors (exit 2). --help prints the
 * command's usage and exits 0. */
enum { VB_ARGS_MAX_POS = 2 };
typedef struct {
	const char *cmd, *usage;
	int argc;
	char **argv;
	const struct option *opts; /* ends with a zeroed entry; val identifies each; NULL: none */
	int maxpos, takes_rest;
	int next;           /* argv index of the next token */
	unsigned long seen; /* one bit per option: repeats are errors */
	const char *value;  /* the value of the option vb_args_next returned */
	const char *pos[VB_ARGS_MAX_POS];
	int npos;
	char **rest; /* after "--", when takes_rest */
	int nrest;
} vb_args;

void vb_args_start(vb_args *a, const char *cmd, const char *usage, int argc, char **argv, const struct option *opts,
                   int maxpos, int takes_rest);
/* The next option's val (its value in a->value), or -1 when none is left. */
int vb_args_next(vb_args *a);
uint64_t vb_parse_u64(const char *what, const char *s);
double vb_parse_double(const char *what, const char *s);

/* A selection of ops, variants and sizes from the command line. */
typedef struct {
	const char *op_regex;
	const char *except_regex; /* ops to leave out, or NULL */
	const char *variants;     /* comma-separated names, or NULL for all */
	const char *dims;         /* --dims, or NULL for the default sizes */
	const char *sweep;        /* --sweep DIM=v1,v2,..., or NULL for the ops' own sweeps */
	uint64_t seed;
	int quick;
	int quiet;
	double scale;
} vb_select;

typedef struct {
	const vb_op *op;
	int64_t dim[VB_MAX_DIMS];
	/* A point of a sweep: the dim's name as the user reads it ("density"
	 * for density_pm) and its value (the fraction); "" when not swept. */
	char sweep_name[16];
	double sweep_value;
} vb_case;

/* ---- sweep.c ---- */
typedef struct {
	char name[16];
	int n;
	double value[64];
} vb_sweep_spec;
/* "density=0.001,0.01" or "b=1,4,16": 0, or -1 with a one-line reason in err. */
int vb_sweep_parse(const char *s, vb_sweep_spec *out, char *err, size_t errlen);
/* The op's dim a sweep name sets (an exact name, or "<name>_pm" for a
 * fraction), or -1; *per_mille says which. */
int vb_sweep_dim(const vb_op *op, const char *name, int *per_mille);
/* The dim value of sweep value v: v itself, or v * 1000 for per mille; -1
 * when v is not a whole number (of thousandths) in [1, VB_DIM_MAX] (1000 for
 * a fraction). */
int64_t vb_sweep_dim_value(double v, int per_mille);
/* Where two timing curves over a sweep cross: x[] ascending, ta[] and tb[]
 * the times of two variants at each point (NAN: not measured). Fills xc[]
 * (at most max) with the crossing points, interpolated on log x and log
 * time ratio between the two points where the faster variant changes (a
 * point where they are equal is itself the crossing); returns how many. */
int vb_crossover(const double *x, const double *ta, const double *tb, int n, double *xc, int max);

/* Expands a selection into (op, size) cases; exits 2 on bad input. */
int vb_select_cases(const vb_select *s, vb_case **cases);
int vb_select_variant(const vb_select *s, const vb_variant *v);

/* Checks every selected variant of one case (and the gradient, for
 * backward ops); prints table rows. ratio[v] is each variant's err/bound
 * (INFINITY on failure, NAN when not checked); counts[] gets passed, failed,
 * skipped. Returns 1 when everything checked passed. */
int vb_check_case(const vb_select *s, const vb_case *c, double *ratio, int *counts);
void vb_check_header(void);
/* The checker's self-test on one case (and its odd twin): every variant's
 * check fed perturbed oracle outputs must reject them; prints table rows,
 * counts[] gets trusted, untrusted. Returns 1 when every check was trusted. */
int vb_self_test_case(const vb_select *s, const vb_case *c, int *counts);

#endif
