/* fuzz_webhook.c: a GitHub delivery (lib/rules/webhook): content type, signature header and body
 * from the input. A signature is accepted only when it is the HMAC of this very body; the
 * payload is an object or a 400; what a push yields is bounded, NUL-free and strict UTF-8
 * (it is stored in PostgreSQL as is). */
#include "fuzz.h"

#include "buf.h"
#include "crypto.h"
#include "utf8.h"
#include "webhook.h"

#include <json-c/json.h>

static const char secret[] = "fuzz-webhook-secret";

static int valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *ctype = fuzz_field(&p, end), *sig = fuzz_field(&p, end);
	const char *body = (const char *)p;
	size_t len = (size_t)(end - p);
	char mac[65], good[72];
	struct err e = ERR_INIT;
	struct json_object *o;
	struct buf key = BUF_INIT;

	/* a header is good exactly when it is sha256=<hmac of the body> */
	crypto_hmac_sha256_hex(secret, sizeof(secret) - 1, body, len, mac);
	snprintf(good, sizeof(good), "sha256=%s", mac);
	FUZZ_ASSERT(webhook_signature_ok(secret, sizeof(secret) - 1, body, len, good) == 1);
	if (webhook_signature_ok(secret, sizeof(secret) - 1, body, len, sig))
		FUZZ_ASSERT(!strcasecmp(sig, good));
	o = webhook_payload(*ctype ? ctype : NULL, body, len, &e);
	if (!o) {
		FUZZ_ASSERT(e.status == 400 || e.status == 413);
		FUZZ_ASSERT(valid(e.msg));
	} else {
		struct webhook_push push;

		if (webhook_repo_key(o, &key))
			FUZZ_ASSERT(key.buf && valid(key.buf));
		webhook_push_parse(o, &push);
		FUZZ_ASSERT(valid(push.branch) && valid(push.after));
		FUZZ_ASSERT(valid(push.message) && valid(push.author));
		if (push.kind == WEBHOOK_PUSH_BRANCH)
			FUZZ_ASSERT(push.branch[0] && strlen(push.after) == 40);
		json_object_put(o);
	}
	buf_release(&key);
	free(ctype);
	free(sig);
	return 0;
}
