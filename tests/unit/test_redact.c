/* test_redact.c: same-length masking of secrets and token shapes, whole and across chunk borders */
#include "buf.h"
#include "crypto.h"
#include "redact.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* Mask a whole text at once; the caller frees the result. */
static char *mask_all(const struct redact *r, const char *text)
{
	char *s = xstrdup(text);
	size_t n = strlen(s);

	redact_mask(r, s, n, n, 1);
	return s;
}

/* Feed `text` the way the worker reads Jenkins: the log grows by the sizes in `grow`
 * (cycled); each read starts at the released offset and releases what redact_mask
 * allows. Returns what was released in total (caller frees). */
static char *stream(const struct redact *r, const char *text, const size_t *grow, size_t ngrow,
		    int *rereads)
{
	struct buf out = BUF_INIT;
	size_t total = strlen(text), avail = 0, offset = 0, g = 0;

	*rereads = 0;
	while (offset < total) {
		size_t n, safe;
		char *chunk;
		int final;

		avail += grow[g++ % ngrow];
		if (avail > total)
			avail = total;
		final = avail == total;
		n = avail - offset;
		chunk = xstrndup(text + offset, n);
		safe = redact_mask(r, chunk, n, n, final);
		if (safe < n)
			(*rereads)++;
		buf_add(&out, chunk, safe);
		offset += safe;
		free(chunk);
		if (final && safe != n) {
			buf_addstr(&out, "<final read not released>");
			break;
		}
	}
	return buf_detach(&out, NULL);
}

static void test_whole(void)
{
	struct redact r = REDACT_INIT;
	char *s;

	is_int(redact_add_str(&r, "hunter2secret"), 1, "a secret is added");
	is_int(redact_add_str(&r, "hunter2secret"), 0, "the same secret twice is kept once");
	is_int(redact_add_str(&r, "short"), 0, "a value under REDACT_MIN_LEN is ignored");
	is_int(redact_add_str(&r, NULL), 0, "NULL is ignored");
	s = mask_all(&r, "password=hunter2secret and again hunter2secret.");
	is_str(s, "password=************* and again *************.",
	       "every occurrence, same length");
	free(s);
	s = mask_all(&r, "short values stay: short");
	is_str(s, "short values stay: short", "short values are not masked");
	free(s);
	s = mask_all(&r, "hunter2secre t");
	is_str(s, "hunter2secre t", "an incomplete secret in a final text stays");
	free(s);
	redact_release(&r);

	/* overlapping secrets: both are masked, whichever comes first */
	redact_add_str(&r, "abcdefgh");
	redact_add_str(&r, "efghijkl");
	s = mask_all(&r, "x abcdefghijkl y");
	is_str(s, "x ************ y", "overlapping secrets are masked together");
	free(s);
	redact_release(&r);

	/* UTF-8 in a secret: the mask covers its bytes, so offsets do not move */
	redact_add_str(&r, "pässwörd-1");
	s = mask_all(&r, "é pässwörd-1 é");
	is_int((int)strlen(s), (int)strlen("é pässwörd-1 é"),
	       "a UTF-8 secret keeps the byte length");
	is_str(s, "é ************ é", "a UTF-8 secret is masked byte for byte");
	free(s);
	redact_release(&r);

	/* multi-line values: each line too, since tools print them one at a time */
	redact_add_str(&r, "-----BEGIN KEY-----\r\nMIIEvQIBADANBg\n-----END KEY-----");
	s = mask_all(&r, "line: MIIEvQIBADANBg\n");
	is_str(s, "line: **************\n", "one line of a multi-line secret");
	free(s);
	redact_release(&r);
}

static void test_shapes(void)
{
	struct redact r = REDACT_INIT;
	const char *tok = "ghp_0123456789abcdefghijABCDEFGHIJ012345"; /* 4 + 36 */
	const char *pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz";
	struct buf in = BUF_INIT, want = BUF_INIT;
	char *s;

	buf_addf(&in, "token %s; pat %s; gho_short; ghs_ABCDEFGHIJKLMNOPQRSTUVWX!", tok, pat);
	buf_addf(&want, "token %.*s; pat %.*s; gho_short; %.*s!", (int)strlen(tok),
		 "****************************************", (int)strlen(pat),
		 "************************************************************",
		 (int)strlen("ghs_ABCDEFGHIJKLMNOPQRSTUVWX"), "******************************");
	s = mask_all(&r, in.buf);
	is_str(s, want.buf, "GitHub token shapes are masked without being registered");
	free(s);
	r.shapes = 0;
	s = mask_all(&r, in.buf);
	is_str(s, in.buf, "shapes can be turned off");
	free(s);
	buf_release(&in);
	buf_release(&want);
}

/* Every split of a text around secrets gives the same released text as a whole read. */
static void test_chunks(void)
{
	struct redact r = REDACT_INIT;
	const char *text =
	    "step 1: export API_KEY=sk_live_51Habcdef\n"
	    "step 2: curl -H 'Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345' x\n"
	    "step 3: echo sk_live_51Habcdef sk_live_51Habcdef\n"
	    "Finished: SUCCESS\n";
	const size_t ones[] = {1};
	const size_t mixed[] = {7, 1, 13, 2, 29, 3};
	char *want, *got;
	int rereads, all = 1;
	size_t n = strlen(text);

	redact_add_str(&r, "sk_live_51Habcdef");
	want = mask_all(&r, text);
	ok(!strstr(want, "sk_live") && !strstr(want, "ghp_"), "the whole text is masked");

	got = stream(&r, text, ones, 1, &rereads);
	is_str(got, want, "the log growing one byte at a time releases the same text");
	ok(rereads > 0, "and held bytes back to read them again (%d times)", rereads);
	free(got);
	got = stream(&r, text, mixed, sizeof(mixed) / sizeof(mixed[0]), &rereads);
	is_str(got, want, "uneven chunks release the same text");
	free(got);

	/* two reads, split at every byte */
	for (size_t k = 1; k < n && all; k++) {
		size_t two[2];

		two[0] = k;
		two[1] = n;
		got = stream(&r, text, two, 2, &rereads);
		if (strcmp(got, want)) {
			all = 0;
			printf("# split at %zu: %s\n", k, got);
		}
		free(got);
	}
	ok(all, "a secret split across two chunks at any byte is masked");

	{
		/* nothing that could start a secret is held back */
		char plain[] = "compiling module 7 of 9\n";
		size_t len = strlen(plain);

		is_int((int)redact_mask(&r, plain, len, len, 0), (int)len,
		       "a plain chunk is released whole");
	}
	{
		char tail[] = "export API_KEY=sk_live_5";
		size_t len = strlen(tail);

		is_int((int)redact_mask(&r, tail, len, len, 0), (int)(len - strlen("sk_live_5")),
		       "the start of a secret at the end of a chunk is held back");
		is_int((int)redact_mask(&r, tail, len, len, 1), (int)len,
		       "but released when the log is over");
	}
	{
		char cut[] = "x sk_live_51Habcdef y";
		size_t len = strlen(cut);

		is_int((int)redact_mask(&r, cut, len, 5, 0), 2,
		       "a masked secret is not cut by the caller's limit");
	}
	free(want);
	redact_release(&r);
}

static void test_sealed_env(void)
{
	struct redact r = REDACT_INIT;
	const char *key = "unit-test-secret-key-0123456789";
	const char *vals[] = {"postgres://u:p4ssw0rd@db/x", "abc", "stripe_sk_live_xyz"};
	struct buf json = BUF_INIT, sealed = BUF_INIT, b64 = BUF_INIT;
	char *s;

	buf_addch(&json, '{');
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&sealed);
		buf_reset(&b64);
		crypto_seal(key, "project-env", vals[i], strlen(vals[i]), &sealed);
		crypto_base64(sealed.buf, sealed.len, &b64);
		buf_addf(&json, "%s\"V%zu\":\"%s\"", i ? "," : "", i, b64.buf);
	}
	buf_addstr(&json, ",\"BAD\":\"bm90IHNlYWxlZA==\"}");
	is_int(redact_add_sealed_env(&r, key, "project-env", json.buf), 2,
	       "the env's values are opened (short and unreadable ones skipped)");
	s = mask_all(&r, "DATABASE_URL=postgres://u:p4ssw0rd@db/x KEY=stripe_sk_live_xyz abc");
	is_str(s, "DATABASE_URL=************************** KEY=****************** abc",
	       "env values are masked");
	free(s);
	is_int(
	    redact_add_sealed_env(&r, "another-key-entirely-0123456789", "project-env", json.buf),
	    0, "values sealed under another key do not open");
	is_int(redact_add_sealed_env(&r, key, "project-env", "[1,2]"), -1, "not an object: -1");
	is_int(redact_add_sealed_env(&r, key, "project-env", "{}"), 0, "an empty env adds nothing");
	redact_release(&r);
	buf_release(&json);
	buf_release(&sealed);
	buf_release(&b64);
}

int main(void)
{
	test_whole();
	test_shapes();
	test_chunks();
	test_sealed_env();
	return tap_done();
}
