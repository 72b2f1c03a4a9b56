/* mlp_train_step's vec_1t holds OpenBLAS and OpenMP to one thread inside the
 * call and restores both counts afterwards (the speedup breakdown times it
 * beside the threaded vec); and it still matches the oracle. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>

#include "harness.h"

int main(void) {
	const vb_op *op = vb_op_find("mlp_train_step");
	int vi = op ? vb_op_variant_index(op, "vec_1t") : -1;
	if (vi < 0) {
		fprintf(stderr, "FAIL: mlp_train_step/vec_1t is not registered\n");
		return 1;
	}
	/* Counts no default would give, and different: OpenBLAS's OpenMP build
	 * sets OpenMP's count with its own, so a wrong restore order shows. */
	openblas_set_num_threads(3);
	omp_set_num_threads(2);
	int64_t dim[VB_MAX_DIMS] = {17, 33, 9, 7, 5};
	vb_ref ref;
	if (vb_ref_init(&ref, op, dim, 1, 1.0) != 0) {
		fprintf(stderr, "FAIL: out of memory\n");
		return 1;
	}
	vb_check_result res;
	vb_check_variant(&ref, vi, &res);
	vb_ref_free(&ref);
	int blas = openblas_get_num_threads(), omp = omp_get_max_threads(), bad = 0;
	if (!res.pass) bad = fprintf(stderr, "FAIL: vec_1t against the oracle: %s\n", res.msg);
	if (blas != 3 || omp != 2)
		bad = fprintf(stderr, "FAIL: thread counts after vec_1t: OpenBLAS %d, OpenMP %d (expected 3, 2)\n",
		              blas, omp);
	if (bad) return 1;
	printf("ok: vec_1t matches the oracle (err/bound %.3g) and restored 3 OpenBLAS / 2 OpenMP threads\n",
	       res.ratio);
	return 0;
}
