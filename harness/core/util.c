#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <signal.h>

#include "harness.h"

volatile sig_atomic_t vb_error_said;

void vb_die(int code, const char *fmt, ...) {
	vb_error_said = 1;
	enum { KEEP = 1000 }; /* a message longer than 2 * KEEP keeps its head and tail */
	char head[2 * KEEP + 8];
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(head, sizeof head, fmt, ap);
	if (n >= (int)sizeof head) {
		char *all = malloc((size_t)n + 1); /* may fail: we may be dying of out of memory */
		if (all) {
			vsnprintf(all, (size_t)n + 1, fmt, ap2);
			memcpy(head + KEEP, " ... ", 5);
			memcpy(head + KEEP + 5, all + n - KEEP, KEEP + 1);
			free(all);
		} else {
			strcpy(head + KEEP, " ...");
		}
	}
	va_end(ap2);
	va_end(ap);
	/* One line whatever the user typed: control characters (newlines) become '?'. */
	for (char *p = head; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
	fflush(stdout);
	fprintf(stderr, "vecbench: %s\n", head);
	exit(code);
}

void *vb_xmalloc_at(size_t bytes, const char *file, int line) {
	void *p = malloc(bytes ? bytes : 1);
	if (!p) vb_die(VB_EXIT_USAGE, "%s:%d: out of memory allocating %zu bytes", file, line, bytes);
	return p;
}

int vb_write_file_atomic(const char *path, const void *data, size_t len) {
	size_t n = strlen(path);
	char *tmp = VB_XMALLOC(n + 32);
	snprintf(tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) goto fail_free;
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR) continue;
			goto fail_close;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0 && errno != EINVAL) goto fail_close;
	if (close(fd) != 0) goto fail_unlink;
	if (rename(tmp, path) != 0) goto fail_unlink;
	free(tmp);
	return 0;
fail_close : {
	int e = errno;
	close(fd);
	errno = e;
}
fail_unlink : {
	int e = errno;
	unlink(tmp);
	errno = e;
}
fail_free:
	free(tmp);
	return -1;
}

char *vb_read_file(const char *path, size_t max_bytes, size_t *len) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_bytes) {
		close(fd);
		if (len) *len = (size_t)st.st_size;
		errno = EFBIG;
		return NULL;
	}
	/* Pipes and growing files: read up to max_bytes + 1, so the caller sees
	 * that the text went on. */
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, got = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		if (got == cap) {
			size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
			if (ncap <= cap) break; /* at the limit */
			char *grown = realloc(buf, ncap + 1);
			if (!grown) free(buf);
			buf = grown, cap = ncap;
			continue;
		}
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (n == 0) break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	if (len) *len = got;
	return buf;
}

double vb_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t vb_hash_str(const char *s) { /* FNV-1a */
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

uint64_t vb_splitmix64(uint64_t *state) {
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void vb_fmt_bytes(double b, char *buf, size_t len) {
	if (isnan(b)) {
		snprintf(buf, len, "-");
		return;
	}
	const char *unit = "KMGTP";
	if (fabs(b) < 1024) {
		snprintf(buf, len, "%.0fB", b);
		return;
	}
	int u = -1;
	while (fabs(b) >= 1024 && u < 4)
		b /= 1024, u++;
	snprintf(buf, len, fabs(b) < 10 ? "%.1f%c" : "%.0f%c", b, unit[u]);
}
