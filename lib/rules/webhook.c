/* webhook.c: GitHub delivery signatures, payload decoding and push classification */
#include "webhook.h"

#include "crypto.h"
#include "http.h"
#include "jsonutil.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int webhook_signature_ok(const char *secret, size_t secret_len, const void *body, size_t len,
			 const char *header)
{
	char want[65];
	char got[65];

	if (!header || strncmp(header, "sha256=", 7) || strlen(header + 7) != 64)
		return 0;
	/* GitHub sends lowercase hex; fold so that a differently cased but equal
	 * signature is not refused, without branching on secret data. */
	for (int i = 0; i < 64; i++)
		got[i] = (char)tolower((unsigned char)header[7 + i]);
	got[64] = '\0';
	crypto_hmac_sha256_hex(secret, secret_len, body, len, want);
	return crypto_equal(want, 64, got, 64);
}

/* The decoded value of form field `name` into out; 1 found, 0 not, -1 bad escape. */
static int form_field(const char *body, size_t len, const char *name, struct buf *out)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;

		if (end - i > nlen && !strncmp(body + i, name, nlen) && body[i + nlen] == '=')
			return http_urldecode(body + i + nlen + 1, end - i - nlen - 1, 1, out) < 0
				   ? -1
				   : 1;
		i = end + 1;
	}
	return 0;
}

struct json_object *webhook_payload_json(const char *content_type, const char *body, size_t len,
					 struct buf *text, struct err *e)
{
	struct json_object *o;

	if (content_type && !strncasecmp(content_type, "application/x-www-form-urlencoded", 33)) {
		struct buf payload = BUF_INIT;
		int r = form_field(body, len, "payload", &payload);

		if (r <= 0) {
			buf_release(&payload);
			err_set(e, 400, "invalid_payload",
				r < 0 ? "the form field payload has a bad %%-escape"
				      : "a form-encoded delivery needs a payload field");
			return NULL;
		}
		o = ju_parse_object(payload.buf, payload.len, e);
		if (o && text)
			buf_add(text, payload.buf, payload.len);
		buf_release(&payload);
		return o;
	}
	o = ju_parse_object(body, len, e);
	if (o && text)
		buf_add(text, body, len);
	return o;
}

struct json_object *webhook_payload(const char *content_type, const char *body, size_t len,
				    struct err *e)
{
	return webhook_payload_json(content_type, body, len, NULL, e);
}

void webhook_url_repo_key(const char *repo_url, struct buf *out)
{
	const char *end = repo_url + strlen(repo_url), *p = end;
	int slashes = 0;

	while (p > repo_url) {
		if (p[-1] == '/' && ++slashes == 2)
			break;
		p--;
	}
	for (; p < end; p++)
		buf_addch(out, (char)tolower((unsigned char)*p));
}

int webhook_repo_key(struct json_object *payload, struct buf *out)
{
	struct json_object *repo, *full;
	const char *s;

	if (!json_object_object_get_ex(payload, "repository", &repo) ||
	    !json_object_object_get_ex(repo, "full_name", &full) ||
	    !json_object_is_type(full, json_type_string))
		return 0;
	s = json_object_get_string(full);
	if (!*s || strlen(s) > 140 || !strchr(s, '/'))
		return 0;
	for (; *s; s++)
		buf_addch(out, (char)tolower((unsigned char)*s));
	return 1;
}

static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int is_sha(const char *s)
{
	if (!s || strlen(s) != 40)
		return 0;
	for (; *s; s++) {
		if (!isxdigit((unsigned char)*s))
			return 0;
	}
	return 1;
}

void webhook_push_parse(struct json_object *payload, struct webhook_push *p)
{
	struct json_object *v, *head = NULL, *author = NULL;
	const char *ref = str_member(payload, "ref"), *after = str_member(payload, "after");

	memset(p, 0, sizeof(*p));
	p->kind = WEBHOOK_PUSH_INVALID;
	if (!ref || !is_sha(after))
		return;
	if (!strncmp(ref, "refs/tags/", 10)) {
		p->kind = WEBHOOK_PUSH_TAG;
		return;
	}
	if (strncmp(ref, "refs/heads/", 11) || !ref[11] || strlen(ref + 11) >= sizeof(p->branch))
		return;
	snprintf(p->branch, sizeof(p->branch), "%s", ref + 11);
	snprintf(p->after, sizeof(p->after), "%s", after);
	if ((json_object_object_get_ex(payload, "deleted", &v) && json_object_get_boolean(v)) ||
	    strspn(after, "0") == 40) {
		p->kind = WEBHOOK_PUSH_DELETED;
		return;
	}
	if (json_object_object_get_ex(payload, "head_commit", &head) && head) {
		const char *m = str_member(head, "message");

		/* cut on a character boundary: half a character is not UTF-8 and PostgreSQL
		 * would refuse the whole deployment row */
		if (m)
			snprintf(p->message, sizeof(p->message), "%.*s",
				 (int)utf8_prefix(m, sizeof(p->message) - 1), m);
		if (json_object_object_get_ex(head, "author", &author)) {
			const char *a = str_member(author, "name");

			if (a)
				snprintf(p->author, sizeof(p->author), "%.*s",
					 (int)utf8_prefix(a, sizeof(p->author) - 1), a);
		}
	}
	p->kind = WEBHOOK_PUSH_BRANCH;
}

/* lower(repo.full_name) of `side` ("head" or "base") of a pull request into out (size n). */
static void pr_repo(struct json_object *pr, const char *side, char *out, size_t n)
{
	struct json_object *part = NULL, *repo = NULL;
	const char *full;
	size_t i;

	out[0] = '\0';
	if (!json_object_object_get_ex(pr, side, &part) ||
	    !json_object_object_get_ex(part, "repo", &repo))
		return;
	full = str_member(repo, "full_name");
	if (!full || strlen(full) >= n)
		return;
	for (i = 0; full[i]; i++)
		out[i] = (char)tolower((unsigned char)full[i]);
	out[i] = '\0';
}

static void pr_ref(struct json_object *pr, const char *side, char *out, size_t n, int sha)
{
	struct json_object *part = NULL;
	const char *v;

	out[0] = '\0';
	if (!json_object_object_get_ex(pr, side, &part))
		return;
	v = str_member(part, sha ? "sha" : "ref");
	if (!v || strlen(v) >= n || (sha && !is_sha(v)))
		return;
	for (size_t i = 0;; i++) {
		out[i] = sha ? (char)tolower((unsigned char)v[i]) : v[i];
		if (!v[i])
			break;
	}
}

static enum webhook_pr_action pr_action(const char *a)
{
	if (!strcmp(a, "opened") || !strcmp(a, "reopened") || !strcmp(a, "synchronize"))
		return WEBHOOK_PR_DEPLOY;
	if (!strcmp(a, "closed"))
		return WEBHOOK_PR_CLOSED;
	return WEBHOOK_PR_OTHER;
}

void webhook_pr_parse(struct json_object *payload, struct webhook_pr *p)
{
	struct json_object *pr = NULL, *v = NULL, *sender = NULL;
	const char *action = str_member(payload, "action"), *s;
	char base_repo[141];

	memset(p, 0, sizeof(*p));
	p->action = WEBHOOK_PR_INVALID;
	if (!action || !json_object_object_get_ex(payload, "pull_request", &pr) ||
	    !json_object_is_type(pr, json_type_object))
		return;
	snprintf(p->action_name, sizeof(p->action_name), "%.*s",
		 (int)utf8_prefix(action, sizeof(p->action_name) - 1), action);
	if (json_object_object_get_ex(pr, "number", &v) && json_object_is_type(v, json_type_int))
		p->number = (long)json_object_get_int64(v);
	if ((s = str_member(pr, "title")))
		snprintf(p->title, sizeof(p->title), "%.*s",
			 (int)utf8_prefix(s, sizeof(p->title) - 1), s);
	pr_ref(pr, "head", p->head_sha, sizeof(p->head_sha), 1);
	pr_ref(pr, "head", p->head_ref, sizeof(p->head_ref), 0);
	pr_ref(pr, "base", p->base_ref, sizeof(p->base_ref), 0);
	pr_repo(pr, "head", p->head_repo, sizeof(p->head_repo));
	pr_repo(pr, "base", base_repo, sizeof(base_repo));
	/* a head whose repository was deleted is a fork's whose owner we can no longer tell */
	p->fork = !p->head_repo[0] || strcmp(p->head_repo, base_repo) != 0;
	p->merged = json_object_object_get_ex(pr, "merged", &v) && json_object_get_boolean(v);
	if (json_object_object_get_ex(payload, "sender", &sender) &&
	    (s = str_member(sender, "login")) && strlen(s) < sizeof(p->sender))
		snprintf(p->sender, sizeof(p->sender), "%s", s);
	if (p->number < 1 || !p->head_sha[0] || !p->base_ref[0] || !base_repo[0])
		return;
	p->action = pr_action(action);
}
