/* Matrix chains: the dynamic programme on the textbook's chain, and the
 * probabilistic bound of reference/matchain.c: both orders pass it, and a
 * 1e-4 relative error or an intermediate rounded to bfloat16 exceed it. */
#include <math.h>
#include <string.h>

#include "check_variant.h"
#include "expect.h"
#include "matchain.h"

extern const vb_op matchain4_fwd, matchain6_fwd;

/* bfloat16 rounding (to nearest even) of x, in place. */
static void to_bf16(float *x, int64_t n) {
	for (int64_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &x[i], 4);
		u = (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000u;
		memcpy(&x[i], &u, 4);
	}
}

static int chain_n(const vb_call *c) {
	int n = 0;
	while (n < MATCHAIN_MAX && c->dim[n + 1] > 0)
		n++;
	return n;
}

static void scaled_output(const vb_call *c) {
	int n = chain_n(c);
	matchain_fwd_vec_optimal(c, n);
	float *Z = c->t[n];
	for (int64_t e = 0; e < c->dim[0] * c->dim[n]; e++)
		Z[e] *= 1.0001f;
}

/* Left to right, with the first intermediate stored as bfloat16. */
static void bf16_intermediate(const vb_call *c) {
	int n = chain_n(c);
	const int64_t *p = c->dim;
	float *T = vb_scratch(c, sizeof(float) * (size_t)(p[0] * p[2]));
	const float *A1 = c->t[0], *A2 = c->t[1];
	for (int64_t r = 0; r < p[0]; r++)
		for (int64_t j = 0; j < p[2]; j++) {
			float z = 0;
			for (int64_t q = 0; q < p[1]; q++)
				z += A1[r * p[1] + q] * A2[q * p[2] + j];
			T[r * p[2] + j] = z;
		}
	to_bf16(T, p[0] * p[2]);
	void *t[MATCHAIN_MAX + 1];
	int64_t dim[VB_MAX_DIMS] = {0};
	t[0] = T;
	dim[0] = p[0];
	for (int i = 2; i <= n; i++)
		t[i - 1] = c->t[i], dim[i - 1] = p[i];
	t[n - 1] = c->t[n];
	matchain_fwd_vec(&(vb_call){.dim = dim, .t = t, .ws = c->ws}, n - 1);
}

static void expect(const vb_op *op, vb_fn fn, const char *label, int should_pass, const int64_t *dim) {
	vb_check_result res;
	int rc = check_variant(op, (vb_variant){.name = label, .fn = fn, .dtype = VB_F32}, dim, 1, &res);
	EXPECT(rc == 0, "%s: vb_ref_init", label);
	if (rc) return;
	printf("%s %-18s %-14s: %s (err/bound %.3g)\n", res.pass == should_pass ? "ok  " : "FAIL", op->name, label,
	       res.pass ? "passed" : "caught", res.ratio);
	EXPECT(res.pass == should_pass, "%s %s", op->name, label);
}

int main(void) {
	/* Cormen et al., 15.2: 15125 scalar multiplications, ((A1 (A2 A3)) ((A4 A5) A6)) */
	int64_t p[] = {30, 35, 15, 5, 10, 20, 25};
	int split[MATCHAIN_MAX][MATCHAIN_MAX];
	EXPECT(matchain_order(6, p, split) == 15125, "textbook chain: %g", matchain_order(6, p, split));
	EXPECT(split[0][5] == 2 && split[0][2] == 0 && split[3][5] == 4, "textbook split");
	EXPECT(matchain_ltr_macs(6, p) == 30.0 * (35 * 15 + 15 * 5 + 5 * 10 + 10 * 20 + 20 * 25), "left to right");

	const int64_t d4[] = {301, 9, 257, 13, 199}, d6[] = {129, 7, 211, 9, 173, 11, 97};
	const vb_op *ops[] = {&matchain4_fwd, &matchain6_fwd};
	const int64_t *dims[] = {d4, d6};
	for (int i = 0; i < 2; i++) {
		for (int v = 0; v < VB_MAX_VARIANTS && ops[i]->variants[v].name; v++)
			if (ops[i]->variants[v].device == VB_CPU) /* the CPU's; tests/test_cuda.py has the GPU's */
				expect(ops[i], ops[i]->variants[v].fn, ops[i]->variants[v].name, 1, dims[i]);
		expect(ops[i], scaled_output, "times_1.0001", 0, dims[i]);
		expect(ops[i], bf16_intermediate, "bf16_intermediate", 0, dims[i]);
	}
	return expect_exit_status();
}
