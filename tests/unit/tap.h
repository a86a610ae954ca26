/* tap.h: a minimal TAP producer for the C unit tests (automake's tap-driver reads it).
 *
 *	ok(cond, "name %d", i);
 *	is_str(got, want, "name");
 *	is_int(got, want, "name");
 *	return tap_done();
 */
#ifndef PLATFORM_TAP_H
#define PLATFORM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int ok_v(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static inline int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ok_v(cond, fmt, ap);
	va_end(ap);
	return r;
}

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!ok((g_ == NULL && w_ == NULL) || (g_ && w_ && !strcmp(g_, w_)), __VA_ARGS__)) \
			printf("#   got: '%s'\n#  want: '%s'\n", g_ ? g_ : "(null)",               \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (!ok(g_ == w_, __VA_ARGS__))                                                    \
			printf("#   got: %lld\n#  want: %lld\n", g_, w_);                          \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
