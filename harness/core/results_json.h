/* Reading result files: vecbench's JSON or plain Google Benchmark JSON, into
 * per-benchmark samples for `vecbench compare`. Depends on libc, libm and
 * cJSON only, so a fuzzer can link it alone. Every byte string either loads
 * or gives a one-line error; nothing is trusted (sizes, types, ranges,
 * encoding). */
#ifndef VB_RESULTS_JSON_H
#define VB_RESULTS_JSON_H

#include <stddef.h>

#define VB_RESULTS_MAX_BYTES ((size_t)32 << 20) /* a full suite with 9 repetitions is a few MiB */
#define VB_RESULTS_MAX_NAME 1024

typedef struct {
	char *name; /* run_name (else name): the key benchmarks are matched by */
	/* vecbench's fields; NULL in plain Google Benchmark files */
	char *op, *variant, *dims;
	int errored;            /* error_occurred: no usable figures */
	char *error;            /* its error_message, or NULL */
	int n;                  /* time samples: one per repetition */
	double *time_ns;        /* real_time per iteration, ns */
	int from_aggregate;     /* no repetitions in the file: time_ns[0] is its median (or mean) aggregate */
	double speedup_vs_loop; /* as the file gives it (case-level); NAN when absent */
	int nroof;
	double *roofline_pct; /* roofline_pct per repetition (else its median or mean aggregate) */
	double instructions;  /* instructions per iteration (--count-instructions); NAN when absent */
} vb_bench_result;

typedef struct {
	char *cpu_model;  /* context.cpu_model; NULL when absent */
	int num_cpus;     /* context.num_cpus; 0 when absent */
	char *machine_id; /* context.machine_id; NULL when absent */
	char *counter;    /* context.instruction_counter ("callgrind ..."); NULL when absent */
	int n;
	vb_bench_result *b; /* sorted by name, names unique */
} vb_result_file;

/* Parses len bytes (no terminator needed) named `what` in messages. Returns 0,
 * or -1 with a one-line reason in err (out is then empty). */
int vb_result_file_parse(const char *data, size_t len, const char *what, vb_result_file *out, char *err, size_t errlen);
/* Reads and parses a file of at most VB_RESULTS_MAX_BYTES. */
int vb_result_file_load(const char *path, vb_result_file *out, char *err, size_t errlen);
/* The same reading and checks as vb_result_file_load, for readers that need
 * fields beyond vb_bench_result's (plot, report): the parsed document, NaN and
 * Infinity as null, or NULL with a one-line reason in err. cJSON_Delete it. */
struct cJSON *vb_result_file_load_json(const char *path, char *err, size_t errlen);
void vb_result_file_free(vb_result_file *r);
/* The benchmark named name, or NULL. */
const vb_bench_result *vb_result_file_find(const vb_result_file *r, const char *name);

/* Google Benchmark writes NaN, -NaN, Infinity and -Infinity for undefined
 * figures (e.g. the cv of a counter that is always 0), which JSON and cJSON
 * reject. Returns a malloc'd, NUL-terminated copy of data with those tokens
 * (outside strings) replaced by null, or NULL when out of memory. */
char *vb_json_null_nonfinite(const char *data, size_t len, size_t *outlen);

/* The value of one dim in a results file's "m=256,d=784,h=256", or NAN. */
double vb_dims_value(const char *dims, const char *name);

#endif
