/* The CUDA bridge (replaces harness/cuda_none.c when CUDA is built): device
 * probe, host<->device copies around a variant call, CUDA-event timing for
 * Google Benchmark, the tracking allocator behind device tensors, scratch
 * and cuBLAS's workspace, and the device facts of the results context.
 *
 * Errors from CUDA and cuBLAS throw (vb_cuda_fail); each bridge entry point
 * catches, frees what the call allocated, and returns the message, so one
 * failing variant is reported and the others still run. A sticky error
 * (illegal address, launch failure) destroys the CUDA context: every later
 * CUDA call would fail with it. The bridge then reports each remaining GPU
 * variant unavailable: "CUDA context lost after op/variant: ...".
 *
 * VB_CUDA_INJECT_FAULT=op/variant (tests only) makes that variant's first
 * call fail as a device fault would, before it touches the device: the
 * variant counts as runnable even without a device, its call fails with
 * cudaErrorIllegalAddress, and the context counts as lost.
 * VB_CUDA_INJECT_FAULT=op/variant:transient fails it with
 * cudaErrorMemoryAllocation instead, which leaves the context usable.
 *
 * Timing: the iteration time is GPU time between two events around the
 * variant call (kernels, and launch gaps between them). Each iteration is
 * synchronized, so iterations do not overlap. VB_FLUSH_L2=1 in the
 * environment writes twice the L2 size before every timed iteration (cold
 * cache); the default measures with whatever the last iteration left in L2.
 * The counter e2e_time_us is host wall time of copying the inputs in, the
 * call, and copying the outputs back (pageable host memory).
 *
 * The GPU calibration (copy bandwidth, four 4096^3 GEMMs) runs only in a
 * process that called a CUDA variant: a CPU-only selection never pays it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define _Noreturn __attribute__((noreturn)) /* harness.h is C17 */
extern "C" {
#include "bench_shim.h"
#include "harness.h"
#include "vb_mpi.h"
}
#undef _Noreturn

#include "cuda/vb_cuda.cuh"

namespace {

struct cuda_error {
	char msg[400];
};

[[noreturn]] __attribute__((format(printf, 1, 2))) void bridge_fail(const char *fmt, ...) {
	cuda_error e;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	throw e;
}

/* "kernels/cuda/dense.cu" rather than the absolute path CMake compiles. */
const char *short_path(const char *f) {
	const char *p = strstr(f, "kernels/cuda/");
	if (!p) p = strstr(f, "harness/");
	return p ? p : f;
}

enum { GUARD = 256, ALIGN = 256, MAX_SCRATCH = 64 };
const unsigned char GUARD_BYTE = 0xCB; /* as harness/tensor.c */

size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

struct device_state {
	int probed;
	char why[256];  /* empty: a device is usable */
	char lost[320]; /* empty, or why the context is gone */
	bool called;    /* a CUDA variant was called: calibrate for the results */
	cudaDeviceProp prop;
	cublasHandle_t cublas;
	void *cublas_ws;
	size_t cublas_ws_bytes;
	void *flush;
	size_t flush_bytes;
	size_t live, peak; /* the tracking allocator */
	/* Measured by vb_cuda_context_register, for the roofline: device copy
	 * bandwidth (bytes/s) and cuBLAS rates (FLOP/s) by vb_gemm_prec. */
	double copy_bw, gemm_peak[4];
};
device_state g;

/* The tracking allocator: device tensors and scratch of variant calls. */
void *dev_alloc(size_t bytes) {
	void *p = nullptr;
	VB_CUDA_CHECK(cudaMalloc(&p, bytes ? bytes : 1));
	g.live += bytes;
	if (g.live > g.peak) g.peak = g.live;
	return p;
}

/* Cleanup runs after failures too, so it cannot throw: an error here was
 * either reported already or only leaks. */
void dev_free(void *p, size_t bytes) {
	if (!p) return;
	(void)cudaFree(p);
	g.live -= bytes;
}

struct dev_tensor {
	unsigned char *base; /* GUARD bytes, data, padding, GUARD bytes */
	size_t alloc, bytes;
};

/* The device side of one vb_tensors: buffers with guard regions, the
 * pointer table the variant sees, and its scratch blocks. */
struct session {
	vb_tensors *host;
	const vb_variant *variant;
	dev_tensor t[VB_MAX_TENSORS];
	void *ptr[VB_MAX_TENSORS];
	void *scratch[MAX_SCRATCH];
	size_t scratch_bytes[MAX_SCRATCH];
	int nscratch, used;
	size_t scratch_live, scratch_peak;
	bool used_cublas;
	cudaEvent_t mark; /* vb_cuda_mark_compute: where a distributed step's communication begins */
	bool marked;
};
session *g_sess; /* the call in progress, for vb_cuda_scratch and vb_cublas */

/* VB_CUDA_INJECT_FAULT (see the top of this file). */
struct fault_injection {
	bool parsed, fired;
	const vb_op *op;
	const vb_variant *target;
	cudaError_t error;
};
fault_injection g_inject;

const fault_injection *injection(void) {
	fault_injection *f = &g_inject;
	if (f->parsed) return f;
	f->parsed = true;
	const char *spec = getenv("VB_CUDA_INJECT_FAULT");
	if (!spec || !*spec) return f;
	char op[128], variant[64], kind[32] = "";
	if (sscanf(spec, "%127[^/]/%63[^:]:%31s", op, variant, kind) < 2 || (kind[0] && strcmp(kind, "transient")))
		vb_die(VB_EXIT_USAGE, "bad VB_CUDA_INJECT_FAULT '%s': expected op/variant or op/variant:transient",
		       spec);
	f->op = vb_op_find(op);
	int vi = f->op ? vb_op_variant_index(f->op, variant) : -1;
	if (vi < 0 || f->op->variants[vi].device != VB_CUDA)
		vb_die(VB_EXIT_USAGE, "bad VB_CUDA_INJECT_FAULT '%s': no CUDA variant %s of an op %s", spec, variant,
		       op);
	f->target = &f->op->variants[vi];
	f->error = kind[0] ? cudaErrorMemoryAllocation : cudaErrorIllegalAddress;
	return f;
}

bool inject_pending(const vb_variant *v) {
	const fault_injection *f = injection();
	return f->target == v && !f->fired;
}

/* The injected variant's first call fails here, before any device work. */
void inject_fault(const vb_variant *v) {
	if (!inject_pending(v)) return;
	g_inject.fired = true;
	cudaError_t e = g_inject.error;
	bridge_fail("VB_CUDA_INJECT_FAULT: %s (%s)", cudaGetErrorName(e), cudaGetErrorString(e));
}

/* After a failed call: the error CUDA still reports once whatever the call
 * left behind is cleared. A transient error (out of memory, a bad launch
 * configuration) is returned once: cudaSuccess. A sticky one stays: the
 * context is gone. A simulated device (VB_CUDA_INJECT_FAULT) answers for
 * the fault it injected. */
cudaError_t error_after_failure(void) {
	if (g_inject.fired && g_inject.error != cudaSuccess) {
		cudaError_t e = g_inject.error;
		g_inject.error = cudaSuccess; /* answered once: later calls are real */
		return e == cudaErrorIllegalAddress ? e : cudaSuccess;
	}
	(void)cudaGetLastError();
	if (cudaDeviceSynchronize() == cudaSuccess) return cudaSuccess;
	(void)cudaGetLastError();
	return cudaDeviceSynchronize();
}

/* After a failure in `what` (op/variant, or the calibration): when the
 * context is gone, every later GPU variant is skipped with this cause
 * instead of failing on its own. */
void note_failure(const char *what) {
	cudaError_t e = error_after_failure();
	if (e == cudaSuccess || g.lost[0]) return;
	snprintf(g.lost, sizeof g.lost, "CUDA context lost after %s: %s (%s)", what, cudaGetErrorName(e),
	         cudaGetErrorString(e));
}

void note_variant_failure(const vb_op *op, const vb_variant *v) {
	char what[160];
	snprintf(what, sizeof what, "%s/%s", op->name, v->name);
	note_failure(what);
}

/* Kernels that call cuBLAS, from the vb_cublas_users section (VB_CUBLAS_VARIANT). */
extern "C" const vb_fn __start_vb_cublas_users[] __attribute__((weak));
extern "C" const vb_fn __stop_vb_cublas_users[] __attribute__((weak));

bool uses_cublas(const vb_variant *v) {
	for (const vb_fn *f = __start_vb_cublas_users; f && f < __stop_vb_cublas_users; f++)
		if (*f == v->fn) return true;
	return false;
}

size_t tensor_bytes(const vb_tensors *h, int i) { return (size_t)h->numel[i] * vb_dtype_size(h->dtype); }

void session_open(session *s, vb_tensors *host) {
	s->host = host;
	for (int i = 0; i < host->n; i++) {
		dev_tensor *d = &s->t[i];
		d->bytes = tensor_bytes(host, i);
		d->alloc = GUARD + round_up(d->bytes, ALIGN) + GUARD;
		d->base = (unsigned char *)dev_alloc(d->alloc);
		VB_CUDA_CHECK(cudaMemset(d->base, GUARD_BYTE, d->alloc));
		s->ptr[i] = d->base + GUARD;
	}
}

void session_close(session *s) {
	for (int i = 0; i < VB_MAX_TENSORS; i++)
		dev_free(s->t[i].base, s->t[i].alloc);
	for (int i = 0; i < s->nscratch; i++)
		dev_free(s->scratch[i], s->scratch_bytes[i]);
	if (s->mark) (void)cudaEventDestroy(s->mark);
	memset(s, 0, sizeof *s);
	g_sess = nullptr;
	(void)cudaGetLastError(); /* clear what a failure left, for the next call */
}

/* Host to device: every tensor (outputs arrive NaN-poisoned, so an element
 * the variant leaves unwritten fails the check), or only the inputs. */
void copy_in(session *s, bool outputs_too) {
	for (int i = 0; i < s->host->n; i++)
		if (outputs_too || s->host->op->tensors[i].dir != VB_OUT)
			VB_CUDA_CHECK(cudaMemcpy(s->ptr[i], s->host->ptr[i], s->t[i].bytes, cudaMemcpyHostToDevice));
}

void copy_out(session *s) {
	for (int i = 0; i < s->host->n; i++)
		if (s->host->op->tensors[i].dir != VB_IN)
			VB_CUDA_CHECK(cudaMemcpy(s->host->ptr[i], s->ptr[i], s->t[i].bytes, cudaMemcpyDeviceToHost));
}

/* Index of a tensor whose device guard region was overwritten, or -1. */
int guard_broken(session *s) {
	unsigned char head[GUARD], tail[GUARD];
	for (int i = 0; i < s->host->n; i++) {
		dev_tensor *d = &s->t[i];
		VB_CUDA_CHECK(cudaMemcpy(head, d->base, GUARD, cudaMemcpyDeviceToHost));
		VB_CUDA_CHECK(cudaMemcpy(tail, d->base + GUARD + d->bytes, GUARD, cudaMemcpyDeviceToHost));
		for (int k = 0; k < GUARD; k++)
			if (head[k] != GUARD_BYTE || tail[k] != GUARD_BYTE) return i;
	}
	return -1;
}

void run_variant(session *s, const vb_variant *v, vb_arena *ws) {
	vb_arena_reset(ws);
	s->variant = v;
	s->used = 0;
	s->scratch_live = 0;
	vb_call call = {s->host->dim, s->ptr, ws};
	g_sess = s;
	try {
		v->fn(&call);
	} catch (...) {
		g_sess = nullptr;
		throw;
	}
	g_sess = nullptr;
}

/* The call in progress. Kernels may pass a vb_call of their own making
 * (sub-steps of a network on intermediate buffers), so c is not compared. */
session *current(const vb_call *c, const char *what) {
	if (!g_sess || !c) bridge_fail("%s called outside a CUDA variant call", what);
	return g_sess;
}

cublasHandle_t cublas_handle(void) {
	if (!g.cublas) {
		VB_CUBLAS_CHECK(cublasCreate(&g.cublas));
		/* Our own workspace, so it is counted: cuBLAS recommends 32 MiB on
		 * Hopper and later, 4 MiB before. */
		g.cublas_ws_bytes = (size_t)(g.prop.major >= 9 ? 32 : 4) << 20;
		VB_CUDA_CHECK(cudaMalloc(&g.cublas_ws, g.cublas_ws_bytes));
		VB_CUBLAS_CHECK(cublasSetWorkspace(g.cublas, g.cublas_ws, g.cublas_ws_bytes));
	}
	return g.cublas;
}

int flush_l2_requested(void) {
	const char *e = getenv("VB_FLUSH_L2");
	return e && strcmp(e, "1") == 0;
}

/* Twice the L2 size: H100 and H200 split L2 into two partitions, and a line
 * may be cached in both, so writing the size once can leave data behind. */
void *flush_buffer(void) {
	if (!g.flush) {
		g.flush_bytes = 2 * (g.prop.l2CacheSize > 0 ? (size_t)g.prop.l2CacheSize : (size_t)64 << 20);
		VB_CUDA_CHECK(cudaMalloc(&g.flush, g.flush_bytes));
	}
	return g.flush;
}

void probe(void) {
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess) {
		snprintf(g.why, sizeof g.why, "no CUDA device: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
		(void)cudaGetLastError();
		return;
	}
	if (n == 0) {
		snprintf(g.why, sizeof g.why, "no CUDA device: cudaGetDeviceCount found none");
		return;
	}
	/* Under mpirun each rank of a host drives its own device (NCCL refuses
	 * two ranks of one communicator on one GPU); alone, device 0. */
	int dev = vb_mpi_local_rank() % n;
	e = cudaSetDevice(dev);
	if (e == cudaSuccess) e = cudaGetDeviceProperties(&g.prop, dev);
	if (e != cudaSuccess) {
		snprintf(g.why, sizeof g.why, "CUDA device %d unusable: %s (%s)", dev, cudaGetErrorString(e),
		         cudaGetErrorName(e));
		(void)cudaGetLastError();
		return;
	}
	if (g.prop.major < 8)
		snprintf(g.why, sizeof g.why,
		         "CUDA device %.100s is sm_%d%d; vecbench's CUDA code is built for sm_80 and sm_90",
		         g.prop.name, g.prop.major, g.prop.minor);
}

/* The GPU roofline for a variant's mean kernel time: its compute roof is
 * the cuBLAS rate of its precision, its memory roof the measured copy
 * bandwidth; traffic is the op's float32 bytes scaled to the storage type.
 * NaN before calibration. */
void roofline(const vb_variant *v, const vb_tensors *h, double seconds, double *pct, double *roof_flops) {
	*pct = *roof_flops = NAN;
	if (!(g.copy_bw > 0) || !(seconds > 0)) return;
	vb_gemm_prec p = v->dtype == VB_F16                  ? VB_GEMM_F16
	                 : v->dtype == VB_BF16               ? VB_GEMM_BF16
	                 : strcmp(v->name, "cuda_tf32") == 0 ? VB_GEMM_TF32
	                                                     : VB_GEMM_F32;
	double flops = h->op->flops(h->dim), bytes = h->op->bytes(h->dim) * (double)vb_dtype_size(v->dtype) / 4;
	double mem_roof = bytes > 0 ? flops / bytes * g.copy_bw : INFINITY;
	*roof_flops = fmin(g.gemm_peak[p], mem_roof);
	if (flops > 0)
		*pct = 100 * flops / seconds / *roof_flops;
	else if (bytes > 0)
		*pct = 100 * bytes / seconds / g.copy_bw;
}

} // namespace

/* ---- what kernels/cuda sees (vb_cuda.cuh) ---- */

void vb_cuda_fail(const char *file, int line, const char *call, const char *name, const char *msg) {
	bridge_fail("%s:%d: %s: %s, in %s", short_path(file), line, name, msg, call);
}

void *vb_cuda_scratch(const vb_call *c, size_t bytes) {
	session *s = current(c, "vb_cuda_scratch");
	int i = s->used;
	if (i == MAX_SCRATCH) bridge_fail("a CUDA kernel asked for more than %d scratch blocks", MAX_SCRATCH);
	size_t padded = round_up(bytes ? bytes : 1, ALIGN);
	if (i < s->nscratch && s->scratch_bytes[i] < padded) {
		dev_free(s->scratch[i], s->scratch_bytes[i]);
		s->scratch[i] = nullptr;
		s->scratch_bytes[i] = 0;
	}
	if (!s->scratch[i]) {
		s->scratch[i] = dev_alloc(padded);
		s->scratch_bytes[i] = padded;
		if (i == s->nscratch) s->nscratch++;
		/* NaN in float, half and bfloat16: a kernel that reads scratch it
		 * never wrote cannot pass by finding zeros. */
		VB_CUDA_CHECK(cudaMemset(s->scratch[i], 0xFF, padded));
	}
	s->used++;
	s->scratch_live += padded;
	if (s->scratch_live > s->scratch_peak) s->scratch_peak = s->scratch_live;
	return s->scratch[i];
}

vb_cuda_scratch_mark vb_cuda_scratch_save(const vb_call *c) {
	session *s = current(c, "vb_cuda_scratch_save");
	return vb_cuda_scratch_mark{s->used, s->scratch_live};
}

void vb_cuda_scratch_release(const vb_call *c, vb_cuda_scratch_mark m) {
	session *s = current(c, "vb_cuda_scratch_release");
	s->used = m.blocks;
	s->scratch_live = m.live;
}

void vb_cuda_mark_compute(const vb_call *c) {
	session *s = current(c, "vb_cuda_mark_compute");
	if (!s->mark) VB_CUDA_CHECK(cudaEventCreate(&s->mark));
	VB_CUDA_CHECK(cudaEventRecord(s->mark));
	s->marked = true;
}

cublasHandle_t vb_cublas(const vb_call *c) {
	session *s = current(c, "vb_cublas");
	if (s->variant && !uses_cublas(s->variant))
		bridge_fail("%s/%s calls cuBLAS but its kernel is declared with VB_CUDA_VARIANT, not VB_CUBLAS_VARIANT",
		            s->host->op->name, s->variant->name);
	cublasHandle_t h = cublas_handle();
	VB_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH)); /* whatever a previous caller set */
	s->used_cublas = true;
	return h;
}

/* ---- the bridge (harness.h) ---- */

extern "C" const char *vb_cuda_unavailable(void) {
	if (g.lost[0]) return g.lost;
	if (!g.probed) {
		g.probed = 1;
		probe();
	}
	return g.why[0] ? g.why : NULL;
}

/* kernels/cuda/dp_nccl.cu, where it is built: why NCCL cannot run here. */
extern "C" const char *vb_nccl_unavailable(void) __attribute__((weak));

/* The device's reason, or cuBLAS's for a variant that needs it, or NCCL's
 * for a distributed one. The target of VB_CUDA_INJECT_FAULT runs on a
 * simulated device until its fault. */
extern "C" const char *vb_cuda_variant_unavailable(const vb_variant *v) {
	if (g.lost[0]) return g.lost;
	if (!inject_pending(v)) {
		const char *why = vb_cuda_unavailable();
		if (why) return why;
	}
	if (uses_cublas(v) && vb_cublas_unavailable()) return vb_cublas_unavailable();
	if (v->distributed) return vb_nccl_unavailable ? vb_nccl_unavailable() : "not built: no NCCL variant";
	return NULL;
}

extern "C" int vb_cuda_call(const vb_variant *v, vb_tensors *host, vb_arena *ws, char *err, size_t errlen) {
	const char *why = vb_cuda_variant_unavailable(v);
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	g.called = true;
	session s = {};
	int rc = 0;
	try {
		inject_fault(v);
		session_open(&s, host);
		copy_in(&s, true);
		run_variant(&s, v, ws);
		VB_CUDA_CHECK(cudaDeviceSynchronize());
		int b = guard_broken(&s);
		if (b >= 0)
			bridge_fail("wrote out of bounds of tensor %s on the device (guard overwritten)",
			            host->op->tensors[b].name);
		copy_out(&s);
	} catch (const cuda_error &e) {
		snprintf(err, errlen, "%s", e.msg);
		rc = -1;
		note_variant_failure(host->op, v);
	}
	session_close(&s);
	return rc;
}

extern "C" int vb_cuda_bench(struct vb_bm_state *st, const vb_variant *v, vb_tensors *host, vb_arena *ws,
                             const char *range, char *err, size_t errlen) {
	const char *why = vb_cuda_variant_unavailable(v);
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	g.called = true;
	session s = {};
	cudaEvent_t e0 = nullptr, e1 = nullptr;
	int rc = 0, in_range = 0;
	try {
		inject_fault(v);
		g.peak = g.live;
		session_open(&s, host);
		copy_in(&s, true);
		VB_CUDA_CHECK(cudaEventCreate(&e0));
		VB_CUDA_CHECK(cudaEventCreate(&e1));
		void *flush = flush_l2_requested() ? flush_buffer() : nullptr;
		run_variant(&s, v, ws); /* warm-up: first-touch, cuBLAS heuristics, scratch allocation */
		VB_CUDA_CHECK(cudaDeviceSynchronize());

		vb_range_push(range);
		in_range = 1;
		int64_t n = 0;
		double kernel_s = 0, compute_s = 0, comm_s = 0;
		while (vb_bm_keep_running(st)) {
			if (flush) VB_CUDA_CHECK(cudaMemsetAsync(flush, (int)(n & 0x7f), g.flush_bytes));
			if (v->distributed) vb_mpi_step_begin(); /* the ranks together, under the watchdog */
			s.marked = false;
			VB_CUDA_CHECK(cudaEventRecord(e0));
			run_variant(&s, v, ws);
			VB_CUDA_CHECK(cudaEventRecord(e1));
			VB_CUDA_CHECK(cudaEventSynchronize(e1));
			float ms = 0;
			VB_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
			if (v->distributed) { /* step, compute (to the mark), communication: the slowest rank's */
				float to_mark = ms;
				if (s.marked) VB_CUDA_CHECK(cudaEventElapsedTime(&to_mark, e0, s.mark));
				double t[3] = {ms * 1e-3, to_mark * 1e-3, (ms - to_mark) * 1e-3};
				vb_mpi_step_end(t);
				ms = (float)(t[0] * 1e3);
				compute_s += t[1], comm_s += t[2];
			}
			vb_bm_set_iteration_time(st, ms * 1e-3);
			kernel_s += ms * 1e-3;
			n++;
		}
		vb_range_pop();
		in_range = 0;

		/* End to end, outside the timed loop: what one call costs a caller
		 * whose data lives on the host. */
		int reps = n < 1 ? 1 : n > 10 ? 10 : (int)n;
		double t0 = vb_now();
		for (int r = 0; r < reps; r++) {
			copy_in(&s, false);
			run_variant(&s, v, ws);
			copy_out(&s);
		}
		VB_CUDA_CHECK(cudaDeviceSynchronize());
		double e2e = (vb_now() - t0) / reps;

		size_t cublas_ws = s.used_cublas ? g.cublas_ws_bytes : 0;
		vb_bm_counter(st, "e2e_time_us", e2e * 1e6, 0);
		if (v->distributed) vb_mpi_step_counters(st, compute_s, comm_s, n);
		vb_bm_counter(st, "gpu_peak_bytes", (double)(g.peak + cublas_ws), VB_BM_BASE_1024);
		vb_bm_counter(st, "gpu_workspace_bytes", (double)(s.scratch_peak + cublas_ws), VB_BM_BASE_1024);
		vb_bm_counter(st, "l2_flushed", flush ? 1 : 0, 0);
		double pct, roof;
		roofline(v, host, n > 0 ? kernel_s / (double)n : 0, &pct, &roof);
		if (isfinite(pct)) {
			vb_bm_counter(st, "roofline_pct", pct, 0);
			vb_bm_counter(st, "roofline_gflops", roof * 1e-9, 0);
		}
	} catch (const cuda_error &e) {
		snprintf(err, errlen, "%s", e.msg);
		rc = -1;
		note_variant_failure(host->op, v);
	}
	if (in_range) vb_range_pop();
	if (e0) (void)cudaEventDestroy(e0);
	if (e1) (void)cudaEventDestroy(e1);
	session_close(&s);
	return rc;
}

/* ---- device facts and calibration for the results context ---- */

namespace {

template <class T> __global__ void fill_pattern(T *x, int64_t n) {
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
		x[i] = vb_to<T>((float)((uint32_t)(i * 2654435761u) >> 22) / 1024.0f - 0.5f);
}

void add_context(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void add_context(const char *key, const char *fmt, ...) {
	char value[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	vb_bm_add_context(key, value);
}

int attribute(cudaDeviceAttr a) {
	int v = 0;
	VB_CUDA_CHECK(cudaDeviceGetAttribute(&v, a, 0));
	return v;
}

/* A CUDA event destroyed on every way out of its scope, throws included. */
struct scoped_event {
	cudaEvent_t e = nullptr;
	scoped_event() { VB_CUDA_CHECK(cudaEventCreate(&e)); }
	~scoped_event() {
		if (e) (void)cudaEventDestroy(e);
	}
	scoped_event(const scoped_event &) = delete;
	scoped_event &operator=(const scoped_event &) = delete;
};

/* Events around reps calls of f after one untimed call; seconds per call. */
template <class F> double time_per_call(int reps, F f) {
	scoped_event e0, e1;
	f();
	VB_CUDA_CHECK(cudaEventRecord(e0.e));
	for (int r = 0; r < reps; r++)
		f();
	VB_CUDA_CHECK(cudaEventRecord(e1.e));
	VB_CUDA_CHECK(cudaEventSynchronize(e1.e));
	float ms = 0;
	VB_CUDA_CHECK(cudaEventElapsedTime(&ms, e0.e, e1.e));
	return ms * 1e-3 / reps;
}

/* Device-to-device copy: reads and writes every byte once. */
double copy_bandwidth(void) {
	size_t bytes = (size_t)256 << 20;
	if (bytes > g.prop.totalGlobalMem / 8) bytes = g.prop.totalGlobalMem / 8;
	void *a = dev_alloc(bytes), *b = nullptr;
	try {
		b = dev_alloc(bytes);
		VB_CUDA_CHECK(cudaMemset(a, 1, bytes));
		double t =
		    time_per_call(10, [&] { VB_CUDA_CHECK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice)); });
		dev_free(a, bytes);
		dev_free(b, bytes);
		return 2.0 * (double)bytes / t;
	} catch (...) {
		dev_free(a, bytes);
		dev_free(b, bytes);
		throw;
	}
}

/* A square n x n x n GEMM through cuBLAS: FLOP/s. */
template <class T> double gemm_rate(cudaDataType_t type, cublasComputeType_t compute) {
	const int n = 4096;
	size_t bytes = sizeof(T) * (size_t)n * n;
	T *m[3] = {};
	try {
		for (int i = 0; i < 3; i++) {
			m[i] = (T *)dev_alloc(bytes);
			fill_pattern<T><<<1024, VB_THREADS>>>(m[i], (int64_t)n * n);
			VB_LAUNCH_CHECK();
		}
		cublasHandle_t h = cublas_handle();
		/* the mode the variants of this precision run with (vb_gemm_rm) */
		bool half = type != CUDA_R_32F;
		VB_CUBLAS_CHECK(cublasSetMathMode(h, half ? vb_half_gemm_math() : CUBLAS_DEFAULT_MATH));
		float alpha = 1, beta = 0;
		double t = time_per_call(10, [&] {
			VB_CUBLAS_CHECK(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, m[0], type, n, m[1],
			                             type, n, &beta, m[2], type, n, compute, CUBLAS_GEMM_DEFAULT));
		});
		for (int i = 0; i < 3; i++)
			dev_free(m[i], bytes);
		return 2.0 * n * n * (double)n / t;
	} catch (...) {
		for (int i = 0; i < 3; i++)
			dev_free(m[i], bytes);
		throw;
	}
}

} // namespace

extern "C" void vb_cuda_context_register(void) {
	/* Without a CUDA variant called in this process, no device work at all. */
	if (!g.called) {
		add_context("cuda_calibration", "not run: no CUDA variant was selected");
		return;
	}
	if (const char *why = vb_cuda_unavailable()) {
		add_context("cuda_calibration", "not run: %s", why);
		return;
	}
	const cudaDeviceProp *p = &g.prop;
	add_context("gpu_name", "%s", p->name);
	add_context("gpu_compute_capability", "%d.%d", p->major, p->minor);
	add_context("gpu_sm_count", "%d", p->multiProcessorCount);
	add_context("gpu_memory_bytes", "%zu", p->totalGlobalMem);
	add_context("gpu_l2_bytes", "%d", p->l2CacheSize);
	add_context("gpu_l2_flush",
	            flush_l2_requested()
	                ? "on: VB_FLUSH_L2=1, a buffer of twice the L2 size is written before every timed iteration"
	                : "off (VB_FLUSH_L2=1 flushes L2 before every timed iteration)");
	add_context("gpu_timing", "iteration time: CUDA events around each call; e2e_time_us: host wall time of "
	                          "copies in + call + copies out (pageable host memory)");
	try {
		int clock_khz = attribute(cudaDevAttrClockRate), mem_khz = attribute(cudaDevAttrMemoryClockRate);
		int bus_bits = attribute(cudaDevAttrGlobalMemoryBusWidth);
		add_context("gpu_clock_mhz", "%d", clock_khz / 1000);
		add_context("gpu_memory_clock_mhz", "%d", mem_khz / 1000);
		add_context("gpu_memory_bus_bits", "%d", bus_bits);
		/* Double data rate: two transfers per memory clock. */
		add_context("gpu_theoretical_bandwidth_GBps", "%.1f", 2.0 * mem_khz * 1e3 * (bus_bits / 8) * 1e-9);
		int drv = 0, rt = 0, cub = 0;
		VB_CUDA_CHECK(cudaDriverGetVersion(&drv));
		VB_CUDA_CHECK(cudaRuntimeGetVersion(&rt));
		VB_CUBLAS_CHECK(cublasGetVersion(cublas_handle(), &cub));
		add_context("cuda_versions", "driver %d, runtime %d, cuBLAS %d", drv, rt, cub);
		double bw = copy_bandwidth(), peak[4];
		peak[VB_GEMM_F32] = gemm_rate<float>(CUDA_R_32F, CUBLAS_COMPUTE_32F);
		peak[VB_GEMM_TF32] = gemm_rate<float>(CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32);
		peak[VB_GEMM_F16] = gemm_rate<__half>(CUDA_R_16F, CUBLAS_COMPUTE_32F);
		peak[VB_GEMM_BF16] = gemm_rate<__nv_bfloat16>(CUDA_R_16BF, CUBLAS_COMPUTE_32F);
		add_context("gpu_measured_copy_bandwidth_GBps", "%.1f", bw * 1e-9);
		add_context("gpu_cublas_sgemm_gflops", "%.0f", peak[VB_GEMM_F32] * 1e-9);
		add_context("gpu_cublas_tf32_gflops", "%.0f", peak[VB_GEMM_TF32] * 1e-9);
		add_context("gpu_cublas_fp16_gflops", "%.0f", peak[VB_GEMM_F16] * 1e-9);
		add_context("gpu_cublas_bf16_gflops", "%.0f", peak[VB_GEMM_BF16] * 1e-9);
		add_context("gpu_roofline",
		            "roofline_pct of cuda variants: achieved FLOP/s over min(cuBLAS peak of the "
		            "variant's precision, intensity x measured copy bandwidth)");
		g.copy_bw = bw;
		memcpy(g.gemm_peak, peak, sizeof peak);
		add_context("cuda_calibration", "measured: copy bandwidth and cuBLAS GEMM rates");
	} catch (const cuda_error &e) {
		add_context("gpu_calibration_error", "%s", e.msg);
		add_context("cuda_calibration", "failed: %s", e.msg);
		note_failure("the GPU calibration");
	}
}
