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

/* "(3, 1)", "(2,)": a shape as NumPy prints it. */
static void shape_str(const int64_t *shape, int nd, char *buf, size_t len) {
	if (nd == 1)
		snprintf(buf, len, "(%lld,)", (long long)shape[0]);
	else
		snprintf(buf, len, "(%lld, %lld)", (long long)shape[0], (long long)shape[1]);
}

/* Reads DIR/<file> (.npy 1.0, little-endian float32 or float64, C order, one
 * or two dims) into tensor ti of ts (float64) when the file exists; 0 when
 * it does not. A shape other than the op's is refused in one line naming
 * both: (n,) stands for a row (1, n), as NumPy broadcasts it, and for
 * nothing else, so a bias given as a column (n, 1), or as a vector where the
 * op wants a column, is the seed's broadcasting mistake and never computed. */
static int load_input(const char *dir, const char *file, vb_tensors *ts, int ti, const char *dims) {
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	struct stat st;
	if (stat(path, &st) != 0) return 0;
	size_t len;
	char *buf = vb_read_file(path, (size_t)1 << 34, &len);
	if (!buf) vb_die(VB_EXIT_USAGE, "dump: cannot read %s: %s", path, strerror(errno));
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0 || buf[6] != 1)
		vb_die(VB_EXIT_USAGE, "dump: %s is not a version 1.0 .npy file", path);
	size_t hlen = (unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8;
	if (10 + hlen > len) vb_die(VB_EXIT_USAGE, "dump: %s: truncated header", path);
	char hdr[1024];
	snprintf(hdr, sizeof hdr, "%.*s", (int)(hlen < sizeof hdr - 1 ? hlen : sizeof hdr - 1), buf + 10);
	size_t esize = strstr(hdr, "'descr': '<f8'") ? 8 : strstr(hdr, "'descr': '<f4'") ? 4 : 0;
	if (!esize)
		vb_die(VB_EXIT_USAGE, "dump: %s: dtype must be little-endian float32 or float64 ('<f4', '<f8')", path);
	if (!strstr(hdr, "'fortran_order': False")) vb_die(VB_EXIT_USAGE, "dump: %s: must be in C order", path);
	const char *sh = strstr(hdr, "'shape': (");
	int64_t shape[3] = {0};
	int nd = 0;
	if (sh) {
		char *p = (char *)sh + 10;
		while (nd < 3 && *p >= '0' && *p <= '9') {
			shape[nd++] = strtoll(p, &p, 10);
			while (*p == ',' || *p == ' ')
				p++;
		}
		if (*p != ')') nd = 0;
	}
	if (nd < 1 || nd > 2) vb_die(VB_EXIT_USAGE, "dump: %s: a shape of one or two dims expected", path);
	const vb_tensor *t = &ts->op->tensors[ti];
	int64_t want[2] = {t->rows == VB_ONE ? 1 : ts->dim[t->rows], t->cols == VB_ONE ? 1 : ts->dim[t->cols]};
	int ok = nd == 2 ? shape[0] == want[0] && shape[1] == want[1] : want[0] == 1 && shape[0] == want[1];
	if (!ok) {
		char got[64], need[64];
		shape_str(shape, nd, got, sizeof got);
		shape_str(want, 2, need, sizeof need);
		vb_die(VB_EXIT_USAGE, "dump: %s has shape %s, but %s's %s at %s is %s", path, got, ts->op->name,
		       t->name, dims, need);
	}
	int64_t n = ts->numel[ti];
	if (len < 10 + hlen + (size_t)n * esize) vb_die(VB_EXIT_USAGE, "dump: %s: truncated data", path);
	double *dst = ts->ptr[ti];
	for (int64_t k = 0; k < n; k++) {
		if (esize == 8) {
			memcpy(&dst[k], buf + 10 + hlen + k * 8, 8);
		} else {
			float f;
			memcpy(&f, buf + 10 + hlen + k * 4, 4);
			dst[k] = f;
		}
	}
	free(buf);
	return 1;
}

const char vb_usage_dump[] =
    "  dump  OP [--dims ...] [--seed N] [--variant V] --out DIR\n"
    "                                                  inputs and outputs as NumPy .npy files\n"
    "        [--inputs DIR]                            your own NAME.npy inputs (shapes checked)\n";

int vb_cmd_dump(int argc, char **argv) {
	enum { DIMS = 1, SEED, VARIANT, OUT, INPUTS };
	static const struct option opts[] = {
	    {"dims", required_argument, NULL, DIMS},       {"seed", required_argument, NULL, SEED},
	    {"variant", required_argument, NULL, VARIANT}, {"out", required_argument, NULL, OUT},
	    {"inputs", required_argument, NULL, INPUTS},   {0}};
	const char *dims_s = NULL, *seed_s = NULL, *vname = NULL, *dir = NULL, *inputs = NULL;
	vb_args a;
	vb_args_start(&a, "dump", vb_usage_dump, argc, argv, opts, 1, 0);
	for (int c; (c = vb_args_next(&a)) != -1;)
		switch (c) {
		case DIMS: dims_s = a.value; break;
		case SEED: seed_s = a.value; break;
		case VARIANT: vname = a.value; break;
		case OUT: dir = a.value; break;
		case INPUTS: inputs = a.value; break;
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
	if (inputs) { /* the user's inputs where given (NAME.npy, in_NAME.npy for in/outs), then the oracle */
		char dims[256], file[128];
		vb_dims_format(op, c->dim, ',', dims, sizeof dims);
		int loaded = 0;
		for (int i = 0; i < ref.in.n; i++) {
			if (op->tensors[i].dir == VB_OUT) continue;
			snprintf(file, sizeof file, "%s%s.npy", op->tensors[i].dir == VB_INOUT ? "in_" : "",
			         op->tensors[i].name);
			loaded += load_input(inputs, file, &ref.in, i, dims);
		}
		if (!loaded) vb_die(VB_EXIT_USAGE, "dump: no input of %s (NAME.npy) in %s", op->name, inputs);
		vb_tensors_convert(&ref.out, &ref.in, 0);
		vb_arena *ws = vb_arena_new();
		op->oracle(&(vb_call){.dim = ref.out.dim, .t = ref.out.ptr, .ws = ws});
		vb_arena_free(ws);
	}
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
