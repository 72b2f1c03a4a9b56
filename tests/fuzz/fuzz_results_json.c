/* libFuzzer target: the results-JSON reader behind `vecbench compare`
 * (harness/core/results_json.c). Any byte string either loads into benchmarks
 * sorted by unique name with sane figures, or fails with a one-line reason
 * and an empty result; never a crash, a leak or a read out of bounds. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_json.h"

static void check(int ok, const char *what) {
	if (ok) return;
	fprintf(stderr, "fuzz_results_json: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	/* An exact-size copy, so reading past len is caught by ASan. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	size_t outlen = 0;
	char *clean = vb_json_null_nonfinite(buf, size, &outlen);
	if (clean) {
		check(outlen <= 4 * size + 1 && clean[outlen] == 0, "vb_json_null_nonfinite length");
		free(clean);
	}
	vb_result_file r;
	char err[256];
	memset(err, 'x', sizeof err);
	if (vb_result_file_parse(buf, size, "fuzz.json", &r, err, sizeof err) != 0) {
		check(memchr(err, 0, sizeof err) != NULL && err[0] != 0, "error message empty or not terminated");
		check(strchr(err, '\n') == NULL, "error message more than one line");
		check(r.n == 0 && r.b == NULL, "failed parse left results behind");
		vb_result_file_free(&r);
		free(buf);
		return 0;
	}
	check(r.n >= 0 && (r.n == 0 || r.b), "benchmark count");
	for (int i = 0; i < r.n; i++) {
		const vb_bench_result *b = &r.b[i];
		check(b->name && *b->name, "benchmark without a name");
		check(strlen(b->name) <= VB_RESULTS_MAX_NAME, "name longer than the limit");
		if (i) check(strcmp(r.b[i - 1].name, b->name) < 0, "names not sorted and unique");
		check(vb_result_file_find(&r, b->name) == b, "vb_result_file_find");
		check(b->n >= 0 && (b->n == 0 || b->time_ns), "time samples");
		for (int k = 0; k < b->n; k++)
			check(isfinite(b->time_ns[k]) && b->time_ns[k] >= 0, "time sample not finite and non-negative");
		check(b->nroof >= 0 && (b->nroof == 0 || b->roofline_pct), "roofline samples");
	}
	check(vb_result_file_find(&r, "\x01no such benchmark") == NULL, "find of a missing name");
	vb_result_file_free(&r);
	free(buf);
	return 0;
}
