/* The harness core: registry, dims, tensors, arena, checks, machine id, I/O.
 * Every part of the harness may use it; it uses none of them. */
#ifndef VB_HARNESS_H
#define VB_HARNESS_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "vb.h"

/* Exit codes of the CLI. */
enum { VB_EXIT_OK = 0, VB_EXIT_FAIL = 1, VB_EXIT_USAGE = 2 };

/* ---- util.c ---- */
/* One-line error "vecbench: ..." on stderr and exit(code). */
_Noreturn void vb_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set once vb_die has begun: a signal handler that would add its own line
 * (an MPI rank killed while exiting) stays quiet. */
extern volatile sig_atomic_t vb_error_said;
/* Writes len bytes to path through a temporary file and rename(2), so the
 * path holds the old content or the new, never half of it. 0 or -1 (errno). */
int vb_write_file_atomic(const char *path, const void *data, size_t len);
/* Reads a whole file (NUL-terminated), a regular file of at most max_bytes
 * or a pipe's first max_bytes + 1 bytes; NULL with errno on failure (EISDIR
 * for a directory, EFBIG with *len the file's size when it is larger). */
char *vb_read_file(const char *path, size_t max_bytes, size_t *len);
double vb_now(void);
uint64_t vb_hash_str(const char *s);
uint64_t vb_splitmix64(uint64_t *state);
/* 1.5K, 12.0M, 3.2G (binary prefixes); "-" for NAN. */
void vb_fmt_bytes(double b, char *buf, size_t len);

/* ---- machine.c ---- */
/* The CPU model from /proc/cpuinfo, or "unknown". */
void vb_cpu_model(char *buf, size_t len);
/* CPU model, core count, GPU, BLAS and compiler, as a file name:
 * [a-z0-9._-], at most 160 bytes. Baselines are filed under it. */
void vb_machine_id(char *buf, size_t len);

/* ---- registry.c ---- */
size_t vb_op_count(void);
const vb_op *vb_op_at(size_t i);
const vb_op *vb_op_find(const char *name);
int vb_op_ndims(const vb_op *op);
int vb_op_ntensors(const vb_op *op);
int vb_op_nvariants(const vb_op *op);
int vb_op_nsizes(const vb_op *op);
int vb_op_tensor_index(const vb_op *op, const char *name);
int vb_op_variant_index(const vb_op *op, const char *name);
/* Walk n descriptors from start (another build's registry) instead of this
 * executable's; NULL: back to this executable's. */
void vb_registry_use(const vb_op *const *start, size_t n);
/* Why a variant cannot run here, or NULL when it can. */
const char *vb_variant_unavailable(const vb_variant *v);
double vb_unit_roundoff(const vb_variant *v);    /* of the arithmetic */
double vb_storage_roundoff(const vb_variant *v); /* of the storage (or input) rounding */
double vb_dtype_roundoff(vb_dtype t);
const char *vb_dtype_name(vb_dtype t);
size_t vb_dtype_size(vb_dtype t);
/* op->bytes() (float32 traffic) scaled to the variant's storage type. */
double vb_variant_bytes(const vb_op *op, const vb_variant *v, const int64_t *dim);

/* ---- dims.c ---- */
typedef struct {
	int n;
	char name[VB_MAX_DIMS * 4][16]; /* every op's dims at once (check_all_dims.py) */
	int64_t value[VB_MAX_DIMS * 4];
} vb_dims_spec;
/* "m=256,d=784": names [a-z0-9_]+, values positive integers <= VB_DIM_MAX.
 * Returns 0, or -1 with a one-line reason in err. */
#define VB_DIM_MAX ((int64_t)1 << 31)
int vb_dims_parse(const char *s, vb_dims_spec *out, char *err, size_t errlen);
/* dim = base with the names spec gives replaced; names the op lacks are ignored. */
void vb_dims_apply(const vb_op *op, const vb_dims_spec *spec, const int64_t *base, int64_t *dim);
/* "m=256,d=784" (sep ',') or "m:256/d:784" (sep '/', Google Benchmark style). */
void vb_dims_format(const vb_op *op, const int64_t *dim, char sep, char *buf, size_t len);
/* Total bytes of the op's tensors at dim in dtype; -1 on overflow. */
double vb_dims_footprint(const vb_op *op, const int64_t *dim, vb_dtype t);

/* ---- tensor.c ---- */
/* A buffer with guard regions before and after (canaries), 64-byte aligned. */
typedef struct {
	void *data;
	size_t bytes;
	void *base;
} vb_buf;
int vb_buf_alloc(vb_buf *b, size_t bytes); /* 0, or -1 when out of memory */
void vb_buf_free(vb_buf *b);
/* 1 when both guard regions are intact. */
int vb_buf_guard_ok(const vb_buf *b);

/* One op's tensors at one size, all in one dtype. */
typedef struct {
	const vb_op *op;
	int64_t dim[VB_MAX_DIMS];
	vb_dtype dtype;
	int n;
	int64_t numel[VB_MAX_TENSORS];
	vb_buf buf[VB_MAX_TENSORS];
	void *ptr[VB_MAX_TENSORS];
} vb_tensors;
int vb_tensors_alloc(vb_tensors *ts, const vb_op *op, const int64_t *dim, vb_dtype t);
void vb_tensors_free(vb_tensors *ts);
/* The input sets of a check: random data in +-[0.1, 1); exact data (k/8,
 * k in +-[1, 8], a fraction density nonzero, so sums are exact in float32);
 * wide logits (rows offset by +-[100, 1000): overflow and underflow). */
typedef enum { VB_MODE_RANDOM = 0, VB_MODE_EXACT, VB_MODE_WIDE, VB_NMODES } vb_mode;
typedef struct {
	double scale; /* multiplies signed fills (random mode) */
	vb_mode mode;
	double density; /* exact mode: fraction of nonzero elements */
} vb_fill_opts;
const char *vb_mode_name(vb_mode m);
/* Whether op is checked in mode m at all. */
int vb_op_has_mode(const vb_op *op, vb_mode m);
/* Seeded inputs in float64: each value from (seed, op, tensor, chunk), so the
 * same at any thread count; a backward op's inputs that its forward op
 * produces are computed by the forward oracle. */
int vb_fill_inputs_opts(vb_tensors *ref, uint64_t seed, const vb_fill_opts *o);
/* Random mode, signed fills times scale. */
int vb_fill_inputs(vb_tensors *ref, uint64_t seed, double scale);
/* A backward op's forward inputs, filled as vb_fill_inputs_opts fills them. */
void vb_fill_fwd_inputs(vb_tensors *f, const vb_op *bwd, uint64_t seed, const vb_fill_opts *o);
/* The forward op's dims, by name, from the backward op's. */
int vb_fwd_dims(const vb_op *bwd, const vb_op *fwd, const int64_t *dim, int64_t *fdim);
/* Copies (converting) inputs, or everything, from src (float64) into dst. */
void vb_tensors_convert(vb_tensors *dst, const vb_tensors *src, int inputs_only);
/* Sets output tensors to NaN, so an unwritten element cannot pass. */
void vb_tensors_poison_outputs(vb_tensors *ts);
/* Index of a tensor whose guard was overwritten, or -1. */
int vb_tensors_guard_broken(const vb_tensors *ts);
double vb_load(const void *p, vb_dtype t, int64_t i);
void vb_store(void *p, vb_dtype t, int64_t i, double v);

/* ---- arena.c ---- */
typedef struct vb_arena vb_arena;
vb_arena *vb_arena_new(void);
void vb_arena_reset(vb_arena *a); /* keeps the memory for the next call */
/* Every scratch block handed out is first filled with NaN (all bits set), so
 * a kernel that reads scratch it did not write fails its check. */
void vb_arena_poison(vb_arena *a);
size_t vb_arena_peak(const vb_arena *a);
void vb_arena_free(vb_arena *a);

/* ---- check.c ---- */
typedef struct {
	int pass;
	const char *what; /* variant name, or "grad" */
	double ratio;     /* max |err| / bound */
	int tensor;       /* worst tensor */
	int64_t index;    /* worst element */
	double expected, actual;
	double bias;   /* |mean relative scale error| / what rounding explains; > 1 fails */
	char msg[256]; /* why it failed, for non-finite values, canaries, ... */
} vb_check_result;

/* The float64 reference for (op, dim, seed): inputs, oracle outputs, and
 * the per-element error scale. */
typedef struct {
	vb_tensors in;  /* inputs as filled (outputs poisoned) */
	vb_tensors out; /* after the oracle: expected outputs (and updated in/outs) */
	vb_tensors mag; /* error scale of every output element */
	uint64_t seed;
	double scale;
	vb_mode mode;
	double density; /* exact mode */
} vb_ref;
int vb_ref_init(vb_ref *r, const vb_op *op, const int64_t *dim, uint64_t seed, double scale);
/* The reference for one input set; exact mode takes the op's density. */
int vb_ref_init_mode(vb_ref *r, const vb_op *op, const int64_t *dim, uint64_t seed, double scale, vb_mode mode);
void vb_ref_free(vb_ref *r);
/* Runs variant vi on the reference inputs and compares every output element
 * with the oracle. */
void vb_check_variant(const vb_ref *r, int vi, vb_check_result *res);
/* The check of variant vi applied to outputs ts (in the variant's dtype):
 * per-element bound, bias test, non-finite values. */
void vb_check_outputs(const vb_ref *r, int vi, const vb_tensors *ts, vb_check_result *res);
/* Sensitivity self-test: the oracle's outputs, perturbed the ways a broken
 * kernel would (zeros, a dropped row or column, a duplicated row, a scale
 * of 1e-3, a transpose, one sign), must each be rejected by the check of
 * variant vi in at least one of the nrefs input sets. Returns the number of
 * perturbations no check rejected (named in msg); -1 when the check rejects
 * the oracle's own outputs. */
int vb_self_test(const vb_ref *refs, int nrefs, int vi, int *tried, char *msg, size_t len);
/* Central finite differences of the forward op against a backward op's
 * oracle, in float64. Returns 0 when the op has no forward op. */
int vb_check_grad(const vb_op *op, const int64_t *dim, uint64_t seed, vb_check_result *res);
void vb_check_repro(const vb_op *op, const int64_t *dim, uint64_t seed, const char *variant, char *buf, size_t len);

/* ---- the device bridge ----
 * Declared here because checking a variant runs it wherever it lives;
 * implemented by measure/cuda.cu (CUDA built) or measure/cuda_none.c, one of
 * which every program links as an object, as it links the kernels. */
/* NULL when CUDA variants can run, else the reason they cannot. */
const char *vb_cuda_unavailable(void);
/* The same for one CUDA variant: also NULL or why not (no cuBLAS for a
 * variant that needs it, the context lost after an earlier device fault). */
const char *vb_cuda_variant_unavailable(const vb_variant *v);
/* Runs a CUDA variant on host tensors: copies in, runs, copies back. */
int vb_cuda_call(const vb_variant *v, vb_tensors *host, vb_arena *ws, char *err, size_t errlen);

/* ---- peers.c: PyTorch and NumPy as variants, through one Python worker ---- */
/* Appends the peer variants the worker implements for op (registry). */
void vb_peers_extend(vb_op *op);
/* NULL when the peer (variant name "torch", "numpy") can run, else why not. */
const char *vb_peer_unavailable(const char *peer);
/* The running peer worker's process id, or 0: its CPU time is vecbench's own. */
int vb_peer_worker_pid(void);
/* Runs a peer variant once on host tensors: outputs (and in/out tensors) back. */
int vb_peer_call(const vb_variant *v, vb_tensors *ts, char *err, size_t errlen);
/* Before timing a case: its inputs to the worker, warm-up, and the best of 1
 * or 2 threads (*threads). */
int vb_peer_prepare(const vb_variant *v, vb_tensors *ts, int *threads, char *err, size_t errlen);
/* 1 once the worker died or misbehaved during this run. */
int vb_peer_died(void);
/* Times n calls of the prepared case in the worker: 0 with the mean seconds
 * per call and the worker's resident peak since the case was prepared (NAN
 * when unknown), or -1 with why in err. measure/peer_bench.c times with it. */
int vb_peer_time(const vb_variant *v, const vb_tensors *ts, int64_t n, double *per_call, double *peak_rss, char *err,
                 size_t errlen);
/* The interpreter and library versions, as (key, value) pairs given to add,
 * when a peer ran: peer_python, peer_torch_version, peer_numpy_version. */
void vb_peers_versions(void (*add)(const char *key, const char *value));

/* ---- tensor.c ---- */
/* One .npy file (format 1.0) in memory, rows x cols of dtype t; malloc'd. */
char *vb_npy_encode(const void *data, vb_dtype t, int64_t rows, int64_t cols, int64_t numel, size_t *len);

#endif
