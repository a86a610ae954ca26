/* test_crypto.c: sealing, tokens, HMAC (GitHub's published vector), encodings */
#include "crypto.h"
#include "tap.h"

#include <string.h>

int main(void)
{
	struct buf sealed = BUF_INIT, opened = BUF_INIT, tok = BUF_INIT, enc = BUF_INIT,
		   dec = BUF_INIT;
	char hex[65], id[9];
	const char *msg = "gho_secret-token-value";

	crypto_hmac_sha256_hex("It's a Secret to Everybody", 26, "Hello, World!", 13, hex);
	is_str(hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	       "HMAC-SHA256 matches GitHub's webhook test vector");

	ok(crypto_seal("key-1", "purpose", msg, strlen(msg), &sealed) == 0, "seal");
	is_int(sealed.len, 1 + 12 + 16 + strlen(msg), "version, nonce, tag, data");
	ok(memmem(sealed.buf, sealed.len, "secret", 6) == NULL,
	   "the plain text is not in the blob");
	ok(crypto_open("key-1", "purpose", sealed.buf, sealed.len, &opened) == 0, "open");
	is_str(opened.buf, msg, "round trip");
	buf_reset(&opened);
	ok(crypto_open("key-2", "purpose", sealed.buf, sealed.len, &opened) == -1,
	   "another key fails");
	ok(crypto_open("key-1", "other", sealed.buf, sealed.len, &opened) == -1,
	   "another purpose fails");
	sealed.buf[sealed.len - 1] ^= 1;
	ok(crypto_open("key-1", "purpose", sealed.buf, sealed.len, &opened) == -1,
	   "a flipped bit fails");
	is_int(opened.len, 0, "a failed open leaves nothing behind");
	ok(crypto_open("key-1", "purpose", "x", 1, &opened) == -1, "a short blob fails");
	buf_reset(&sealed);
	ok(crypto_seal("key-1", "p", "", 0, &sealed) == 0 &&
	       crypto_open("key-1", "p", sealed.buf, sealed.len, &opened) == 0 && opened.len == 0,
	   "an empty value round-trips");

	ok(crypto_token(&tok, 32) == 0 && tok.len == 43,
	   "a 32-byte token is 43 base64url characters");
	ok(strspn(tok.buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	       43,
	   "only URL-safe characters");
	ok(crypto_short_id(id, sizeof(id)) == 0 && strlen(id) == 8 && id[0] >= 'a' && id[0] <= 'z',
	   "a short id starts with a letter");
	ok(crypto_equal("abc", 3, "abc", 3) && !crypto_equal("abc", 3, "abd", 3) &&
	       !crypto_equal("abc", 3, "abcd", 4),
	   "constant-time equality");

	crypto_base64("hello!?", 7, &enc);
	is_str(enc.buf, "aGVsbG8hPw==", "base64");
	ok(crypto_unbase64(enc.buf, enc.len, &dec) == 0, "base64 decodes");
	is_str(dec.buf, "hello!?", "base64 round trip");
	buf_reset(&enc);
	buf_reset(&dec);
	crypto_hex("\x01\xab", 2, &enc);
	is_str(enc.buf, "01ab", "hex");
	ok(crypto_unhex("01AB", 4, &dec) == 0 && dec.len == 2 && (unsigned char)dec.buf[1] == 0xab,
	   "hex decodes either case");
	ok(crypto_unhex("0g", 2, &dec) == -1 && crypto_unhex("012", 3, &dec) == -1,
	   "bad hex is refused");

	buf_release(&sealed);
	buf_release(&opened);
	buf_release(&tok);
	buf_release(&enc);
	buf_release(&dec);
	return tap_done();
}
