/* The regression gate: `vecbench compare`, `vecbench machine-id` (the id
 * baselines are filed under; vb_machine_id itself is in the core) and
 * `vecbench ab`'s cells. */
#ifndef VB_REGRESS_H
#define VB_REGRESS_H

#include <stddef.h>

int vb_cmd_compare(int argc, char **argv);
int vb_cmd_machine_id(int argc, char **argv);
extern const char vb_usage_compare[], vb_usage_machine_id[];

/* The gate tables' cells (compare, ab): a time in ns as "1.234 ms", a p- or
 * q-value as "0.0123" or "<1e-4"; NAN as "-". */
void vb_gate_fmt_ns(double ns, char *buf, size_t len);
void vb_gate_fmt_p(double p, char *buf, size_t len);

#endif
