/* `vecbench list`: the ops, their variants and default sizes, as a table or JSON. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "commands.h"

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

const char vb_usage_list[] =
    "  list  [--json]                                  ops, dims, sizes, variants, FLOP and byte counts\n";

int vb_cmd_list(int argc, char **argv) {
	enum { JSON = 1 };
	static const struct option opts[] = {{"json", no_argument, NULL, JSON}, {0}};
	int json = 0;
	vb_args a;
	vb_args_start(&a, "list", vb_usage_list, argc, argv, opts, 0, 0);
	for (int c; (c = vb_args_next(&a)) != -1;)
		json |= c == JSON;
	if (json) {
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
