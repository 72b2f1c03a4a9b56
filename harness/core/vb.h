/* vecbench: the op descriptor, the one variant signature, and the helpers
 * kernels may use. Everything an op family needs is declared here. */
#ifndef VB_H
#define VB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { VB_MAX_DIMS = 8, VB_MAX_TENSORS = 16, VB_MAX_VARIANTS = 24, VB_MAX_SIZES = 8, VB_MAX_SWEEP = 16 };

/* Storage type of a variant's tensors. The harness converts the seeded
 * float64 inputs to it and the outputs back, so every variant is checked
 * against the same oracle. */
typedef enum { VB_F32 = 0, VB_F64, VB_BF16, VB_F16 } vb_dtype;

/* Where a variant runs: host memory, CUDA device memory, or a peer library
 * (PyTorch, NumPy) in the peer worker process (harness/core/peers.c). */
typedef enum { VB_CPU = 0, VB_CUDA, VB_PEER } vb_device;

typedef enum { VB_IN = 0, VB_OUT, VB_INOUT } vb_dir;

/* How an input is filled: always mixed, never all-equal values. */
typedef enum {
	VB_FILL_SIGNED = 0, /* +-[0.1, 1), random sign */
	VB_FILL_POS,        /* [0.1, 1) */
	VB_FILL_PROB,       /* (0.02, 0.98): probabilities, sigmoid outputs */
	VB_FILL_ONEHOT_ROW, /* each row one-hot: labels, examples in rows */
	VB_FILL_LOGIT_BIG,  /* +-[100, 1000): logits that overflow exp */
	/* Exact zeros, else +-[0.1, 1); every row has a nonzero. The density of
	 * nonzeros is the op's dim "density_pm" (per mille) when it has one, else 10%. */
	VB_FILL_SPARSE,
	/* +-[0.1, 1) / sqrt(cols): weights as training starts (cols the fan-in),
	 * so activations stay O(1) over many steps. */
	VB_FILL_INIT,
	/* Dynamic loss-scale state of a mixed-precision step (1x1 each): the
	 * scale, 2^16 (torch.cuda.amp.GradScaler's initial scale), and the good
	 * steps since it last changed, VB_LOSS_SCALE_GROWTH - 1 (it doubles after
	 * the next good step). With the checker's wide inputs 2^40 and 0: a scale
	 * at which every gradient overflows float16, so the step must be skipped. */
	VB_FILL_LOSS_SCALE,
	VB_FILL_GOOD_STEPS,
} vb_fill;

/* Good steps after which a dynamic loss scale doubles (GradScaler's growth_interval). */
#define VB_LOSS_SCALE_GROWTH 2000

/* Tensor shape entries: a dim index, or one of these. */
#define VB_ONE (-1)

typedef struct {
	const char *name;
	vb_dir dir;
	int8_t rows, cols; /* dim index or VB_ONE; row-major storage */
	vb_fill fill;
} vb_tensor;

struct vb_arena;

/* The one signature every variant, oracle and magnitude function has.
 * dim[] follows the op's dim order, t[] its tensor order. Output tensors
 * arrive poisoned (NaN) and must be written completely. */
typedef struct {
	const int64_t *dim;
	void *const *t;
	struct vb_arena *ws;
} vb_call;

typedef void (*vb_fn)(const vb_call *c);

typedef struct {
	const char *name; /* loop, semi, vec, cuda_loop, cuda_vec, vec_bf16, ... */
	vb_fn fn;         /* NULL: not built in (weak symbol), shown as unavailable */
	vb_dtype dtype;
	vb_device device;
	/* Unit roundoff of the variant's arithmetic when it differs from its
	 * storage type (tf32 math on float32 storage, vector exp ulps); 0: from dtype. */
	double unit_roundoff;
	/* Mixed precision (low-precision storage, float32 arithmetic): how many
	 * storage roundings one output sees (2 inputs + 1 output for a product).
	 * The bound is then u_arith * depth + this * u_storage, times sum|terms|,
	 * instead of u_storage * depth: at long K the latter exceeds |z| itself
	 * and would pass any answer. 0: the bound from unit_roundoff alone. */
	int storage_roundings;
	/* Unit roundoff of that storage rounding when it is not the dtype's:
	 * TF32 inputs cut to a 10-bit fraction on float32 storage. 0: dtype. */
	double storage_roundoff;
	/* Exact inputs: how often an output is rounded to a storage type
	 * coarser than the arithmetic. cuBLAS rounds a half or bfloat16 product
	 * before the epilogue adds C (dense_fwd's broadcast bias), and a separate
	 * pass rounds again (dense_act_fwd): 2, seen on an H200. 0: once. */
	int output_roundings;
	/* Products summed in the storage precision before float32 takes over
	 * (AVX512_FP16's half FMAs, VB_FP16_CHUNK per lane): each adds a storage
	 * rounding to an output's bound, not to the bias test's floor (sums
	 * rounded to nearest are unbiased). 0: float32 sums throughout. */
	int storage_accum_terms;
	/* The smallest common scale of an output the bias test flags when it is
	 * above the test's own floor (float16 stores: mlp_train_step_amp). 0: none. */
	double bias_floor;
	/* Data-parallel: runs on every MPI rank in lockstep (harness/core/mpi.c):
	 * timed with an iteration count all ranks agree on, available only when
	 * launched by mpirun. */
	int distributed;
	/* An instruction set the variant needs beyond the build's ("avx512bf16",
	 * "avx512fp16"), checked on the running CPU: where it is missing the
	 * variant is listed unavailable and never called. NULL: none. */
	const char *cpu_feature;
	/* A library the variant opens at run time (BLIS, oneDNN): NULL when it
	 * loads here, else why not; the variant is then listed unavailable. */
	const char *(*library_unavailable)(void);
} vb_variant;

/* kernels/cpu/gemm.c: whether BLIS and oneDNN load (the rows of vec_blis, vec_dnnl). */
__attribute__((weak)) const char *vb_blis_unavailable(void);
__attribute__((weak)) const char *vb_dnnl_unavailable(void);

/* How an op takes the checker's extra input sets (vecbench check runs each
 * default size with random data, then with these where the op opts in). */
typedef enum {
	VB_WIDE_NONE = 0,
	VB_WIDE_STABLE,    /* logits in +-[100, 1000): every variant must stay finite and exact */
	VB_WIDE_OVERFLOWS, /* the textbook form that overflows there: a non-finite output is required */
} vb_wide;

typedef struct vb_op {
	const char *name;
	const char *family;
	const char *seed;    /* the seed section the op comes from */
	const char *summary; /* one line of math */
	const char *dims[VB_MAX_DIMS];
	/* The dim that counts examples, the plots' batch axis ("b" for an epoch
	 * of mini-batches); NULL: none (a matrix chain). */
	const char *batch;
	/* A training op's SGD learning rate, for the peers and the cross-check
	 * that redo the step; 0: no update. */
	double lr;
	int64_t sizes[VB_MAX_SIZES][VB_MAX_DIMS]; /* default sizes; zero row ends */
	/* A default sweep of one dim: every size above runs at each value (the
	 * size's own value of that dim is replaced), and the results record the
	 * point (sweep_dim, sweep_value) so the plots draw the curve. values[0]
	 * 0: none. A dim named "<x>_pm" is a fraction in per mille, recorded as
	 * <x> = value / 1000. */
	struct {
		int8_t dim;
		int64_t values[VB_MAX_SWEEP]; /* zero ends */
	} sweep;
	vb_tensor tensors[VB_MAX_TENSORS]; /* name NULL ends */
	double (*flops)(const int64_t *dim);
	double (*bytes)(const int64_t *dim); /* compulsory traffic of float32 storage */
	vb_fn oracle;                        /* float64 */
	/* Error scale per output element, float64: the bound is
	 * u * mag. NULL: depth(dim) * oracle(|inputs|), right for sums of
	 * products where mag = K * sum|terms|. */
	vb_fn mag;
	double (*depth)(const int64_t *dim);
	const char *fwd; /* forward op a backward op differentiates, or NULL */
	/* Exact mode (benchdnn's method): inputs k/8, k in +-[1, 8], so every
	 * product and partial sum of the op is exact in float32 and only the
	 * final roundings remain. exact_density(dim): fraction of nonzero input
	 * elements that keeps every partial sum below 2^24 grid steps (NULL: the
	 * op has no exact mode); exact_roundings: roundings after the exact sums
	 * (a 1/m scale: 2, its reciprocal and the product). */
	double (*exact_density)(const int64_t *dim);
	int exact_roundings;
	vb_wide wide; /* also checked on logits of wide range */
	vb_variant variants[VB_MAX_VARIANTS];
} vb_op;

/* Registration: the descriptor itself is the registry row. It lands in a
 * linker section the harness walks, so no harness file lists ops. */
#define VB_REGISTER_OP(op) __attribute__((used, section("vb_ops"))) const vb_op *const vb_op_ptr_##op = &(op)

/* Exact mode density for ops whose every sum is of products of two inputs
 * (grid 2^-6) over at most 2^15 terms: all dense, partial sums below 2^21. */
static inline double vb_exact_dense(const int64_t *dim) {
	(void)dim;
	return 1.0;
}

/* Variant rows for ops outside the families (tests' own ops). */
#define VB_LOOP(f) VB_ROW_F32("loop", f)
#define VB_VEC(f) VB_ROW_F32("vec", f)

/* The precision kinds' fields. CPU mixed precision: bfloat16 storage,
 * float32 arithmetic (also with AVX512_BF16's exact bf16 products). */
#define VB_BF16_FIELDS .dtype = VB_BF16, .unit_roundoff = 0x1p-24, .storage_roundings = 3
/* float16 storage and float16 FMAs (AVX512_FP16), each lane's sum widened
 * to float32 every VB_FP16_CHUNK products (kernels/cpu/dense_fp16ph.c): the
 * chunk's roundings join the two input and one output roundings. */
#define VB_FP16_CHUNK 8
#define VB_FP16PH_FIELDS                                                                                               \
	.dtype = VB_F16, .unit_roundoff = 0x1p-24, .storage_roundings = 3, .storage_accum_terms = VB_FP16_CHUNK,       \
	.cpu_feature = "avx512fp16"
/* GPU precision variants, each as mixed precision: float32 accumulation,
 * the low-precision roundings counted once (a bound of u_low * K * sum|terms|
 * would accept an all-zero output from K ~ 1/u_low). TF32 keeps float32
 * storage but multiplies inputs cut to a 10-bit fraction: 2^-10 holds whether
 * the cut rounds (2^-11) or truncates, which cuBLAS does not specify. */
#define VB_CUDA_TF32_FIELDS                                                                                            \
	.dtype = VB_F32, .device = VB_CUDA, .unit_roundoff = 0x1p-24, .storage_roundings = 2,                          \
	.storage_roundoff = 0x1p-10
/* Half storage, float32 accumulation (cuBLAS with reduced-precision
 * reductions disallowed): two input roundings and one of the output. */
#define VB_CUDA_FP16_FIELDS                                                                                            \
	.dtype = VB_F16, .device = VB_CUDA, .unit_roundoff = 0x1p-24, .storage_roundings = 3, .output_roundings = 2
#define VB_CUDA_BF16_FIELDS                                                                                            \
	.dtype = VB_BF16, .device = VB_CUDA, .unit_roundoff = 0x1p-24, .storage_roundings = 3, .output_roundings = 2

/* GPU variants live in kernels/cuda and are linked only when CUDA is built;
 * a weak declaration leaves the pointer NULL otherwise. */
#define VB_WEAK_KERNEL(f) __attribute__((weak)) void f(const vb_call *c)

/* One variant list per op, in its family's kernels/<family>.h, generates the
 * kernels' declarations and the descriptor's rows:
 *
 *   #define RELU_FWD_VARIANTS(V) V(relu_fwd, loop, REF) V(relu_fwd, vec, CPU) V(relu_fwd, cuda_vec, CUDA)
 *   VB_DECLARE_VARIANTS(RELU_FWD_VARIANTS)          (the header: every kernel declared)
 *   .variants = {RELU_FWD_VARIANTS(VB_VARIANT_ROW)} (the descriptor)
 *
 * V(prefix, name, KIND) is the function prefix##_##name, listed as "name".
 * KIND says where it lives and what the row records:
 *   REF        the descriptor's own file (a textbook loop): declared there
 *   CPU        kernels/cpu, float32
 *   BLIS, DNNL kernels/cpu on an optional library: weak, NULL without it at build
 *              time, listed unavailable where it does not load at run time
 *   F64, BF16  kernels/cpu, float64 storage; bfloat16 storage with float32 math
 *   BF16DP     bfloat16 storage, AVX512_BF16 dot products, checked on the running CPU
 *   FP16PH     float16 storage, AVX512_FP16 FMAs in chunks, checked on the running CPU
 *   CUDA, CUDA_TF32, CUDA_FP16, CUDA_BF16   kernels/cuda: weak, NULL without CUDA
 *   DP         data-parallel over MPI ranks (kernels/cpu/dp.c): weak, NULL without MPI
 *   DP_CUDA    data-parallel on a GPU per rank (kernels/cuda/dp_nccl.cu): weak */
#define VB_DECLARE_VARIANTS(list) list(VB_VARIANT_DECL)
#define VB_VARIANT_DECL(prefix, name, kind) VB_DECL_##kind(prefix##_##name)
#define VB_VARIANT_ROW(prefix, name, kind) VB_ROW_##kind(#name, prefix##_##name),

/* clang-format off */
/* The four every op has: textbook loop, vectorized, and their CUDA forms. */
#define VB_STD_VARIANTS(V, op)                                                                                         \
	V(op, loop, REF)                                                                                               \
	V(op, vec, CPU)                                                                                                \
	V(op, cuda_loop, CUDA)                                                                                         \
	V(op, cuda_vec, CUDA)

/* vec on each GEMM backend (kernels/gemm.h): OpenBLAS always, BLIS and oneDNN where built. */
#define VB_GEMM_BACKEND_VARIANTS(V, op)                                                                                \
	V(op, vec_openblas, CPU)                                                                                       \
	V(op, vec_blis, BLIS)                                                                                          \
	V(op, vec_dnnl, DNNL)
/* The GPU's precisions (tf32 math; fp16 and bf16 storage), float32 accumulation. */
#define VB_CUDA_PRECISION_VARIANTS(V, op)                                                                              \
	V(op, cuda_tf32, CUDA_TF32)                                                                                    \
	V(op, cuda_fp16, CUDA_FP16)                                                                                    \
	V(op, cuda_bf16, CUDA_BF16)
/* With semi, the seed's half-vectorized form (one loop over examples, each a vector expression). */
#define VB_SEMI_VARIANTS(V, op)                                                                                        \
	V(op, loop, REF)                                                                                               \
	V(op, semi, REF)                                                                                               \
	V(op, vec, CPU)                                                                                                \
	V(op, cuda_loop, CUDA)                                                                                         \
	V(op, cuda_vec, CUDA)
/* clang-format on */

#define VB_DECL_REF(f)
#define VB_DECL_CPU(f) void f(const vb_call *c);
#define VB_DECL_WEAK(f) VB_WEAK_KERNEL(f);
#define VB_DECL_BLIS VB_DECL_WEAK
#define VB_DECL_DNNL VB_DECL_WEAK
#define VB_DECL_F64 VB_DECL_CPU
#define VB_DECL_BF16 VB_DECL_CPU
#define VB_DECL_BF16DP VB_DECL_CPU
#define VB_DECL_FP16PH VB_DECL_CPU
#define VB_DECL_CUDA VB_DECL_WEAK
#define VB_DECL_CUDA_TF32 VB_DECL_WEAK
#define VB_DECL_CUDA_FP16 VB_DECL_WEAK
#define VB_DECL_CUDA_BF16 VB_DECL_WEAK
#define VB_DECL_DP VB_DECL_WEAK
#define VB_DECL_DP_CUDA VB_DECL_WEAK

#define VB_ROW_F32(n, f)                                                                                               \
	{ .name = (n), .fn = (f), .dtype = VB_F32 }
#define VB_ROW_REF VB_ROW_F32
#define VB_ROW_CPU VB_ROW_F32
#define VB_ROW_BLIS(n, f)                                                                                              \
	{ .name = (n), .fn = (f), .dtype = VB_F32, .library_unavailable = vb_blis_unavailable }
#define VB_ROW_DNNL(n, f)                                                                                              \
	{ .name = (n), .fn = (f), .dtype = VB_F32, .library_unavailable = vb_dnnl_unavailable }
#define VB_ROW_F64(n, f)                                                                                               \
	{ .name = (n), .fn = (f), .dtype = VB_F64 }
#define VB_ROW_BF16(n, f)                                                                                              \
	{ .name = (n), .fn = (f), VB_BF16_FIELDS }
#define VB_ROW_BF16DP(n, f)                                                                                            \
	{ .name = (n), .fn = (f), VB_BF16_FIELDS, .cpu_feature = "avx512bf16" }
#define VB_ROW_FP16PH(n, f)                                                                                            \
	{ .name = (n), .fn = (f), VB_FP16PH_FIELDS }
#define VB_ROW_CUDA(n, f)                                                                                              \
	{ .name = (n), .fn = (f), .dtype = VB_F32, .device = VB_CUDA }
#define VB_ROW_CUDA_TF32(n, f)                                                                                         \
	{ .name = (n), .fn = (f), VB_CUDA_TF32_FIELDS }
#define VB_ROW_CUDA_FP16(n, f)                                                                                         \
	{ .name = (n), .fn = (f), VB_CUDA_FP16_FIELDS }
#define VB_ROW_CUDA_BF16(n, f)                                                                                         \
	{ .name = (n), .fn = (f), VB_CUDA_BF16_FIELDS }
#define VB_ROW_DP(n, f)                                                                                                \
	{ .name = (n), .fn = (f), .dtype = VB_F32, .distributed = 1 }
/* The tensors on the devices (the CUDA bridge), the bound of cuda_vec's. */
#define VB_ROW_DP_CUDA(n, f)                                                                                           \
	{ .name = (n), .fn = (f), .dtype = VB_F32, .device = VB_CUDA, .distributed = 1 }

/* Scratch memory for kernels: tracked (peak workspace per variant) and
 * reused across timed iterations, so allocation stays off the hot path. */
void *vb_scratch(const vb_call *c, size_t bytes);

/* Distributed variants report each call's split: seconds computing, seconds
 * of the rest (communication, waiting for peers, reduction, update), and the
 * bytes all ranks together move per step by the algorithm's count
 * (harness/core/mpi.c turns them into counters). */
void vb_dist_record(double compute_s, double comm_s, double bytes);

/* A kernel that calls other kernels in a loop (an epoch of steps) releases
 * their scratch after each: every step then reuses the same blocks, and the
 * peak workspace is one step's. */
typedef struct {
	int blocks;
	size_t live;
} vb_scratch_mark;
vb_scratch_mark vb_scratch_save(const vb_call *c);
void vb_scratch_release(const vb_call *c, vb_scratch_mark m);

/* Checked allocation; dies with file:line on failure. */
void *vb_xmalloc_at(size_t bytes, const char *file, int line);
#define VB_XMALLOC(bytes) vb_xmalloc_at((bytes), __FILE__, __LINE__)

/* Dims and tensors by name, for ops that read better that way. */
static inline int64_t vb_numel(const vb_op *op, int ti, const int64_t *dim) {
	const vb_tensor *t = &op->tensors[ti];
	int64_t r = t->rows == VB_ONE ? 1 : dim[t->rows];
	int64_t c = t->cols == VB_ONE ? 1 : dim[t->cols];
	return r * c;
}

#ifdef __cplusplus
}
#endif
#endif
