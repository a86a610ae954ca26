/* sealed.h: values sealed for a Bitnami sealed-secrets controller (prefix sealed_).
 *
 * A SealedSecret (bitnami.com/v1alpha1) carries each Secret value encrypted for
 * the cluster's controller, so git can hold it. The format is kubeseal's
 * (bitnami-labs/sealed-secrets pkg/crypto HybridEncrypt), per value:
 *
 *   a fresh random 32-byte AES-256-GCM session key;
 *   rsa = RSA-OAEP(SHA-256, MGF1-SHA-256, label = scope)(session key)
 *   blob = uint16_be(len(rsa)) || rsa || AES-256-GCM(session key, nonce = 12 zero
 *          bytes, no AAD)(value) || tag (16 bytes)
 *   the manifest holds base64(blob) (standard alphabet, padded).
 *
 * The scope is the label: "<namespace>/<name>" for the strict scope (the only one
 * the platform writes), so a value sealed for one app cannot be replayed into
 * another Secret or namespace. The zero nonce is safe because each session key
 * encrypts exactly one value.
 *
 * A struct sealed_key owns the public key read from the certificate; the
 * functions borrow every other argument. Errors: 422 invalid_certificate (not a
 * PEM certificate or public key with an RSA key), 500 seal_failed.
 */
#ifndef PLATFORM_SEALED_H
#define PLATFORM_SEALED_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

struct sealed_key {
	void *pkey; /* EVP_PKEY *, owned */
};

/* Read the controller's certificate: `pem_or_path` is either PEM text (a
 * "-----BEGIN CERTIFICATE-----" or "-----BEGIN PUBLIC KEY-----" block) or the
 * path of a file holding one. The setting's name is used in messages. */
int sealed_key_init(struct sealed_key *k, const char *pem_or_path, struct err *e);
void sealed_key_release(struct sealed_key *k);

/* Append to `label` the strict-scope label of a Secret: "<namespace>/<name>". */
void sealed_label(struct buf *label, const char *namespace_, const char *name);

/* Seal `len` bytes of `value` for the Secret `namespace_`/`name` (strict scope) and
 * append base64 of the blob to `out`. */
int sealed_seal(const struct sealed_key *k, const char *namespace_, const char *name,
		const void *value, size_t len, struct buf *out, struct err *e);

/* The reverse, for tests and tools holding the controller's private key (PEM text):
 * open base64 `b64` sealed for `namespace_`/`name`, appending the value to `out`.
 * -1 (422 unseal_failed) when the key, the scope or the blob does not match. */
int sealed_open(const char *private_pem, const char *namespace_, const char *name, const char *b64,
		struct buf *out, struct err *e);

#endif
