/* crypto.c: random tokens, hashes, HMAC and AES-256-GCM sealing over libcrypto */
#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <string.h>

#define SEAL_VERSION 1
#define NONCE_LEN    12
#define TAG_LEN	     16

int crypto_random(unsigned char *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

int crypto_token(struct buf *out, size_t nbytes)
{
	unsigned char raw[64];
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned acc = 0;
	int bits = 0;

	if (nbytes > sizeof(raw) || crypto_random(raw, nbytes) < 0)
		return -1;
	for (size_t i = 0; i < nbytes; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			buf_addch(out, alpha[(acc >> (bits - 6)) & 63]);
			bits -= 6;
		}
	}
	if (bits)
		buf_addch(out, alpha[(acc << (6 - bits)) & 63]);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int crypto_short_id(char *out, size_t len)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[32];

	if (len < 2 || len > sizeof(raw) + 1 || crypto_random(raw, len - 1) < 0)
		return -1;
	/* Ids need uniqueness, not uniformity: the small modulo bias is harmless
	 * and a collision is caught by the primary key (the caller retries). */
	out[0] = alnum[raw[0] % 26];
	for (size_t i = 1; i + 1 < len; i++)
		out[i] = alnum[raw[i] % 36];
	out[len - 1] = '\0';
	return 0;
}

void crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
	/* Fetched once: OpenSSL 3 looks EVP_sha256() up again on every call otherwise, which
	 * cost more than hashing a session token. */
	static EVP_MD *md;
	unsigned int n = 32;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_Digest(data, len, out, &n, md ? md : EVP_sha256(), NULL);
}

void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
			    char out[65])
{
	unsigned char mac[32];
	unsigned int n = sizeof(mac);
	static const char hex[] = "0123456789abcdef";

	HMAC(EVP_sha256(), key, (int)keylen, data, len, mac, &n);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
}

int crypto_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

static int derive_key(const char *secret, const char *purpose, unsigned char key[32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	size_t n = 32;
	int ok;

	if (!ctx)
		return -1;
	ok = EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_salt(ctx, (const unsigned char *)"platform/v1", 11) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_key(ctx, (const unsigned char *)secret, (int)strlen(secret)) >
		 0 &&
	     EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)purpose,
					 (int)strlen(purpose)) > 0 &&
	     EVP_PKEY_derive(ctx, key, &n) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

int crypto_seal(const char *secret, const char *purpose, const void *in, size_t len,
		struct buf *out)
{
	unsigned char key[32], nonce[NONCE_LEN], tag[TAG_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	size_t start = out->len;
	int n, ret = -1;

	if (!secret || !*secret || derive_key(secret, purpose, key) < 0 ||
	    crypto_random(nonce, sizeof(nonce)) < 0)
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1)
		goto out;
	buf_addch(out, SEAL_VERSION);
	buf_add(out, nonce, sizeof(nonce));
	buf_add(out, tag, sizeof(tag)); /* placeholder, filled after the data */
	if (buf_grow(out, len + 16) < 0)
		goto out;
	if (EVP_EncryptUpdate(ctx, (unsigned char *)out->buf + out->len, &n, in, (int)len) != 1)
		goto out;
	out->len += (size_t)n;
	if (EVP_EncryptFinal_ex(ctx, (unsigned char *)out->buf + out->len, &n) != 1)
		goto out;
	out->len += (size_t)n;
	out->buf[out->len] = '\0';
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	memcpy(out->buf + start + 1 + NONCE_LEN, tag, TAG_LEN);
	ret = 0;
out:
	if (ret < 0)
		buf_truncate(out, start);
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int crypto_open(const char *secret, const char *purpose, const void *in, size_t len,
		struct buf *out)
{
	const unsigned char *p = in;
	unsigned char key[32];
	EVP_CIPHER_CTX *ctx = NULL;
	size_t start = out->len, dlen;
	int n, ret = -1;

	if (len < 1 + NONCE_LEN + TAG_LEN || p[0] != SEAL_VERSION || !secret || !*secret)
		return -1;
	dlen = len - 1 - NONCE_LEN - TAG_LEN;
	if (derive_key(secret, purpose, key) < 0)
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, p + 1) != 1)
		goto out;
	if (buf_grow(out, dlen + 16) < 0)
		goto out;
	if (EVP_DecryptUpdate(ctx, (unsigned char *)out->buf + out->len, &n,
			      p + 1 + NONCE_LEN + TAG_LEN, (int)dlen) != 1)
		goto out;
	out->len += (size_t)n;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)(p + 1 + NONCE_LEN)) !=
	    1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, (unsigned char *)out->buf + out->len, &n) != 1)
		goto out;
	out->len += (size_t)n;
	out->buf[out->len] = '\0';
	ret = 0;
out:
	if (ret < 0) {
		OPENSSL_cleanse(out->buf + start, out->len - start);
		buf_truncate(out, start);
	}
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

void crypto_hex(const void *in, size_t len, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < len; i++) {
		buf_addch(out, hex[p[i] >> 4]);
		buf_addch(out, hex[p[i] & 15]);
	}
}

static int hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int crypto_unhex(const char *in, size_t len, struct buf *out)
{
	if (len % 2)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexdigit((unsigned char)in[i]), lo = hexdigit((unsigned char)in[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		buf_addch(out, (char)(hi * 16 + lo));
	}
	return 0;
}

void crypto_base64(const void *in, size_t len, struct buf *out)
{
	size_t need = 4 * ((len + 2) / 3);

	if (buf_grow(out, need) < 0)
		return;
	EVP_EncodeBlock((unsigned char *)out->buf + out->len, in, (int)len);
	out->len += need;
	out->buf[out->len] = '\0';
}

int crypto_unbase64(const char *in, size_t len, struct buf *out)
{
	size_t pad = 0;
	int n;

	if (len % 4)
		return -1;
	if (len && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	if (buf_grow(out, len / 4 * 3) < 0)
		return -1;
	n = EVP_DecodeBlock((unsigned char *)out->buf + out->len, (const unsigned char *)in,
			    (int)len);
	if (n < 0)
		return -1;
	out->len += (size_t)n - pad;
	out->buf[out->len] = '\0';
	return 0;
}
