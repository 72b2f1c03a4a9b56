/* `vecbench run --count-instructions`: instruction counts per kernel call
 * under valgrind's callgrind, a figure that does not move with the machine's
 * load, so a CI machine can gate on it. The parent checks the kernels
 * natively, then runs itself again under callgrind as a counting child:
 * collection is on only inside vb_count_calls (--toggle-collect) and
 * callgrind dumps the counts on leaving it (--dump-after), one file per
 * kernel, in the order the child announces in a manifest. One thread, a
 * fixed number of calls and a fresh child per kernel make the counts
 * reproducible to the instruction: nothing a kernel runs may depend on what
 * ran before it (a malloc does: its cost follows the heap's state, which is
 * why the kernels keep out of OpenMP regions they do not need, vmath.h's
 * VF_PAR_FOR). A kernel valgrind cannot run (an instruction it does not
 * decode, such as AVX-512) is reported as not counted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "inject.h"
#include "prof.h"

#define COUNT_CALLS 20 /* a multiple of 4 and 10: injected 10% and 25% are whole calls */
#define COUNT_WARMUP 2 /* lazy binding, BLAS buffers, scratch growth happen before counting */
#define ENV_MANIFEST "VB_COUNT_MANIFEST"
#define ENV_SKIP "VB_COUNT_SKIP"

void vb_regress_context_register(void) {
	char id[256];
	vb_machine_id(id, sizeof id);
	vb_bm_add_context("machine_id", id);
	const char *inj = getenv(VB_ENV_INJECT);
	if (inj && *inj) vb_bm_add_context("inject_slowdown", inj);
}

/* ---- the counted region ---- */

/* Callgrind collects inside this function only and dumps on leaving it, so it
 * must keep its name: no inlining, no cloning. */
#if defined(__GNUC__) && !defined(__clang__)
#define VB_KEEP_SYMBOL __attribute__((noipa, used))
#else
#define VB_KEEP_SYMBOL __attribute__((noinline, used))
#endif
VB_KEEP_SYMBOL void vb_count_calls(const vb_variant *v, const vb_call *call, vb_arena *ws, int calls, vb_inject *inj);
VB_KEEP_SYMBOL void vb_count_calls(const vb_variant *v, const vb_call *call, vb_arena *ws, int calls, vb_inject *inj) {
	for (int i = 0; i < calls; i++) {
		vb_arena_reset(ws);
		v->fn(call);
		if (inj->pct > 0) vb_inject_after_call(inj, v, call, ws);
	}
}

/* The kernels counted, in one order for parent and child. */
typedef struct {
	const vb_op *op;
	int vi;
	int64_t dim[VB_MAX_DIMS];
	char name[256];
	double ratio; /* check err/bound; INFINITY failed, NAN not checked */
	double instructions;
	char why[200]; /* why it was not counted */
} kernel;

/* Variants that need an instruction set beyond the build's (cpu_feature:
 * AVX-512 extensions) are left out: valgrind does not run them, so the
 * counting child would find them unavailable where this process does not. */
static int countable(const vb_select *s, const vb_variant *v) {
	return v->device == VB_CPU && !v->cpu_feature && vb_select_variant(s, v) && !vb_variant_unavailable(v);
}

static kernel *list_kernels(const vb_select *s, const vb_case *cases, int ncases, int *n) {
	kernel *k = calloc((size_t)ncases * VB_MAX_VARIANTS + 1, sizeof *k);
	if (!k) vb_die(VB_EXIT_USAGE, "out of memory");
	*n = 0;
	for (int i = 0; i < ncases; i++)
		for (int v = 0; v < vb_op_nvariants(cases[i].op); v++) {
			if (!countable(s, &cases[i].op->variants[v])) continue;
			kernel *x = &k[(*n)++];
			x->op = cases[i].op;
			x->vi = v;
			memcpy(x->dim, cases[i].dim, sizeof x->dim);
			char d[200];
			vb_dims_format(x->op, x->dim, '/', d, sizeof d);
			snprintf(x->name, sizeof x->name, "%s/%s/%s", x->op->name, x->op->variants[v].name, d);
			x->ratio = x->instructions = NAN;
		}
	return k;
}

/* The counting child: inputs as `run` makes them for kernel `skip` only,
 * warm-up calls, then the counted calls, announced in the manifest before
 * and after. */
static int count_child(const vb_select *s, const char *manifest, const char *skip_s) {
	vb_case *cases;
	int ncases = vb_select_cases(s, &cases), n;
	kernel *k = list_kernels(s, cases, ncases, &n);
	long skip = strtol(skip_s ? skip_s : "0", NULL, 10);
	FILE *m = fopen(manifest, "a");
	if (!m) vb_die(VB_EXIT_USAGE, "cannot write %s: %s", manifest, strerror(errno));
	for (int i = (int)(skip > 0 ? skip : 0); i < n && i <= skip; i++) {
		const vb_variant *v = &k[i].op->variants[k[i].vi];
		vb_tensors ref, ts;
		if (vb_tensors_alloc(&ref, k[i].op, k[i].dim, VB_F64) != 0 || vb_fill_inputs(&ref, s->seed, 1.0) != 0 ||
		    vb_tensors_alloc(&ts, k[i].op, k[i].dim, v->dtype) != 0)
			vb_die(VB_EXIT_USAGE, "out of memory allocating the tensors of %s", k[i].name);
		vb_tensors_convert(&ts, &ref, 1);
		vb_tensors_free(&ref);
		vb_arena *ws = vb_arena_new();
		vb_call call = {.dim = ts.dim, .t = ts.ptr, .ws = ws};
		for (int w = 0; w < COUNT_WARMUP; w++) {
			vb_arena_reset(ws);
			v->fn(&call);
		}
		vb_inject inj = vb_inject_for(k[i].op, v);
		fprintf(m, "begin %s\n", k[i].name);
		fflush(m);
		/* Test-only: a kernel that dies under valgrind, to test the restart. */
		const char *crash = getenv("VB_COUNT_TEST_CRASH");
		if (crash && !strcmp(crash, k[i].name)) raise(SIGSEGV);
		vb_count_calls(v, &call, ws, COUNT_CALLS, &inj);
		fprintf(m, "done %s\n", k[i].name);
		fflush(m);
		vb_arena_free(ws);
		vb_tensors_free(&ts);
	}
	fclose(m);
	free(k);
	free(cases);
	return 0;
}

/* ---- the parent ---- */

static int find_in_path(const char *prog, char *out, size_t len) {
	const char *path = getenv("PATH");
	if (!path || !*path) path = "/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		snprintf(out, len, "%.*s/%s", (int)l, p, prog);
		if (l && access(out, X_OK) == 0) return 0;
		p += l + (p[l] == ':');
	}
	return -1;
}

/* The total of one callgrind dump file, or NAN. */
static double dump_total(const char *path) {
	FILE *f = fopen(path, "r");
	if (!f) return NAN;
	char line[512];
	double total = NAN;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "totals:", 7) || (isnan(total) && !strncmp(line, "summary:", 8))) {
			char *end;
			double v = strtod(strchr(line, ':') + 1, &end);
			if (end != strchr(line, ':') + 1 && v >= 0) total = v;
		}
	fclose(f);
	return total;
}

/* Why the child stopped early, from its valgrind log. */
static void child_failure(const char *log, int status, char *why, size_t len) {
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(why, len, "valgrind could not be started");
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(why, len, "the counting child was killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, len, "the counting child exited with status %d", WEXITSTATUS(status));
	FILE *f = fopen(log, "r");
	if (!f) return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strstr(line, "unhandled instruction")) {
			snprintf(why, len, "valgrind cannot run it: an instruction it does not decode (e.g. AVX-512)");
			break;
		}
		static const char term[] = "Process terminating with default action of signal";
		char *sig = strstr(line, term);
		if (sig) {
			sig += sizeof term - 1;
			sig += strspn(sig, " ");
			snprintf(why, len, "it crashed under valgrind (signal %.*s)", (int)strcspn(sig, "\n"), sig);
		}
	}
	fclose(f);
}

static void valgrind_version(const char *log, char *out, size_t len) {
	snprintf(out, len, "valgrind");
	FILE *f = fopen(log, "r");
	if (!f) return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		char *v = strstr(line, "Using Valgrind-");
		if (v) {
			v += 6;
			snprintf(out, len, "valgrind-%.*s", (int)strcspn(v + 9, " \n"), v + 9);
			break;
		}
	}
	fclose(f);
}

static void remove_tree(const char *dir) {
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char p[4200];
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(dir);
}

#ifndef VB_FLAGS_KERNELS_COUNT
#define VB_FLAGS_KERNELS_COUNT "unknown"
#endif

/* The build's counting twin (CMakeLists.txt: no CUDA, AVX2 kernels) next to
 * this executable when there is one, else this executable. Returns 1 for the twin. */
static int counting_binary(char *self) {
	char *slash = strrchr(self, '/');
	if (!slash) return 0;
	char saved[32];
	snprintf(saved, sizeof saved, "%s", slash + 1);
	strcpy(slash + 1, "vecbench-count");
	if (access(self, X_OK) == 0) return 1;
	strcpy(slash + 1, saved);
	return 0;
}

/* Runs one counting child for kernel `skip`; fills its count and returns 1
 * when it finished, 0 when not. */
static int run_child(const char *valgrind, const char *dir, int attempt, int skip, kernel *k, int n, int argc,
                     char **argv, char *vg_version, size_t vlen, int *status) {
	char out[4200], log[4200], manifest[4200], self[4096], skip_s[32];
	snprintf(out, sizeof out, "%s/cg.%d", dir, attempt);
	snprintf(log, sizeof log, "%s/log.%d", dir, attempt);
	snprintf(manifest, sizeof manifest, "%s/manifest.%d", dir, attempt);
	snprintf(skip_s, sizeof skip_s, "%d", skip);
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 32);
	if (sl <= 0) vb_die(VB_EXIT_USAGE, "cannot find the vecbench executable (/proc/self/exe)");
	self[sl] = 0;
	counting_binary(self);
	char outflag[4300], logflag[4300];
	snprintf(outflag, sizeof outflag, "--callgrind-out-file=%s", out);
	snprintf(logflag, sizeof logflag, "--log-file=%s", log);
	char **av = VB_XMALLOC(sizeof *av * (size_t)(argc + 16));
	int a = 0;
	av[a++] = (char *)valgrind;
	av[a++] = "--tool=callgrind";
	av[a++] = outflag;
	av[a++] = logflag;
	av[a++] = "--collect-atstart=no";
	av[a++] = "--toggle-collect=vb_count_calls";
	av[a++] = "--dump-after=vb_count_calls";
	av[a++] = "--dump-instr=no";
	av[a++] = "--compress-strings=no";
	av[a++] = self;
	av[a++] = "run";
	for (int i = 0; i < argc; i++)
		av[a++] = argv[i];
	av[a] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) vb_die(VB_EXIT_USAGE, "cannot start valgrind: %s", strerror(errno));
	if (pid == 0) {
		/* One thread: the counts must not depend on scheduling. */
		setenv("OMP_NUM_THREADS", "1", 1);
		setenv("OPENBLAS_NUM_THREADS", "1", 1);
		setenv(ENV_MANIFEST, manifest, 1);
		setenv(ENV_SKIP, skip_s, 1);
		if (!freopen("/dev/null", "w", stdout)) _exit(127);
		execv(valgrind, av);
		_exit(127);
	}
	free(av);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) vb_die(VB_EXIT_USAGE, "waiting for valgrind: %s", strerror(errno));
	if (!vg_version[0] || !strcmp(vg_version, "valgrind")) valgrind_version(log, vg_version, vlen);
	/* Dump d belongs to the d-th "begin" line: each begun kernel dumps once, on return. */
	int finished = 0;
	for (int d = 1; skip + finished < n; d++) {
		char dump[4300];
		snprintf(dump, sizeof dump, "%s.%d", out, d);
		double total = dump_total(dump);
		if (isnan(total)) break;
		k[skip + finished].instructions = total / COUNT_CALLS;
		finished++;
	}
	if (!(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) && skip + finished < n)
		child_failure(log, *status, k[skip + finished].why, sizeof k[skip + finished].why);
	return finished;
}

static void add_context(cJSON *ctx, const char *counter) {
	char value[1024], id[256];
	const char *key;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(value, sizeof value, "%Y-%m-%dT%H:%M:%S%z", &tm);
	cJSON_AddStringToObject(ctx, "date", value);
	if (gethostname(value, sizeof value) == 0) {
		value[sizeof value - 1] = 0;
		cJSON_AddStringToObject(ctx, "host_name", value);
	}
	cJSON_AddNumberToObject(ctx, "num_cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
	for (int i = 0; i < vb_context_count(); i++) {
		vb_context_get(i, &key, value, sizeof value);
		if (strcmp(key, "threads") && !cJSON_GetObjectItemCaseSensitive(ctx, key))
			cJSON_AddStringToObject(ctx, key, value);
	}
	cJSON_AddStringToObject(ctx, "threads", "1 (counting child: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)");
	char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 32);
	self[sl > 0 ? sl : 0] = 0;
	if (sl > 0 && counting_binary(self))
		snprintf(value, sizeof value, "vecbench-count: kernels/cpu with %s, no CUDA", VB_FLAGS_KERNELS_COUNT);
	else
		snprintf(value, sizeof value,
		         "vecbench itself (no vecbench-count next to it): kernels/cpu as in flags");
	cJSON_AddStringToObject(ctx, "count_build", value);
	vb_machine_id(id, sizeof id);
	cJSON_AddStringToObject(ctx, "machine_id", id);
	cJSON_AddStringToObject(ctx, "instruction_counter", counter);
	cJSON_AddNumberToObject(ctx, "count_calls", COUNT_CALLS);
	const char *inj = getenv(VB_ENV_INJECT);
	if (inj && *inj) cJSON_AddStringToObject(ctx, "inject_slowdown", inj);
}

static cJSON *counts_json(const kernel *k, int n, const char *counter) {
	cJSON *root = cJSON_CreateObject();
	add_context(cJSON_AddObjectToObject(root, "context"), counter);
	cJSON *benches = cJSON_AddArrayToObject(root, "benchmarks");
	for (int i = 0; i < n; i++) {
		if (isinf(k[i].ratio) || isnan(k[i].ratio)) continue; /* failed its check, or not checked */
		const vb_variant *v = &k[i].op->variants[k[i].vi];
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "name", k[i].name);
		cJSON_AddStringToObject(b, "run_name", k[i].name);
		cJSON_AddStringToObject(b, "run_type", "iteration");
		cJSON_AddNumberToObject(b, "repetitions", 1);
		cJSON_AddNumberToObject(b, "repetition_index", 0);
		cJSON_AddNumberToObject(b, "iterations", COUNT_CALLS);
		vb_record_put_case(b, k[i].op, v, k[i].dim, k[i].ratio); /* CPU variants only */
		if (isnan(k[i].instructions)) {
			cJSON_AddTrueToObject(b, "error_occurred");
			cJSON_AddStringToObject(b, "error_message", k[i].why[0] ? k[i].why : "not counted");
		} else {
			cJSON_AddNumberToObject(b, "instructions", k[i].instructions);
		}
		cJSON_AddItemToArray(benches, b);
	}
	return root;
}

int vb_count_instructions(const vb_select *sel, int argc, char **argv, const char *out) {
	vb_select quick = *sel; /* small sizes: the first of each op's sweep, unless --dims */
	quick.quick = 1;
	const vb_select *s = &quick;
	const char *manifest = getenv(ENV_MANIFEST);
	if (manifest && *manifest) return count_child(s, manifest, getenv(ENV_SKIP));
#if defined(__SANITIZE_ADDRESS__)
	vb_die(VB_EXIT_USAGE, "--count-instructions: this is an AddressSanitizer build, which valgrind cannot run");
#endif

	char valgrind[4096];
	if (find_in_path("valgrind", valgrind, sizeof valgrind) != 0)
		vb_die(VB_EXIT_USAGE, "--count-instructions needs valgrind (apt-get install valgrind)");
	vb_case *cases;
	int ncases = vb_select_cases(s, &cases), n;
	vb_inject_validate(s, cases, ncases);
	kernel *k = list_kernels(s, cases, ncases, &n);
	if (n == 0) vb_die(VB_EXIT_USAGE, "--count-instructions: no selected CPU variant can run here");

	/* Checks first, natively: a kernel that computes the wrong thing is not counted. */
	int counts[3] = {0}, ok = 1;
	double ratio[VB_MAX_VARIANTS];
	printf("== checks: every variant against the float64 oracle before it is counted ==\n");
	vb_check_header();
	for (int i = 0, j = 0; i < ncases; i++) {
		ok &= vb_check_case(s, &cases[i], ratio, counts);
		for (; j < n && k[j].op == cases[i].op && !memcmp(k[j].dim, cases[i].dim, sizeof k[j].dim); j++)
			k[j].ratio = ratio[k[j].vi];
	}
	fflush(stdout);
	printf("check: %d passed, %d failed, %d skipped\n\n", counts[0], counts[1], counts[2]);
	printf("== instruction counts: callgrind, %d calls per kernel after %d warm-up calls, one thread ==\n",
	       COUNT_CALLS, COUNT_WARMUP);
	fflush(stdout);

	char dir[] = "/tmp/vecbench-count-XXXXXX";
	if (!mkdtemp(dir)) vb_die(VB_EXIT_USAGE, "cannot create a temporary directory: %s", strerror(errno));
	char vg_version[64] = "";
	for (int done = 0, attempt = 0; done < n; attempt++) {
		int status;
		int got =
		    run_child(valgrind, dir, attempt, done, k, n, argc, argv, vg_version, sizeof vg_version, &status);
		done += got;
		if (!got) {
			if (!k[done].why[0])
				snprintf(k[done].why, sizeof k[done].why, "the counting child stopped early");
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
				remove_tree(dir);
				vb_die(VB_EXIT_USAGE, "--count-instructions: %s could not run vecbench", valgrind);
			}
			if (WIFEXITED(status) && WEXITSTATUS(status) == VB_EXIT_USAGE && got == 0 && !done) {
				remove_tree(dir);
				vb_die(VB_EXIT_USAGE,
				       "--count-instructions: the counting child failed (see valgrind's log)");
			}
			done++; /* skip the kernel that stopped it, go on with the next */
		}
	}
	remove_tree(dir);

	char counter[128];
	snprintf(counter, sizeof counter, "callgrind (%s), %d calls, 1 thread", vg_version, COUNT_CALLS);
	int uncounted = 0;
	for (int i = 0; i < n; i++) {
		if (isnan(k[i].ratio) || isinf(k[i].ratio)) {
			printf("  %-48s %18s  (not counted: %s)\n", k[i].name, "-",
			       isinf(k[i].ratio) ? "check failed" : "not checked");
			continue;
		}
		if (isnan(k[i].instructions)) {
			printf("  %-48s %18s  (not counted: %s)\n", k[i].name, "-", k[i].why);
			uncounted++;
		} else {
			printf("  %-48s %18.0f instructions per call\n", k[i].name, k[i].instructions);
		}
	}
	if (uncounted) printf("\n  %d kernel(s) not counted: the gate cannot see them in this mode\n", uncounted);
	if (out) {
		cJSON *root = counts_json(k, n, counter);
		char *text = cJSON_Print(root);
		int rc = vb_write_file_atomic(out, text, strlen(text)), e = errno;
		cJSON_free(text);
		cJSON_Delete(root);
		if (rc != 0) vb_die(VB_EXIT_USAGE, "cannot write %s: %s", out, strerror(e));
		printf("\nresults: %s (instruction counts)\n", out);
	}
	free(k);
	free(cases);
	return ok ? VB_EXIT_OK : VB_EXIT_FAIL;
}
