/* The results record's field access and units (record.h). */
#include <math.h>
#include <string.h>

#include "record.h"

double vb_json_num(const cJSON *o, const char *key) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

const char *vb_json_str(const cJSON *o, const char *key) {
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(x) ? x->valuestring : "";
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

double vb_time_to_seconds(double t, const char *unit) {
	if (!unit || !strcmp(unit, "ns")) return t * 1e-9; /* Google Benchmark's default unit */
	if (!strcmp(unit, "us")) return t * 1e-6;
	if (!strcmp(unit, "ms")) return t * 1e-3;
	return t;
}
