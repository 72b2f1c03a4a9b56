/* Checking a selected case: the equivalence table's rows (`vecbench check`,
 * and `run` before it times), and the checker's sensitivity self-test. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vb_mpi.h"

/* The gradient check runs the forward oracle four times per sampled element:
 * above this many FLOP per forward call it runs at a reduced size, every dim
 * a different odd number so that swapping two dims cannot go unseen. */
#define GRAD_MAX_FLOPS 2e6
static const int64_t grad_reduced_dim[VB_MAX_DIMS] = {37, 29, 23, 31, 19, 41, 17, 43};

static void print_row(const vb_op *op, const int64_t *dim, const char *what, vb_mode mode, const char *status,
                      double ratio, const char *note) {
	char d[128], w[64];
	vb_dims_format(op, dim, ',', d, sizeof d);
	snprintf(w, sizeof w, "%s%s%s", what, mode == VB_MODE_RANDOM ? "" : ":",
	         mode == VB_MODE_RANDOM ? "" : vb_mode_name(mode));
	printf("%-22s %-28s %-12s %-5s %10.3g  %s\n", op->name, d, w, status, ratio, note);
}

void vb_check_header(void) {
	printf("%-22s %-28s %-12s %-5s %10s  %s\n", "op", "dims", "variant", "", "err/bound", "");
}

/* The odd twin of a default size: each dim moved up to an odd value, all
 * distinct, none a multiple of another, so every SIMD tail (8 and 16
 * lanes), thread chunk and batch remainder is reached, and swapped dims
 * show. A dim of 1 stays 1. */
static void odd_twin(const vb_op *op, const int64_t *dim, int64_t *twin) {
	int nd = vb_op_ndims(op);
	for (int i = 0; i < nd; i++) {
		int64_t v = dim[i] == 1 ? 1 : dim[i] + 1;
		for (;; v++) {
			if (v == 1) break;
			int ok = v % 2 == 1;
			for (int j = 0; j < i && ok; j++)
				if (twin[j] > 1 && (v == twin[j] || v % twin[j] == 0 || twin[j] % v == 0)) ok = 0;
			if (ok) break;
		}
		twin[i] = v;
	}
}

static void print_repro(const vb_op *op, const int64_t *dim, uint64_t seed, const vb_variant *var) {
	char repro[512];
	vb_check_repro(op, dim, seed, var ? var->name : NULL, repro, sizeof repro);
	if (var && var->distributed) /* the same ranks again */
		printf("    seed %llu; repro: mpirun -np %d %s\n", (unsigned long long)seed, vb_mpi_size(), repro);
	else
		printf("    seed %llu; repro: %s\n", (unsigned long long)seed, repro);
}

/* Every selected variant at one size in every input set the op takes. */
static int check_dims(const vb_select *s, const vb_op *op, const int64_t *dim, double *ratio, int *counts) {
	int ok = 1, runnable = 0;
	for (int v = 0; v < vb_op_nvariants(op) && !runnable; v++)
		runnable = vb_select_variant(s, &op->variants[v]) && !vb_variant_unavailable(&op->variants[v]);
	for (int m = 0; m < VB_NMODES; m++) {
		if (!vb_op_has_mode(op, (vb_mode)m)) continue;
		/* no oracle for a selection that cannot run here (GPU variants without a GPU) */
		vb_ref ref = {0};
		if (runnable && vb_ref_init_mode(&ref, op, dim, s->seed, s->scale, (vb_mode)m) != 0)
			vb_die(VB_EXIT_USAGE, "out of memory for %s", op->name);
		for (int v = 0; v < vb_op_nvariants(op); v++) {
			const vb_variant *var = &op->variants[v];
			if (!vb_select_variant(s, var)) continue;
			const char *why = vb_variant_unavailable(var);
			if (why) {
				if (m == VB_MODE_RANDOM) {
					print_row(op, dim, var->name, (vb_mode)m, "skip", NAN, why);
					counts[2]++;
				}
				continue;
			}
			vb_check_result r;
			vb_check_variant(&ref, v, &r);
			double x = r.pass ? fmax(r.ratio, r.bias) : INFINITY;
			if (isnan(ratio[v]) || x > ratio[v]) ratio[v] = x;
			print_row(op, dim, var->name, (vb_mode)m, r.pass ? "ok" : "FAIL", r.ratio, r.msg);
			if (!r.pass) {
				print_repro(op, dim, s->seed, var);
				ok = 0;
			}
			counts[r.pass ? 0 : 1]++;
		}
		if (runnable) vb_ref_free(&ref);
	}
	return ok;
}

int vb_check_case(const vb_select *s, const vb_case *c, double *ratio, int *counts) {
	const vb_op *op = c->op;
	for (int v = 0; v < vb_op_nvariants(op); v++)
		ratio[v] = NAN;
	int ok = check_dims(s, op, c->dim, ratio, counts);
	int64_t twin[VB_MAX_DIMS] = {0};
	odd_twin(op, c->dim, twin);
	if (!s->dims && memcmp(twin, c->dim, sizeof(int64_t) * (size_t)vb_op_ndims(op)) != 0)
		ok &= check_dims(s, op, twin, ratio, counts);
	if (op->fwd && !s->variants) {
		int64_t g[VB_MAX_DIMS];
		memcpy(g, twin, sizeof g);
		const vb_op *fwd = vb_op_find(op->fwd);
		if (fwd && fwd->flops && fwd->flops(g) > GRAD_MAX_FLOPS)
			for (int i = 0; i < vb_op_ndims(op); i++)
				if (g[i] > grad_reduced_dim[i]) g[i] = grad_reduced_dim[i];
		vb_check_result r;
		vb_check_grad(op, g, s->seed, &r);
		char note[320];
		snprintf(note, sizeof note, "finite differences of %s%s", op->fwd, r.msg[0] ? ": " : "");
		strncat(note, r.msg, sizeof note - strlen(note) - 1);
		print_row(op, g, "grad", VB_MODE_RANDOM, r.pass ? "ok" : "FAIL", r.ratio, note);
		if (!r.pass) {
			print_repro(op, g, s->seed, NULL);
			ok = 0;
		}
		counts[r.pass ? 0 : 1]++;
	}
	return ok;
}

/* The self-test of one size: every variant (also those that cannot run
 * here: it needs only the oracle) against its perturbed outputs. */
static int self_test_dims(const vb_select *s, const vb_op *op, const int64_t *dim, int *counts) {
	vb_ref refs[VB_NMODES];
	int nrefs = 0, ok = 1;
	for (int m = 0; m < VB_NMODES; m++) {
		if (!vb_op_has_mode(op, (vb_mode)m) || (m == VB_MODE_WIDE && op->wide == VB_WIDE_OVERFLOWS)) continue;
		if (vb_ref_init_mode(&refs[nrefs], op, dim, s->seed, s->scale, (vb_mode)m) != 0)
			vb_die(VB_EXIT_USAGE, "out of memory for %s", op->name);
		nrefs++;
	}
	/* Variants with the same storage and precision get the same check. */
	int done[VB_MAX_VARIANTS], missed_of[VB_MAX_VARIANTS], tried_of[VB_MAX_VARIANTS];
	char msg_of[VB_MAX_VARIANTS][256];
	for (int v = 0; v < vb_op_nvariants(op); v++) {
		const vb_variant *var = &op->variants[v];
		done[v] = 0;
		if (!vb_select_variant(s, var)) continue;
		char note[400], *msg = msg_of[v];
		int same = -1;
		for (int w = 0; w < v && same < 0; w++) {
			const vb_variant *o = &op->variants[w];
			if (done[w] && o->dtype == var->dtype && o->unit_roundoff == var->unit_roundoff &&
			    o->storage_roundings == var->storage_roundings &&
			    o->storage_roundoff == var->storage_roundoff)
				same = w;
		}
		if (same >= 0) {
			missed_of[v] = missed_of[same];
			tried_of[v] = tried_of[same];
			memcpy(msg, msg_of[same], sizeof msg_of[v]);
		} else {
			missed_of[v] = vb_self_test(refs, nrefs, v, &tried_of[v], msg, sizeof msg_of[v]);
		}
		done[v] = 1;
		int tried = tried_of[v], missed = missed_of[v];
		if (missed == 0)
			snprintf(note, sizeof note, "all %d perturbations rejected", tried);
		else if (missed > 0)
			snprintf(note, sizeof note, "%d of %d perturbations pass the check: %s", missed, tried, msg);
		else
			snprintf(note, sizeof note, "%s", msg);
		print_row(op, dim, var->name, VB_MODE_RANDOM, missed == 0 ? "ok" : "UNTRUSTED", (double)missed, note);
		counts[missed == 0 ? 0 : 1]++;
		if (missed != 0) ok = 0;
	}
	for (int j = 0; j < nrefs; j++)
		vb_ref_free(&refs[j]);
	return ok;
}

int vb_self_test_case(const vb_select *s, const vb_case *c, int *counts) {
	int ok = self_test_dims(s, c->op, c->dim, counts);
	int64_t twin[VB_MAX_DIMS] = {0};
	odd_twin(c->op, c->dim, twin);
	if (!s->dims && memcmp(twin, c->dim, sizeof(int64_t) * (size_t)vb_op_ndims(c->op)) != 0)
		ok &= self_test_dims(s, c->op, twin, counts);
	return ok;
}
