/* The timing side of the peer variants: the worker (core/peers.c) times the
 * calls itself, and its mean time per call becomes Google Benchmark's manual
 * iteration time. */
#include <math.h>

#include "prof.h"

int vb_peer_bench(vb_bm_state *st, const vb_variant *v, const vb_tensors *ts, double *peak_rss, char *err,
                  size_t errlen) {
	int64_t n = vb_bm_max_iterations(st);
	if (n < 1) n = 1;
	double per;
	if (vb_peer_time(v, ts, n, &per, peak_rss, err, errlen) != 0) return -1;
	while (vb_bm_keep_running(st))
		vb_bm_set_iteration_time(st, per);
	return 0;
}

void vb_peers_context_register(void) { vb_peers_versions(vb_bm_add_context); }
