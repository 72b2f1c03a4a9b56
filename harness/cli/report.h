/* Commands of the CLI and what they share. */
#ifndef VB_REPORT_H
#define VB_REPORT_H

#include "harness.h"

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

int vb_cmd_list(int argc, char **argv);
int vb_cmd_check(int argc, char **argv);
int vb_cmd_run(int argc, char **argv);
int vb_cmd_dump(int argc, char **argv);

void vb_cpu_model(char *buf, size_t len);
int vb_context_count(void);
void vb_context_get(int i, const char **key, char *value, size_t len);
void vb_context_register(void);

#endif
