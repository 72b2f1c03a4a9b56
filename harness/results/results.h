/* The results part: `vecbench plot` and `vecbench report`, drawn from a
 * results JSON alone. Uses the core only. */
#ifndef VB_RESULTS_H
#define VB_RESULTS_H

#include <cjson/cJSON.h>

#include "calibration.h"
#include "cli.h"
#include "harness.h"
#include "record.h"

typedef struct {
	const char *op, *family, *variant, *dims, *device;
	double seconds; /* representative time per call: median aggregate, else mean of runs */
	double iterations;
	double flops, bytes; /* per call */
	double speedup;      /* over loop at the same dims, NAN without a loop */
	double vs_torch;     /* the torch variant's time at the same dims over this one's, NAN without it */
	double intensity, gflops, gbs, roof_gflops, roof_pct;
	double io_bytes, workspace_bytes, heap_growth_bytes, peak_rss_bytes, gpu_peak_bytes;
	double batch; /* the batch dim (m) when the op has one, else NAN */
	/* A sweep's point (run --sweep or the op's own sweep), else NULL, NAN;
	 * curve: the dims without the swept one, which the points of one curve share. */
	const char *sweep_dim;
	double sweep_value;
	char curve[128];
} vb_result;

typedef struct {
	cJSON *root;
	const cJSON *context;
	vb_result *r;
	int n;
	int have_cal;
	vb_calibration cal;
} vb_results;

/* Reads a results JSON; exits 2 with a one-line message when it is not one. */
void vb_results_load(vb_results *rs, const char *path);
void vb_results_free(vb_results *rs);
const char *vb_results_context(const vb_results *rs, const char *key);

int vb_cmd_plot(int argc, char **argv);
int vb_cmd_report(int argc, char **argv);
extern const char vb_usage_plot[], vb_usage_report[];

#endif
