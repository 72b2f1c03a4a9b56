/* The Google Benchmark shim from C: registration, keep_running, pause and
 * resume, counters with rate flags, manual time; read back from the JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench_shim.h"
#include "expect.h"
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

int main(void) {
	char path[] = "/tmp/vecbench-shim-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char out[64];
	snprintf(out, sizeof out, "--benchmark_out=%s", path);
	char *argv[] = {"test_shim", out, "--benchmark_out_format=json", "--benchmark_min_time=0.01", NULL};
	int argc = 4;
	const char *bad;
	if (!EXPECT(vb_bm_init(&argc, argv, &bad) == 0, "init")) return expect_exit_status();
	int seen = 0;
	vb_bm_register("shim/counted", bm_counted, &seen, &(vb_bm_opts){.iterations = 50});
	vb_bm_register("shim/manual", bm_manual, NULL, &(vb_bm_opts){.iterations = 10, .manual_time = 1});
	vb_bm_add_context("shim_key", "shim_value");
	EXPECT(vb_bm_run(1) == 2, "ran two benchmarks");
	EXPECT(seen >= 1 && calls >= 1, "functions called");
	char *text = vb_read_file(path, 1 << 24, NULL);
	unlink(path);
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	if (!EXPECT(root, "JSON parses")) return expect_exit_status();
	cJSON *ctx = cJSON_GetObjectItem(root, "context");
	cJSON *kv = cJSON_GetObjectItem(ctx, "shim_key");
	EXPECT(cJSON_IsString(kv) && !strcmp(kv->valuestring, "shim_value"), "custom context");
	cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "benchmarks"), 0);
	/* Google Benchmark appends its own settings to the registered name. */
	EXPECT(!strncmp(cJSON_GetObjectItem(b, "name")->valuestring, "shim/counted/", 13), "name");
	EXPECT(cJSON_GetObjectItem(b, "iterations")->valuedouble == 50, "fixed iterations");
	double rate = cJSON_GetObjectItem(b, "FLOP/s")->valuedouble;
	double t = cJSON_GetObjectItem(b, "real_time")->valuedouble; /* microseconds */
	EXPECT(fabs(rate - 1000 / (t * 1e-6)) <= 0.01 * rate, "rate counter = value / time per iteration");
	EXPECT(cJSON_GetObjectItem(b, "plain")->valuedouble == 42, "plain counter");
	b = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "benchmarks"), 1);
	t = cJSON_GetObjectItem(b, "real_time")->valuedouble;
	EXPECT(fabs(t - 2000) <= 1, "manual time: 2 ms per iteration");
	cJSON_Delete(root);
	free(text);
	return expect_exit_status();
}
