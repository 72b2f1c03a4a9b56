/* The op registry: every descriptor registers itself (VB_REGISTER_OP) into the
 * vb_ops linker section; this walks it. */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vb_mpi.h"

extern const vb_op *const __start_vb_ops[];
extern const vb_op *const __stop_vb_ops[];

/* The registry walked: this executable's section, or another build's
 * (`vecbench ab` switches to a loaded libvbops.so's while it fills inputs
 * and checks that build's kernels, so a backward op finds its own forward op). */
static const vb_op *const *reg_start = __start_vb_ops, *const *reg_stop = __stop_vb_ops;

/* The linker's order is an accident of the build: list by family, then name.
 * Each op is a copy of its descriptor with the peer variants (torch, numpy)
 * the peer worker implements appended. */
static const vb_op **sorted;
/* This executable's own list, with its peer copies, made once: op pointers
 * stay valid across vb_registry_use. Another build's list points into its
 * section and has no peers (`vecbench ab` times CPU kernels only). */
static const vb_op **own_sorted;
static vb_op *with_peers;

void vb_registry_use(const vb_op *const *start, size_t n) {
	if (sorted != own_sorted) free(sorted);
	reg_start = start ? start : __start_vb_ops;
	reg_stop = start ? start + n : __stop_vb_ops;
	sorted = start ? NULL : own_sorted;
}

static int by_family_name(const void *a, const void *b) {
	const vb_op *x = *(const vb_op *const *)a, *y = *(const vb_op *const *)b;
	int c = strcmp(x->family, y->family);
	return c ? c : strcmp(x->name, y->name);
}

size_t vb_op_count(void) { return (size_t)(reg_stop - reg_start); }

const vb_op *vb_op_at(size_t i) {
	if (!sorted) {
		size_t n = vb_op_count();
		sorted = VB_XMALLOC(sizeof *sorted * (n ? n : 1));
		memcpy(sorted, reg_start, sizeof *sorted * n);
		qsort(sorted, n, sizeof *sorted, by_family_name);
		if (reg_start == __start_vb_ops) {
			with_peers = VB_XMALLOC(sizeof *with_peers * (n ? n : 1));
			for (size_t k = 0; k < n; k++) {
				with_peers[k] = *sorted[k];
				vb_peers_extend(&with_peers[k]);
				sorted[k] = &with_peers[k];
			}
			own_sorted = sorted;
		}
	}
	return sorted[i];
}

const vb_op *vb_op_find(const char *name) {
	for (size_t i = 0; i < vb_op_count(); i++)
		if (strcmp(vb_op_at(i)->name, name) == 0) return vb_op_at(i);
	return NULL;
}

int vb_op_ndims(const vb_op *op) {
	int n = 0;
	while (n < VB_MAX_DIMS && op->dims[n])
		n++;
	return n;
}

int vb_op_ntensors(const vb_op *op) {
	int n = 0;
	while (n < VB_MAX_TENSORS && op->tensors[n].name)
		n++;
	return n;
}

int vb_op_nvariants(const vb_op *op) {
	int n = 0;
	while (n < VB_MAX_VARIANTS && op->variants[n].name)
		n++;
	return n;
}

int vb_op_nsizes(const vb_op *op) {
	int n = 0;
	while (n < VB_MAX_SIZES && op->sizes[n][0] > 0)
		n++;
	return n;
}

int vb_op_tensor_index(const vb_op *op, const char *name) {
	for (int i = 0; i < vb_op_ntensors(op); i++)
		if (strcmp(op->tensors[i].name, name) == 0) return i;
	return -1;
}

int vb_op_variant_index(const vb_op *op, const char *name) {
	for (int i = 0; i < vb_op_nvariants(op); i++)
		if (strcmp(op->variants[i].name, name) == 0) return i;
	return -1;
}

/* CPUID leaf 7 bits (and the OS saving the AVX-512 state, XCR0 bits 1, 2,
 * 5-7), read directly: compilers' __builtin_cpu_supports names differ. */
static int cpu_has(const char *f) {
	unsigned a, b, c, d, a1 = 0, b1, c1, d1;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
	__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
	unsigned xlo = 0, xhi = 0, l1c = 0, l1a, l1b, l1d;
	__get_cpuid(1, &l1a, &l1b, &l1c, &l1d);
	if (l1c & (1u << 27)) __asm__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0)); /* OSXSAVE */
	(void)xhi;
	int avx_os = (xlo & 0x6) == 0x6, avx512_os = avx_os && (xlo & 0xe0) == 0xe0;
	if (!strcmp(f, "avx2")) return avx_os && (b >> 5 & 1);
	if (!strcmp(f, "avx512f")) return avx512_os && (b >> 16 & 1);
	if (!strcmp(f, "avx512bf16")) return avx512_os && (a1 >> 5 & 1);
	if (!strcmp(f, "avx512fp16")) return avx512_os && (d >> 23 & 1);
	return -1;
}

/* NULL when the running CPU has the feature, else why not. */
static const char *cpu_feature_missing(const char *f) {
	int has = cpu_has(f);
	if (has > 0) return NULL;
	return has < 0 ? "needs an instruction set vecbench cannot detect" : "this CPU lacks the instructions it uses";
}

/* Why the NCCL variant was left out of this build (CMake says). */
#ifndef VB_NCCL_NOT_BUILT
#define VB_NCCL_NOT_BUILT "not built: needs CUDA, MPI and NCCL at build time"
#endif

const char *vb_variant_unavailable(const vb_variant *v) {
	if (v->device == VB_PEER) return vb_peer_unavailable(v->name);
	if (!v->fn && v->distributed && v->device == VB_CUDA) return VB_NCCL_NOT_BUILT;
	if (!v->fn && v->distributed)
		return "not built: no MPI at build time (apt-get install libopenmpi-dev openmpi-bin)";
	if (!v->fn) return v->device == VB_CUDA ? "not built: no CUDA toolkit at build time" : "not built";
	if (v->distributed) { /* and for NCCL's (dp_cuda_vec): a device, cuBLAS, libnccl */
		const char *why = vb_mpi_unavailable();
		return why || v->device != VB_CUDA ? why : vb_cuda_variant_unavailable(v);
	}
	if (vb_mpi_size() > 1) return "one process: with several MPI ranks only the data-parallel variants run";
	if (v->cpu_feature && cpu_feature_missing(v->cpu_feature)) return cpu_feature_missing(v->cpu_feature);
	if (v->library_unavailable) return v->library_unavailable();
	if (v->device == VB_CUDA) return vb_cuda_variant_unavailable(v);
	return NULL;
}

double vb_unit_roundoff(const vb_variant *v) {
	if (v->unit_roundoff > 0) return v->unit_roundoff;
	return vb_storage_roundoff(v);
}

double vb_storage_roundoff(const vb_variant *v) {
	return v->storage_roundoff > 0 ? v->storage_roundoff : vb_dtype_roundoff(v->dtype);
}

double vb_dtype_roundoff(vb_dtype t) {
	switch (t) {
	case VB_F64: return 0x1p-53;
	case VB_BF16: return 0x1p-8;
	case VB_F16: return 0x1p-11;
	default: return 0x1p-24;
	}
}

const char *vb_dtype_name(vb_dtype t) {
	static const char *names[] = {"f32", "f64", "bf16", "f16"};
	return names[t];
}

size_t vb_dtype_size(vb_dtype t) {
	static const size_t sizes[] = {4, 8, 2, 2};
	return sizes[t];
}

double vb_variant_bytes(const vb_op *op, const vb_variant *v, const int64_t *dim) {
	return op->bytes(dim) * (double)vb_dtype_size(v->dtype) / 4;
}
