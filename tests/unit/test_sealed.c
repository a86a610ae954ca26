/* test_sealed.c: kubeseal's format (lib/clients/sealed) round trips, is bound to its scope and key,
 * and has kubeseal's layout; YAML keys that YAML 1.1/1.2 would read as something else are
 * quoted (lib/util/yamlout) */
#include "tap.h"

#include "sealed.h"
#include "yamlout.h"
#include "crypto.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

static char *pem_of(EVP_PKEY *k, int private_part)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	if (private_part)
		PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	else
		PEM_write_bio_PUBKEY(b, k);
	n = BIO_get_mem_data(b, &data);
	out = xstrndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

static void test_seal(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
	char *pub = pem_of(k, 0), *priv = pem_of(k, 1), *priv2 = pem_of(other, 1);
	struct sealed_key key;
	struct err e = ERR_INIT;
	struct buf s = BUF_INIT, s2 = BUF_INIT, plain = BUF_INIT, raw = BUF_INIT;
	static const char value[] = "multi\nline \"quoted\" {{ .Values }} \xc3\xa9t\xc3\xa9";

	ok(sealed_key_init(&key, pub, &e) == 0, "a PEM public key loads");
	ok(sealed_seal(&key, "user-u1", "u1-web-env", value, strlen(value), &s, &e) == 0,
	   "a value seals");
	ok(sealed_open(priv, "user-u1", "u1-web-env", s.buf, &plain, &e) == 0 &&
	       plain.len == strlen(value) && !memcmp(plain.buf, value, plain.len),
	   "and opens to the same bytes with the private key and the same scope");
	buf_reset(&plain);
	ok(sealed_open(priv, "user-u1", "u1-api-env", s.buf, &plain, &e) < 0,
	   "another Secret name (strict scope) does not open it");
	ok(sealed_open(priv, "user-u2", "u1-web-env", s.buf, &plain, &e) < 0,
	   "another namespace does not open it");
	ok(sealed_open(priv2, "user-u1", "u1-web-env", s.buf, &plain, &e) < 0,
	   "another key does not open it");
	ok(crypto_unbase64(s.buf, s.len, &raw) == 0, "the output is base64");
	ok(raw.len == 2 + 256 + strlen(value) + 16 && (unsigned char)raw.buf[0] == 1 &&
	       (unsigned char)raw.buf[1] == 0,
	   "layout: 2-byte length 256, RSA-2048 block, GCM ciphertext + 16-byte tag (%zu bytes)",
	   raw.len);
	raw.buf[raw.len - 1] ^= 1;
	buf_reset(&s2);
	crypto_base64(raw.buf, raw.len, &s2);
	ok(sealed_open(priv, "user-u1", "u1-web-env", s2.buf, &plain, &e) < 0,
	   "a flipped bit is refused (GCM tag)");
	buf_reset(&s2);
	ok(sealed_seal(&key, "user-u1", "u1-web-env", value, strlen(value), &s2, &e) == 0 &&
	       strcmp(s.buf, s2.buf),
	   "two seals of one value differ (a fresh session key each)");
	buf_reset(&s2);
	ok(sealed_seal(&key, "user-u1", "u1-web-env", "", 0, &s2, &e) == 0 &&
	       sealed_open(priv, "user-u1", "u1-web-env", s2.buf, &plain, &e) == 0,
	   "an empty value seals and opens");
	sealed_key_release(&key);
	ok(sealed_key_init(&key, "not a certificate", &e) < 0 &&
	       !strcmp(e.code, "invalid_certificate"),
	   "a bad certificate path is refused: %s", e.msg);
	ok(sealed_key_init(&key, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
			   &e) < 0 &&
	       strstr(e.msg, "PLATFORM_SEALED_SECRETS_CERT"),
	   "a broken PEM names the setting: %s", e.msg);
	buf_release(&s);
	buf_release(&s2);
	buf_release(&plain);
	buf_release(&raw);
	free(pub);
	free(priv);
	free(priv2);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

static void test_plain_safe(void)
{
	static const char *const quoted[] = {
	    "ON",    "on",    "On",   "yes",  "Yes",   "YES",  "y",	     "Y",	 "n",
	    "N",     "no",    "NO",   "off",  "OFF",   "true", "True",	     "TRUE",	 "false",
	    "False", "null",  "Null", "NULL", "~",     "",     "1e3",	     "0x1F",	 "0o17",
	    "012",   "1_000", "3.14", ".inf", "-.inf", ".NaN", "2024-01-01", "12:30:00", "-x",
	    "?x",    ":x",    "#x",   "&a",   "*a",    "!tag", "|",	     ">",	 "'q",
	    "\"q",   "%x",    "@x",   "`x",   "a b",   "a: b", "a#b",	     "{x}",	 "[x]",
	    "x,y",   "<<",    "=",    "é",    NULL};
	static const char *const plain[] = {
	    "PORT", "DATABASE_URL", "app", "nginx.ingress.kubernetes.io/x", "_private", "yes_no",
	    "ONE",  "Nope",	    NULL};

	for (int i = 0; quoted[i]; i++)
		ok(!yamlout_plain_safe(quoted[i]), "key '%s' is quoted", quoted[i]);
	for (int i = 0; plain[i]; i++)
		ok(yamlout_plain_safe(plain[i]), "key '%s' stays plain", plain[i]);
}

int main(void)
{
	test_seal();
	test_plain_safe();
	return tap_done();
}
