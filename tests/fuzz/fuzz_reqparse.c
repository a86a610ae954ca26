/* fuzz_reqparse.c: cookie and query parsing (lib/util/reqparse) and origins: every value handed
 * out is NUL-free strict UTF-8, a query that passes the check reads every parameter, and an
 * origin is a normalised scheme://host[:port]. */
#include "fuzz.h"

#include "buf.h"
#include "reqparse.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *cookie = fuzz_field(&p, end), *query = fuzz_field(&p, end),
	     *name = fuzz_field(&p, end);
	char *url = fuzz_field(&p, end);
	struct buf v = BUF_INIT, o = BUF_INIT;
	char bad[64];
	int n, q, checked;

	n = reqparse_cookie(cookie, *name ? name : "__Host-platform_session", &v);
	FUZZ_ASSERT(n >= 0);
	if (n)
		FUZZ_ASSERT(!v.buf || (!memchr(v.buf, ';', v.len) && strlen(v.buf) == v.len));
	checked = reqparse_query_check(query, bad, sizeof(bad));
	if (checked < 0)
		FUZZ_ASSERT(utf8_valid(bad, strlen(bad)));
	q = reqparse_query(query, *name ? name : "limit", &v);
	FUZZ_ASSERT(q >= -1 && q <= 1);
	if (q == 1)
		FUZZ_ASSERT(!v.buf || (strlen(v.buf) == v.len && utf8_valid(v.buf, v.len)));
	if (checked == 0)
		FUZZ_ASSERT(q != -1);
	if (reqparse_origin(url, &o) == 0) {
		FUZZ_ASSERT(!strncmp(o.buf, "http://", 7) || !strncmp(o.buf, "https://", 8));
		FUZZ_ASSERT(!strpbrk(o.buf + 8, "/?#@ ") && utf8_valid(o.buf, o.len));
		/* normalising twice changes nothing */
		{
			struct buf again = BUF_INIT;

			FUZZ_ASSERT(reqparse_origin(o.buf, &again) == 0 &&
				    !strcmp(again.buf, o.buf));
			buf_release(&again);
		}
	}
	buf_release(&v);
	buf_release(&o);
	free(cookie);
	free(query);
	free(name);
	free(url);
	return 0;
}
