/* `vecbench doctor`: what in the stack under the timings would falsify them
 * (the BLAS core against the CPU, threading runtimes and thread counts, other
 * processes on the CPUs, frequency scaling), one finding per line with what it
 * costs and the fix. `run` runs the same checks first and records them. */
#ifndef VB_DOCTOR_H
#define VB_DOCTOR_H

#include <cjson/cJSON.h>
#include <stdio.h>

/* error: falsifies timings (doctor exits 1); warn: may cost; info: explains. */
typedef enum { VB_INFO = 0, VB_WARN, VB_ERROR } vb_severity;

void vb_doctor_add(vb_severity sev, const char *id, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Every check that needs no calibration and no results: BLAS core, threads,
 * frequency, and other processes' CPU use over a short idle window. */
void vb_doctor_check_stack(void);
/* The calibration's sanity (sgemm roof against the FMA peak). */
void vb_doctor_check_calibration(double sgemm_gflops, double fma_gflops, const char *fma_isa);
/* Google Benchmark's library_build_type, explained (from the results' context). */
void vb_doctor_check_build_type(const char *library_build_type);
/* Kernels above the roof of their level (results' benchmarks): the roof was measured low. */
void vb_doctor_check_above_roof(const cJSON *benchmarks);
/* One line per finding, "  [error] message; fix: ..."; returns the number of errors. */
int vb_doctor_print(FILE *f);
/* The findings from index first on (those added since a first print). */
int vb_doctor_count(void);
void vb_doctor_print_from(FILE *f, int first);
/* context.doctor = [{id, severity, message, fix}], context.blas_core_* and
 * context.contended with its figures. */
void vb_doctor_to_context(cJSON *ctx);

/* The CPU features that pick kernels, "sse3=1 ... amx_tile=0". */
void vb_cpu_features(char *buf, size_t len);

/* ---- the BLAS core ---- */
/* `run --blas-core auto|asis|NAME`. auto: when OpenBLAS chose a core below the
 * CPU's ISA (and the user did not set OPENBLAS_CORETYPE), tries better cores
 * the library offers in a child process (a small sgemm against a float64
 * reference, then its speed) and re-executes this process with the first one
 * that computes right and is not slower. NAME: re-executes with that core.
 * argv is the whole command line (argv[0] = "vecbench"). Returns when the
 * process keeps its core; else does not return. */
void vb_blas_core_select(const char *mode, char **argv);
/* Hidden command `vecbench blas-trial`: one line "core=NAME ratio=R gflops=G". */
int vb_cmd_blas_trial(int argc, char **argv);
int vb_cmd_doctor(int argc, char **argv);
extern const char vb_usage_doctor[], vb_usage_blas_trial[];

/* ---- contention: CPU time of other processes on the CPUs this one may use ---- */
typedef struct {
	double wall;    /* seconds, monotonic */
	double busy;    /* busy CPU seconds of the allowed CPUs, all processes (steal included) */
	double own;     /* this process's CPU seconds, all threads */
	double running; /* procs_running */
} vb_cpu_sample;

void vb_cpu_sample_take(vb_cpu_sample *s);
/* Other processes' CPU seconds between two samples (never negative). */
double vb_cpu_others(const vb_cpu_sample *a, const vb_cpu_sample *b);
/* The counters tick in 1/CLK_TCK s per CPU: what one pair of samples may read
 * too high on an idle machine. Contention is judged above it. */
double vb_cpu_sample_slack(void);
/* CPUs this process may use: the affinity mask, capped by a cgroup cpu.max quota. */
double vb_cpus_allowed(void);
/* A share of the allowed CPUs above which a time counts as contended. */
#define VB_CONTENDED_SHARE 0.10
/* The timed phase: between the two samples; sets context.contended. */
void vb_contention_record(const vb_cpu_sample *before, const vb_cpu_sample *after);
int vb_contended(void);

#endif
