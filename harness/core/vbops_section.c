/* Linked into libvbops.so only: the bounds of this object's own vb_ops
 * section, for `vecbench ab`, which loads two builds' kernels side by side.
 * The bounds are hidden so that they bind to this object, never to the
 * executable's registry of the same name. */
#include "vb_ops_abi.h"

extern const vb_op *const __start_vb_ops[] __attribute__((visibility("hidden")));
extern const vb_op *const __stop_vb_ops[] __attribute__((visibility("hidden")));

const vb_op *const *vb_ops_section(size_t *count, vb_ops_abi *abi) {
	*count = (size_t)(__stop_vb_ops - __start_vb_ops);
	*abi = (vb_ops_abi){VB_OPS_ABI_VERSION, sizeof(vb_op), sizeof(vb_variant), sizeof(vb_call)};
	return __start_vb_ops;
}
