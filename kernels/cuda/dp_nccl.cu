/* dp_cuda_vec: the data-parallel step of kernels/cpu/dp.c on GPUs, one per
 * MPI rank (the bridge picks device local rank % devices, harness/cuda.cu),
 * summed by NCCL. Each rank computes its shard's gradient with the cuda_vec
 * kernels (vb_mlp_cuda_shard_grad, vb_nn2_cuda_shard_grad: the sum over the
 * shard divided by the whole batch's m) into one contiguous device buffer,
 * one ncclAllReduce (sum) adds the ranks' buffers on the devices, and every
 * rank applies the same update there: the MLP's SGD step W -= lr g, or nn2's
 * mean gradient itself. The communicator is made once per process: rank 0's
 * ncclGetUniqueId broadcast over MPI_COMM_WORLD (MPI_Bcast), then
 * ncclCommInitRank on every rank.
 *
 * libnccl is opened on first use (dlopen), like cuBLAS (cublas_lazy.cu): the
 * binary runs, and lists the variant unavailable with the loader's reason,
 * where NCCL is not installed. VB_NCCL_LIBRARY=/path/libnccl.so.2 in the
 * environment loads that file instead. The calls' prototypes come from
 * nccl.h where CMake found it (a system install, the nvidia-nccl-cu13 wheel,
 * VB_NCCL_ROOT), else from the declarations below, which the header checks
 * wherever it is found. */
#define OMPI_SKIP_MPICXX 1 /* MPI's C interface only (no C++ bindings) */
#define MPICH_SKIP_MPICXX 1
#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb_cuda.cuh"

extern "C" {
#include "bench_shim.h" /* vb_bm_add_context */
#include "dp.h"
#include "mlp.h"             /* MLP_LR */
int vb_mpi_local_size(void); /* harness/vb_mpi.h: the ranks on this host */
}

/* The part of NCCL 2's ABI vecbench calls (unchanged since NCCL 2.0). */
namespace vb_nccl_abi {
typedef struct ncclComm *ncclComm_t;
enum { NCCL_UNIQUE_ID_BYTES = 128 };
typedef struct {
	char internal[NCCL_UNIQUE_ID_BYTES];
} ncclUniqueId;
typedef enum { ncclSuccess = 0, ncclInProgress = 7 } ncclResult_t;
typedef enum { ncclSum = 0 } ncclRedOp_t;
typedef enum { ncclFloat32 = 7 } ncclDataType_t;
ncclResult_t ncclGetVersion(int *version);
ncclResult_t ncclGetUniqueId(ncclUniqueId *uniqueId);
ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank);
ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op,
                           ncclComm_t comm, cudaStream_t stream);
const char *ncclGetErrorString(ncclResult_t result);
ncclResult_t ncclCommDestroy(ncclComm_t comm);
} // namespace vb_nccl_abi

#ifdef VB_HAVE_NCCL_H
#include <nccl.h>
/* The declarations above against the real header. */
static_assert(sizeof(ncclUniqueId) == sizeof(vb_nccl_abi::ncclUniqueId), "ncclUniqueId");
static_assert((int)ncclSuccess == (int)vb_nccl_abi::ncclSuccess, "ncclSuccess");
static_assert((int)ncclInProgress == (int)vb_nccl_abi::ncclInProgress, "ncclInProgress");
static_assert((int)ncclSum == (int)vb_nccl_abi::ncclSum, "ncclSum");
static_assert((int)ncclFloat32 == (int)vb_nccl_abi::ncclFloat32, "ncclFloat32");
static_assert(sizeof(ncclResult_t) == sizeof(vb_nccl_abi::ncclResult_t), "ncclResult_t");
static_assert(sizeof(ncclDataType_t) == sizeof(vb_nccl_abi::ncclDataType_t), "ncclDataType_t");
static_assert(sizeof(ncclRedOp_t) == sizeof(vb_nccl_abi::ncclRedOp_t), "ncclRedOp_t");
#else
using namespace vb_nccl_abi;
#endif

#define VB_STR_(x) #x
#define VB_STR(x) VB_STR_(x)

namespace {

/* Only the types of the prototypes are used: the calls go through dlsym. */
struct nccl_api {
	decltype(&ncclGetVersion) GetVersion;
	decltype(&ncclGetUniqueId) GetUniqueId;
	decltype(&ncclCommInitRank) CommInitRank;
	decltype(&ncclAllReduce) AllReduce;
	decltype(&ncclGetErrorString) GetErrorString;
	decltype(&ncclCommDestroy) CommDestroy;
	int version;
};

char open_error[640];    /* why NCCL did not load; empty once it did */
const char *loaded_from; /* the file that did */

template <class F> bool symbol(void *lib, const char *name, F *f) {
	*f = (F)dlsym(lib, name);
	if (!*f) snprintf(open_error, sizeof open_error, "cannot load NCCL: %s lacks %s", "libnccl", name);
	return *f != nullptr;
}

nccl_api *open_nccl() {
	static nccl_api api;
	const char *override = getenv("VB_NCCL_LIBRARY");
	const char *names[] = {
	    override && *override ? override : nullptr,
#ifdef VB_NCCL_LIBRARY_PATH
	    VB_NCCL_LIBRARY_PATH, /* what CMake found: a system install or the pip wheel */
#endif
	    "libnccl.so.2",
	};
	size_t len = (size_t)snprintf(open_error, sizeof open_error,
	                              "cannot load NCCL (pip install nvidia-nccl-cu13, or VB_NCCL_LIBRARY=path):");
	void *lib = nullptr;
	for (const char *name : names) {
		if (!name) continue;
		lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
		if (lib) {
			loaded_from = name;
			break;
		}
		if (len < sizeof open_error)
			len += (size_t)snprintf(open_error + len, sizeof open_error - len, " %s;", dlerror());
		if (name == override) break; /* the one library to use: no fallback */
	}
	if (!lib) {
		len = strlen(open_error);
		if (open_error[len - 1] == ';') open_error[len - 1] = 0;
		return nullptr;
	}
	if (!symbol(lib, "ncclGetVersion", &api.GetVersion) || !symbol(lib, "ncclGetUniqueId", &api.GetUniqueId) ||
	    !symbol(lib, "ncclCommInitRank", &api.CommInitRank) || !symbol(lib, "ncclAllReduce", &api.AllReduce) ||
	    !symbol(lib, "ncclGetErrorString", &api.GetErrorString) ||
	    !symbol(lib, "ncclCommDestroy", &api.CommDestroy))
		return nullptr;
	if (api.GetVersion(&api.version) != ncclSuccess || api.version < 20000) {
		snprintf(open_error, sizeof open_error, "cannot use NCCL: version %d, vecbench needs 2.0 or later",
		         api.version);
		return nullptr;
	}
	open_error[0] = 0;
	return &api;
}

nccl_api *nccl() {
	static nccl_api *api = open_nccl(); /* once */
	return api;
}

#define VB_NCCL_CHECK(call)                                                                                            \
	do {                                                                                                           \
		ncclResult_t vb_nr_ = (call);                                                                          \
		if (vb_nr_ != ncclSuccess)                                                                             \
			vb_cuda_fail(__FILE__, __LINE__, #call, "NCCL error", nccl()->GetErrorString(vb_nr_));         \
	} while (0)

ncclComm_t g_comm;

void destroy_comm() {
	if (g_comm) (void)nccl()->CommDestroy(g_comm);
	g_comm = nullptr;
}

/* The communicator of MPI_COMM_WORLD's ranks, each on its current device:
 * made on the first call, which every rank makes at the same step. */
ncclComm_t communicator() {
	if (g_comm) return g_comm;
	int rank, world;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	ncclUniqueId id;
	memset(&id, 0, sizeof id);
	if (rank == 0) VB_NCCL_CHECK(nccl()->GetUniqueId(&id));
	MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
	VB_NCCL_CHECK(nccl()->CommInitRank(&g_comm, world, id, rank));
	atexit(destroy_comm);
	/* the results record which NCCL summed (version codes: 2.9 on major*10000 + minor*100 + patch) */
	int v = nccl()->version, major = v >= 20900 ? v / 10000 : v / 1000,
	    minor = v >= 20900 ? v / 100 % 100 : v / 100 % 10;
	char lib[600];
	snprintf(lib, sizeof lib, "NCCL %d.%d.%d (%s)", major, minor, v % 100, loaded_from);
	vb_bm_add_context("nccl_library", lib);
	return g_comm;
}

/* This rank's shard of m examples: rows [first, first + rows) (kernels/cpu/dp.c's split). */
void shard_of(int64_t m, int rank, int world, int64_t *first, int64_t *rows) {
	int64_t base = m / world, extra = m % world;
	*rows = base + (rank < extra);
	*first = rank * base + (rank < extra ? rank : extra);
}

__global__ void sgd_kernel(float *w, const float *g, int64_t count, float lr) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) w[t] -= lr * g[t];
}

/* After the shard's gradient is in G (total floats): the sum over the ranks
 * on every device, in place; the bytes all ranks move per step recorded by
 * the ring all-reduce's count, as dp_vec's. */
void all_reduce(const vb_call *c, float *G, int64_t total) {
	vb_cuda_mark_compute(c);
	int world;
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	VB_NCCL_CHECK(nccl()->AllReduce(G, G, (size_t)total, ncclFloat32, ncclSum, communicator(), 0));
	vb_dist_record(NAN, NAN, 2.0 * (world - 1) * (double)total * sizeof(float));
}

} // namespace

/* Why the variant cannot run here (after the device and cuBLAS), or NULL. */
extern "C" const char *vb_nccl_unavailable(void) {
	if (!nccl()) return open_error;
	int initialized = 0;
	MPI_Initialized(&initialized);
	if (!initialized) return "not launched by mpirun";
	int devices = 0;
	if (cudaGetDeviceCount(&devices) != cudaSuccess) devices = 0;
	int local = vb_mpi_local_size();
	static char why[200];
	if (local > devices) { /* the bridge found one, so devices >= 1 unless a fault is simulated */
		char most[64] = "";
		if (devices > 0)
			snprintf(most, sizeof most, " (at most %d rank%s per host)", devices, devices > 1 ? "s" : "");
		snprintf(why, sizeof why, "%d ranks on this host but %d CUDA device%s: NCCL needs a device per rank%s",
		         local, devices, devices == 1 ? "" : "s", most);
		return why;
	}
	return nullptr;
}

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1 };

VB_CUBLAS_VARIANT(mlp_dp_cuda_vec) {
	int rank, world;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	int64_t first, rows;
	shard_of(m, rank, world, &first, &rows);
	const int64_t n[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	int64_t total = 0;
	for (int l = 0; l < 6; l++)
		total += n[l];
	float *G = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)total), *g[6];
	for (int l = 0, off = 0; l < 6; off += (int)n[l], l++)
		g[l] = G + off;
	if (rows > 0) {
		int64_t dim[VB_MAX_DIMS] = {rows, d, h1, h2, k};
		void *t[T_W1 + 6] = {(float *)c->t[T_X] + first * d, (float *)c->t[T_Y] + first * k};
		for (int l = 0; l < 6; l++)
			t[T_W1 + l] = c->t[T_W1 + l];
		const vb_call shard = {dim, t, c->ws};
		vb_mlp_cuda_shard_grad(&shard, m, g);
	} else { /* more ranks than examples (`vecbench run` refuses it): nothing to add */
		VB_CUDA_CHECK(cudaMemsetAsync(G, 0, sizeof(float) * (size_t)total));
	}
	all_reduce(c, G, total);
	for (int l = 0; l < 6; l++) { /* the same SGD step on every rank: W -= lr dW for W1, b1, ..., b3 */
		sgd_kernel<<<vb_blocks(n[l]), VB_THREADS>>>((float *)c->t[T_W1 + l], g[l], n[l], (float)MLP_LR);
		VB_LAUNCH_CHECK();
	}
}

enum { NN2_M, NN2_N, NN2_H, NN2_K };
enum { NN2_X, NN2_Y, NN2_THETA1, NN2_THETA2, NN2_DTHETA1, NN2_DTHETA2 };

VB_CUBLAS_VARIANT(nn2_dp_cuda_vec) {
	int rank, world;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &world);
	int64_t m = c->dim[NN2_M], n = c->dim[NN2_N], h = c->dim[NN2_H], k = c->dim[NN2_K];
	int64_t first, rows;
	shard_of(m, rank, world, &first, &rows);
	int64_t total = h * n + k * h;
	float *G = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)total);
	if (rows > 0) {
		int64_t dim[VB_MAX_DIMS] = {rows, n, h, k};
		void *t[NN2_THETA2 + 1] = {(float *)c->t[NN2_X] + first * n, (float *)c->t[NN2_Y] + first * k,
		                           c->t[NN2_THETA1], c->t[NN2_THETA2]};
		const vb_call shard = {dim, t, c->ws};
		vb_nn2_cuda_shard_grad(&shard, m, G, G + h * n);
	} else {
		VB_CUDA_CHECK(cudaMemsetAsync(G, 0, sizeof(float) * (size_t)total));
	}
	all_reduce(c, G, total);
	/* the mean gradient on every rank */
	VB_CUDA_CHECK(cudaMemcpyAsync(c->t[NN2_DTHETA1], G, sizeof(float) * (size_t)(h * n), cudaMemcpyDeviceToDevice));
	VB_CUDA_CHECK(
	    cudaMemcpyAsync(c->t[NN2_DTHETA2], G + h * n, sizeof(float) * (size_t)(k * h), cudaMemcpyDeviceToDevice));
}
