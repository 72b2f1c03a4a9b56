/* libFuzzer target: the CLI's --dims parser (harness/core/dims.c). Any byte string
 * either parses into names [a-z0-9_]+ with values in [1, VB_DIM_MAX], no name
 * twice, or fails with a one-line reason; what parses prints back to a string
 * that parses to the same thing, and applies to an op as given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vb_mpi.h"

/* The registry's links to the peer worker and MPI, which this target leaves
 * out: no peers, one process. */
void vb_peers_extend(vb_op *op) { (void)op; }
const char *vb_peer_unavailable(const char *peer) {
	(void)peer;
	return "not in the fuzz target";
}
int vb_mpi_size(void) { return 1; }
const char *vb_mpi_unavailable(void) { return "not in the fuzz target"; }

enum { M, D, H };
static double zero(const int64_t *dim) { return (double)dim[0] * 0; }
static void nothing(const vb_call *c) { (void)c; }

/* registry.c walks the vb_ops section, so the fuzzer registers one op. */
static const vb_op fuzz_op = {
    .name = "fuzz_op",
    .family = "fuzz",
    .seed = "",
    .summary = "",
    .dims = {"m", "d", "h"},
    .sizes = {{3, 5, 7}},
    .tensors = {{"X", VB_IN, M, D, VB_FILL_SIGNED}, {"Z", VB_OUT, M, H, VB_FILL_SIGNED}},
    .flops = zero,
    .bytes = zero,
    .oracle = nothing,
    .variants = {VB_LOOP(nothing)},
};
VB_REGISTER_OP(fuzz_op);

static void check(int ok, const char *what, const char *input) {
	if (ok) return;
	fprintf(stderr, "fuzz_dims: %s, input '%s'\n", what, input);
	abort();
}

static int valid_name(const char *s) {
	if (!*s) return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0; /* the CLI sees C strings: an embedded NUL ends the argument */
	vb_dims_spec spec;
	char err[256];
	memset(err, 'x', sizeof err);
	if (vb_dims_parse(s, &spec, err, sizeof err) != 0) {
		check(memchr(err, 0, sizeof err) != NULL, "error message not terminated", s);
		check(err[0] != 0, "empty error message", s);
		free(s);
		return 0;
	}
	check(spec.n >= 1 && spec.n <= (int)(sizeof spec.value / sizeof spec.value[0]), "dim count", s);
	for (int i = 0; i < spec.n; i++) {
		check(valid_name(spec.name[i]), "dim name", s);
		check(spec.value[i] >= 1 && spec.value[i] <= VB_DIM_MAX, "dim value out of range", s);
		for (int j = 0; j < i; j++)
			check(strcmp(spec.name[i], spec.name[j]) != 0, "dim given twice", s);
	}
	/* Round trip: printed back, it parses to the same spec. */
	char again[sizeof spec.name * 2 + 32 * sizeof spec.value / sizeof spec.value[0]];
	size_t at = 0;
	for (int i = 0; i < spec.n; i++)
		at += (size_t)snprintf(again + at, sizeof again - at, "%s%s=%lld", i ? "," : "", spec.name[i],
		                       (long long)spec.value[i]);
	vb_dims_spec spec2;
	check(vb_dims_parse(again, &spec2, err, sizeof err) == 0, "round trip does not parse", s);
	check(spec2.n == spec.n, "round trip count", s);
	for (int i = 0; i < spec.n; i++)
		check(!strcmp(spec.name[i], spec2.name[i]) && spec.value[i] == spec2.value[i], "round trip value", s);
	/* Applied to an op: named dims take the given value, the others keep the base. */
	int64_t dim[VB_MAX_DIMS];
	vb_dims_apply(&fuzz_op, &spec, fuzz_op.sizes[0], dim);
	for (int k = 0; k < 3; k++) {
		int64_t want = fuzz_op.sizes[0][k];
		for (int i = 0; i < spec.n; i++)
			if (!strcmp(spec.name[i], fuzz_op.dims[k])) want = spec.value[i];
		check(dim[k] == want, "vb_dims_apply", s);
	}
	char text[256];
	vb_dims_format(&fuzz_op, dim, ',', text, sizeof text);
	check(vb_dims_parse(text, &spec2, err, sizeof err) == 0 && spec2.n == 3, "formatted dims do not parse", s);
	check(vb_dims_footprint(&fuzz_op, dim, VB_F64) > 0, "footprint", s);
	free(s);
	return 0;
}
