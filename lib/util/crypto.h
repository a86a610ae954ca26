/* crypto.h: the platform's uses of OpenSSL libcrypto (prefix crypto_).
 *
 * Secrets at rest (GitHub tokens, env values, webhook secrets) are sealed with
 * AES-256-GCM under a key derived from PLATFORM_SECRET_KEY with HKDF-SHA256
 * and a purpose string, so one leaked ciphertext class says nothing of
 * another. A sealed blob is: version (1 byte) || nonce (12) || tag (16) || data.
 */
#ifndef PLATFORM_CRYPTO_H
#define PLATFORM_CRYPTO_H

#include "buf.h"

#include <stddef.h>

/* Fill `out` with `n` random bytes; -1 if the generator fails. */
int crypto_random(unsigned char *out, size_t n);
/* A random token of `nbytes` bytes, base64url without padding, appended to `out`. */
int crypto_token(struct buf *out, size_t nbytes);
/* A random short id: a letter then `len - 1` of [a-z0-9] (a DNS label). */
int crypto_short_id(char *out, size_t len);

/* SHA-256 of data into out[32]. */
void crypto_sha256(const void *data, size_t len, unsigned char out[32]);
/* HMAC-SHA256 as lowercase hex (64 chars + NUL) into out[65]. */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
			    char out[65]);
/* Constant-time equality of two byte strings (lengths compared first). */
int crypto_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Seal/open `in` with the key for `purpose`; the result is appended to `out`.
 * open returns -1 when the blob was altered or sealed under another key. */
int crypto_seal(const char *secret, const char *purpose, const void *in, size_t len,
		struct buf *out);
int crypto_open(const char *secret, const char *purpose, const void *in, size_t len,
		struct buf *out);

/* Hex encoding (lowercase) appended to out; decode returns -1 on bad input. */
void crypto_hex(const void *in, size_t len, struct buf *out);
int crypto_unhex(const char *in, size_t len, struct buf *out);
/* base64 (standard alphabet, padded) appended to out; decode -1 on bad input. */
void crypto_base64(const void *in, size_t len, struct buf *out);
int crypto_unbase64(const char *in, size_t len, struct buf *out);

#endif
