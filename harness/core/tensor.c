/* Tensor buffers (with canaries), seeded fills and dtype conversion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { GUARD = 256, ALIGN = 64, CHUNK = 4096 };
static const unsigned char GUARD_BYTE = 0xCB;

int vb_buf_alloc(vb_buf *b, size_t bytes) {
	size_t padded = (bytes + ALIGN - 1) / ALIGN * ALIGN;
	if (padded < bytes || padded > SIZE_MAX - 2 * GUARD) return -1;
	unsigned char *base = aligned_alloc(ALIGN, padded + 2 * GUARD);
	if (!base) return -1;
	memset(base, GUARD_BYTE, GUARD);
	memset(base + GUARD + bytes, GUARD_BYTE, padded - bytes + GUARD);
	b->base = base;
	b->data = base + GUARD;
	b->bytes = bytes;
	return 0;
}

void vb_buf_free(vb_buf *b) {
	free(b->base);
	memset(b, 0, sizeof *b);
}

int vb_buf_guard_ok(const vb_buf *b) {
	const unsigned char *lo = b->base, *hi = (const unsigned char *)b->data + b->bytes;
	for (size_t i = 0; i < GUARD; i++)
		if (lo[i] != GUARD_BYTE || hi[i] != GUARD_BYTE) return 0;
	return 1;
}

int vb_tensors_alloc(vb_tensors *ts, const vb_op *op, const int64_t *dim, vb_dtype t) {
	memset(ts, 0, sizeof *ts);
	ts->op = op;
	ts->dtype = t;
	ts->n = vb_op_ntensors(op);
	memcpy(ts->dim, dim, sizeof(int64_t) * (size_t)vb_op_ndims(op));
	for (int i = 0; i < ts->n; i++) {
		ts->numel[i] = vb_numel(op, i, dim);
		if (vb_buf_alloc(&ts->buf[i], (size_t)ts->numel[i] * vb_dtype_size(t)) != 0) {
			vb_tensors_free(ts);
			return -1;
		}
		ts->ptr[i] = ts->buf[i].data;
	}
	return 0;
}

void vb_tensors_free(vb_tensors *ts) {
	for (int i = 0; i < VB_MAX_TENSORS; i++)
		if (ts->buf[i].base) vb_buf_free(&ts->buf[i]);
	memset(ts->ptr, 0, sizeof ts->ptr);
}

/* ---- dtype conversion ---- */

static uint16_t f32_to_bf16(float f) { /* round to nearest even */
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static float bf16_to_f32(uint16_t h) {
	uint32_t u = (uint32_t)h << 16;
	float f;
	memcpy(&f, &u, 4);
	return f;
}

double vb_load(const void *p, vb_dtype t, int64_t i) {
	switch (t) {
	case VB_F64: return ((const double *)p)[i];
	case VB_BF16: return bf16_to_f32(((const uint16_t *)p)[i]);
	case VB_F16: return (double)((const _Float16 *)p)[i];
	default: return ((const float *)p)[i];
	}
}

void vb_store(void *p, vb_dtype t, int64_t i, double v) {
	switch (t) {
	case VB_F64: ((double *)p)[i] = v; break;
	case VB_BF16: ((uint16_t *)p)[i] = f32_to_bf16((float)v); break;
	case VB_F16: ((_Float16 *)p)[i] = (_Float16)v; break;
	default: ((float *)p)[i] = (float)v; break;
	}
}

/* ---- seeded fills ---- */

static uint64_t fill_key(uint64_t seed, const char *op, const char *tensor) {
	uint64_t s = seed;
	uint64_t k = vb_splitmix64(&s);
	k ^= vb_hash_str(op) * 0x9e3779b97f4a7c15ull;
	s = k;
	k = vb_splitmix64(&s) ^ vb_hash_str(tensor);
	return k;
}

/* Uniform in [0,1) with 24 bits, so every value is exact in float32. */
static double unit24(uint64_t r) { return (double)(r >> 40) * 0x1p-24; }

/* Exact mode: k/8 with k in [1, 8]: 4 significant bits, so products of
 * two or three inputs and their sums stay on a 2^-9 grid, exact in float32
 * while below 2^15. */
static double exact_value(uint64_t r, int positive) {
	double k = (double)(1 + ((r >> 32) & 7));
	return (positive || !(r & 1) ? 1.0 : -1.0) * k / 8;
}

/* Wide mode: each row offset by +-[100, 1000) (some rows all very
 * negative, some very positive), its elements spread +-[0.8, 8) around it. */
static double wide_value(uint64_t key, int64_t row, uint64_t r) {
	uint64_t s = key ^ ((uint64_t)row * 0x9e3779b97f4a7c15ull) ^ 0x5851f42d4c957f2dull;
	uint64_t o = vb_splitmix64(&s);
	double offset = ((o & 1) ? -1.0 : 1.0) * (100.0 + 900.0 * unit24(o));
	return offset + ((r & 1) ? -1.0 : 1.0) * (0.8 + 7.2 * unit24(r));
}

/* density_pm: nonzeros per mille of a VB_FILL_SPARSE fill. */
static void fill_tensor(double *x, int64_t rows, int64_t cols, vb_fill f, uint64_t key, const vb_fill_opts *o,
                        int64_t density_pm) {
	int64_t n = rows * cols;
	double scale = o->scale;
	if (f == VB_FILL_ONEHOT_ROW) {
		memset(x, 0, sizeof(double) * (size_t)n);
		for (int64_t row = 0; row < rows; row++) {
			uint64_t s = key ^ ((uint64_t)row * 0xd1b54a32d192ed03ull);
			int64_t hot = (int64_t)(vb_splitmix64(&s) % (uint64_t)cols);
			x[row * cols + hot] = 1;
		}
		return;
	}
	if (f == VB_FILL_LOSS_SCALE || f == VB_FILL_GOOD_STEPS) {
		int wide = o->mode == VB_MODE_WIDE;
		double v = f == VB_FILL_LOSS_SCALE ? (wide ? 0x1p40 : 0x1p16) : (wide ? 0 : VB_LOSS_SCALE_GROWTH - 1);
		for (int64_t i = 0; i < n; i++)
			x[i] = v;
		return;
	}
	for (int64_t c0 = 0; c0 < n; c0 += CHUNK) {
		uint64_t s = key ^ ((uint64_t)(c0 / CHUNK) * 0xd1b54a32d192ed03ull);
		vb_splitmix64(&s);
		int64_t end = c0 + CHUNK < n ? c0 + CHUNK : n;
		for (int64_t i = c0; i < end; i++) {
			uint64_t r = vb_splitmix64(&s);
			double u = unit24(r), sign = (r & 1) ? -1.0 : 1.0;
			/* one fixed nonzero per row, so no row is all zeros */
			int fixed = i % cols == (i / cols) % cols;
			int sparse_zero = (int64_t)((r >> 8) % 1000) >= density_pm && !fixed;
			double v;
			if (o->mode == VB_MODE_EXACT &&
			    (f == VB_FILL_SIGNED || f == VB_FILL_POS || f == VB_FILL_SPARSE)) {
				int zero = (f == VB_FILL_SPARSE && sparse_zero) ||
				           (!fixed && unit24((r ^ (r >> 29)) * 0xbf58476d1ce4e5b9ull) >= o->density);
				x[i] = zero ? 0.0 : exact_value(r, f == VB_FILL_POS);
				continue;
			}
			if (o->mode == VB_MODE_WIDE && f == VB_FILL_SIGNED) {
				x[i] = (double)(float)wide_value(key, i / cols, r);
				continue;
			}
			switch (f) {
			case VB_FILL_POS: v = 0.1 + 0.9 * u; break;
			case VB_FILL_PROB: v = 0.02 + 0.96 * u; break;
			case VB_FILL_LOGIT_BIG: v = sign * (100.0 + 900.0 * u); break;
			case VB_FILL_SPARSE: v = sparse_zero ? 0 : sign * (0.1 + 0.9 * u) * scale; break;
			case VB_FILL_INIT: v = sign * (0.1 + 0.9 * u) * scale / sqrt((double)cols); break;
			default: v = sign * (0.1 + 0.9 * u) * scale; break;
			}
			x[i] = (double)(float)v;
		}
	}
}

static void tensor_shape(const vb_op *op, int ti, const int64_t *dim, int64_t *r, int64_t *c) {
	const vb_tensor *t = &op->tensors[ti];
	*r = t->rows == VB_ONE ? 1 : dim[t->rows];
	*c = t->cols == VB_ONE ? 1 : dim[t->cols];
}

static void fill_one(vb_tensors *ts, const vb_op *keyop, int ti, uint64_t seed, const vb_fill_opts *o) {
	int64_t r, c;
	tensor_shape(ts->op, ti, ts->dim, &r, &c);
	const vb_tensor *t = &ts->op->tensors[ti];
	int64_t density_pm = 100;
	for (int k = 0; k < vb_op_ndims(ts->op); k++)
		if (!strcmp(ts->op->dims[k], "density_pm")) density_pm = ts->dim[k];
	fill_tensor(ts->ptr[ti], r, c, t->fill, fill_key(seed, keyop->name, t->name), o, density_pm);
}

void vb_fill_fwd_inputs(vb_tensors *f, const vb_op *op, uint64_t seed, const vb_fill_opts *o) {
	for (int i = 0; i < f->n; i++)
		if (f->op->tensors[i].dir != VB_OUT) fill_one(f, op, i, seed, o);
}

const char *vb_mode_name(vb_mode m) {
	static const char *names[VB_NMODES] = {"random", "exact", "wide"};
	return names[m];
}

int vb_op_has_mode(const vb_op *op, vb_mode m) {
	switch (m) {
	case VB_MODE_EXACT: return op->exact_density != NULL;
	case VB_MODE_WIDE: return op->wide != VB_WIDE_NONE;
	default: return 1;
	}
}

int vb_fill_inputs(vb_tensors *ref, uint64_t seed, double scale) {
	return vb_fill_inputs_opts(ref, seed, &(vb_fill_opts){.scale = scale, .density = 1});
}

int vb_fwd_dims(const vb_op *bwd, const vb_op *fwd, const int64_t *dim, int64_t *fdim) {
	for (int i = 0; i < vb_op_ndims(fwd); i++) {
		fdim[i] = -1;
		for (int j = 0; j < vb_op_ndims(bwd); j++)
			if (strcmp(fwd->dims[i], bwd->dims[j]) == 0) fdim[i] = dim[j];
		if (fdim[i] < 0) return -1; /* the backward op must name every forward dim */
	}
	return 0;
}

int vb_fill_inputs_opts(vb_tensors *ref, uint64_t seed, const vb_fill_opts *o) {
	const vb_op *op = ref->op;
	const vb_op *fwd = op->fwd ? vb_op_find(op->fwd) : NULL;
	if (op->fwd && !fwd) return -1;
	vb_tensors f = {0};
	if (fwd) {
		int64_t fdim[VB_MAX_DIMS] = {0};
		if (vb_fwd_dims(op, fwd, ref->dim, fdim) != 0 || vb_tensors_alloc(&f, fwd, fdim, VB_F64) != 0)
			return -1;
		vb_fill_fwd_inputs(&f, op, seed, o);
		vb_arena *ws = vb_arena_new();
		fwd->oracle(&(vb_call){.dim = f.dim, .t = f.ptr, .ws = ws});
		vb_arena_free(ws);
	}
	for (int i = 0; i < ref->n; i++) {
		if (op->tensors[i].dir == VB_OUT) continue;
		int j = fwd ? vb_op_tensor_index(fwd, op->tensors[i].name) : -1;
		if (j >= 0 && f.numel[j] == ref->numel[i])
			memcpy(ref->ptr[i], f.ptr[j], sizeof(double) * (size_t)ref->numel[i]);
		else
			fill_one(ref, op, i, seed, o);
	}
	if (fwd) vb_tensors_free(&f);
	return 0;
}

void vb_tensors_convert(vb_tensors *dst, const vb_tensors *src, int inputs_only) {
	for (int i = 0; i < dst->n; i++) {
		if (inputs_only && dst->op->tensors[i].dir == VB_OUT) continue;
		for (int64_t k = 0; k < dst->numel[i]; k++)
			vb_store(dst->ptr[i], dst->dtype, k, vb_load(src->ptr[i], src->dtype, k));
	}
}

void vb_tensors_poison_outputs(vb_tensors *ts) {
	for (int i = 0; i < ts->n; i++)
		if (ts->op->tensors[i].dir == VB_OUT)
			for (int64_t k = 0; k < ts->numel[i]; k++)
				vb_store(ts->ptr[i], ts->dtype, k, NAN);
}

int vb_tensors_guard_broken(const vb_tensors *ts) {
	for (int i = 0; i < ts->n; i++)
		if (!vb_buf_guard_ok(&ts->buf[i])) return i;
	return -1;
}

static const char *npy_descr(vb_dtype t) {
	switch (t) {
	case VB_F64: return "<f8";
	case VB_F16: return "<f2";
	default: return "<f4"; /* bf16 has no NumPy dtype: written as float32 */
	}
}

/* One .npy file in memory: magic, header padded to 64 bytes, data. */
char *vb_npy_encode(const void *data, vb_dtype t, int64_t rows, int64_t cols, int64_t numel, size_t *len) {
	char hdr[256];
	int h = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%lld, %lld), }",
	                 npy_descr(t), (long long)rows, (long long)cols);
	size_t total_hdr = (size_t)(10 + h + 1 + 63) / 64 * 64;
	size_t pad = total_hdr - 10 - (size_t)h - 1;
	size_t esize = t == VB_F64 ? 8 : t == VB_F16 ? 2 : 4;
	*len = total_hdr + (size_t)numel * esize;
	char *buf = VB_XMALLOC(*len);
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (char)((total_hdr - 10) & 0xff);
	buf[9] = (char)((total_hdr - 10) >> 8);
	memcpy(buf + 10, hdr, (size_t)h);
	memset(buf + 10 + h, ' ', pad);
	buf[total_hdr - 1] = '\n';
	if (t == VB_BF16)
		for (int64_t k = 0; k < numel; k++)
			((float *)(buf + total_hdr))[k] = (float)vb_load(data, t, k);
	else
		memcpy(buf + total_hdr, data, (size_t)numel * esize);
	return buf;
}
