/* EXPECT(cond, fmt, ...): on failure, print where and why and count it in
 * `fails`; the test's main returns non-zero when fails > 0. */
#ifndef VB_TESTS_EXPECT_H
#define VB_TESTS_EXPECT_H
#include <stdio.h>

static int fails;

#define EXPECT(cond, ...)                                                                                              \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                           \
			fprintf(stderr, __VA_ARGS__);                                                                  \
			fputc('\n', stderr);                                                                           \
			fails++;                                                                                       \
		}                                                                                                      \
	} while (0)
#endif
