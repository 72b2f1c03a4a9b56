/* The machine's limits (measured by measure/roofline.c, or read back from a
 * results JSON's context) and the roofline model over them. */
#ifndef VB_CALIBRATION_H
#define VB_CALIBRATION_H

#include <cjson/cJSON.h>

typedef struct {
	double sgemm_gflops; /* a large OpenBLAS sgemm: the compute roof */
	double fma_gflops;   /* a pure FMA loop: the theoretical check */
	double triad_gbs;    /* STREAM triad, all threads: the memory roof */
	double copy_gbs;     /* STREAM copy, all threads */
	/* The cache-aware roofline: triad bandwidth (all threads) with each
	 * thread's arrays at half of its share of the level, and the level's
	 * capacity over the threads (private levels add up across cores).
	 * NAN when the level is absent; DRAM is triad_gbs. */
	double l1_gbs, l2_gbs, l3_gbs;
	double l1_bytes, l2_bytes, l3_bytes;
	int threads;
	int sgemm_n;
	char fma_isa[16]; /* avx512, avx2, scalar */
	char cpu_model[128];
	char date[32];
	char source[1024]; /* measured or cached, and where */
	double seconds;    /* time the measurement took */
} vb_calibration;

/* 1 when every measured figure is positive and finite. */
int vb_calibration_figures_ok(const vb_calibration *cal);
/* The figures as JSON fields named prefix + name (the cache uses "", a
 * result's context "roofline_"): one list, so the two cannot drift apart. */
void vb_calibration_put(cJSON *o, const char *prefix, const vb_calibration *cal);
void vb_calibration_get(vb_calibration *cal, const cJSON *o, const char *prefix);
/* Calibration figures out of a results JSON's context: 0, or -1 when absent. */
int vb_calibration_from_context(vb_calibration *cal, const cJSON *context);
/* The ceiling at an arithmetic intensity (FLOP/byte), in FLOP/s:
 * min(peak sgemm, intensity x triad bandwidth). */
double vb_roofline_ceiling(const vb_calibration *cal, double intensity);
/* Achieved rate as a percent of the ceiling at its intensity; a kernel that
 * does no FLOPs is measured against the bandwidth alone. NAN without figures. */
double vb_roofline_pct(const vb_calibration *cal, double flops, double bytes, double seconds);
/* The bandwidth roof (bytes/s) of the smallest level a working set (inputs,
 * outputs and workspace, bytes) fits in: L1, L2, L3, else DRAM (STREAM triad).
 * Never below a slower level's roof. level gets "L1".."L3" or "DRAM". */
double vb_roofline_bandwidth(const vb_calibration *cal, double working_set, const char **level);
/* The ceiling and %roof against that level's roof: data that fit in cache are
 * measured against the cache's bandwidth, so %roof means the same at every size. */
double vb_roofline_ceiling_ws(const vb_calibration *cal, double intensity, double working_set);
double vb_roofline_pct_ws(const vb_calibration *cal, double flops, double bytes, double seconds, double working_set);

#endif
