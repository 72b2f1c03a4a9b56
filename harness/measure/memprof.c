/* Memory of one op x variant x size: malloc'd bytes the variant adds (the
 * tracking arena's workspace, and whatever else it or its libraries keep),
 * and the process's resident high-water mark while the case ran. */
#define _GNU_SOURCE
#include <malloc.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "prof.h"

/* Linux resets VmHWM to the current RSS when "5" is written to clear_refs,
 * which makes the peak per case; elsewhere the peak is the process's. */
static int hwm_resettable = -1;

static int reset_hwm(void) {
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (!f) return -1;
	int ok = fputs("5", f) >= 0;
	ok &= fclose(f) == 0;
	return ok ? 0 : -1;
}

static double vm_hwm(void) {
	FILE *f = fopen("/proc/self/status", "r");
	double kb = NAN;
	if (f) {
		char line[256];
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
		fclose(f);
	}
	if (isnan(kb)) {
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0) kb = (double)ru.ru_maxrss; /* kB on Linux */
	}
	return kb * 1024;
}

static double heap_in_use(void) {
	struct mallinfo2 mi = mallinfo2();
	return (double)mi.uordblks + (double)mi.hblkhd; /* small blocks + mmapped ones */
}

void vb_memprof_begin(vb_memprof *m) {
	if (hwm_resettable != 0) hwm_resettable = reset_hwm() == 0;
	m->heap_base = heap_in_use();
}

void vb_memprof_mark(vb_memprof *m) { m->heap_base = heap_in_use(); }

void vb_memprof_end(vb_memprof *m, const vb_arena *ws) {
	if (ws && (double)vb_arena_peak(ws) > m->workspace) m->workspace = (double)vb_arena_peak(ws);
	double grown = heap_in_use() - m->heap_base;
	if (grown > m->heap_growth) m->heap_growth = grown;
	double hwm = vm_hwm();
	if (hwm > m->peak_rss) m->peak_rss = hwm;
}

void vb_memprof_counters(const vb_memprof *m, vb_bm_state *st) {
	vb_bm_counter(st, "heap_growth_bytes", m->heap_growth, VB_BM_BASE_1024);
	vb_bm_counter(st, "peak_rss_bytes", m->peak_rss, VB_BM_BASE_1024);
}

void vb_memprof_from_json(vb_memprof *m, const cJSON *bench) {
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(bench, "gpu_peak_bytes");
	if (cJSON_IsNumber(g) && g->valuedouble > m->gpu_peak) m->gpu_peak = g->valuedouble;
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(bench, "roofline_pct");
	if (cJSON_IsNumber(r)) m->device_roof_pct = r->valuedouble;
}

const char *vb_memprof_rss_scope(void) {
	return hwm_resettable == 1 ? "per benchmark (VmHWM reset through /proc/self/clear_refs)"
	                           : "whole process so far (getrusage ru_maxrss)";
}

static int above_roof; /* a %roof above 100 was shown */

void vb_summary_extra_header(char *buf, size_t len, int with_gpu) {
	snprintf(buf, len, " %6s %7s %7s %7s %7s%s", "%roof", "io", "wksp", "heap+", "RSS", with_gpu ? "     GPU" : "");
}

void vb_summary_extra(char *buf, size_t len, int with_gpu, const vb_calibration *cal, const vb_memprof *m, double flops,
                      double bytes, double seconds, double io_bytes, int on_gpu) {
	char io[16], ws[16], heap[16], rss[16], gpu[16] = "-", roof[16] = "-";
	/* The calibration is the CPU's: GPU kernels show the CUDA bridge's figure. */
	double pct = on_gpu ? (m->device_roof_pct > 0 ? m->device_roof_pct : NAN)
	                    : vb_roofline_pct_ws(cal, flops, bytes, seconds, io_bytes + m->workspace);
	if (!isnan(pct)) snprintf(roof, sizeof roof, "%.1f%%", pct);
	above_roof |= pct > 100;
	vb_fmt_bytes(io_bytes, io, sizeof io);
	vb_fmt_bytes(m->workspace, ws, sizeof ws);
	vb_fmt_bytes(m->heap_growth, heap, sizeof heap);
	vb_fmt_bytes(m->peak_rss, rss, sizeof rss);
	if (m->gpu_peak > 0) vb_fmt_bytes(m->gpu_peak, gpu, sizeof gpu);
	snprintf(buf, len, " %6s %7s %7s %7s %7s", roof, io, ws, heap, rss);
	if (with_gpu) snprintf(buf + strlen(buf), len - strlen(buf), " %7s", gpu);
}

void vb_summary_footnotes(void) {
	if (above_roof)
		printf(
		    "  %%roof above 100: faster than the roof of the cache level the working set (io + wksp) fits "
		    "in: the level's bandwidth was measured low (a busy machine) or the kernel reuses less data than "
		    "it counts\n");
}
