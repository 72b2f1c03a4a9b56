/* The results record: what one benchmark entry of a results JSON holds and
 * how its fields are read. run, count, compare, plot, report and the
 * calibration read and write result files through these helpers, so a field,
 * a unit or the representative-time rule has one definition. */
#ifndef VB_RECORD_H
#define VB_RECORD_H

#include <cjson/cJSON.h>

/* A number field of a JSON object, or NAN when absent or not a number. */
double vb_json_num(const cJSON *o, const char *key);
/* A string field of a JSON object, or "" when absent or not a string. */
const char *vb_json_str(const cJSON *o, const char *key);
/* Sets (replacing) a number field; a non-finite value is left out, as JSON
 * has no NaN or infinity. */
void vb_json_set_num(cJSON *o, const char *key, double v);
/* Sets (replacing) a string field. */
void vb_json_set_str(cJSON *o, const char *key, const char *v);

/* A Google Benchmark time in its time_unit ("ns", "us", "ms", "s"; ns when
 * NULL: Google Benchmark's default), in seconds. */
double vb_time_to_seconds(double t, const char *unit);

#endif
