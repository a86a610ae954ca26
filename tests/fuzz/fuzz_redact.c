/* fuzz_redact.c: the log redactor (lib/rules/redact). Secrets and a log text from the input, the
 * text cut into chunks the way the worker reads it: the released output keeps every length
 * (offsets stay Jenkins offsets), never contains a secret, and chunked redaction releases
 * exactly what one pass over the whole text does. */
#include "fuzz.h"

#include "redact.h"

static int contains(const char *hay, size_t n, const char *needle, size_t m)
{
	if (!m || m > n)
		return 0;
	for (size_t i = 0; i + m <= n; i++) {
		if (!memcmp(hay + i, needle, m))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *s1 = fuzz_field(&p, end), *s2 = fuzz_field(&p, end);
	size_t len = (size_t)(end - p), step, done = 0;
	struct redact r;
	char *whole = malloc(len + 1), *chunked = malloc(len + 1);

	if (!whole || !chunked)
		abort();
	redact_init(&r);
	redact_add_str(&r, s1);
	redact_add_str(&r, s2);
	memcpy(whole, p, len);
	/* one pass over everything, as a finished build */
	FUZZ_ASSERT(redact_mask(&r, whole, len, len, 1) == len);
	/* (a secret with the mask byte in it may be "found" in the mask itself) */
	for (size_t i = 0; i < r.n; i++) {
		if (!memchr(r.v[i].value, REDACT_MASK, r.v[i].len))
			FUZZ_ASSERT(!contains(whole, len, r.v[i].value, r.v[i].len));
	}
	/* the same text in chunks: the first byte of the input picks the chunk size */
	step = len ? (size_t)(p[0] % 17) + 1 : 1;
	while (done < len) {
		size_t have = done + step < len ? done + step : len;
		size_t n = have - done;
		char *buf = malloc(len - done + 1);
		size_t ok;

		if (!buf)
			abort();
		/* the worker always hands over everything from `done` it has read so far */
		memcpy(buf, p + done, n);
		ok = redact_mask(&r, buf, n, n, have == len);
		FUZZ_ASSERT(ok <= n);
		memcpy(chunked + done, buf, ok);
		free(buf);
		if (!ok && have < len) {
			step += 17; /* nothing safe yet: read more, as the next poll would */
			continue;
		}
		done += ok;
		if (have == len)
			FUZZ_ASSERT(done == len);
	}
	FUZZ_ASSERT(!memcmp(whole, chunked, len));
	redact_release(&r);
	free(whole);
	free(chunked);
	free(s1);
	free(s2);
	return 0;
}
