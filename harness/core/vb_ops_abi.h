/* What a libvbops.so exports for `vecbench ab`: its registry and the layout
 * of the structures the two sides share, so a build whose vb.h differs is
 * refused instead of misread. */
#ifndef VB_OPS_ABI_H
#define VB_OPS_ABI_H

#include <stddef.h>

#include "vb.h"

#define VB_OPS_ABI_VERSION 1
#define VB_OPS_SECTION_SYMBOL "vb_ops_section"

typedef struct {
	int version;
	size_t op_size, variant_size, call_size;
} vb_ops_abi;

typedef const vb_op *const *(*vb_ops_section_fn)(size_t *count, vb_ops_abi *abi);

#endif
