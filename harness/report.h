/* Commands of the CLI and what they share. */
#ifndef VB_REPORT_H
#define VB_REPORT_H

#include "harness.h"

/* A selection of ops, variants and sizes from the command line. */
typedef struct {
	const char *op_regex;
	const char *variants; /* comma-separated names, or NULL for all */
	const char *dims;     /* --dims, or NULL for the default sweep */
	uint64_t seed;
	int quick;
	int quiet;
	double scale;
} vb_select;

typedef struct {
	const vb_op *op;
	int64_t dim[VB_MAX_DIMS];
} vb_case;

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
