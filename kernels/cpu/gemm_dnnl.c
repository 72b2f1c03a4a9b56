/* oneDNN: its JIT sgemm (row-major, like cblas_sgemm with CblasRowMajor) and
 * the dense layer as its matmul primitive with the bias and the ReLU fused
 * into the kernel (a post-op), no pass over Z after the GEMM. libdnnl (40 MB,
 * with its OpenCL loader) is opened on first use rather than linked, so
 * vecbench's start-up does not pay for it on every run. */
#ifdef VB_HAVE_DNNL
#include <dlfcn.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"

static __typeof__(dnnl_sgemm) *sgemm;
static char load_error[256];

/* The matmul primitive's entry points. */
#define DNNL_FNS(X)                                                                                                    \
	X(dnnl_engine_create)                                                                                          \
	X(dnnl_stream_create)                                                                                          \
	X(dnnl_stream_wait)                                                                                            \
	X(dnnl_memory_desc_init_by_tag)                                                                                \
	X(dnnl_memory_create)                                                                                          \
	X(dnnl_memory_destroy)                                                                                         \
	X(dnnl_memory_set_data_handle)                                                                                 \
	X(dnnl_matmul_desc_init)                                                                                       \
	X(dnnl_primitive_attr_create)                                                                                  \
	X(dnnl_primitive_attr_destroy)                                                                                 \
	X(dnnl_primitive_attr_set_post_ops)                                                                            \
	X(dnnl_post_ops_create)                                                                                        \
	X(dnnl_post_ops_destroy)                                                                                       \
	X(dnnl_post_ops_append_eltwise)                                                                                \
	X(dnnl_primitive_desc_create)                                                                                  \
	X(dnnl_primitive_desc_destroy)                                                                                 \
	X(dnnl_primitive_create)                                                                                       \
	X(dnnl_primitive_destroy)                                                                                      \
	X(dnnl_primitive_execute)
#define DNNL_PTR(f) static __typeof__(f) *p_##f;
DNNL_FNS(DNNL_PTR)
#define DNNL_SYM(f) *(void **)&p_##f = dlsym(lib, #f), ok = ok && p_##f;
static int have_matmul; /* every entry point above found */

const char *vb_dnnl_load(void) {
	static int tried;
	if (!tried) {
		tried = 1;
		void *lib = dlopen(VB_DNNL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
		if (lib) {
			int ok = 1;
			*(void **)&sgemm = dlsym(lib, "dnnl_sgemm");
			DNNL_FNS(DNNL_SYM)
			have_matmul = ok;
		}
		if (!sgemm) snprintf(load_error, sizeof load_error, "oneDNN not loadable: %s", dlerror());
	}
	return sgemm ? NULL : load_error;
}

void vb_sgemm_dnnl(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
	if (vb_dnnl_load()) {
		fprintf(stderr, "vecbench: %s\n", load_error);
		exit(2);
	}
	dnnl_status_t st = sgemm(transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
	if (st != dnnl_success) { /* only bad arguments fail: a bug here, not bad input */
		fprintf(stderr, "vecbench: dnnl_sgemm failed (status %d)\n", (int)st);
		abort();
	}
}
/* Primitives already made, one per shape, ReLU and thread count, as a
 * training loop keeps them: made on a shape's first call, reused after. */
typedef struct {
	int64_t m, in, out;
	int relu, threads;
	dnnl_primitive_t prim;
	dnnl_memory_t src, wei, bias, dst;
} matmul_slot;
enum { MATMUL_SLOTS = 16 };
static matmul_slot slots[MATMUL_SLOTS];
static int nslots, next_evict;
static dnnl_engine_t engine;
static dnnl_stream_t stream;

static void slot_free(matmul_slot *s) {
	p_dnnl_primitive_destroy(s->prim);
	p_dnnl_memory_destroy(s->src);
	p_dnnl_memory_destroy(s->wei);
	p_dnnl_memory_destroy(s->bias);
	p_dnnl_memory_destroy(s->dst);
	s->prim = NULL;
}

static int slot_make(matmul_slot *s, int64_t m, int64_t in, int64_t out, int relu, int threads) {
	dnnl_memory_desc_t src_md, wei_md, bias_md, dst_md;
	dnnl_dims_t src_d = {m, in}, wei_d = {in, out}, bias_d = {1, out}, dst_d = {m, out};
	int ok = p_dnnl_memory_desc_init_by_tag(&src_md, 2, src_d, dnnl_f32, dnnl_ab) == dnnl_success &&
	         /* W (out*in, row-major) read as the in*out weights, transposed */
	         p_dnnl_memory_desc_init_by_tag(&wei_md, 2, wei_d, dnnl_f32, dnnl_ba) == dnnl_success &&
	         p_dnnl_memory_desc_init_by_tag(&bias_md, 2, bias_d, dnnl_f32, dnnl_ab) == dnnl_success &&
	         p_dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_d, dnnl_f32, dnnl_ab) == dnnl_success;
	if (!ok) return 0;
	dnnl_matmul_desc_t desc;
	if (p_dnnl_matmul_desc_init(&desc, &src_md, &wei_md, &bias_md, &dst_md) != dnnl_success) return 0;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t ops = NULL;
	ok = p_dnnl_primitive_attr_create(&attr) == dnnl_success;
	if (ok && relu)
		ok = p_dnnl_post_ops_create(&ops) == dnnl_success &&
		     p_dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f) == dnnl_success &&
		     p_dnnl_primitive_attr_set_post_ops(attr, ops) == dnnl_success;
	dnnl_primitive_desc_t pd = NULL;
	ok = ok && p_dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success &&
	     p_dnnl_primitive_create(&s->prim, pd) == dnnl_success;
	if (pd) p_dnnl_primitive_desc_destroy(pd);
	if (ops) p_dnnl_post_ops_destroy(ops);
	if (attr) p_dnnl_primitive_attr_destroy(attr);
	if (!ok) return 0;
	p_dnnl_memory_create(&s->src, &src_md, engine, DNNL_MEMORY_NONE);
	p_dnnl_memory_create(&s->wei, &wei_md, engine, DNNL_MEMORY_NONE);
	p_dnnl_memory_create(&s->bias, &bias_md, engine, DNNL_MEMORY_NONE);
	p_dnnl_memory_create(&s->dst, &dst_md, engine, DNNL_MEMORY_NONE);
	*s = (matmul_slot){m, in, out, relu, threads, s->prim, s->src, s->wei, s->bias, s->dst};
	return 1;
}

int vb_dense_layer_dnnl(int64_t m, int64_t in, int64_t out, const float *A, const float *W, const float *b, float *Z,
                        int relu) {
	if (vb_dnnl_load() || !have_matmul) return 0;
	if (!engine && (p_dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success ||
	                p_dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success)) {
		have_matmul = 0;
		return 0;
	}
	int threads = omp_get_max_threads();
	matmul_slot *s = NULL;
	for (int i = 0; i < nslots && !s; i++)
		if (slots[i].m == m && slots[i].in == in && slots[i].out == out && slots[i].relu == relu &&
		    slots[i].threads == threads)
			s = &slots[i];
	if (!s) {
		if (nslots < MATMUL_SLOTS)
			s = &slots[nslots++];
		else {
			s = &slots[next_evict];
			next_evict = (next_evict + 1) % MATMUL_SLOTS;
			slot_free(s);
		}
		if (!slot_make(s, m, in, out, relu, threads)) {
			s->m = -1; /* never matches */
			return 0;
		}
	}
	p_dnnl_memory_set_data_handle(s->src, (void *)A);
	p_dnnl_memory_set_data_handle(s->wei, (void *)W);
	p_dnnl_memory_set_data_handle(s->bias, (void *)b);
	p_dnnl_memory_set_data_handle(s->dst, Z);
	dnnl_exec_arg_t args[4] = {
	    {DNNL_ARG_SRC, s->src}, {DNNL_ARG_WEIGHTS, s->wei}, {DNNL_ARG_BIAS, s->bias}, {DNNL_ARG_DST, s->dst}};
	return p_dnnl_primitive_execute(s->prim, stream, 4, args) == dnnl_success &&
	       p_dnnl_stream_wait(stream) == dnnl_success;
}
#else
typedef int vb_gemm_dnnl_not_built; /* ISO C: no empty translation unit */
#endif
