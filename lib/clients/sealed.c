/* sealed.c: kubeseal's hybrid encryption (RSA-OAEP SHA-256 + AES-256-GCM) over libcrypto */
#include "sealed.h"

#include "crypto.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#define SESSION_KEY_LEN 32
#define GCM_NONCE_LEN	12
#define GCM_TAG_LEN	16
#define CERT_MAX	(64 * 1024)

/* PEM text from the setting: the text itself, or the file it names. */
static int cert_text(const char *pem_or_path, struct buf *out, struct err *e)
{
	FILE *f;
	char chunk[4096];
	size_t n;

	if (!pem_or_path || !*pem_or_path)
		return err_set(e, 422, "invalid_certificate",
			       "PLATFORM_SEALED_SECRETS_CERT is not set");
	if (strstr(pem_or_path, "-----BEGIN ")) {
		buf_addstr(out, pem_or_path);
		return 0;
	}
	if (!(f = fopen(pem_or_path, "rb")))
		return err_set(e, 422, "invalid_certificate",
			       "cannot read PLATFORM_SEALED_SECRETS_CERT (%s): %s", pem_or_path,
			       strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && out->len < CERT_MAX)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

/* The RSA public key of a certificate, or of a bare public key block. */
static EVP_PKEY *read_public(const struct buf *pem)
{
	BIO *bio = BIO_new_mem_buf(pem->buf, (int)pem->len);
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;

	if (!bio)
		return NULL;
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		pkey = X509_get_pubkey(x);
		X509_free(x);
	} else if (BIO_reset(bio) == 1) {
		ERR_clear_error(); /* not a certificate: a bare public key may be */
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	ERR_clear_error();
	BIO_free(bio);
	if (pkey && EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

int sealed_key_init(struct sealed_key *k, const char *pem_or_path, struct err *e)
{
	struct buf pem = BUF_INIT;
	int rc = -1;

	k->pkey = NULL;
	if (cert_text(pem_or_path, &pem, e) < 0)
		goto out;
	if (!pem.len || !(k->pkey = read_public(&pem))) {
		err_set(e, 422, "invalid_certificate",
			"PLATFORM_SEALED_SECRETS_CERT holds no PEM certificate with an RSA key "
			"(kubeseal --fetch-cert prints it)");
		goto out;
	}
	rc = 0;
out:
	buf_release(&pem);
	return rc;
}

void sealed_key_release(struct sealed_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

void sealed_label(struct buf *label, const char *namespace_, const char *name)
{
	buf_addf(label, "%s/%s", namespace_, name);
}

/* RSA-OAEP with SHA-256 for both the digest and MGF1, and `label` (copied: OpenSSL
 * takes ownership of the label it is given). */
static int oaep_setup(EVP_PKEY_CTX *ctx, const struct buf *label)
{
	unsigned char *l = NULL;

	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0)
		return -1;
	if (!label->len)
		return 0;
	if (!(l = OPENSSL_malloc(label->len)))
		return -1;
	memcpy(l, label->buf, label->len);
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, l, (int)label->len) <= 0) {
		OPENSSL_free(l);
		return -1;
	}
	return 0;
}

/* AES-256-GCM with the zero nonce; enc 1 seals (appends ciphertext || tag), 0 opens
 * (`in` ends with the tag). */
static int gcm(int enc, const unsigned char *key, const unsigned char *in, size_t len,
	       struct buf *out)
{
	static const unsigned char nonce[GCM_NONCE_LEN];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t body = enc ? len : len - GCM_TAG_LEN;
	unsigned char *dst;
	int n = 0, fin = 0, rc = -1;

	if (!c || (!enc && len < GCM_TAG_LEN))
		goto out;
	buf_grow(out, body + GCM_TAG_LEN + 16);
	dst = (unsigned char *)out->buf + out->len;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1 ||
	    (body && EVP_CipherUpdate(c, dst, &n, in, (int)body) != 1))
		goto out;
	if (!enc &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, (void *)(in + body)) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, dst + n, &fin) != 1)
		goto out;
	n += fin;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, dst + n) != 1)
		goto out;
	out->len += (size_t)n + (enc ? GCM_TAG_LEN : 0);
	out->buf[out->len] = '\0';
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int sealed_seal(const struct sealed_key *k, const char *namespace_, const char *name,
		const void *value, size_t len, struct buf *out, struct err *e)
{
	unsigned char key[SESSION_KEY_LEN];
	struct buf label = BUF_INIT, blob = BUF_INIT;
	EVP_PKEY_CTX *ctx = NULL;
	size_t rsa_len = 0;
	int rc = -1;

	if (!k->pkey)
		return err_set(e, 500, "seal_failed", "no sealed-secrets certificate loaded");
	sealed_label(&label, namespace_, name);
	if (crypto_random(key, sizeof(key)) < 0 ||
	    !(ctx = EVP_PKEY_CTX_new((EVP_PKEY *)k->pkey, NULL)) ||
	    EVP_PKEY_encrypt_init(ctx) <= 0 || oaep_setup(ctx, &label) < 0 ||
	    EVP_PKEY_encrypt(ctx, NULL, &rsa_len, key, sizeof(key)) <= 0 || rsa_len > 0xffff)
		goto fail;
	buf_grow(&blob, 2 + rsa_len);
	blob.buf[0] = (char)(rsa_len >> 8);
	blob.buf[1] = (char)(rsa_len & 0xff);
	if (EVP_PKEY_encrypt(ctx, (unsigned char *)blob.buf + 2, &rsa_len, key, sizeof(key)) <= 0)
		goto fail;
	blob.buf[0] = (char)(rsa_len >> 8); /* the real length, should it be shorter */
	blob.buf[1] = (char)(rsa_len & 0xff);
	blob.len = 2 + rsa_len;
	if (gcm(1, key, value, len, &blob) < 0)
		goto fail;
	crypto_base64(blob.buf, blob.len, out);
	rc = 0;
	goto out;
fail:
	err_set(e, 500, "seal_failed", "cannot seal a value for %s/%s", namespace_, name);
out:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_PKEY_CTX_free(ctx);
	buf_release(&label);
	buf_release(&blob);
	return rc;
}

static EVP_PKEY *read_private(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return pkey;
}

int sealed_open(const char *private_pem, const char *namespace_, const char *name, const char *b64,
		struct buf *out, struct err *e)
{
	struct buf label = BUF_INIT, blob = BUF_INIT;
	unsigned char key[1024]; /* OpenSSL wants room for a whole RSA block, up to 8192 bits */
	size_t key_len = sizeof(key), rsa_len;
	EVP_PKEY *pkey = read_private(private_pem);
	EVP_PKEY_CTX *ctx = NULL;
	int rc = -1;

	sealed_label(&label, namespace_, name);
	if (!pkey || crypto_unbase64(b64, strlen(b64), &blob) < 0 || blob.len < 2)
		goto fail;
	rsa_len = ((size_t)(unsigned char)blob.buf[0] << 8) | (unsigned char)blob.buf[1];
	if (blob.len < 2 + rsa_len || !(ctx = EVP_PKEY_CTX_new(pkey, NULL)) ||
	    EVP_PKEY_decrypt_init(ctx) <= 0 || oaep_setup(ctx, &label) < 0 ||
	    EVP_PKEY_decrypt(ctx, key, &key_len, (unsigned char *)blob.buf + 2, rsa_len) <= 0 ||
	    key_len != SESSION_KEY_LEN ||
	    gcm(0, key, (unsigned char *)blob.buf + 2 + rsa_len, blob.len - 2 - rsa_len, out) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	err_set(e, 422, "unseal_failed", "the value does not open with this key for %s/%s",
		namespace_, name);
out:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	buf_release(&label);
	buf_release(&blob);
	return rc;
}
