/* redact.h: masks secrets in build log text before it is stored or published (prefix redact_).
 *
 * A struct redact holds the secrets of one deployment (the project's environment
 * values, the callback token, the Jenkins token...) and also knows common token
 * shapes (GitHub's ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_ tokens). Every
 * occurrence is replaced by '*' repeated over the same number of bytes, so offsets
 * stay Jenkins byte offsets in storage, in the backlog API and in live messages.
 *
 * Chunk borders: a log arrives in chunks, and a secret may be split between two.
 * redact_mask() says how many leading bytes are safe to release: it stops before any
 * tail that could still grow into a secret (a suffix that is a prefix of a secret or
 * of a token shape), and before a masked run that would otherwise be cut in two. The
 * caller releases only that much and reads the rest again with the next chunk (the
 * worker asks Jenkins again from the new offset), so no state is kept between chunks
 * and a restarted worker redacts exactly as the first one did.
 *
 * Values shorter than REDACT_MIN_LEN bytes are ignored: masking "1" or "true" would
 * wreck every log and protects nothing.
 *
 * Ownership: redact_add copies the value; redact_release wipes and frees the copies.
 * Nothing here does I/O, and nothing logs a value.
 */
#ifndef PLATFORM_REDACT_H
#define PLATFORM_REDACT_H

#include <stddef.h>

#define REDACT_MIN_LEN 6
#define REDACT_MASK    '*'

struct redact_secret {
	char *value;
	size_t len;
};

struct redact {
	struct redact_secret *v;
	size_t n, alloc;
	size_t maxlen; /* the longest secret */
	int shapes;    /* 1: also mask the known token shapes (the default) */
};

#define REDACT_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0, 1                                                                   \
	}

void redact_init(struct redact *r);
/* Wipe and free every secret; the struct is empty (and reusable) after. */
void redact_release(struct redact *r);

/* Add one secret (copied). 1 added, 0 ignored (too short or already known). */
int redact_add(struct redact *r, const char *value, size_t len);
int redact_add_str(struct redact *r, const char *value);

/* Add every value of a project's stored env: a JSON object whose values are
 * base64 of crypto_seal(secret_key, purpose, value). Values that do not open are
 * skipped. Returns how many were added, or -1 when env_json is not an object. */
int redact_add_sealed_env(struct redact *r, const char *secret_key, const char *purpose,
			  const char *env_json);

/* Mask, in place, every secret found in data[0, len). `ready` (<= len) is how much the
 * caller could release without redaction; `final` says no more text follows (the
 * build is over). Returns how many leading bytes may be released now (<= ready): all
 * of `ready` when final, otherwise the bytes before any possible start of a secret
 * that is not complete yet. Bytes past the returned length must be read again. */
size_t redact_mask(const struct redact *r, char *data, size_t len, size_t ready, int final);

#endif
