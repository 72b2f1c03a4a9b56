/* mlp_train_step's vec_1t holds OpenBLAS and OpenMP to one thread inside the
 * call and restores both counts afterwards (the speedup breakdown times it
 * beside the threaded vec); and it still matches the oracle. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>

#include "expect.h"
#include "harness.h"

int main(void) {
	const vb_op *op = vb_op_find("mlp_train_step");
	int vi = op ? vb_op_variant_index(op, "vec_1t") : -1;
	if (!EXPECT(vi >= 0, "mlp_train_step/vec_1t is not registered")) return expect_exit_status();
	/* Counts no default would give, and different: OpenBLAS's OpenMP build
	 * sets OpenMP's count with its own, so a wrong restore order shows. */
	openblas_set_num_threads(3);
	omp_set_num_threads(2);
	int64_t dim[VB_MAX_DIMS] = {17, 33, 9, 7, 5};
	vb_ref ref;
	if (!EXPECT(vb_ref_init(&ref, op, dim, 1, 1.0) == 0, "out of memory")) return expect_exit_status();
	vb_check_result res;
	vb_check_variant(&ref, vi, &res);
	vb_ref_free(&ref);
	int blas = openblas_get_num_threads(), omp = omp_get_max_threads();
	EXPECT(res.pass, "vec_1t against the oracle: %s", res.msg);
	EXPECT(blas == 3 && omp == 2, "thread counts after vec_1t: OpenBLAS %d, OpenMP %d (expected 3, 2)", blas, omp);
	return expect_exit_status();
}
