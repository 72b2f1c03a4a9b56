/* The result-file reader of `vecbench compare` (harness/core/results_json.c):
 * what it extracts from valid files (repetitions, aggregates, units, NaN,
 * counters), a clean one-line error for each kind of bad file, and no crash
 * on any truncation, byte flip or splice of a valid file (a cheap, in-process
 * relative of the libFuzzer target in tests/fuzz). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "expect.h"
#include "results_json.h"

/* A Google Benchmark file with 3 repetitions of one benchmark and its
 * aggregates (NaN in a cv, as Google Benchmark writes it), an aggregates-only
 * benchmark, a vecbench benchmark with fields, one that errored, and an
 * instruction count. */
static const char *VALID =
    "{\n"
    "  \"context\": {\"date\": \"x\", \"num_cpus\": 2, \"cpu_model\": \"Test CPU\", \"caches\": [{\"size\": 1}]},\n"
    "  \"benchmarks\": [\n"
    "    {\"name\": \"BM_a/real_time\", \"run_name\": \"BM_a/real_time\", \"run_type\": \"iteration\",\n"
    "     \"repetitions\": 3, \"iterations\": 10, \"real_time\": 1.5, \"cpu_time\": 1.0, \"time_unit\": \"us\"},\n"
    "    {\"name\": \"BM_a/real_time\", \"run_name\": \"BM_a/real_time\", \"run_type\": \"iteration\",\n"
    "     \"real_time\": 1.25, \"time_unit\": \"us\"},\n"
    "    {\"name\": \"BM_a/real_time\", \"run_name\": \"BM_a/real_time\", \"run_type\": \"iteration\",\n"
    "     \"real_time\": 2.0, \"time_unit\": \"us\", \"roofline_pct\": 40.5},\n"
    "    {\"name\": \"BM_a/real_time_mean\", \"run_name\": \"BM_a/real_time\", \"run_type\": \"aggregate\",\n"
    "     \"aggregate_name\": \"mean\", \"real_time\": 1.58, \"time_unit\": \"us\"},\n"
    "    {\"name\": \"BM_a/real_time_cv\", \"run_name\": \"BM_a/real_time\", \"run_type\": \"aggregate\",\n"
    "     \"aggregate_name\": \"cv\", \"real_time\": 0.2, \"time_unit\": \"us\", \"workspace_bytes\": -NaN},\n"
    "    {\"name\": \"BM_b_median\", \"run_name\": \"BM_b\", \"run_type\": \"aggregate\", \"aggregate_name\": "
    "\"median\",\n"
    "     \"real_time\": 3, \"time_unit\": \"ms\", \"speedup_vs_loop\": 7.5, \"x\": Infinity},\n"
    "    {\"name\": \"dense_fwd/vec/m:2/real_time\", \"run_type\": \"iteration\", \"op\": \"dense_fwd\",\n"
    "     \"variant\": \"vec\", \"dims\": \"m=2\", \"real_time\": 5e2, \"time_unit\": \"ns\", \"speedup_vs_loop\": "
    "3},\n"
    "    {\"name\": \"BM_err\", \"run_type\": \"iteration\", \"error_occurred\": true, \"error_message\": \"oom\"},\n"
    "    {\"name\": \"k/loop/m:1\", \"run_name\": \"k/loop/m:1\", \"run_type\": \"iteration\", \"instructions\": "
    "1234}\n"
    "  ]\n"
    "}\n";

static void test_valid(void) {
	vb_result_file r;
	char err[256];
	int rc = vb_result_file_parse(VALID, strlen(VALID), "valid.json", &r, err, sizeof err);
	EXPECT(rc == 0, "valid file: %s", err);
	if (rc) return;
	EXPECT(r.n == 5, "5 benchmarks, got %d", r.n);
	EXPECT(r.num_cpus == 2 && r.cpu_model && !strcmp(r.cpu_model, "Test CPU"), "context");
	const vb_bench_result *a = vb_result_file_find(&r, "BM_a/real_time");
	EXPECT(a && a->n == 3 && !a->from_aggregate, "repetitions become samples");
	if (a && a->n == 3) {
		EXPECT(a->time_ns[0] == 1500 && a->time_ns[1] == 1250 && a->time_ns[2] == 2000, "us to ns, in order");
		EXPECT(a->nroof == 1 && a->roofline_pct[0] == 40.5, "roofline_pct sample");
	}
	const vb_bench_result *b = vb_result_file_find(&r, "BM_b");
	EXPECT(b && b->n == 1 && b->from_aggregate && b->time_ns[0] == 3e6, "median aggregate when no repetitions");
	EXPECT(b && b->speedup_vs_loop == 7.5, "speedup_vs_loop");
	const vb_bench_result *d = vb_result_file_find(&r, "dense_fwd/vec/m:2/real_time");
	EXPECT(d && d->op && !strcmp(d->op, "dense_fwd") && d->variant && !strcmp(d->variant, "vec") && d->dims,
	       "vecbench fields, name without run_name");
	const vb_bench_result *e = vb_result_file_find(&r, "BM_err");
	EXPECT(e && e->errored && e->error && !strcmp(e->error, "oom") && e->n == 0, "errored benchmark");
	const vb_bench_result *k = vb_result_file_find(&r, "k/loop/m:1");
	EXPECT(k && k->instructions == 1234 && k->n == 0, "instruction count without a time");
	EXPECT(!vb_result_file_find(&r, "nope"), "find of a missing name");
	for (int i = 1; i < r.n; i++)
		EXPECT(strcmp(r.b[i - 1].name, r.b[i].name) < 0, "sorted, unique");
	vb_result_file_free(&r);
}

static void test_nonfinite(void) {
	const char *in = "{\"a\": NaN, \"b\": [-Infinity, Infinity, -NaN], \"NaN\": \"NaN x Infinity\", \"c\": NaNo}";
	size_t len;
	char *out = vb_json_null_nonfinite(in, strlen(in), &len);
	EXPECT(out &&
	           !strcmp(out, "{\"a\": null, \"b\": [null, null, null], \"NaN\": \"NaN x Infinity\", \"c\": NaNo}"),
	       "NaN tokens outside strings become null: %s", out ? out : "(null)");
	EXPECT(out && len == strlen(out), "length");
	free(out);
}

/* One bad input: parse fails with a one-line message naming the file and
 * containing `want`. */
static void expect_error(const char *what, const char *data, size_t len, const char *want) {
	vb_result_file r;
	char err[256];
	memset(err, 'x', sizeof err);
	int rc = vb_result_file_parse(data, len, "f.json", &r, err, sizeof err);
	EXPECT(rc == -1, "%s: accepted", what);
	if (rc != -1) {
		vb_result_file_free(&r);
		return;
	}
	EXPECT(memchr(err, 0, sizeof err) && !strchr(err, '\n') && !strncmp(err, "f.json: ", 8), "%s: message '%.80s'",
	       what, err);
	EXPECT(strstr(err, want) != NULL, "%s: '%s' lacks '%s'", what, err, want);
	EXPECT(r.n == 0 && r.b == NULL, "%s: left results behind", what);
}

#define BAD(what, text, want) expect_error(what, text, sizeof text - 1, want)

static void test_errors(void) {
	BAD("empty", "", "empty");
	BAD("whitespace", " \n\t ", "empty");
	BAD("NUL byte", "{\"benchmarks\": []}\0", "binary");
	BAD("invalid UTF-8", "{\"benchmarks\": [\"\xff\"]}", "binary");
	BAD("overlong UTF-8", "{\"a\": \"\xc0\xaf\"}", "binary");
	BAD("truncated object", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1", "truncated");
	BAD("truncated string", "{\"benchmarks\": [{\"name\": \"a", "truncated");
	BAD("not JSON", "hello world", "malformed JSON at line 1");
	BAD("trailing garbage", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1, \"time_unit\": \"ns\"}]} x",
	    "malformed");
	BAD("line number", "{\n\n\"benchmarks\": [,]}", "line 3");
	BAD("array at top", "[1, 2]", "not a benchmark result file");
	BAD("no benchmarks key", "{\"context\": {}}", "no \"benchmarks\"");
	BAD("benchmarks not array", "{\"benchmarks\": {}}", "not an array");
	BAD("no benchmarks", "{\"benchmarks\": []}", "no benchmarks");
	BAD("entry not object", "{\"benchmarks\": [3]}", "not an object");
	BAD("no name", "{\"benchmarks\": [{\"real_time\": 1, \"time_unit\": \"ns\"}]}", "no name");
	BAD("name not string", "{\"benchmarks\": [{\"name\": 5}]}", "name is not a string");
	BAD("empty name", "{\"benchmarks\": [{\"name\": \"\"}]}", "name is empty");
	BAD("control char in name",
	    "{\"benchmarks\": [{\"name\": \"a\\nb\", \"real_time\": 1, \"time_unit\": \"ns\"}]}", "control characters");
	BAD("time as string", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": \"1\", \"time_unit\": \"ns\"}]}",
	    "real_time is not a number");
	BAD("negative time", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": -1, \"time_unit\": \"ns\"}]}",
	    "real_time is not a number");
	BAD("NaN time", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": NaN, \"time_unit\": \"ns\"}]}",
	    "real_time is not a number");
	BAD("huge time", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1e999, \"time_unit\": \"ns\"}]}",
	    "real_time is not a number");
	BAD("time beyond a double in ns",
	    "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1e308, \"time_unit\": \"s\"}]}", "out of range");
	BAD("bad unit", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1, \"time_unit\": \"h\"}]}", "time_unit");
	BAD("no unit", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1}]}", "no time_unit");
	BAD("no figures", "{\"benchmarks\": [{\"name\": \"a\"}]}", "neither real_time nor instructions");
	BAD("bad run_type", "{\"benchmarks\": [{\"name\": \"a\", \"run_type\": \"x\"}]}", "run_type");
	BAD("aggregate without name", "{\"benchmarks\": [{\"name\": \"a\", \"run_type\": \"aggregate\"}]}",
	    "aggregate_name");
	BAD("only cv", "{\"benchmarks\": [{\"name\": \"a\", \"run_type\": \"aggregate\", \"aggregate_name\": \"cv\"}]}",
	    "only aggregates");
	BAD("error_occurred not bool", "{\"benchmarks\": [{\"name\": \"a\", \"error_occurred\": 1}]}",
	    "error_occurred");
	BAD("context not object", "{\"context\": 1, \"benchmarks\": [{\"name\": \"a\", \"instructions\": 1}]}",
	    "context is not an object");
	BAD("num_cpus not a count",
	    "{\"context\": {\"num_cpus\": 2.5}, \"benchmarks\": [{\"name\": \"a\", \"instructions\": 1}]}", "num_cpus");
	BAD("cpu_model not string",
	    "{\"context\": {\"cpu_model\": []}, \"benchmarks\": [{\"name\": \"a\", \"instructions\": 1}]}",
	    "cpu_model");
	BAD("negative instructions", "{\"benchmarks\": [{\"name\": \"a\", \"instructions\": -5}]}", "instructions");
	/* deep nesting: cJSON's limit, not the stack */
	size_t deep = 200000;
	char *d = malloc(deep);
	memset(d, '[', deep);
	expect_error("deep nesting", d, deep, "f.json");
	free(d);
	/* too long a name */
	size_t nl = VB_RESULTS_MAX_NAME + 1;
	char *longname = malloc(nl + 100);
	int o = sprintf(longname, "{\"benchmarks\": [{\"name\": \"");
	memset(longname + o, 'a', nl);
	strcpy(longname + o + nl, "\", \"instructions\": 1}]}");
	expect_error("long name", longname, strlen(longname), "longer than");
	free(longname);
}

static uint64_t rng = 99;
static uint64_t next(void) {
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* Each input parsed from an exact-size heap copy (so a sanitizer build sees
 * any read past the end); the result, if any, must be consistent. */
static void parse_any(const char *data, size_t len) {
	char *copy = malloc(len ? len : 1);
	memcpy(copy, data, len);
	vb_result_file r;
	char err[256];
	err[0] = 0;
	if (vb_result_file_parse(copy, len, "m.json", &r, err, sizeof err) == 0) {
		for (int i = 0; i < r.n; i++) {
			EXPECT(r.b[i].name && (i == 0 || strcmp(r.b[i - 1].name, r.b[i].name) < 0), "names");
			for (int k = 0; k < r.b[i].n; k++)
				EXPECT(isfinite(r.b[i].time_ns[k]) && r.b[i].time_ns[k] >= 0, "finite time");
		}
		vb_result_file_free(&r);
	} else {
		EXPECT(err[0] && !strchr(err, '\n'), "one-line error");
	}
	free(copy);
}

static void test_mutations(void) {
	size_t len = strlen(VALID);
	/* every truncation: none may load as the full file, none may crash */
	int loaded = 0;
	for (size_t cut = 0; cut < len; cut++) {
		vb_result_file r;
		char err[256];
		if (vb_result_file_parse(VALID, cut, "t.json", &r, err, sizeof err) == 0) {
			loaded++;
			vb_result_file_free(&r);
		}
		parse_any(VALID, cut);
	}
	/* only cuts in the final whitespace load (the text is complete there) */
	EXPECT(loaded <= 1, "%d truncations loaded", loaded);
	char *buf = malloc(2 * len + 16);
	for (int trial = 0; trial < 50000; trial++) {
		memcpy(buf, VALID, len);
		size_t n = len;
		int edits = 1 + (int)(next() % 4);
		for (int e = 0; e < edits; e++) {
			size_t at = next() % n;
			switch (next() % 4) {
			case 0: buf[at] = (char)next(); break;                      /* any byte */
			case 1: buf[at] = "{}[]\",:0-eE.\\ntf"[next() % 16]; break; /* a JSON byte */
			case 2: memmove(buf + at, buf + at + 1, n - at - 1), n--; break;
			default: { /* duplicate a span */
				size_t span = 1 + next() % 40;
				if (at + span > n || n + span > 2 * len) break;
				memmove(buf + at + span, buf + at, n - at);
				n += span;
			}
			}
		}
		parse_any(buf, n);
	}
	free(buf);
}

/* vb_result_file_load_json (plot, report): the same checks, the document back
 * with NaN as null; a bad file gives NULL and a one-line error naming it. */
static void test_load_json(void) {
	char path[] = "/tmp/test_results_json_XXXXXX";
	int fd = mkstemp(path);
	EXPECT(fd >= 0, "mkstemp");
	if (fd < 0) return;
	FILE *f = fdopen(fd, "w");
	fputs(VALID, f);
	fclose(f);
	char err[256];
	cJSON *root = vb_result_file_load_json(path, err, sizeof err);
	EXPECT(root != NULL, "valid file: %s", err);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "benchmarks");
	EXPECT(cJSON_IsArray(b) && cJSON_GetArraySize(b) > 5, "benchmarks array");
	int nulls = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, b) nulls += cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "workspace_bytes")) +
	                                  cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "x"));
	EXPECT(nulls == 2, "-NaN and Infinity read as null, %d", nulls);
	cJSON_Delete(root);
	static const char *const bad[] = {"{\"benchmarks\": [", "{\"benchmarks\": 5}", "{\"context\": {}}", ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		err[0] = 0;
		root = vb_result_file_load_json(path, err, sizeof err);
		EXPECT(!root && !strncmp(err, path, strlen(path)) && !strchr(err, '\n'), "bad file %zu: '%s'", i, err);
		cJSON_Delete(root);
	}
	unlink(path);
	root = vb_result_file_load_json(path, err, sizeof err);
	EXPECT(!root && strstr(err, "cannot read"), "missing file: '%s'", err);
}

int main(void) {
	test_valid();
	test_nonfinite();
	test_errors();
	test_mutations();
	test_load_json();
	return expect_exit_status();
}
