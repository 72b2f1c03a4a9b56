/* The 3-layer MLP on the GPU (reference/mlp.c and mlp_step.inc have the math:
 * X m*d -> h1 -> h2 -> k, ReLU hidden layers, softmax cross-entropy, biases
 * as rows, L the batch's mean loss, SGD step W -= MLP_LR dL/dW).
 *
 * cuda_loop: the textbook's loop, one launch per example: a block runs the
 * example's forward pass and (for bwd and the step) its backward pass in
 * phases separated by __syncthreads, accumulating the gradient example by
 * example; the step then updates every weight.
 * cuda_vec: the batch as a sequence of cuBLAS GEMMs and fused passes: bias +
 * ReLU after each hidden GEMM, softmax + cross-entropy gradient in one pass
 * over each row, the ReLU mask in one pass, and for the step the update
 * folded into the weight-gradient GEMM (W <- W - lr dZ^T A_prev: alpha =
 * -lr, beta = 1) and into the bias column sums, so no gradient is stored.
 * cuda_tf32 / cuda_fp16 / cuda_bf16 (the step): the same sequence with TF32
 * GEMMs, or with every tensor and activation in half / bfloat16 storage and
 * float32 accumulation. */
#include "vb_cuda.cuh"

extern "C" {
#include "mlp.h" /* MLP_LR */
}

enum { M, D, H1, H2, K };
enum { T_X, T_Y, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3, T_OUT };

/* ---- one example per launch (one block) ---- */

/* Sum or max over the block, returned in every thread; callable many times
 * in one kernel (it syncs before reusing its shared array). */
static __device__ float block_reduce(float v, bool is_max) {
	__shared__ float part[32];
	int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nwarps = blockDim.x / 32;
	__syncthreads();
	v = is_max ? vb_warp_max(v) : vb_warp_sum(v);
	if (lane == 0) part[warp] = v;
	__syncthreads();
	float r = part[0];
	for (int w = 1; w < nwarps; w++)
		r = is_max ? fmaxf(r, part[w]) : r + part[w];
	return r;
}

struct mlp_net { /* weights and sizes */
	const float *W1, *b1, *W2, *b2, *W3, *b3;
	int64_t d, h1, h2, k;
};

struct mlp_example { /* one example's activations and errors, device scratch */
	float *z1, *a1, *dz1, *z2, *a2, *dz2, *z3, *p, *dz3;
};

struct mlp_grad { /* accumulated gradient, or all NULL for the forward pass only */
	float *dW1, *db1, *dW2, *db2, *dW3, *db3;
};

/* z = W a_prev + b, a = relu(z), each thread a unit; the caller syncs. */
static __device__ void example_layer(const float *W, const float *b, const float *ap, int64_t in, int64_t out, float *z,
                                     float *a) {
	for (int64_t j = threadIdx.x; j < out; j += blockDim.x) {
		float s = b[j];
		for (int64_t q = 0; q < in; q++)
			s += W[j * in + q] * ap[q];
		z[j] = s;
		if (a) a[j] = s > 0 ? s : 0.0f;
	}
}

/* Layer backward for one example: db += dz, dW += dz ap^T, and (when dzp)
 * dzp = (W^T dz) (.) [zp > 0] for the layer below. */
static __device__ void example_layer_back(const float *W, const float *dz, const float *ap, int64_t in, int64_t out,
                                          float *dW, float *db, const float *zp, float *dzp) {
	for (int64_t t = threadIdx.x; t < out * in; t += blockDim.x)
		dW[t] += dz[t / in] * ap[t % in];
	for (int64_t j = threadIdx.x; j < out; j += blockDim.x)
		db[j] += dz[j];
	if (dzp)
		for (int64_t q = threadIdx.x; q < in; q += blockDim.x) {
			float s = 0;
			for (int64_t o = 0; o < out; o++)
				s += W[o * in + q] * dz[o];
			dzp[q] = zp[q] > 0 ? s : 0.0f;
		}
}

/* Example x (label y): its loss into *loss, and with g its gradient share
 * (dz3 = (p - y) / m) accumulated into g. */
static __global__ void mlp_example_kernel(mlp_net n, const float *x, const float *y, mlp_example e, float m, mlp_grad g,
                                          float *loss) {
	example_layer(n.W1, n.b1, x, n.d, n.h1, e.z1, e.a1);
	__syncthreads();
	example_layer(n.W2, n.b2, e.a1, n.h1, n.h2, e.z2, e.a2);
	__syncthreads();
	example_layer(n.W3, n.b3, e.a2, n.h2, n.k, e.z3, nullptr);
	__syncthreads();
	/* softmax shifted by the largest logit; each thread rescales its own p[o] */
	float zmax = e.z3[0];
	for (int64_t o = threadIdx.x; o < n.k; o += blockDim.x)
		zmax = fmaxf(zmax, e.z3[o]);
	zmax = block_reduce(zmax, true);
	float s = 0;
	for (int64_t o = threadIdx.x; o < n.k; o += blockDim.x) {
		e.p[o] = vb_expf(e.z3[o] - zmax);
		s += e.p[o];
	}
	float sum = block_reduce(s, false), lse = zmax + vb_logf(sum), l = 0;
	for (int64_t o = threadIdx.x; o < n.k; o += blockDim.x) {
		e.p[o] = e.p[o] / sum;
		l += y[o] * (lse - e.z3[o]);
		e.dz3[o] = (e.p[o] - y[o]) / m;
	}
	l = block_reduce(l, false); /* also syncs: dz3 is complete below */
	if (loss && threadIdx.x == 0) *loss = l;
	if (!g.dW1) return; /* the whole block leaves together */
	example_layer_back(n.W3, e.dz3, e.a2, n.h2, n.k, g.dW3, g.db3, e.z2, e.dz2);
	__syncthreads();
	example_layer_back(n.W2, e.dz2, e.a1, n.h1, n.h2, g.dW2, g.db2, e.z1, e.dz1);
	__syncthreads();
	example_layer_back(n.W1, e.dz1, x, n.d, n.h1, g.dW1, g.db1, nullptr, nullptr);
}

static __global__ void sgd_kernel(float *w, const float *g, int64_t count, float lr) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) w[t] -= lr * g[t];
}

/* Parameter sizes in tensor order W1, b1, W2, b2, W3, b3. */
static void param_sizes(const vb_call *c, int64_t n[6]) {
	int64_t d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	int64_t s[6] = {h1 * d, h1, h2 * h1, h2, k * h2, k};
	for (int l = 0; l < 6; l++)
		n[l] = s[l];
}

/* The loop over examples. loss (m entries) and/or g (zeroed here) may be
 * NULL. g is the gradient of loss_scale times the mean loss. */
static void loop_batch(const vb_call *c, float *loss, float *const g[6], float loss_scale = 1.0f) {
	int64_t m = c->dim[M], d = c->dim[D], h1 = c->dim[H1], h2 = c->dim[H2], k = c->dim[K];
	const float *X = (const float *)c->t[T_X], *Y = (const float *)c->t[T_Y];
	mlp_net n = {(const float *)c->t[T_W1],
	             (const float *)c->t[T_B1],
	             (const float *)c->t[T_W2],
	             (const float *)c->t[T_B2],
	             (const float *)c->t[T_W3],
	             (const float *)c->t[T_B3],
	             d,
	             h1,
	             h2,
	             k};
	int64_t len[9] = {h1, h1, h1, h2, h2, h2, k, k, k};
	float *buf[9];
	for (int b = 0; b < 9; b++)
		buf[b] = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)len[b]);
	mlp_example e = {buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7], buf[8]};
	mlp_grad gr = {};
	if (g) {
		int64_t ps[6];
		param_sizes(c, ps);
		for (int l = 0; l < 6; l++)
			VB_CUDA_CHECK(cudaMemsetAsync(g[l], 0, sizeof(float) * (size_t)ps[l]));
		gr = {g[0], g[1], g[2], g[3], g[4], g[5]};
	}
	for (int64_t i = 0; i < m; i++) { /* for each example */
		mlp_example_kernel<<<1, VB_THREADS>>>(n, X + i * d, Y + i * k, e, (float)m / loss_scale, gr,
		                                      loss ? loss + i : nullptr);
		VB_LAUNCH_CHECK();
	}
}

VB_CUDA_VARIANT(mlp_fwd_cuda_loop) {
	int64_t m = c->dim[M];
	float *loss = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)m);
	loop_batch(c, loss, nullptr);
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(loss, m, 1.0f, (float)m, (float *)c->t[T_OUT]);
	VB_LAUNCH_CHECK();
}

VB_CUDA_VARIANT(mlp_bwd_cuda_loop) {
	float *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = (float *)c->t[T_OUT + l];
	loop_batch(c, nullptr, g);
}

VB_CUDA_VARIANT(mlp_train_step_cuda_loop) {
	int64_t ps[6];
	param_sizes(c, ps);
	float *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)ps[l]);
	loop_batch(c, nullptr, g);
	for (int l = 0; l < 6; l++) { /* W -= lr dW for W1, b1, ..., b3 */
		sgd_kernel<<<vb_blocks(ps[l]), VB_THREADS>>>((float *)c->t[T_W1 + l], g[l], ps[l], (float)MLP_LR);
		VB_LAUNCH_CHECK();
	}
}

/* ---- the whole batch ---- */

/* Z = Z + b (b broadcast along the rows), then relu when asked. */
template <class T, bool relu> static __global__ void bias_act_kernel(T *Z, const T *b, int64_t rows, int64_t cols) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t >= rows * cols) return;
	float z = vb_f(Z[t]) + vb_f(b[t % cols]);
	Z[t] = vb_to<T>(relu && !(z > 0) ? 0.0f : z);
}

/* dA = dA (.) [A > 0]: relu's derivative from its output. */
template <class T> static __global__ void relu_mask_kernel(T *dA, const T *A, int64_t count) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count && !(vb_f(A[t]) > 0)) dA[t] = vb_to<T>(0.0f);
}

/* Softmax cross-entropy over rows of Z (a warp per row): the row's loss
 * into row_loss (when not NULL), or Z overwritten by dZ = (softmax(Z) - Y) / m
 * (fused: one read of Z and Y, one write). */
template <class T>
static __global__ void xent_rows(T *Z, const T *Y, int64_t rows, int64_t n, float m, float *row_loss) {
	int64_t r = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows) return; /* whole warps */
	T *z = Z + r * n;
	const T *y = Y + r * n;
	float zmax = vb_f(z[0]);
	for (int64_t o = lane; o < n; o += 32)
		zmax = fmaxf(zmax, vb_f(z[o]));
	zmax = vb_warp_max(zmax);
	float s = 0;
	for (int64_t o = lane; o < n; o += 32)
		s += vb_expf(vb_f(z[o]) - zmax);
	float sum = vb_warp_sum(s);
	if (row_loss) {
		float lse = zmax + vb_logf(sum), l = 0;
		for (int64_t o = lane; o < n; o += 32)
			l += vb_f(y[o]) * (lse - vb_f(z[o]));
		l = vb_warp_sum(l);
		if (lane == 0) row_loss[r] = l;
		return;
	}
	for (int64_t o = lane; o < n; o += 32)
		z[o] = vb_to<T>((vb_expf(vb_f(z[o]) - zmax) / sum - vb_f(y[o])) / m);
}

template <class T> struct batch_net {
	const T *X, *Y;
	T *W[3], *b[3]; /* written only by the step */
	int64_t m, d, h1, h2, k;
	float m_total;   /* the mean's divisor: m, or the whole batch's for a shard (data parallel) */
	T *A1, *A2, *Z3; /* scratch: activations and logits */
};

template <class T> static batch_net<T> batch_net_of(const vb_call *c) {
	batch_net<T> n;
	n.X = (const T *)c->t[T_X];
	n.Y = (const T *)c->t[T_Y];
	for (int l = 0; l < 3; l++) {
		n.W[l] = (T *)c->t[T_W1 + 2 * l];
		n.b[l] = (T *)c->t[T_B1 + 2 * l];
	}
	n.m = c->dim[M], n.d = c->dim[D], n.h1 = c->dim[H1], n.h2 = c->dim[H2], n.k = c->dim[K];
	n.m_total = (float)n.m;
	n.A1 = (T *)vb_cuda_scratch(c, sizeof(T) * (size_t)(n.m * n.h1));
	n.A2 = (T *)vb_cuda_scratch(c, sizeof(T) * (size_t)(n.m * n.h2));
	n.Z3 = (T *)vb_cuda_scratch(c, sizeof(T) * (size_t)(n.m * n.k));
	return n;
}

/* A = act(A_prev W^T + b): the GEMM writes A, one fused pass adds the bias
 * (and applies relu). */
template <class T, bool relu>
static void batch_layer(const vb_call *c, vb_gemm_prec p, const T *Ap, const T *W, const T *b, int64_t m, int64_t in,
                        int64_t out, T *A) {
	vb_gemm_rm(c, p, false, true, m, out, in, 1.0f, Ap, in, W, in, 0.0f, A, out);
	bias_act_kernel<T, relu><<<vb_blocks(m * out), VB_THREADS>>>(A, b, m, out);
	VB_LAUNCH_CHECK();
}

template <class T> static void batch_forward(const vb_call *c, vb_gemm_prec p, const batch_net<T> &n) {
	batch_layer<T, true>(c, p, n.X, n.W[0], n.b[0], n.m, n.d, n.h1, n.A1);
	batch_layer<T, true>(c, p, n.A1, n.W[1], n.b[1], n.m, n.h1, n.h2, n.A2);
	batch_layer<T, false>(c, p, n.A2, n.W[2], n.b[2], n.m, n.h2, n.k, n.Z3);
}

/* One layer's weights from dZ (m*out) and A_prev (m*in): into g (dW, db),
 * or, when g is NULL, the SGD step applied to W and b in place. */
template <class T>
static void batch_layer_weights(const vb_call *c, vb_gemm_prec p, const T *dZ, const T *Ap, int64_t m, int64_t in,
                                int64_t out, T *W, T *b, T *const *g) {
	if (g) {
		vb_gemm_rm(c, p, true, false, out, in, m, 1.0f, dZ, out, Ap, in, 0.0f, g[0], in);
		vb_col_sum(dZ, m, out, g[1]);
	} else {
		float lr = (float)MLP_LR;
		vb_gemm_rm(c, p, true, false, out, in, m, -lr, dZ, out, Ap, in, 1.0f, W, in);
		vb_col_sum_update(dZ, m, out, -lr, b);
	}
}

/* dZ_prev (m*in) = (dZ W) (.) [A_prev > 0], before W changes. */
template <class T>
static void batch_back_through(const vb_call *c, vb_gemm_prec p, const T *dZ, const T *W, const T *Ap, int64_t m,
                               int64_t in, int64_t out, T *dZp) {
	vb_gemm_rm(c, p, false, false, m, in, out, 1.0f, dZ, out, W, in, 0.0f, dZp, in);
	relu_mask_kernel<T><<<vb_blocks(m * in), VB_THREADS>>>(dZp, Ap, m * in);
	VB_LAUNCH_CHECK();
}

/* Backpropagation after batch_forward: the gradient into g (6 tensors), or
 * with g NULL the SGD step on the weights. */
template <class T>
static void batch_backward(const vb_call *c, vb_gemm_prec p, const batch_net<T> &n, T *const *g,
                           float loss_scale = 1.0f) {
	int64_t m = n.m;
	T *dZ3 = n.Z3; /* overwritten in place: dZ3 = (P - Y) / (m_total / loss_scale) */
	xent_rows<T><<<vb_blocks(m * 32), VB_THREADS>>>(dZ3, n.Y, m, n.k, n.m_total / loss_scale, nullptr);
	VB_LAUNCH_CHECK();
	T *dZ2 = (T *)vb_cuda_scratch(c, sizeof(T) * (size_t)(m * n.h2));
	T *dZ1 = (T *)vb_cuda_scratch(c, sizeof(T) * (size_t)(m * n.h1));
	batch_back_through(c, p, dZ3, n.W[2], n.A2, m, n.h2, n.k, dZ2);
	batch_layer_weights(c, p, dZ3, n.A2, m, n.h2, n.k, n.W[2], n.b[2], g ? g + 4 : nullptr);
	batch_back_through(c, p, dZ2, n.W[1], n.A1, m, n.h1, n.h2, dZ1);
	batch_layer_weights(c, p, dZ2, n.A1, m, n.h1, n.h2, n.W[1], n.b[1], g ? g + 2 : nullptr);
	batch_layer_weights(c, p, dZ1, n.X, m, n.d, n.h1, n.W[0], n.b[0], g);
}

VB_CUBLAS_VARIANT(mlp_fwd_cuda_vec) {
	batch_net<float> n = batch_net_of<float>(c);
	batch_forward(c, VB_GEMM_F32, n);
	float *row_loss = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)n.m);
	xent_rows<float><<<vb_blocks(n.m * 32), VB_THREADS>>>(n.Z3, n.Y, n.m, n.k, (float)n.m, row_loss);
	VB_LAUNCH_CHECK();
	vb_sum_finish_kernel<float><<<1, VB_THREADS>>>(row_loss, n.m, 1.0f, (float)n.m, (float *)c->t[T_OUT]);
	VB_LAUNCH_CHECK();
}

VB_CUBLAS_VARIANT(mlp_bwd_cuda_vec) {
	batch_net<float> n = batch_net_of<float>(c);
	batch_forward(c, VB_GEMM_F32, n);
	float *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = (float *)c->t[T_OUT + l];
	batch_backward(c, VB_GEMM_F32, n, g);
}

void vb_mlp_cuda_shard_grad(const vb_call *c, int64_t m_total, float *const g[6]) {
	batch_net<float> n = batch_net_of<float>(c);
	n.m_total = (float)m_total;
	batch_forward(c, VB_GEMM_F32, n);
	batch_backward(c, VB_GEMM_F32, n, g);
}

template <class T> static void train_step(const vb_call *c, vb_gemm_prec p) {
	batch_net<T> n = batch_net_of<T>(c);
	batch_forward(c, p, n);
	batch_backward<T>(c, p, n, nullptr);
}

VB_CUBLAS_VARIANT(mlp_train_step_cuda_vec) { train_step<float>(c, VB_GEMM_F32); }
VB_CUBLAS_VARIANT(mlp_train_step_cuda_tf32) { train_step<float>(c, VB_GEMM_TF32); }
VB_CUBLAS_VARIANT(mlp_train_step_cuda_fp16) { train_step<__half>(c, VB_GEMM_F16); }
VB_CUBLAS_VARIANT(mlp_train_step_cuda_bf16) { train_step<__nv_bfloat16>(c, VB_GEMM_BF16); }

/* ---- mlp_train_step_amp (reference/mlp.c): float32 master weights, a
 * float16 step on the loss scaled by S, the float16 gradients unscaled in
 * float32 and checked on the device: a non-finite one skips every update and
 * halves S, VB_LOSS_SCALE_GROWTH good steps double it. S is read to the host
 * once per step (the softmax gradient takes it as an argument).
 * cuda_vec: the float16 batch step above (cuBLAS in half, float32
 * accumulation) on float16 copies of the weights, X and Y, its weight
 * gradients stored in float16.
 * cuda_loop: the loop step above in float32 on float16 copies of the weights
 * and X, its gradient sums stored to float16 at the scale S, where an
 * overflow shows; unlike the oracle it cannot see an activation that
 * overflows float16 while the gradients stay finite (the check's inputs
 * overflow both or neither). ---- */
enum { T_SCALE = T_OUT, T_GOOD };

static __global__ void amp_to_half_kernel(const float *src, __half *dst, int64_t count) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) dst[t] = __float2half_rn(src[t]);
}

static __global__ void amp_round_kernel(const float *src, float *dst, int64_t count) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count) dst[t] = __half2float(__float2half_rn(src[t]));
}

/* *bad = 1 when any g / S is not finite. */
static __global__ void amp_check_kernel(const __half *g, int64_t count, const float *scale, int *bad) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count && !isfinite(__half2float(g[t]) / *scale)) *bad = 1;
}

/* w -= lr g / S, unless a gradient was not finite. */
static __global__ void amp_update_kernel(float *w, const __half *g, int64_t count, const float *scale, const int *bad,
                                         float lr) {
	int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
	if (t < count && !*bad) w[t] -= lr * (__half2float(g[t]) / *scale);
}

static __global__ void amp_scale_kernel(float *scale, float *good, const int *bad) {
	if (*bad) {
		*scale /= 2;
		*good = 0;
	} else if (++*good >= VB_LOSS_SCALE_GROWTH) {
		*scale *= 2;
		*good = 0;
	}
}

static __half *amp_half_copy(const vb_call *c, const void *src, int64_t count) {
	__half *h = (__half *)vb_cuda_scratch(c, sizeof(__half) * (size_t)count);
	amp_to_half_kernel<<<vb_blocks(count), VB_THREADS>>>((const float *)src, h, count);
	VB_LAUNCH_CHECK();
	return h;
}

static float amp_scale_on_host(const vb_call *c) {
	float S;
	VB_CUDA_CHECK(cudaMemcpy(&S, c->t[T_SCALE], sizeof S, cudaMemcpyDeviceToHost));
	return S;
}

/* The second half from the float16 gradients of S L: check, update, scale. */
static void amp_finish(const vb_call *c, __half *const g[6]) {
	int64_t n[6];
	param_sizes(c, n);
	float *scale = (float *)c->t[T_SCALE], *good = (float *)c->t[T_GOOD];
	int *bad = (int *)vb_cuda_scratch(c, sizeof(int));
	VB_CUDA_CHECK(cudaMemsetAsync(bad, 0, sizeof(int)));
	for (int l = 0; l < 6; l++) {
		amp_check_kernel<<<vb_blocks(n[l]), VB_THREADS>>>(g[l], n[l], scale, bad);
		VB_LAUNCH_CHECK();
	}
	for (int l = 0; l < 6; l++) {
		amp_update_kernel<<<vb_blocks(n[l]), VB_THREADS>>>((float *)c->t[T_W1 + l], g[l], n[l], scale, bad,
		                                                   (float)MLP_LR);
		VB_LAUNCH_CHECK();
	}
	amp_scale_kernel<<<1, 1>>>(scale, good, bad);
	VB_LAUNCH_CHECK();
}

VB_CUBLAS_VARIANT(mlp_train_step_amp_cuda_vec) {
	int64_t n[6];
	param_sizes(c, n);
	batch_net<__half> net;
	net.m = c->dim[M], net.d = c->dim[D], net.h1 = c->dim[H1], net.h2 = c->dim[H2], net.k = c->dim[K];
	net.m_total = (float)net.m;
	net.X = amp_half_copy(c, c->t[T_X], net.m * net.d);
	net.Y = amp_half_copy(c, c->t[T_Y], net.m * net.k);
	for (int l = 0; l < 3; l++) {
		net.W[l] = amp_half_copy(c, c->t[T_W1 + 2 * l], n[2 * l]);
		net.b[l] = amp_half_copy(c, c->t[T_B1 + 2 * l], n[2 * l + 1]);
	}
	net.A1 = (__half *)vb_cuda_scratch(c, sizeof(__half) * (size_t)(net.m * net.h1));
	net.A2 = (__half *)vb_cuda_scratch(c, sizeof(__half) * (size_t)(net.m * net.h2));
	net.Z3 = (__half *)vb_cuda_scratch(c, sizeof(__half) * (size_t)(net.m * net.k));
	float S = amp_scale_on_host(c);
	batch_forward(c, VB_GEMM_F16, net);
	__half *g[6];
	for (int l = 0; l < 6; l++)
		g[l] = (__half *)vb_cuda_scratch(c, sizeof(__half) * (size_t)n[l]);
	batch_backward<__half>(c, VB_GEMM_F16, net, g, S);
	amp_finish(c, g);
}

VB_CUDA_VARIANT(mlp_train_step_amp_cuda_loop) {
	int64_t n[6];
	param_sizes(c, n);
	void *t[T_GOOD + 1];
	for (int i = 0; i <= T_GOOD; i++)
		t[i] = c->t[i];
	const int rounded[] = {T_X, T_W1, T_B1, T_W2, T_B2, T_W3, T_B3};
	for (int i : rounded) { /* float16 copies, held in float for the loop kernel */
		int64_t count = i == T_X ? c->dim[M] * c->dim[D] : n[i - T_W1];
		float *r = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)count);
		amp_round_kernel<<<vb_blocks(count), VB_THREADS>>>((const float *)c->t[i], r, count);
		VB_LAUNCH_CHECK();
		t[i] = r;
	}
	const vb_call copies = {c->dim, t, c->ws};
	float *g[6];
	__half *g16[6];
	for (int l = 0; l < 6; l++)
		g[l] = (float *)vb_cuda_scratch(c, sizeof(float) * (size_t)n[l]);
	loop_batch(&copies, nullptr, g, amp_scale_on_host(c));
	for (int l = 0; l < 6; l++)
		g16[l] = amp_half_copy(c, g[l], n[l]);
	amp_finish(c, g16);
}
