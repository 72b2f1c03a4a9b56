/* The results record (record.h): field access, units and the
 * representative time. libc, libm and cJSON only, so the result-file reader
 * and its fuzzer link it alone. */
#include <math.h>
#include <string.h>

#include "record.h"

double vb_json_num(const cJSON *o, const char *key) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

const char *vb_json_str(const cJSON *o, const char *key, const char *fallback) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(x) && x->valuestring ? x->valuestring : fallback;
}

void vb_json_set_num(cJSON *o, const char *key, double v) {
	if (!isfinite(v)) return; /* JSON has no NaN or infinity */
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddNumberToObject(o, key, v);
}

void vb_json_set_str(cJSON *o, const char *key, const char *v) {
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, v);
}

int vb_cmp_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Google Benchmark's time units, as factors (each exact in its column, so a
 * conversion is one rounding). */
static const struct {
	const char *name;
	double ns, seconds;
} TIME_UNITS[] = {{"ns", 1, 1e-9}, {"us", 1e3, 1e-6}, {"ms", 1e6, 1e-3}, {"s", 1e9, 1}};

double vb_time_unit_ns(const char *unit) {
	for (size_t i = 0; i < sizeof TIME_UNITS / sizeof TIME_UNITS[0]; i++)
		if (!strcmp(unit, TIME_UNITS[i].name)) return TIME_UNITS[i].ns;
	return 0;
}

double vb_time_to_seconds(double t, const char *unit) {
	if (!unit || !*unit) unit = "ns"; /* Google Benchmark's default unit */
	for (size_t i = 0; i < sizeof TIME_UNITS / sizeof TIME_UNITS[0]; i++)
		if (!strcmp(unit, TIME_UNITS[i].name)) return t * TIME_UNITS[i].seconds;
	return NAN;
}

void vb_rep_time_add(vb_rep_time *r, const cJSON *b, double seconds) {
	const char *type = vb_json_str(b, "run_type", ""), *agg = vb_json_str(b, "aggregate_name", "");
	if (!strcmp(type, "aggregate")) {
		if (strcmp(agg, "median") || r->from_median) return;
		r->entry = b, r->from_median = 1, r->median_seconds = seconds;
		return;
	}
	if (!r->entry) r->entry = b;
	r->runs++;
	r->run_seconds += seconds;
	r->run_iterations += vb_json_num(b, "iterations");
}

double vb_rep_time_seconds(const vb_rep_time *r) {
	if (r->from_median) return r->median_seconds;
	return r->runs > 0 ? r->run_seconds / r->runs : NAN;
}

double vb_rep_time_iterations(const vb_rep_time *r) { return r->runs > 0 ? r->run_iterations / r->runs : 0; }

int vb_rep_time_single(const vb_rep_time *r) { return r->from_median || r->runs == 1; }
