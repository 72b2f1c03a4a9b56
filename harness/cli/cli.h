/* A small option parser shared by the commands: --name VALUE or --name=VALUE,
 * flags without values, and everything after "--" passed through. Unknown,
 * repeated or value-less options are errors (exit 2). */
#ifndef VB_CLI_H
#define VB_CLI_H

#include <stdint.h>

typedef struct {
	const char *name; /* without the leading "--" */
	int takes_value;
	const char *value; /* set when seen; "1" for flags */
} vb_opt;

/* Fills opts; positional arguments go to pos (at most maxpos), arguments
 * after "--" to rest. Exits 2 on bad input. */
void vb_parse_opts(const char *cmd, int argc, char **argv, vb_opt *opts, int nopts, const char **pos, int maxpos,
                   int *npos, char ***rest, int *nrest);
const char *vb_opt_get(vb_opt *opts, int nopts, const char *name);
uint64_t vb_parse_u64(const char *what, const char *s);
double vb_parse_double(const char *what, const char *s);

#endif
