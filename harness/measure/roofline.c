/* The machine's own limits for the roofline: STREAM copy and triad on arrays
 * larger than the last-level cache with all threads, the triad again with the
 * data in L1, L2 and L3 (the cache-aware roofline of Ilic, Pratas and Sousa), the best rate of a large
 * sgemm on the built-in GEMM backends (OpenBLAS, BLIS, oneDNN: the compute roof), and a pure FMA loop (the theoretical
 * check). Measured once per machine and thread count, cached, reused. */
#define _GNU_SOURCE
#include <cblas.h>
#include <errno.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doctor.h"
#include "gemm.h"
#include "prof.h"

enum { CACHE_VERSION = 2 }; /* 2: keyed by the whole stack, not the host alone */
/* An sgemm call this long (seconds) runs at the peak; the matrices grow until one does. */
#define SGEMM_MIN_SECONDS 0.05
/* The theoretical check: measured sgemm may beat the FMA loop by this factor
 * (timer and frequency noise) before the figures count as inconsistent. */
#define SGEMM_OVER_FMA_MAX 1.05
/* More other runnable tasks than this per CPU while calibrating: the figures
 * are used for the run but not cached. */
#define BUSY_TASKS_PER_CPU 0.25

extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

/* ---- STREAM ---- */

static double stream_best(int triad, double *restrict a, double *restrict b, double *restrict c, long n, int reps) {
	double best = INFINITY;
	const double s = 3.0;
	for (int r = 0; r < reps; r++) {
		double t0 = vb_now();
		if (triad) {
#pragma omp parallel for schedule(static)
			for (long i = 0; i < n; i++)
				a[i] = b[i] + s * c[i];
		} else {
#pragma omp parallel for schedule(static)
			for (long i = 0; i < n; i++)
				c[i] = a[i];
		}
		double t = vb_now() - t0;
		if (t < best) best = t;
	}
	return (triad ? 3.0 : 2.0) * (double)n * sizeof(double) / best; /* STREAM's byte counts */
}

static void measure_stream(vb_calibration *cal) {
	long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
	if (llc <= 0) llc = 32L << 20;
	/* Each array twice the last-level cache, 64-256 MiB: out of cache, and short. */
	double bytes = fmin(fmax(2.0 * (double)llc, 64.0 * (1 << 20)), 256.0 * (1 << 20));
	double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
	if (phys > 0 && 3 * bytes > phys / 8) bytes = fmax(phys / 24, 8.0 * (1 << 20));
	long n = (long)(bytes / sizeof(double));
	double *a = aligned_alloc(64, (size_t)n * sizeof(double)), *b = aligned_alloc(64, (size_t)n * sizeof(double)),
	       *c = aligned_alloc(64, (size_t)n * sizeof(double));
	if (!a || !b || !c) vb_die(VB_EXIT_USAGE, "out of memory allocating the STREAM arrays (3 x %ld doubles)", n);
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) /* first touch by the thread that streams it */
		a[i] = 1.0, b[i] = 2.0, c[i] = 0.5;
	cal->copy_gbs = stream_best(0, a, b, c, n, 6) * 1e-9;
	cal->triad_gbs = stream_best(1, a, b, c, n, 6) * 1e-9;
	free(a), free(b), free(c);
}

/* ---- the cache levels: triad bandwidth with the data in L1, L2, L3 ---- */

/* Each thread's own arrays; reps passes over them between two barriers. Wide
 * vectors, so the roof is what the SIMD kernels can reach. */
__attribute__((target("avx512f"))) static void triad_avx512(double *a, const double *b, const double *c, long n,
                                                            long reps) {
	const __m512d s = _mm512_set1_pd(3.0);
	for (long r = 0; r < reps; r++) {
		for (long i = 0; i < n; i += 8)
			_mm512_store_pd(a + i, _mm512_fmadd_pd(s, _mm512_load_pd(c + i), _mm512_load_pd(b + i)));
		__asm__ volatile("" ::: "memory");
	}
}

__attribute__((target("avx2,fma"))) static void triad_avx2(double *a, const double *b, const double *c, long n,
                                                           long reps) {
	const __m256d s = _mm256_set1_pd(3.0);
	for (long r = 0; r < reps; r++) {
		for (long i = 0; i < n; i += 4)
			_mm256_store_pd(a + i, _mm256_fmadd_pd(s, _mm256_load_pd(c + i), _mm256_load_pd(b + i)));
		__asm__ volatile("" ::: "memory");
	}
}

static void triad_plain(double *a, const double *b, const double *c, long n, long reps) {
	for (long r = 0; r < reps; r++) {
		for (long i = 0; i < n; i++)
			a[i] = b[i] + 3.0 * c[i];
		__asm__ volatile("" ::: "memory");
	}
}

/* Bytes/s of a triad over n doubles per array and thread, all threads at
 * once: each thread's best of 15 timings, summed. Each thread times itself:
 * on a busy machine a barrier would wait for the slowest, descheduled one. */
static double triad_in_cache(long n) {
	void (*fn)(double *, const double *, const double *, long, long) = triad_plain;
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		fn = triad_avx512;
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		fn = triad_avx2;
	long reps = (long)fmax(1, 1e6 / (double)n); /* ~25 MB per thread and timing */
	double total = 0;
	int failed = 0;
#pragma omp parallel reduction(+ : total, failed)
	{
		double *a = aligned_alloc(64, (size_t)n * sizeof(double)),
		       *b = aligned_alloc(64, (size_t)n * sizeof(double)),
		       *c = aligned_alloc(64, (size_t)n * sizeof(double));
		if (a && b && c) {
			for (long i = 0; i < n; i++)
				a[i] = 0, b[i] = 1, c[i] = 0.5;
			fn(a, b, c, n, 1);
			double best = INFINITY;
#pragma omp barrier
			for (int t = 0; t < 15; t++) {
				double t0 = vb_now();
				fn(a, b, c, n, reps);
				best = fmin(best, vb_now() - t0);
			}
			total += 3.0 * (double)n * sizeof(double) * (double)reps / best;
		} else {
			failed = 1;
#pragma omp barrier
		}
		free(a), free(b), free(c);
	}
	return failed ? NAN : total;
}

/* Data and unified caches of cpu0 from sysfs: level, size, CPUs sharing it. */
static void cache_level(int level, double *bytes, int *shared) {
	*bytes = NAN, *shared = 1;
	for (int i = 0; i < 16; i++) {
		char path[128], v[256];
		int lv = 0;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		FILE *f = fopen(path, "r");
		if (!f) break;
		int ok = fscanf(f, "%d", &lv) == 1;
		fclose(f);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		f = fopen(path, "r");
		if (!ok || lv != level || !f || !fgets(v, sizeof v, f) || !strncmp(v, "Instruction", 11)) {
			if (f) fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		f = fopen(path, "r");
		double size = 0;
		char unit = 0;
		if (f && fscanf(f, "%lf%c", &size, &unit) >= 1)
			*bytes = size * (unit == 'K'   ? 1024.0
			                 : unit == 'M' ? 1048576.0
			                 : unit == 'G' ? 1073741824.0
			                               : 1.0);
		if (f) fclose(f);
		/* shared_cpu_list: "0", "0-1", "0,2-3" */
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
		f = fopen(path, "r");
		if (f && fgets(v, sizeof v, f)) {
			int count = 0;
			for (char *p = v; *p && *p != '\n';) {
				long lo = strtol(p, &p, 10), hi = lo;
				if (*p == '-') hi = strtol(p + 1, &p, 10);
				count += (int)(hi - lo + 1);
				if (*p == ',')
					p++;
				else if (*p && *p != '\n')
					break;
			}
			*shared = count > 0 ? count : 1;
		}
		if (f) fclose(f);
		return;
	}
}

static void measure_caches(vb_calibration *cal) {
	double *gbs[] = {&cal->l1_gbs, &cal->l2_gbs, &cal->l3_gbs},
	       *cap[] = {&cal->l1_bytes, &cal->l2_bytes, &cal->l3_bytes};
	int threads = omp_get_max_threads();
	for (int l = 1; l <= 3; l++) {
		double bytes;
		int shared;
		cache_level(l, &bytes, &shared);
		*gbs[l - 1] = *cap[l - 1] = NAN;
		if (!(bytes > 0)) continue;
		/* The threads that share one instance of the level split its half. */
		int sharers = shared < threads ? shared : threads;
		long n = (long)(bytes / 2 / sharers / 3 / sizeof(double)) / 64 * 64;
		if (n < 64) continue;
		*gbs[l - 1] = triad_in_cache(n) * 1e-9;
		*cap[l - 1] = bytes * fmax(1.0, (double)threads / shared);
	}
}

/* ---- sgemm ---- */

static double sgemm_seconds(int n, const float *A, const float *B, float *C) {
	double t0 = vb_now();
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
	return vb_now() - t0;
}

/* The same on another GEMM backend (kernels/gemm.h). */
static double backend_sgemm_seconds(vb_gemm_backend be, int n, const float *A, const float *B, float *C) {
	double t0 = vb_now();
	vb_sgemm(be, 0, 0, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
	return vb_now() - t0;
}

static void measure_sgemm(vb_calibration *cal) {
	enum { NMAX = 8192 };
	uint64_t st = 7;
	/* Grow n until one call takes 50 ms: large enough for the peak, short on few cores. */
	for (int n = 1024;; n *= 2) {
		size_t bytes = (size_t)n * n * sizeof(float);
		float *A = aligned_alloc(64, bytes), *B = aligned_alloc(64, bytes), *C = aligned_alloc(64, bytes);
		if (!A || !B || !C) vb_die(VB_EXIT_USAGE, "out of memory allocating the sgemm calibration matrices");
		for (size_t i = 0; i < (size_t)n * n; i++)
			A[i] = (float)(vb_splitmix64(&st) >> 40) * 0x1p-24f, B[i] = A[i] - 0.5f;
		double best = sgemm_seconds(n, A, B, C);
		if (best >= SGEMM_MIN_SECONDS || n >= NMAX) {
			for (int r = 0; r < 3; r++)
				best = fmin(best, sgemm_seconds(n, A, B, C));
			/* The roof is the best sgemm of the built-in backends: the vec
			 * variants run on the fastest one. */
			for (int be = VB_GEMM_OPENBLAS + 1; be < VB_GEMM_COUNT; be++)
				if (!vb_gemm_unavailable((vb_gemm_backend)be))
					for (int r = 0; r < 4; r++)
						best =
						    fmin(best, backend_sgemm_seconds((vb_gemm_backend)be, n, A, B, C));
			cal->sgemm_n = n;
			cal->sgemm_gflops = 2.0 * n * (double)n * n / best * 1e-9;
		}
		free(A), free(B), free(C);
		if (cal->sgemm_n) return;
	}
}

/* ---- FMA loop: 12 independent accumulators cover the FMA latency on every
 * port; acc = acc * x + y converges, so nothing overflows or goes subnormal. ---- */

#define FMA12(f, a, x, y)                                                                                              \
	a[0] = f(a[0], x, y), a[1] = f(a[1], x, y), a[2] = f(a[2], x, y), a[3] = f(a[3], x, y), a[4] = f(a[4], x, y),  \
	a[5] = f(a[5], x, y), a[6] = f(a[6], x, y), a[7] = f(a[7], x, y), a[8] = f(a[8], x, y), a[9] = f(a[9], x, y),  \
	a[10] = f(a[10], x, y), a[11] = f(a[11], x, y)

__attribute__((target("avx512f"))) static float fma_avx512(long iters) {
	__m512 a[12], x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-3f);
	for (int k = 0; k < 12; k++)
		a[k] = _mm512_set1_ps((float)k);
	for (long i = 0; i < iters; i++)
		FMA12(_mm512_fmadd_ps, a, x, y);
	float s = 0;
	for (int k = 0; k < 12; k++)
		s += _mm512_reduce_add_ps(a[k]);
	return s;
}

__attribute__((target("avx2,fma"))) static float fma_avx2(long iters) {
	__m256 a[12], x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-3f);
	for (int k = 0; k < 12; k++)
		a[k] = _mm256_set1_ps((float)k);
	for (long i = 0; i < iters; i++)
		FMA12(_mm256_fmadd_ps, a, x, y);
	float v[8], s = 0;
	for (int k = 0; k < 12; k++) {
		_mm256_storeu_ps(v, a[k]);
		for (int j = 0; j < 8; j++)
			s += v[j];
	}
	return s;
}

static float fma_scalar(long iters) {
	float a[12], x = 0.999f, y = 1e-3f;
	for (int k = 0; k < 12; k++)
		a[k] = (float)k;
	for (long i = 0; i < iters; i++)
		FMA12(fmaf, a, x, y);
	float s = 0;
	for (int k = 0; k < 12; k++)
		s += a[k];
	return s;
}

static volatile float fma_sink;

static double fma_run(float (*fn)(long), long iters) {
	float sink = 0;
	double t0 = vb_now();
#pragma omp parallel reduction(+ : sink)
	sink += fn(iters);
	double t = vb_now() - t0;
	fma_sink = sink;
	return t;
}

static void measure_fma(vb_calibration *cal) {
	float (*fn)(long) = fma_scalar;
	int lanes = 1;
	snprintf(cal->fma_isa, sizeof cal->fma_isa, "scalar");
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) {
		fn = fma_avx512, lanes = 16;
		snprintf(cal->fma_isa, sizeof cal->fma_isa, "avx512");
	} else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		fn = fma_avx2, lanes = 8;
		snprintf(cal->fma_isa, sizeof cal->fma_isa, "avx2");
	}
	/* Size the loop for about 0.2 s, then keep the best of two. */
	long iters = 1 << 16;
	double t = fma_run(fn, iters);
	iters = (long)fmax(iters, iters * 0.2 / fmax(t, 1e-6));
	double best = INFINITY;
	for (int r = 0; r < 2; r++)
		best = fmin(best, fma_run(fn, iters));
	cal->fma_gflops = 2.0 * 12 * lanes * (double)iters * cal->threads / best * 1e-9;
}

void vb_calibration_measure(vb_calibration *cal) {
	double t0 = vb_now();
	cal->threads = omp_get_max_threads();
	vb_cpu_model(cal->cpu_model, sizeof cal->cpu_model);
	time_t now = time(NULL);
	strftime(cal->date, sizeof cal->date, "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	measure_stream(cal);
	measure_caches(cal);
	/* The theoretical check: no sgemm beats the FMA loop. When one does, a
	 * busy machine disturbed a measurement; measure both once more. */
	for (int attempt = 0; attempt < 2; attempt++) {
		measure_sgemm(cal);
		measure_fma(cal);
		if (vb_calibration_consistent(cal)) break;
	}
	cal->seconds = vb_now() - t0;
	snprintf(cal->source, sizeof cal->source, "measured %s in %.1f s", cal->date, cal->seconds);
}

int vb_calibration_consistent(const vb_calibration *cal) {
	return cal->sgemm_gflops <= SGEMM_OVER_FMA_MAX * cal->fma_gflops;
}

/* ---- cache ---- */

static int cache_path(char *buf, size_t len) {
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char dir[4096];
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/vecbench", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.cache/vecbench", home);
	else
		return -1;
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	for (char *p = host; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') || *p == '-' ||
		      *p == '.'))
			*p = '_';
	/* mkdir -p of the cache directory */
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) return -1;
	return snprintf(buf, len, "%s/%s.json", dir, host) < (int)len ? 0 : -1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Everything the figures depend on: the CPU and its features, the BLAS
 * library, version, build and core, the thread counts and the threading
 * settings. A calibration cached for another stack is measured again.
 * OPENBLAS_CORETYPE is left out: blas_core says what it did. */
static cJSON *stack_key(void) {
	cJSON *k = cJSON_CreateObject();
	char buf[1024];
	vb_cpu_model(buf, sizeof buf);
	cJSON_AddStringToObject(k, "cpu_model", buf);
	vb_cpu_features(buf, sizeof buf);
	cJSON_AddStringToObject(k, "cpu_features", buf);
	cJSON_AddStringToObject(k, "blas_core", openblas_get_corename());
	cJSON_AddStringToObject(k, "blas_config", openblas_get_config());
	cJSON_AddNumberToObject(k, "threads", omp_get_max_threads());
	cJSON_AddNumberToObject(k, "blas_threads", openblas_get_num_threads());
	extern char **environ;
	const char *vars[64];
	int n = 0;
	for (char **e = environ; *e && n < 64; e++)
		if ((!strncmp(*e, "OMP_", 4) || !strncmp(*e, "OPENBLAS_", 9) || !strncmp(*e, "GOMP_", 5) ||
		     !strncmp(*e, "KMP_", 4)) &&
		    strncmp(*e, "OPENBLAS_CORETYPE=", 18) != 0)
			vars[n++] = *e;
	qsort(vars, (size_t)n, sizeof *vars, cmp_str);
	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", vars[i]);
	}
	cJSON_AddStringToObject(k, "env", buf);
	return k;
}

/* The first part of the stack that differs from the cached key, as
 * "name: cached -> now", or "" when none does. */
static void key_difference(const cJSON *cached, char *why, size_t len) {
	cJSON *now = stack_key();
	why[0] = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, now) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(cached, x->string);
		if (c && cJSON_Compare(c, x, 1)) continue;
		char *a = c ? cJSON_PrintUnformatted(c) : NULL, *b = cJSON_PrintUnformatted(x);
		snprintf(why, len, "%s: %.200s -> %.200s", x->string, a ? a : "(none)", b ? b : "");
		cJSON_free(a), cJSON_free(b);
		break;
	}
	cJSON_Delete(now);
}

const char vb_usage_calibration_key[] =
    "  calibration-key                                 what the roofline calibration's cache is keyed by\n";

int vb_cmd_calibration_key(int argc, char **argv) {
	vb_args args;
	vb_args_start(&args, "calibration-key", vb_usage_calibration_key, argc, argv, NULL, 0, 0);
	vb_args_next(&args);
	cJSON *k = stack_key();
	char *s = cJSON_Print(k);
	puts(s);
	cJSON_free(s);
	cJSON_Delete(k);
	return 0;
}

/* The cache file: {"version": 2, "calibrations": [entry, ...]}, one entry per
 * stack key, the latest first, at most CACHE_ENTRIES (switching between BLAS
 * cores or thread counts does not measure every time). */
enum { CACHE_ENTRIES = 8 };

static cJSON *cache_read(const char *path) {
	char *text = vb_read_file(path, 1 << 20, NULL);
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (o && (vb_json_num(o, "version") != CACHE_VERSION ||
	          !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "calibrations")))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* verbose: says why a cache that exists does not apply. */
static int cache_load(vb_calibration *cal, const char *path, int verbose) {
	cJSON *o = cache_read(path);
	if (!o) return -1;
	char why[500] = "", first_why[500] = "";
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "calibrations")) {
		key_difference(cJSON_GetObjectItemCaseSensitive(e, "key"), why, sizeof why);
		if (!first_why[0]) snprintf(first_why, sizeof first_why, "%s", why);
		if (why[0]) continue;
		vb_calibration c = {0};
		vb_cpu_model(c.cpu_model, sizeof c.cpu_model);
		vb_calibration_get(&c, e, "");
		c.seconds = vb_json_num(e, "seconds");
		snprintf(c.date, sizeof c.date, "%s", vb_json_str(e, "date", ""));
		if (!vb_calibration_figures_ok(&c)) continue;
		snprintf(c.source, sizeof c.source, "cached in %.900s (measured %s)", path, c.date);
		*cal = c;
		cJSON_Delete(o);
		return 0;
	}
	if (verbose && first_why[0])
		printf("vecbench: the calibration cached in %s was measured for another stack (%s): measuring again\n",
		       path, first_why);
	cJSON_Delete(o);
	return -1;
}

static void cache_save(const vb_calibration *cal, const char *path) {
	cJSON *o = cache_read(path);
	if (!o) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "version", CACHE_VERSION);
		cJSON_AddArrayToObject(o, "calibrations");
	}
	cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "calibrations"), *key = stack_key();
	/* this stack's old entry goes; the new one comes first */
	for (cJSON *e = list->child, *next; e; e = next) {
		next = e->next;
		if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(e, "key"), key, 1))
			cJSON_Delete(cJSON_DetachItemViaPointer(list, e));
	}
	cJSON *e = cJSON_CreateObject();
	cJSON_AddItemToObject(e, "key", key);
	cJSON_AddStringToObject(e, "cpu_model", cal->cpu_model);
	cJSON_AddStringToObject(e, "date", cal->date);
	vb_calibration_put(e, "", cal);
	cJSON_AddNumberToObject(e, "seconds", cal->seconds);
	cJSON_InsertItemInArray(list, 0, e);
	while (cJSON_GetArraySize(list) > CACHE_ENTRIES)
		cJSON_DeleteItemFromArray(list, CACHE_ENTRIES);
	char *s = cJSON_Print(o);
	if (vb_write_file_atomic(path, s, strlen(s)) != 0)
		fprintf(stderr, "vecbench: warning: cannot cache the calibration in %s: %s\n", path, strerror(errno));
	cJSON_free(s);
	cJSON_Delete(o);
}

/* Other tasks ready to run, on average over 0.2 s (procs_running counts
 * this one too). A calibration measured beside them is used but not cached. */
static double other_runnable(void) {
	double sum = 0;
	int n = 0;
	for (int i = 0; i < 10; i++) {
		FILE *f = fopen("/proc/stat", "r");
		if (!f) return 0;
		char line[256];
		int running = -1;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "procs_running %d", &running) == 1) break;
		fclose(f);
		if (running < 1) return 0;
		sum += running - 1, n++;
		nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	}
	return sum / n;
}

int vb_calibration_cached(vb_calibration *cal) {
	char path[4608];
	return cache_path(path, sizeof path) == 0 && cache_load(cal, path, 0) == 0 ? 0 : -1;
}

void vb_calibrate(vb_calibration *cal, int recalibrate) {
	char path[4608];
	int have_path = cache_path(path, sizeof path) == 0;
	if (!recalibrate && have_path && cache_load(cal, path, 1) == 0) return;
	memset(cal, 0, sizeof *cal);
	double others = other_runnable();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	vb_calibration_measure(cal);
	if (!vb_calibration_figures_ok(cal)) vb_die(VB_EXIT_USAGE, "roofline calibration measured no usable figures");
	if (others > BUSY_TASKS_PER_CPU * (double)(cpus > 0 ? cpus : 1)) {
		fprintf(stderr,
		        "vecbench: warning: %.1f other tasks were running during the roofline calibration: the "
		        "figures are used for this run but not cached\n",
		        others);
		size_t len = strlen(cal->source);
		snprintf(cal->source + len, sizeof cal->source - len, ", beside %.1f other running tasks, not cached",
		         others);
	} else if (!vb_calibration_consistent(cal)) {
		/* Kept for this run, but not cached: the next run measures again. */
		fprintf(stderr,
		        "vecbench: warning: sgemm (%.1f GFLOP/s) measured above the FMA loop's peak (%.1f): "
		        "the machine was busy; the calibration is not cached\n",
		        cal->sgemm_gflops, cal->fma_gflops);
		size_t len = strlen(cal->source);
		snprintf(cal->source + len, sizeof cal->source - len,
		         ", inconsistent (sgemm above the FMA peak), not cached");
	} else if (have_path) {
		cache_save(cal, path);
		size_t len = strlen(cal->source);
		snprintf(cal->source + len, sizeof cal->source - len, ", cached in %.900s", path);
	}
}

void vb_calibration_print(const vb_calibration *cal) {
	printf(
	    "== roofline: sgemm %.1f GFLOP/s (n=%d), STREAM triad %.1f GB/s (copy %.1f), FMA loop (%s) %.1f GFLOP/s, "
	    "%d threads ==\n   triad with the data in L1 %.1f GB/s, L2 %.1f, L3 %.1f (NaN: not measured)\n"
	    "   %s; --recalibrate to measure again\n",
	    cal->sgemm_gflops, cal->sgemm_n, cal->triad_gbs, cal->copy_gbs, cal->fma_isa, cal->fma_gflops, cal->threads,
	    cal->l1_gbs, cal->l2_gbs, cal->l3_gbs, cal->source);
	fflush(stdout);
}

void vb_calibration_to_context(const vb_calibration *cal, cJSON *ctx) {
	vb_calibration_put(ctx, "roofline_", cal);
	vb_json_set_str(ctx, "roofline_calibration", cal->source);
	vb_json_set_str(ctx, "peak_rss_scope", vb_memprof_rss_scope());
}

void vb_roofline_annotate(cJSON *root, const vb_calibration *cal) {
	cJSON *ctx = cJSON_GetObjectItemCaseSensitive(root, "context");
	if (cJSON_IsObject(ctx)) vb_calibration_to_context(cal, ctx);
	cJSON *b;
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(root, "benchmarks")) {
		const char *agg = vb_json_str(b, "aggregate_name", "");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "error_occurred")) ||
		    strcmp(vb_json_str(b, "device", ""), "cpu") ||
		    (*agg && strcmp(agg, "mean") && strcmp(agg, "median")))
			continue;
		double flops = vb_json_num(b, "flops_per_iteration"), bytes = vb_json_num(b, "bytes_per_iteration");
		double sec = vb_time_to_seconds(vb_json_num(b, "real_time"), vb_json_str(b, "time_unit", NULL));
		if (!(sec > 0) || isnan(flops) || isnan(bytes)) continue;
		vb_json_set_num(b, "arithmetic_intensity", bytes > 0 ? flops / bytes : NAN);
		vb_json_set_num(b, "achieved_gflops", flops / sec * 1e-9);
		vb_json_set_num(b, "achieved_gbs", bytes / sec * 1e-9);
		/* A data-parallel step runs on world_size ranks, each with the
		 * calibration's threads: its roof is theirs together, each rank's
		 * share of the work against one rank's roof (their bandwidths added:
		 * an upper bound where ranks share a memory bus). */
		double ranks = vb_json_num(b, "world_size");
		if (!(ranks > 1)) ranks = 1;
		/* the working set: inputs, outputs and the workspace the variant used */
		double io = vb_json_num(b, "io_bytes"), ws = vb_json_num(b, "workspace_bytes");
		double set = (io > 0 ? io / ranks : NAN) + (ws > 0 ? ws : 0);
		const char *level;
		vb_json_set_num(b, "roofline_bandwidth_gbs", ranks * vb_roofline_bandwidth(cal, set, &level) * 1e-9);
		vb_json_set_str(b, "roofline_level", level);
		double ceiling = bytes > 0 ? vb_roofline_ceiling_ws(cal, flops / bytes, set) : cal->sgemm_gflops;
		vb_json_set_num(b, "roofline_gflops", ranks * ceiling * 1e-9);
		vb_json_set_num(b, "roofline_pct", vb_roofline_pct_ws(cal, flops / ranks, bytes / ranks, sec, set));
	}
}
