/* test_webhook.c: delivery signatures, payload decoding, push classification */
#include "webhook.h"
#include "tap.h"

#include <string.h>

static struct json_object *parse(const char *s)
{
	struct err e = ERR_INIT;

	return webhook_payload("application/json", s, strlen(s), &e);
}

int main(void)
{
	const char *secret = "It's a Secret to Everybody", *body = "Hello, World!";
	const char *good =
	    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	struct err e = ERR_INIT;
	struct json_object *o;
	struct webhook_push p;
	struct buf key = BUF_INIT;

	ok(webhook_signature_ok(secret, strlen(secret), body, strlen(body), good),
	   "GitHub's published vector");
	ok(webhook_signature_ok(
	       secret, strlen(secret), body, strlen(body),
	       "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"),
	   "upper-case hex is the same signature");
	ok(!webhook_signature_ok(secret, strlen(secret), "Hello, World?", 13, good),
	   "one byte changed");
	ok(!webhook_signature_ok("other", 5, body, strlen(body), good), "another secret");
	ok(!webhook_signature_ok(secret, strlen(secret), body, strlen(body), NULL), "no header");
	ok(!webhook_signature_ok(secret, strlen(secret), body, strlen(body), "sha1=0123"),
	   "a SHA-1 header");
	ok(!webhook_signature_ok(secret, strlen(secret), body, strlen(body), "sha256=757107"),
	   "a short signature");
	ok(!webhook_signature_ok(
	       secret, strlen(secret), body, strlen(body),
	       "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17x"),
	   "a long signature");

	o = webhook_payload("application/x-www-form-urlencoded",
			    "a=1&payload=%7B%22zen%22%3A%22x+y%22%7D", 39, &e);
	ok(o != NULL, "a form-encoded payload decodes");
	is_str(json_object_get_string(json_object_object_get(o, "zen")), "x y", "with + as space");
	json_object_put(o);
	ok(!webhook_payload("application/x-www-form-urlencoded", "payload=%7", 10, &e),
	   "a cut escape is refused");
	ok(!webhook_payload("application/x-www-form-urlencoded", "other=1", 7, &e),
	   "no payload field is refused");
	ok(!webhook_payload("application/json", "{", 1, &e) && e.status == 400, "bad JSON is 400");

	o = parse(
	    "{\"ref\":\"refs/heads/main\",\"after\":\"0123456789abcdef0123456789abcdef01234567\","
	    "\"repository\":{\"full_name\":\"Alice/"
	    "Web\"},\"head_commit\":{\"message\":\"fix\",\"author\":{\"name\":\"A\"}}}");
	webhook_push_parse(o, &p);
	is_int(p.kind, WEBHOOK_PUSH_BRANCH, "a push to a branch");
	is_str(p.branch, "main", "its branch");
	is_str(p.message, "fix", "the head commit's message");
	is_str(p.author, "A", "and author");
	ok(webhook_repo_key(o, &key) && !strcmp(key.buf, "alice/web"),
	   "the repository key is lower case");
	json_object_put(o);

	o = parse(
	    "{\"ref\":\"refs/heads/"
	    "main\",\"after\":\"0000000000000000000000000000000000000000\",\"deleted\":true}");
	webhook_push_parse(o, &p);
	is_int(p.kind, WEBHOOK_PUSH_DELETED, "a deleted branch");
	json_object_put(o);
	o = parse(
	    "{\"ref\":\"refs/tags/v1\",\"after\":\"0123456789abcdef0123456789abcdef01234567\"}");
	webhook_push_parse(o, &p);
	is_int(p.kind, WEBHOOK_PUSH_TAG, "a tag");
	json_object_put(o);
	o = parse("{\"ref\":\"refs/heads/main\",\"after\":\"nope\"}");
	webhook_push_parse(o, &p);
	is_int(p.kind, WEBHOOK_PUSH_INVALID, "a bad commit id");
	json_object_put(o);
	o = parse("{\"zen\":\"x\"}");
	buf_reset(&key);
	ok(!webhook_repo_key(o, &key), "no repository in a ping of an organisation");
	json_object_put(o);

	buf_reset(&key);
	webhook_url_repo_key("https://github.com/Owner/Repo", &key);
	is_str(key.buf, "owner/repo", "the repository key of a URL");
	buf_release(&key);
	return tap_done();
}
