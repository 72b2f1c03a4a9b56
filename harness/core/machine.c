/* What machine this is: the CPU model, and the machine id baselines are
 * filed under (CPU, core count, GPU, BLAS and compiler). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* OpenBLAS extensions, declared in its cblas.h. */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

void vb_cpu_model(char *buf, size_t len) {
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f) return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *p = strchr(line, ':');
			if (p) {
				p += 2;
				p[strcspn(p, "\n")] = 0;
				snprintf(buf, len, "%s", p);
			}
			break;
		}
	}
	fclose(f);
}

/* The first NVIDIA GPU's model and the driver version, from the driver's
 * /proc files (no CUDA call), e.g. "1x NVIDIA H100 80GB HBM3 drv 535.104.05". */
static void gpu_id(char *buf, size_t len) {
	snprintf(buf, len, "nogpu");
	DIR *d = opendir("/proc/driver/nvidia/gpus");
	if (!d) return;
	struct dirent *e;
	int count = 0;
	char model[256] = "";
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		count++;
		char path[512], line[512];
		snprintf(path, sizeof path, "/proc/driver/nvidia/gpus/%.200s/information", e->d_name);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof line, f))
			if (!model[0] && !strncmp(line, "Model:", 6)) {
				char *p = line + 6;
				while (*p == ' ' || *p == '\t')
					p++;
				p[strcspn(p, "\n")] = 0;
				snprintf(model, sizeof model, "%.200s", p);
			}
		if (f) fclose(f);
	}
	closedir(d);
	if (!count) return;
	char drv[64] = "";
	FILE *f = fopen("/proc/driver/nvidia/version", "r");
	char line[512];
	if (f && fgets(line, sizeof line, f)) {
		char *k = strstr(line, "Kernel Module");
		if (k) {
			k += 13;
			while (*k == ' ')
				k++;
			snprintf(drv, sizeof drv, " drv %.*s", (int)strcspn(k, " \n"), k);
		}
	}
	if (f) fclose(f);
	snprintf(buf, len, "%dx %s%s", count, model[0] ? model : "nvidia-gpu", drv);
}

void vb_machine_id(char *buf, size_t len) {
	char cpu[256], gpu[400], blas[128], raw[1200];
	vb_cpu_model(cpu, sizeof cpu);
	gpu_id(gpu, sizeof gpu);
	const char *cfg = openblas_get_config(); /* "OpenBLAS 0.3.21 NO_LAPACKE ..." */
	int words = 0;
	size_t k = 0;
	for (; cfg[k] && k < 64; k++)
		if (cfg[k] == ' ' && ++words == 2) break;
	snprintf(blas, sizeof blas, "%.*s %s", (int)k, cfg, openblas_get_corename());
#if defined(__clang__)
	const char *cc = "clang";
#else
	const char *cc = "gcc";
#endif
	snprintf(raw, sizeof raw, "%s_%ldcpu_%s_%s_%s-%s", cpu, sysconf(_SC_NPROCESSORS_ONLN), gpu, blas, cc,
	         __VERSION__);
	/* [a-z0-9._-]: lower case, runs of anything else become one '-'. */
	size_t o = 0;
	for (const char *p = raw; *p && o + 1 < sizeof raw; p++) {
		unsigned char c = (unsigned char)*p;
		char out = isalnum(c) ? (char)tolower(c) : (c == '.' || c == '_') ? (char)c : '-';
		if (out == '-' && (o == 0 || raw[o - 1] == '-' || raw[o - 1] == '_')) continue;
		if (out == '_' && o > 0 && raw[o - 1] == '-') o--;
		raw[o++] = out;
	}
	while (o > 0 && (raw[o - 1] == '-' || raw[o - 1] == '_'))
		o--;
	raw[o] = 0;
	if (o > 160) { /* keep it a sane file name, still unique */
		snprintf(raw + 143, sizeof raw - 143, "-%016llx", (unsigned long long)vb_hash_str(raw));
	}
	snprintf(buf, len, "%s", raw);
}
