/* The Google Benchmark shim from C: registration, keep_running, pause and
 * resume, counters with rate flags, manual time; read back from the JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "harness.h"

static int calls;

static void bm_counted(vb_bm_state *st, void *arg) {
	int *seen = arg;
	volatile double x = 0;
	while (vb_bm_keep_running(st)) {
		vb_bm_pause(st);
		x += 1;
		vb_bm_resume(st);
		for (int i = 0; i < 1000; i++)
			x += i;
	}
	(*seen)++;
	vb_bm_counter(st, "FLOP/s", 1000, VB_BM_RATE | VB_BM_ITER_INVARIANT);
	vb_bm_counter(st, "plain", 42, 0);
}

static void bm_manual(vb_bm_state *st, void *arg) {
	(void)arg;
	while (vb_bm_keep_running(st))
		vb_bm_set_iteration_time(st, 0.002); /* 2 ms per iteration, by decree */
	calls++;
}

static int fail(const char *what) {
	printf("FAIL: %s\n", what);
	return 1;
}

int main(void) {
	char path[] = "/tmp/vecbench-shim-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char out[64];
	snprintf(out, sizeof out, "--benchmark_out=%s", path);
	char *argv[] = {"test_shim", out, "--benchmark_out_format=json", "--benchmark_min_time=0.01", NULL};
	int argc = 4;
	const char *bad;
	if (vb_bm_init(&argc, argv, &bad) != 0) return fail("init");
	int seen = 0;
	vb_bm_register("shim/counted", bm_counted, &seen, &(vb_bm_opts){.iterations = 50});
	vb_bm_register("shim/manual", bm_manual, NULL, &(vb_bm_opts){.iterations = 10, .manual_time = 1});
	vb_bm_add_context("shim_key", "shim_value");
	if (vb_bm_run(1) != 2) return fail("ran two benchmarks");
	if (seen < 1 || calls < 1) return fail("functions called");
	char *text = vb_read_file(path, 1 << 24, NULL);
	unlink(path);
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	if (!root) return fail("JSON parses");
	cJSON *ctx = cJSON_GetObjectItem(root, "context");
	cJSON *kv = cJSON_GetObjectItem(ctx, "shim_key");
	if (!cJSON_IsString(kv) || strcmp(kv->valuestring, "shim_value")) return fail("custom context");
	cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "benchmarks"), 0);
	/* Google Benchmark appends its own settings to the registered name. */
	if (strncmp(cJSON_GetObjectItem(b, "name")->valuestring, "shim/counted/", 13)) return fail("name");
	if (cJSON_GetObjectItem(b, "iterations")->valuedouble != 50) return fail("fixed iterations");
	double rate = cJSON_GetObjectItem(b, "FLOP/s")->valuedouble;
	double t = cJSON_GetObjectItem(b, "real_time")->valuedouble; /* microseconds */
	if (fabs(rate - 1000 / (t * 1e-6)) > 0.01 * rate) return fail("rate counter = value / time per iteration");
	if (cJSON_GetObjectItem(b, "plain")->valuedouble != 42) return fail("plain counter");
	b = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "benchmarks"), 1);
	t = cJSON_GetObjectItem(b, "real_time")->valuedouble;
	if (fabs(t - 2000) > 1) return fail("manual time: 2 ms per iteration");
	printf("ok: shim registration, pause/resume, counters, manual time, context\n");
	cJSON_Delete(root);
	free(text);
	return 0;
}
