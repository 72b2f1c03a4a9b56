/* `vecbench dump`: a case's inputs and outputs as NumPy .npy files (format
 * 1.0), so they can be inspected in NumPy or PyTorch. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "commands.h"

static void write_new(const char *dir, const char *name, const char *data, size_t len) {
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct stat st;
	if (lstat(path, &st) == 0) vb_die(VB_EXIT_USAGE, "dump: %s exists; not overwriting it", path);
	if (vb_write_file_atomic(path, data, len) != 0)
		vb_die(VB_EXIT_USAGE, "dump: cannot write %s: %s", path, strerror(errno));
}

const char vb_usage_dump[] =
    "  dump  OP [--dims ...] [--seed N] [--variant V] --out DIR\n"
    "                                                  inputs and outputs as NumPy .npy files\n";

int vb_cmd_dump(int argc, char **argv) {
	enum { DIMS = 1, SEED, VARIANT, OUT };
	static const struct option opts[] = {{"dims", required_argument, NULL, DIMS},
	                                     {"seed", required_argument, NULL, SEED},
	                                     {"variant", required_argument, NULL, VARIANT},
	                                     {"out", required_argument, NULL, OUT},
	                                     {0}};
	const char *dims_s = NULL, *seed_s = NULL, *vname = NULL, *dir = NULL;
	vb_args a;
	vb_args_start(&a, "dump", vb_usage_dump, argc, argv, opts, 1, 0);
	for (int c; (c = vb_args_next(&a)) != -1;)
		switch (c) {
		case DIMS: dims_s = a.value; break;
		case SEED: seed_s = a.value; break;
		case VARIANT: vname = a.value; break;
		case OUT: dir = a.value; break;
		}
	if (a.npos != 1) vb_die(VB_EXIT_USAGE, "dump: which op? usage: vecbench dump OP [--dims ...] --out DIR");
	if (!dir) vb_die(VB_EXIT_USAGE, "dump: --out DIR is required");
	const vb_op *op = vb_op_find(a.pos[0]);
	if (!op) vb_die(VB_EXIT_USAGE, "dump: unknown op '%s' (see 'vecbench list')", a.pos[0]);
	uint64_t seed = seed_s ? vb_parse_u64("--seed", seed_s) : 1;
	int vi = -1;
	if (vname) {
		vi = vb_op_variant_index(op, vname);
		if (vi < 0) vb_die(VB_EXIT_USAGE, "dump: %s has no variant '%s'", op->name, vname);
		const char *why = vb_variant_unavailable(&op->variants[vi]);
		if (why) vb_die(VB_EXIT_USAGE, "dump: variant %s is unavailable: %s", vname, why);
	}
	/* Same selection rules (and size checks) as check and run. */
	char re[160];
	snprintf(re, sizeof re, "^%s$", op->name);
	vb_select s = {.op_regex = re, .dims = dims_s, .seed = seed, .scale = 1, .quick = 1};
	vb_case *c;
	vb_select_cases(&s, &c);
	vb_ref ref;
	if (vb_ref_init(&ref, op, c->dim, seed, 1.0) != 0) vb_die(VB_EXIT_USAGE, "dump: out of memory");
	/* Outputs come from the oracle (float64) unless a variant is named. */
	vb_tensors *outs = &ref.out;
	vb_tensors vt = {0};
	if (vi >= 0) {
		const vb_variant *v = &op->variants[vi];
		if (vb_tensors_alloc(&vt, op, c->dim, v->dtype) != 0) vb_die(VB_EXIT_USAGE, "dump: out of memory");
		vb_tensors_convert(&vt, &ref.in, 0);
		vb_tensors_poison_outputs(&vt);
		vb_arena *ws = vb_arena_new();
		char err[200];
		if (v->device == VB_CUDA) {
			if (vb_cuda_call(v, &vt, ws, err, sizeof err) != 0) vb_die(VB_EXIT_USAGE, "dump: %s", err);
		} else if (v->device == VB_PEER) {
			if (vb_peer_call(v, &vt, err, sizeof err) != 0) vb_die(VB_EXIT_USAGE, "dump: %s", err);
		} else {
			v->fn(&(vb_call){.dim = vt.dim, .t = vt.ptr, .ws = ws});
		}
		vb_arena_free(ws);
		outs = &vt;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		vb_die(VB_EXIT_USAGE, "dump: cannot create %s: %s", dir, strerror(errno));
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) vb_die(VB_EXIT_USAGE, "dump: %s is not a directory", dir);
	/* Refuse before writing anything, so a dump is all there or not at all. */
	char path[4096], name[128];
	for (int i = 0; i < ref.in.n; i++) {
		snprintf(path, sizeof path, "%s/%s%s.npy", dir, op->tensors[i].dir == VB_INOUT ? "in_" : "",
		         op->tensors[i].name);
		if (lstat(path, &st) == 0) vb_die(VB_EXIT_USAGE, "dump: %s exists; not overwriting it", path);
	}
	snprintf(path, sizeof path, "%s/meta.json", dir);
	if (lstat(path, &st) == 0) vb_die(VB_EXIT_USAGE, "dump: %s exists; not overwriting it", path);
	cJSON *meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, "op", op->name);
	cJSON_AddStringToObject(meta, "variant", vname ? vname : "oracle");
	cJSON_AddNumberToObject(meta, "seed", (double)seed);
	cJSON *dims = cJSON_AddObjectToObject(meta, "dims");
	for (int d = 0; d < vb_op_ndims(op); d++)
		cJSON_AddNumberToObject(dims, op->dims[d], (double)c->dim[d]);
	cJSON *files = cJSON_AddObjectToObject(meta, "tensors");
	for (int i = 0; i < ref.in.n; i++) {
		const vb_tensor *t = &op->tensors[i];
		int64_t r = t->rows == VB_ONE ? 1 : c->dim[t->rows], cc = t->cols == VB_ONE ? 1 : c->dim[t->cols];
		size_t len;
		char *buf;
		/* Inputs as the variant saw them (float64 for the oracle); in/out
		 * tensors twice: in_X before, X after. */
		if (t->dir != VB_OUT) {
			const vb_tensors *src = vi >= 0 ? &vt : &ref.in;
			if (t->dir == VB_INOUT) src = &ref.in;
			buf = vb_npy_encode(src->ptr[i], src->dtype, r, cc, ref.in.numel[i], &len);
			snprintf(name, sizeof name, "%s%s.npy", t->dir == VB_INOUT ? "in_" : "", t->name);
			write_new(dir, name, buf, len);
			free(buf);
			cJSON_AddStringToObject(files, name, "input");
		}
		if (t->dir != VB_IN) {
			buf = vb_npy_encode(outs->ptr[i], outs->dtype, r, cc, ref.in.numel[i], &len);
			snprintf(name, sizeof name, "%s.npy", t->name);
			write_new(dir, name, buf, len);
			free(buf);
			cJSON_AddStringToObject(files, name, "output");
		}
	}
	char *js = cJSON_Print(meta);
	write_new(dir, "meta.json", js, strlen(js));
	cJSON_free(js);
	cJSON_Delete(meta);
	printf("dumped %s (%s) to %s\n", op->name, vname ? vname : "oracle outputs", dir);
	if (vi >= 0) vb_tensors_free(&vt);
	vb_ref_free(&ref);
	free(c);
	return 0;
}
