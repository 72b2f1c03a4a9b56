/* One status line on stderr while a long run goes on: which item of how
 * many, elapsed time and an estimate of what is left. Only on a terminal:
 * logs and pipes get no carriage returns. The line ends with '\r', so the
 * next line written to the terminal (Google Benchmark's rows on stdout)
 * overwrites it. */
#include <math.h>
#include <unistd.h>

#include "prof.h"

void vb_progress_start(vb_progress *p, const char *phase, int n, int quiet) {
	p->on = !quiet && isatty(STDERR_FILENO);
	p->n = n;
	p->phase = phase;
	p->t0 = vb_now();
}

static void fmt_duration(double s, char *buf, size_t len) {
	if (!isfinite(s))
		snprintf(buf, len, "?");
	else if (s < 60)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, len, "%dh%02dm", (int)s / 3600, (int)s / 60 % 60);
}

void vb_progress_step(vb_progress *p, int i, const char *what) {
	if (!p->on) return;
	double el = vb_now() - p->t0;
	/* Items differ in cost, so the estimate is rough: the mean so far. */
	double eta = i > 0 ? el / i * (p->n - i) : NAN;
	char e[16], r[16];
	fmt_duration(el, e, sizeof e);
	fmt_duration(eta, r, sizeof r);
	fflush(stdout);
	fprintf(stderr, "\r\033[K[%s %d/%d] %s  elapsed %s, ETA %s\r", p->phase, i + 1, p->n, what, e, r);
	fflush(stderr);
}

void vb_progress_end(vb_progress *p) {
	if (!p->on) return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
}
