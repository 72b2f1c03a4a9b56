/* The C tests' one assertion helper. EXPECT(cond, fmt, ...) prints where and
 * why on failure and counts it in `fails`; it is an expression, true when
 * cond held, so a test can stop early: if (!EXPECT(p, "...")) return 1.
 * A test's main ends with return expect_exit_status(). */
#ifndef VB_TESTS_EXPECT_H
#define VB_TESTS_EXPECT_H
#include <stdarg.h>
#include <stdio.h>

static int fails;

__attribute__((format(printf, 4, 5), unused)) static int expect_at(int ok, const char *file, int line, const char *fmt,
                                                                   ...) {
	if (ok) return 1;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fails++;
	return 0;
}

#define EXPECT(cond, ...) expect_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Prints the count; the exit status of a test's main (0: all held). */
__attribute__((unused)) static int expect_exit_status(void) {
	printf("%d failure(s)\n", fails);
	return fails != 0;
}
#endif
