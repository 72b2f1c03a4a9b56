/* The roofline model: the machine's limits (measured by measure/roofline.c,
 * or read back from a results JSON's context) and the ceiling and percent of
 * roof a rate reaches under them. Plain arithmetic on the figures, so the
 * measuring part, the summary and the plots share one definition. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "calibration.h"
#include "record.h"

int vb_calibration_figures_ok(const vb_calibration *c) {
	return c->sgemm_gflops > 0 && c->triad_gbs > 0 && c->copy_gbs > 0 && c->fma_gflops > 0 &&
	       isfinite(c->sgemm_gflops + c->triad_gbs + c->copy_gbs + c->fma_gflops);
}

/* The figures as the cache names them; a result's context puts "roofline_"
 * in front. One list, so the two cannot drift apart. */
#define FIELD(name, kind)                                                                                              \
	{ #name, offsetof(vb_calibration, name), sizeof(((vb_calibration *)0)->name), kind }
static const struct {
	const char *key;
	size_t offset, size;
	char kind; /* d double, i int, s string */
} FIELDS[] = {FIELD(sgemm_gflops, 'd'), FIELD(sgemm_n, 'i'),  FIELD(fma_gflops, 'd'), FIELD(fma_isa, 's'),
              FIELD(triad_gbs, 'd'),    FIELD(copy_gbs, 'd'), FIELD(threads, 'i'),    FIELD(l1_gbs, 'd'),
              FIELD(l2_gbs, 'd'),       FIELD(l3_gbs, 'd'),   FIELD(l1_bytes, 'd'),   FIELD(l2_bytes, 'd'),
              FIELD(l3_bytes, 'd')};

void vb_calibration_put(cJSON *o, const char *prefix, const vb_calibration *cal) {
	char key[64];
	for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++) {
		const char *at = (const char *)cal + FIELDS[i].offset;
		snprintf(key, sizeof key, "%s%s", prefix, FIELDS[i].key);
		if (FIELDS[i].kind == 's')
			vb_json_set_str(o, key, at);
		else
			vb_json_set_num(o, key, FIELDS[i].kind == 'i' ? *(const int *)at : *(const double *)at);
	}
}

void vb_calibration_get(vb_calibration *cal, const cJSON *o, const char *prefix) {
	char key[64];
	for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++) {
		char *at = (char *)cal + FIELDS[i].offset;
		snprintf(key, sizeof key, "%s%s", prefix, FIELDS[i].key);
		if (FIELDS[i].kind == 's')
			snprintf(at, FIELDS[i].size, "%s", vb_json_str(o, key, ""));
		else if (FIELDS[i].kind == 'i')
			*(int *)at = fabs(vb_json_num(o, key)) < 1e9 ? (int)vb_json_num(o, key) : 0; /* absent: NAN */
		else
			*(double *)at = vb_json_num(o, key);
	}
}

int vb_calibration_from_context(vb_calibration *cal, const cJSON *ctx) {
	memset(cal, 0, sizeof *cal);
	vb_calibration_get(cal, ctx, "roofline_");
	snprintf(cal->source, sizeof cal->source, "%s", vb_json_str(ctx, "roofline_calibration", ""));
	/* The FMA check and copy bandwidth are informative; the roofline needs sgemm and triad. */
	return cal->sgemm_gflops > 0 && cal->triad_gbs > 0 ? 0 : -1;
}

/* ---- the roofline ---- */

double vb_roofline_ceiling(const vb_calibration *cal, double intensity) {
	return fmin(cal->sgemm_gflops * 1e9, intensity * cal->triad_gbs * 1e9);
}

double vb_roofline_pct(const vb_calibration *cal, double flops, double bytes, double seconds) {
	if (!(seconds > 0) || !vb_calibration_figures_ok(cal)) return NAN;
	if (flops > 0) {
		double intensity = bytes > 0 ? flops / bytes : INFINITY;
		return 100 * (flops / seconds) / vb_roofline_ceiling(cal, intensity);
	}
	return bytes > 0 ? 100 * (bytes / seconds) / (cal->triad_gbs * 1e9) : NAN;
}

double vb_roofline_bandwidth(const vb_calibration *cal, double working_set, const char **level) {
	static const char *const NAMES[] = {"L1", "L2", "L3"};
	const double gbs[] = {cal->l1_gbs, cal->l2_gbs, cal->l3_gbs},
	             cap[] = {cal->l1_bytes, cal->l2_bytes, cal->l3_bytes};
	double roof = cal->triad_gbs;
	const char *name = "DRAM";
	/* from the slowest level up: a level's roof is at least the one below it */
	for (int l = 2; l >= 0; l--) {
		if (!(gbs[l] > 0) || !(cap[l] > 0)) continue;
		double at = fmax(gbs[l], roof);
		if (working_set > 0 && working_set <= cap[l])
			roof = at, name = NAMES[l];
		else if (!(working_set > 0))
			break; /* unknown working set: DRAM */
	}
	if (level) *level = name;
	return roof * 1e9;
}

double vb_roofline_ceiling_ws(const vb_calibration *cal, double intensity, double working_set) {
	return fmin(cal->sgemm_gflops * 1e9, intensity * vb_roofline_bandwidth(cal, working_set, NULL));
}

double vb_roofline_pct_ws(const vb_calibration *cal, double flops, double bytes, double seconds, double working_set) {
	if (!(seconds > 0) || !vb_calibration_figures_ok(cal)) return NAN;
	if (flops > 0) {
		double intensity = bytes > 0 ? flops / bytes : INFINITY;
		return 100 * (flops / seconds) / vb_roofline_ceiling_ws(cal, intensity, working_set);
	}
	return bytes > 0 ? 100 * (bytes / seconds) / vb_roofline_bandwidth(cal, working_set, NULL) : NAN;
}
