/* `vecbench doctor` and the checks `run` makes before it times anything:
 * findings as one line each (what it costs, the fix), the BLAS core choice
 * (with a trial in a child process before this one re-executes on it), and
 * other processes' CPU time around the timed phase. */
#define _GNU_SOURCE
#include "doctor.h"

#include <cblas.h>
#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_shim.h"
#include "cli.h"
#include "harness.h"
#include "prof.h"

extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int);

/* ---- findings ---- */

enum { MAX_FINDINGS = 32 };
typedef struct {
	vb_severity sev;
	char id[32];
	char message[600];
	char fix[300];
} finding;
static finding findings[MAX_FINDINGS];
static int nfindings;
static const char *const SEVERITY[] = {"info", "warn", "error"};

void vb_doctor_add(vb_severity sev, const char *id, const char *fix, const char *fmt, ...) {
	if (nfindings == MAX_FINDINGS) return;
	finding *f = &findings[nfindings++];
	f->sev = sev;
	snprintf(f->id, sizeof f->id, "%s", id);
	snprintf(f->fix, sizeof f->fix, "%s", fix ? fix : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
}

int vb_doctor_print(FILE *out) {
	int errors = 0;
	for (int i = 0; i < nfindings; i++) {
		const finding *f = &findings[i];
		fprintf(out, "  [%s] %s%s%s\n", SEVERITY[f->sev], f->message, *f->fix ? "; fix: " : "", f->fix);
		errors += f->sev == VB_ERROR;
	}
	if (!nfindings) fprintf(out, "  no findings\n");
	fflush(out);
	return errors;
}

int vb_doctor_count(void) { return nfindings; }

void vb_doctor_print_from(FILE *out, int first) {
	for (int i = first; i < nfindings; i++)
		fprintf(out, "  [%s] %s%s%s\n", SEVERITY[findings[i].sev], findings[i].message,
		        *findings[i].fix ? "; fix: " : "", findings[i].fix);
}

/* ---- small readers ---- */

static int read_line(const char *path, char *buf, size_t len) {
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok) return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* ---- CPU features and OpenBLAS cores ---- */

/* ISA levels of OpenBLAS 0.3.21's x86-64 cores: 1 SSE3, 2 SSE4.2, 3 AVX,
 * 4 AVX2+FMA, 5 AVX-512 (F, BW, VL, DQ), 6 + AVX512_BF16, 7 + AMX. */
static const struct {
	const char *name;
	int level;
} CORES[] = {{"Prescott", 1},      {"Core2", 1},        {"Penryn", 1},    {"Dunnington", 1}, {"Atom", 1},
             {"Opteron", 1},       {"Opteron_SSE3", 1}, {"Barcelona", 1}, {"Bobcat", 1},     {"Nano", 1},
             {"Nehalem", 2},       {"Sandybridge", 3},  {"Bulldozer", 3}, {"Piledriver", 3}, {"Steamroller", 3},
             {"Haswell", 4},       {"Zen", 4},          {"Excavator", 4}, {"SkylakeX", 5},   {"Cooperlake", 6},
             {"SapphireRapids", 7}};
/* The best core of each level, the one auto tries. */
static const char *const BEST_OF_LEVEL[] = {"",        "Prescott", "Nehalem",    "Sandybridge",
                                            "Haswell", "SkylakeX", "Cooperlake", "SapphireRapids"};
static const char *const LEVEL_ISA[] = {"unknown",           "SSE3", "SSE4.2", "AVX", "AVX2", "AVX-512",
                                        "AVX-512 with BF16", "AMX"};

static int core_level(const char *name) {
	for (size_t i = 0; i < sizeof CORES / sizeof CORES[0]; i++)
		if (!strcasecmp(CORES[i].name, name)) return CORES[i].level;
	return 0;
}

/* The CPU's level from CPUID (and the OS's support, through __builtin_cpu_supports). */
static int cpu_level(char *features, size_t len) {
	__builtin_cpu_init();
	unsigned a, b, c, d, bf16 = 0, amx = 0;
	if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) bf16 = a >> 5 & 1;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) amx = d >> 24 & 1;
	int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
	int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	snprintf(features, len, "sse3=%d sse4.2=%d avx=%d avx2=%d fma=%d avx512f=%d avx512_bf16=%d amx_tile=%d",
	         !!__builtin_cpu_supports("sse3"), !!__builtin_cpu_supports("sse4.2"), !!__builtin_cpu_supports("avx"),
	         !!__builtin_cpu_supports("avx2"), !!__builtin_cpu_supports("fma"), !!__builtin_cpu_supports("avx512f"),
	         avx512 && bf16, avx512 && amx);
	if (avx512 && bf16 && amx) return 7;
	if (avx512 && bf16) return 6;
	if (avx512) return 5;
	if (avx2) return 4;
	if (__builtin_cpu_supports("avx")) return 3;
	if (__builtin_cpu_supports("sse4.2")) return 2;
	return 1;
}

void vb_cpu_features(char *buf, size_t len) { cpu_level(buf, len); }

/* ---- the BLAS core: state of this process ---- */

static struct {
	char detected[32]; /* the core OpenBLAS chose by itself (or that the user set) */
	char used[32];     /* the core this process runs */
	char why[400];
	int user_set; /* OPENBLAS_CORETYPE came from the user */
	int checked;
} blas;

/* The sgemm trial run in a child on a candidate core (and here on ours):
 * err/bound of a small product against float64, then the best rate of a
 * single-threaded n=320 sgemm. */
static void blas_trial(double *ratio, double *gflops) {
	enum { M = 61, K = 97, N = 83, S = 320 };
	static float A[S * S], B[S * S], C[S * S];
	uint64_t st = 12345;
	for (int i = 0; i < S * S; i++)
		A[i] = (float)((double)(vb_splitmix64(&st) >> 11) * 0x1p-53 * 2 - 1),
		B[i] = (float)((double)(vb_splitmix64(&st) >> 11) * 0x1p-53 * 2 - 1);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
	double worst = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double z = 0, mag = 0;
			for (int k = 0; k < K; k++)
				z += (double)A[i * K + k] * B[k * N + j],
				    mag += fabs((double)A[i * K + k] * B[k * N + j]);
			double r = fabs(C[i * N + j] - z) / (0x1p-24 * K * mag + 1e-30);
			worst = isfinite(r) ? fmax(worst, r) : INFINITY;
		}
	*ratio = worst;
	/* OpenBLAS's OpenMP build sets OpenMP's count too: both are restored */
	int threads = openblas_get_num_threads(), omp = omp_get_max_threads();
	openblas_set_num_threads(1);
	double best = INFINITY;
	for (int r = 0; r < 7; r++) {
		double t0 = vb_now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, S, S, 1.0f, A, S, B, S, 0.0f, C, S);
		best = fmin(best, vb_now() - t0);
	}
	openblas_set_num_threads(threads);
	omp_set_num_threads(omp);
	*gflops = 2.0 * S * S * (double)S / best * 1e-9;
}

const char vb_usage_blas_trial[] =
    "  blas-trial                                      (doctor's child) one line: core=NAME ratio=R gflops=G\n";

int vb_cmd_blas_trial(int argc, char **argv) {
	vb_args args;
	vb_args_start(&args, "blas-trial", vb_usage_blas_trial, argc, argv, NULL, 0, 0);
	vb_args_next(&args);
	double ratio, gflops;
	blas_trial(&ratio, &gflops);
	printf("core=%s ratio=%.6g gflops=%.6g\n", openblas_get_corename(), ratio, gflops);
	return 0;
}

/* Runs `vecbench blas-trial` with OPENBLAS_CORETYPE=core (NULL: unset).
 * Returns 0 with its figures, -1 when it crashed, hung or said nothing. */
static int trial_child(const char *core, char *loaded, size_t len, double *ratio, double *gflops) {
	int fd[2];
	if (pipe(fd) != 0) return -1;
	fflush(stdout), fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]), close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDOUT_FILENO);
		close(fd[1]);
		if (core)
			setenv("OPENBLAS_CORETYPE", core, 1);
		else
			unsetenv("OPENBLAS_CORETYPE");
		setenv("OMP_NUM_THREADS", "1", 1);
		alarm(30); /* a core that hangs counts as one that crashed */
		char *args[] = {"vecbench", "blas-trial", NULL};
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(fd[1]);
	char buf[256] = "";
	size_t got = 0;
	ssize_t r;
	while (got < sizeof buf - 1 && (r = read(fd[0], buf + got, sizeof buf - 1 - got)) != 0) {
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) break;
		got += (size_t)r;
	}
	buf[got] = 0;
	close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	char name[64];
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    sscanf(buf, "core=%63s ratio=%lf gflops=%lf", name, ratio, gflops) != 3)
		return -1;
	snprintf(loaded, len, "%s", name);
	return 0;
}

static void reexec(const char *core, char **argv) {
	setenv("OPENBLAS_CORETYPE", core, 1);
	setenv("VB_BLAS_CORE_DETECTED", blas.detected, 1);
	setenv("VB_BLAS_CORE_WHY", blas.why, 1);
	fflush(stdout), fflush(stderr);
	execv("/proc/self/exe", argv);
	vb_die(VB_EXIT_USAGE, "cannot re-execute /proc/self/exe with OPENBLAS_CORETYPE=%s: %s", core, strerror(errno));
}

/* The core this process runs, what OpenBLAS would choose by itself, and
 * whether OPENBLAS_CORETYPE came from the user. A re-executed process knows
 * from VB_BLAS_CORE_DETECTED; tests simulate a misdetection with
 * VB_TEST_CORETYPE_AS_DETECTED=1 (OPENBLAS_CORETYPE then counts as the
 * library's own choice). */
static void blas_state(void) {
	if (blas.checked) return;
	blas.checked = 1;
	snprintf(blas.used, sizeof blas.used, "%s", openblas_get_corename());
	const char *env = getenv("OPENBLAS_CORETYPE"), *marker = getenv("VB_BLAS_CORE_DETECTED");
	const char *simulated = getenv("VB_TEST_CORETYPE_AS_DETECTED");
	if (env && *env && marker && *marker) {
		snprintf(blas.detected, sizeof blas.detected, "%s", marker);
		const char *why = getenv("VB_BLAS_CORE_WHY");
		snprintf(blas.why, sizeof blas.why, "%s", why ? why : "chosen by vecbench");
	} else {
		snprintf(blas.detected, sizeof blas.detected, "%s", blas.used);
		blas.user_set = env && *env && !(simulated && !strcmp(simulated, "1"));
		snprintf(blas.why, sizeof blas.why, "%s",
		         blas.user_set ? "OPENBLAS_CORETYPE set in the environment: the user's choice"
		                       : "OpenBLAS's own choice for this CPU");
	}
}

/* Tries the better cores, best first; fills best with the first that computes
 * right and is not slower than ours. Returns 0 when one was found. */
static int try_better_cores(int level, char *best, size_t len, char *note, size_t notelen) {
	double my_ratio, my_gflops;
	blas_trial(&my_ratio, &my_gflops);
	snprintf(note, notelen, "no better core offered");
	for (int l = level; l > core_level(blas.used); l--) {
		char loaded[64];
		double ratio, gflops;
		if (trial_child(BEST_OF_LEVEL[l], loaded, sizeof loaded, &ratio, &gflops) != 0) {
			snprintf(note, notelen, "%s crashed in a trial", BEST_OF_LEVEL[l]);
			continue;
		}
		if (core_level(loaded) <= core_level(blas.used)) continue; /* the library does not offer it */
		if (!(ratio <= 1)) {
			snprintf(note, notelen, "%s computed wrongly in a trial (sgemm err/bound %.3g)", loaded, ratio);
			continue;
		}
		if (gflops < 0.9 * my_gflops) {
			snprintf(note, notelen, "%s was slower in a trial (%.1f vs %.1f GFLOP/s)", loaded, gflops,
			         my_gflops);
			continue;
		}
		snprintf(best, len, "%s", loaded);
		snprintf(note, notelen, "trial sgemm n=320, 1 thread: %s %.1f GFLOP/s vs %s %.1f, err/bound %.2g",
		         loaded, gflops, blas.used, my_gflops, ratio);
		return 0;
	}
	return -1;
}

static int find_better_core(int level, char *best, size_t len, char *note, size_t notelen) {
	static int tried, found; /* the doctor and run ask once per process */
	static char best_seen[64], note_seen[200];
	if (!tried) {
		tried = 1;
		found = try_better_cores(level, best_seen, sizeof best_seen, note_seen, sizeof note_seen) == 0;
	}
	snprintf(best, len, "%s", best_seen);
	snprintf(note, notelen, "%s", note_seen);
	return found ? 0 : -1;
}

void vb_blas_core_select(const char *mode, char **argv) {
	blas_state();
	const char *marker = getenv("VB_BLAS_CORE_DETECTED");
	if (marker && *marker && getenv("OPENBLAS_CORETYPE")) return; /* re-executed already */
	if (!strcmp(mode, "asis")) return;
	if (strcmp(mode, "auto") != 0) {
		if (!core_level(mode))
			vb_die(VB_EXIT_USAGE, "bad --blas-core '%s': expected auto, asis or an OpenBLAS core name",
			       mode);
		if (!strcasecmp(mode, blas.used)) return;
		snprintf(blas.why, sizeof blas.why, "--blas-core %s", mode);
		printf("vecbench: OpenBLAS runs %s; re-running on %s (--blas-core)\n", blas.used, mode);
		reexec(mode, argv);
	}
	if (blas.user_set) return; /* reported by the doctor, never overridden */
	char features[160], best[64], note[200];
	int level = cpu_level(features, sizeof features);
	if (core_level(blas.used) >= level || core_level(blas.used) == 0) return;
	if (find_better_core(level, best, sizeof best, note, sizeof note) != 0) {
		snprintf(blas.why, sizeof blas.why, "OpenBLAS's own choice, below this CPU's %s; kept: %s",
		         LEVEL_ISA[level], note);
		return;
	}
	snprintf(blas.why, sizeof blas.why, "auto: OpenBLAS chose %s, below this CPU's %s; %s", blas.used,
	         LEVEL_ISA[level], note);
	printf("vecbench: OpenBLAS chose %s, below this CPU's %s: re-running on %s (%s; --blas-core asis keeps it)\n",
	       blas.used, LEVEL_ISA[level], best, note);
	reexec(best, argv);
}

static void check_blas(void) {
	blas_state();
	char features[160];
	int level = cpu_level(features, sizeof features), have = core_level(blas.used);
	if (strcmp(blas.detected, blas.used) != 0) {
		vb_doctor_add(VB_INFO, "blas_core", "", "OpenBLAS chose %s by itself; this process runs %s (%s)",
		              blas.detected, blas.used, blas.why);
	}
	if (!have) {
		vb_doctor_add(VB_WARN, "blas_core", "", "OpenBLAS core %s is not one vecbench knows; CPU: %s",
		              blas.used, features);
		return;
	}
	if (have >= level) {
		if (!strcmp(blas.detected, blas.used))
			vb_doctor_add(VB_INFO, "blas_core", "", "OpenBLAS core %s matches this CPU's %s (%s)",
			              blas.used, LEVEL_ISA[level], blas.why);
		return;
	}
	char best[64] = "", note[200] = "", fix[300];
	int better = find_better_core(level, best, sizeof best, note, sizeof note) == 0;
	if (blas.user_set)
		snprintf(
		    fix, sizeof fix,
		    "unset OPENBLAS_CORETYPE or set it to %s%s (it is your setting: run --blas-core auto leaves it)",
		    better ? best : BEST_OF_LEVEL[level], better ? "" : ", though no better core passed a trial");
	else
		snprintf(fix, sizeof fix,
		         "`vecbench run` (--blas-core auto) re-runs on %s; elsewhere OPENBLAS_CORETYPE=%s",
		         better ? best : "none (no better core passed a trial)", better ? best : BEST_OF_LEVEL[level]);
	vb_doctor_add(better ? VB_ERROR : VB_WARN, "blas_core", fix,
	              "OpenBLAS runs its %s (%s) kernels on a CPU with %s%s: every sgemm-based vec time is slower "
	              "than this machine can do (%s)",
	              blas.used, LEVEL_ISA[have], LEVEL_ISA[level], blas.user_set ? ", as OPENBLAS_CORETYPE says" : "",
	              note);
}

/* ---- threads ---- */

static double cgroup_quota(void) {
	char line[512], path[700], v[128];
	if (read_line("/proc/self/cgroup", line, sizeof line) != 0 || strncmp(line, "0::", 3) != 0) return INFINITY;
	snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", line + 3);
	if (read_line(path, v, sizeof v) != 0 && read_line("/sys/fs/cgroup/cpu.max", v, sizeof v) != 0) return INFINITY;
	double quota, period;
	if (sscanf(v, "%lf %lf", &quota, &period) != 2 || !(period > 0)) return INFINITY; /* "max 100000" */
	return quota / period;
}

static int affinity_cpus(cpu_set_t *set) {
	CPU_ZERO(set);
	if (sched_getaffinity(0, sizeof *set, set) != 0) return (int)sysconf(_SC_NPROCESSORS_ONLN);
	return CPU_COUNT(set);
}

double vb_cpus_allowed(void) {
	cpu_set_t set;
	return fmin(affinity_cpus(&set), cgroup_quota());
}

static void check_threads(void) {
	/* OpenMP runtimes mapped into this process */
	const char *const RUNTIMES[] = {"libgomp", "libomp.so", "libiomp5"};
	char found[128] = "";
	int nrt = 0;
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[1024];
	while (maps && fgets(line, sizeof line, maps))
		for (int r = 0; r < 3; r++)
			if (strstr(line, RUNTIMES[r]) && !strstr(found, RUNTIMES[r])) {
				size_t len = strlen(found);
				snprintf(found + len, sizeof found - len, "%s%s", nrt ? ", " : "", RUNTIMES[r]);
				nrt++;
			}
	if (maps) fclose(maps);
	if (nrt > 1)
		vb_doctor_add(VB_ERROR, "openmp_runtimes",
		              "link one OpenMP runtime (OpenBLAS's OpenMP build with libgomp)",
		              "two OpenMP runtimes in one process (%s): each keeps its own thread pool, so threaded "
		              "kernels oversubscribe the CPUs",
		              found);
	const char *config = openblas_get_config();
	if (!strstr(config, "USE_OPENMP"))
		vb_doctor_add(
		    VB_WARN, "openblas_threading", "install libopenblas-openmp-dev (OpenBLAS's OpenMP build)",
		    "OpenBLAS is not its OpenMP build (%s): its pthreads pool and the kernels' OpenMP threads "
		    "compete for the CPUs",
		    config);
	/* counts against what the process may use */
	cpu_set_t set;
	int affinity = affinity_cpus(&set), omp = omp_get_max_threads(), ob = openblas_get_num_threads();
	double quota = cgroup_quota(), allowed = fmin(affinity, quota);
	char quota_s[64] = "no cgroup quota";
	if (isfinite(quota)) snprintf(quota_s, sizeof quota_s, "cgroup cpu.max %.2f CPUs", quota);
	if (omp > allowed + 1e-9)
		vb_doctor_add(VB_ERROR, "threads",
		              "set OMP_NUM_THREADS to the CPUs the process may use (or widen its affinity/quota)",
		              "%d OpenMP threads on %.3g CPUs (affinity %d, %s): threaded kernels oversubscribe, their "
		              "times include waiting for a CPU",
		              omp, allowed, affinity, quota_s);
	else if (omp < allowed - 1e-9)
		vb_doctor_add(
		    VB_INFO, "threads", "unset OMP_NUM_THREADS to use them all",
		    "%d OpenMP threads on %.3g usable CPUs (affinity %d, %s): the vec variants use part of the "
		    "machine",
		    omp, allowed, affinity, quota_s);
	else
		vb_doctor_add(VB_INFO, "threads", "",
		              "%d OpenMP threads, OpenBLAS %d, on %.3g usable CPUs (affinity %d, %s)", omp, ob, allowed,
		              affinity, quota_s);
	if (ob != omp)
		vb_doctor_add(
		    VB_WARN, "threads", "set OPENBLAS_NUM_THREADS and OMP_NUM_THREADS alike (or neither)",
		    "OpenBLAS uses %d threads, the OpenMP kernels %d: sgemm and SIMD variants run on different "
		    "thread counts",
		    ob, omp);
	/* SMT: hardware threads sharing a core among the usable CPUs */
	int first = -1;
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &set)) first = c;
	char path[128], sib[128];
	snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
	         first < 0 ? 0 : first);
	if (read_line(path, sib, sizeof sib) == 0 && (strchr(sib, ',') || strchr(sib, '-')))
		vb_doctor_add(
		    VB_INFO, "smt", "",
		    "CPU %d shares its core with SMT siblings (%s): two threads on one core share its FMA units, "
		    "so per-thread peaks halve",
		    first, sib);
	/* the settings that steer it */
	extern char **environ;
	char env[400] = "";
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "OMP_", 4) || !strncmp(*e, "OPENBLAS_", 9) || !strncmp(*e, "GOMP_", 5) ||
		    !strncmp(*e, "KMP_", 4)) {
			size_t len = strlen(env);
			snprintf(env + len, sizeof env - len, "%s%s", len ? " " : "", *e);
		}
	if (*env) vb_doctor_add(VB_INFO, "thread_env", "", "threading settings in the environment: %s", env);
}

/* ---- frequency ---- */

/* The clock this thread runs at: a chain of dependent register adds retires
 * one per cycle; best of 20 windows of ~1 ms (a busy CPU only lowers a
 * window). Register, not immediate, operands: Golden Cove cores (Sapphire
 * Rapids) fold immediate adds at rename, and such a chain read 7 GHz there. */
static double measured_ghz(void) {
	double best = INFINITY;
	const long n = 250000;
	for (int w = 0; w < 20; w++) {
		unsigned long x = 0, one = 1;
		double t0 = vb_now();
		for (long i = 0; i < n; i++)
			__asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
			                 "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
			                 : "+r"(x)
			                 : "r"(one));
		best = fmin(best, vb_now() - t0);
	}
	return 8.0 * n / best * 1e-9;
}

/* The nominal clock: "@ 2.60GHz" in the model name, else cpuinfo's "cpu MHz". */
static double nominal_ghz(const char **source) {
	char model[256];
	vb_cpu_model(model, sizeof model);
	const char *at = strstr(model, "@ ");
	double ghz;
	if (at && sscanf(at + 2, "%lfGHz", &ghz) == 1 && ghz > 0) {
		*source = "the model name";
		return ghz;
	}
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	double mhz = NAN;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1) break;
	if (f) fclose(f);
	*source = "/proc/cpuinfo's cpu MHz";
	return mhz / 1000;
}

static void check_frequency(void) {
	const char *nominal_from = "";
	double ghz = measured_ghz(), nominal = nominal_ghz(&nominal_from);
	if (nominal > 0 && ghz < 0.8 * nominal)
		vb_doctor_add(
		    VB_WARN, "clock", "check the power profile and the machine's load; time on an idle machine",
		    "this thread ran at %.2f GHz (dependent adds), below the nominal %.2f GHz (%s): a throttled, "
		    "power-saving or shared CPU slows every variant",
		    ghz, nominal, nominal_from);
	else
		vb_doctor_add(VB_INFO, "clock", "",
		              "this thread ran at %.2f GHz (dependent adds); nominal %.2f GHz (%s)", ghz, nominal,
		              nominal_from);
	char gov[64], boost[16];
	if (read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof gov) != 0) {
		vb_doctor_add(
		    VB_INFO, "frequency", "",
		    "no cpufreq interface (typical of a VM): governor and boost are the host's, not visible here");
		return;
	}
	if (strcmp(gov, "performance") != 0)
		vb_doctor_add(VB_WARN, "frequency", "cpupower frequency-set -g performance (as root)",
		              "CPU governor '%s': the clock ramps up under load, so the first repetitions run slower",
		              gov);
	else
		vb_doctor_add(VB_INFO, "frequency", "", "CPU governor performance");
	if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", boost, sizeof boost) == 0)
		vb_doctor_add(VB_INFO, "boost", "", "turbo %s (intel_pstate): %s", boost[0] == '1' ? "off" : "on",
		              boost[0] == '1' ? "steady clock, lower peak"
		                              : "higher peak, clock varies with load and heat");
	else if (read_line("/sys/devices/system/cpu/cpufreq/boost", boost, sizeof boost) == 0)
		vb_doctor_add(VB_INFO, "boost", "", "boost %s: %s", boost[0] == '1' ? "on" : "off",
		              boost[0] == '1' ? "higher peak, clock varies with load and heat"
		                              : "steady clock, lower peak");
}

/* ---- contention ---- */

/* utime + stime of a process: fields 14 and 15, after the command in parentheses. */
static double process_cpu_seconds(const char *path, double tick) {
	/* read, not vb_read_file: /proc files report a size of 0 */
	char stat[1024] = "";
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(stat, sizeof stat, f)) stat[0] = 0;
		fclose(f);
	}
	const char *p = strrchr(stat, ')');
	unsigned long long ut, stime;
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stime) == 2)
		return (double)(ut + stime) / tick;
	return 0;
}

void vb_cpu_sample_take(vb_cpu_sample *s) {
	memset(s, 0, sizeof *s);
	s->wall = vb_now();
	double tick = (double)sysconf(_SC_CLK_TCK);
	cpu_set_t set;
	affinity_cpus(&set);
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		int cpu;
		unsigned long long v[8] = {0};
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3],
		           &v[4], &v[5], &v[6], &v[7]) == 9) {
			if (cpu >= 0 && cpu < CPU_SETSIZE &&
			    CPU_ISSET(cpu, &set)) /* user nice system irq softirq steal */
				s->busy += (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick;
		} else {
			sscanf(line, "procs_running %lf", &s->running);
		}
	}
	if (f) fclose(f);
	/* Ours: this process and the peer worker that runs torch and numpy for it. */
	s->own = process_cpu_seconds("/proc/self/stat", tick);
	int worker = vb_peer_worker_pid();
	if (worker > 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/stat", worker);
		s->own += process_cpu_seconds(path, tick);
	}
}

double vb_cpu_others(const vb_cpu_sample *a, const vb_cpu_sample *b) {
	return fmax(0, (b->busy - a->busy) - (b->own - a->own));
}

double vb_cpu_sample_slack(void) { return (vb_cpus_allowed() + 1) / (double)sysconf(_SC_CLK_TCK); }

static struct {
	int measured, contended;
	double others_cpus, allowed, seconds, load_before[3], load_after[3], running;
} contention;

static void loadavg(double *l) {
	char s[128];
	l[0] = l[1] = l[2] = NAN;
	if (read_line("/proc/loadavg", s, sizeof s) == 0) sscanf(s, "%lf %lf %lf", &l[0], &l[1], &l[2]);
}

static void check_idle(void) {
	vb_cpu_sample a, b;
	loadavg(contention.load_before);
	vb_cpu_sample_take(&a);
	nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
	vb_cpu_sample_take(&b);
	double allowed = vb_cpus_allowed(), others = fmin(vb_cpu_others(&a, &b) / (b.wall - a.wall), allowed);
	if (vb_cpu_others(&a, &b) - vb_cpu_sample_slack() > VB_CONTENDED_SHARE * allowed * (b.wall - a.wall))
		vb_doctor_add(
		    VB_ERROR, "contention", "time on an idle machine (stop the other jobs, or wait)",
		    "other processes used %.2f of the %.3g usable CPUs over %.1f s before the run (load average "
		    "%.2f, %.0f runnable): timings will be slower and spread, threaded ones most",
		    others, allowed, b.wall - a.wall, contention.load_before[0], b.running);
	else
		vb_doctor_add(VB_INFO, "contention", "", "other processes used %.2f of %.3g usable CPUs over %.1f s",
		              others, allowed, b.wall - a.wall);
}

void vb_contention_record(const vb_cpu_sample *before, const vb_cpu_sample *after) {
	double wall = after->wall - before->wall;
	contention.measured = 1;
	contention.seconds = wall;
	contention.allowed = vb_cpus_allowed();
	/* jiffy counters: a short phase can read slightly above the CPUs there are */
	contention.others_cpus = wall > 0 ? fmin(vb_cpu_others(before, after) / wall, contention.allowed) : 0;
	contention.running = after->running;
	loadavg(contention.load_after);
	contention.contended =
	    vb_cpu_others(before, after) - vb_cpu_sample_slack() > VB_CONTENDED_SHARE * contention.allowed * wall;
	if (contention.contended)
		vb_doctor_add(
		    VB_ERROR, "contended", "time on an idle machine; `vecbench compare` refuses this run",
		    "contended: other processes used %.2f of the %.3g usable CPUs during the %.2g s timed phase "
		    "(load average %.2f after): these times are slower and noisier than the machine's",
		    contention.others_cpus, contention.allowed, wall, contention.load_after[0]);
}

int vb_contended(void) { return contention.contended; }

/* ---- calibration, Google Benchmark ---- */

void vb_doctor_check_calibration(double sgemm_gflops, double fma_gflops, const char *fma_isa) {
	if (sgemm_gflops > 0 && fma_gflops > 0 && sgemm_gflops < 0.5 * fma_gflops)
		vb_doctor_add(
		    VB_ERROR, "calibration", "check the BLAS core finding above; --recalibrate on an idle machine",
		    "the sgemm roof (%.1f GFLOP/s) is below half of the %s FMA peak (%.1f): a BLAS core below the "
		    "CPU, or a busy machine while it was measured, made the compute roof low, and %%roof overstates "
		    "every compute-bound kernel",
		    sgemm_gflops, fma_isa, fma_gflops);
}

void vb_doctor_check_above_roof(const cJSON *benchmarks) {
	int above = 0;
	double worst = 0;
	const char *name = "", *level = "";
	const cJSON *b;
	cJSON_ArrayForEach(b, benchmarks) {
		const cJSON *pct = cJSON_GetObjectItemCaseSensitive(b, "roofline_pct"),
		            *dev = cJSON_GetObjectItemCaseSensitive(b, "device");
		if (!cJSON_IsNumber(pct) || !cJSON_IsString(dev) || strcmp(dev->valuestring, "cpu") != 0 ||
		    !(pct->valuedouble > 100))
			continue;
		above++;
		if (pct->valuedouble > worst) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "name"),
			            *l = cJSON_GetObjectItemCaseSensitive(b, "roofline_level");
			worst = pct->valuedouble;
			name = cJSON_IsString(n) ? n->valuestring : "";
			level = cJSON_IsString(l) ? l->valuestring : "";
		}
	}
	if (above)
		vb_doctor_add(
		    VB_ERROR, "above_roof", "vecbench run --recalibrate on an idle machine",
		    "%d result(s) above the roof of their level, worst %s at %.0f%% of its %s roof: that roof "
		    "was measured low (a busy machine), so every %%roof against it is too high",
		    above, name, worst, level);
}

void vb_doctor_check_build_type(const char *type) {
	if (type && !strcmp(type, "debug"))
		vb_doctor_add(
		    VB_INFO, "benchmark_build", "",
		    "Google Benchmark says library_build_type \"debug\": that is the flag libbenchmark itself was "
		    "built with (Debian's package defines no NDEBUG); it times vecbench's kernels, which are "
		    "compiled with vecbench's own flags (context.flags), so the timed code is optimised");
}

/* ---- results ---- */

void vb_doctor_to_context(cJSON *ctx) {
	blas_state();
	cJSON_DeleteItemFromObjectCaseSensitive(ctx, "doctor");
	cJSON *arr = cJSON_AddArrayToObject(ctx, "doctor");
	for (int i = 0; i < nfindings; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", findings[i].id);
		cJSON_AddStringToObject(o, "severity", SEVERITY[findings[i].sev]);
		cJSON_AddStringToObject(o, "message", findings[i].message);
		cJSON_AddStringToObject(o, "fix", findings[i].fix);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddStringToObject(ctx, "blas_core_detected", blas.detected);
	cJSON_AddStringToObject(ctx, "blas_core_used", blas.used);
	cJSON_AddStringToObject(ctx, "blas_core_why", blas.why);
	if (contention.measured) {
		cJSON_AddBoolToObject(ctx, "contended", contention.contended);
		cJSON_AddNumberToObject(ctx, "contention_other_cpus", contention.others_cpus);
		cJSON_AddNumberToObject(ctx, "contention_usable_cpus", contention.allowed);
		cJSON_AddNumberToObject(ctx, "contention_seconds", contention.seconds);
		if (isfinite(contention.load_before[0]))
			cJSON_AddNumberToObject(ctx, "loadavg_before", contention.load_before[0]);
		if (isfinite(contention.load_after[0]))
			cJSON_AddNumberToObject(ctx, "loadavg_after", contention.load_after[0]);
	}
}

void vb_doctor_check_stack(void) {
	check_blas();
	check_threads();
	check_frequency();
	check_idle();
}

static void noop_bench(vb_bm_state *st, void *arg) {
	(void)arg;
	while (vb_bm_keep_running(st)) {
	}
}

/* Google Benchmark states its build type only in its output's context: one
 * no-op benchmark of one iteration, written to a temporary file, tells it. */
static void gbench_build_type(char *type, size_t len) {
	snprintf(type, len, "unknown");
	const char *tmpdir = getenv("TMPDIR");
	char tmp[4096], flag[4200];
	snprintf(tmp, sizeof tmp, "%s/vecbench-doctor-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmp);
	if (fd < 0) return;
	close(fd);
	snprintf(flag, sizeof flag, "--benchmark_out=%s", tmp);
	char *args[] = {"vecbench", flag, "--benchmark_out_format=json", NULL};
	int n = 3;
	const char *bad;
	if (vb_bm_init(&n, args, &bad) == 0) {
		vb_bm_register("doctor_noop", noop_bench, NULL, &(vb_bm_opts){.iterations = 1});
		vb_bm_run(1);
		vb_bm_clear();
		char *text = vb_read_file(tmp, 1 << 20, NULL);
		cJSON *o = text ? cJSON_Parse(text) : NULL;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "context"),
		                                                  "library_build_type");
		if (cJSON_IsString(t)) snprintf(type, len, "%s", t->valuestring);
		cJSON_Delete(o);
		free(text);
	}
	unlink(tmp);
}

const char vb_usage_doctor[] =
    "  doctor                                          what in the stack would falsify timings, one line\n"
    "                                                  each with its cost and fix; exit 1 when one does\n";

int vb_cmd_doctor(int argc, char **argv) {
	vb_args args;
	vb_args_start(&args, "doctor", vb_usage_doctor, argc, argv, NULL, 0, 0);
	vb_args_next(&args);
	char cpu[160], features[160];
	vb_cpu_model(cpu, sizeof cpu);
	cpu_level(features, sizeof features);
	printf("vecbench doctor: %s (%s); %s\n", cpu, features, openblas_get_config());
	vb_doctor_check_stack();
	vb_calibration cal;
	if (vb_calibration_cached(&cal) == 0) {
		vb_doctor_add(VB_INFO, "calibration", "",
		              "cached roofline: sgemm %.1f GFLOP/s, FMA loop (%s) %.1f, STREAM triad %.1f GB/s (%s)",
		              cal.sgemm_gflops, cal.fma_isa, cal.fma_gflops, cal.triad_gbs, cal.source);
		vb_doctor_check_calibration(cal.sgemm_gflops, cal.fma_gflops, cal.fma_isa);
	}
	char type[32];
	gbench_build_type(type, sizeof type);
	vb_doctor_check_build_type(type);
	int errors = vb_doctor_print(stdout);
	if (errors) printf("%d finding(s) falsify timings on this machine as it is now\n", errors);
	return errors ? VB_EXIT_FAIL : VB_EXIT_OK;
}
