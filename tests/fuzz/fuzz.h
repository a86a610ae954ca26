/* fuzz.h: what every libFuzzer harness in tests/fuzz/ shares.
 *
 * Each harness checks properties, not just "no crash": FUZZ_ASSERT aborts (a crash libFuzzer
 * reports and keeps the input of) when one does not hold. Inputs are split into fields at
 * NUL bytes with fuzz_field, so one input can carry several strings.
 */
#ifndef PLATFORM_FUZZ_H
#define PLATFORM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The next NUL-separated field of [*p, end) as a new NUL-terminated string (free it). */
static inline char *fuzz_field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	size_t n = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nul ? nul + 1 : end;
	return s;
}

#endif
