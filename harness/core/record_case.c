/* The results record (record.h): vecbench's fields of one case, from the
 * op's descriptor. */
#include "harness.h"
#include "record.h"

void vb_record_put_case(cJSON *b, const vb_op *op, const vb_variant *v, const int64_t *dim, double check_err_bound) {
	char d[256];
	vb_dims_format(op, dim, ',', d, sizeof d);
	cJSON_AddStringToObject(b, "op", op->name);
	cJSON_AddStringToObject(b, "family", op->family);
	cJSON_AddStringToObject(b, "variant", v->name);
	cJSON_AddStringToObject(b, "dims", d);
	cJSON_AddStringToObject(b, "dtype", vb_dtype_name(v->dtype));
	cJSON_AddStringToObject(b, "device", v->device == VB_CUDA ? "cuda" : "cpu");
	cJSON_AddNumberToObject(b, "flops_per_iteration", op->flops(dim));
	cJSON_AddNumberToObject(b, "bytes_per_iteration", vb_variant_bytes(op, v, dim));
	cJSON_AddNumberToObject(b, "check_err_bound", check_err_bound);
}
