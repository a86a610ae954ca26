/* redact.c: same-length masking of secrets and token shapes in build log chunks */
#include "redact.h"

#include "buf.h"
#include "crypto.h"

#include <json-c/json.h>
#include <string.h>

/* Token shapes: a fixed prefix, then at least SHAPE_MIN_RUN characters of the token
 * alphabet (GitHub's classic tokens have 36, fine-grained ones 82). */
#define SHAPE_MIN_RUN 20

struct shape {
	const char *prefix;
	size_t plen;
	int underscore; /* '_' belongs to the alphabet */
};

static const struct shape shapes[] = {
    {"ghp_", 4, 0}, {"gho_", 4, 0}, {"ghu_", 4, 0},
    {"ghs_", 4, 0}, {"ghr_", 4, 0}, {"github_pat_", 11, 1},
};
#define NSHAPES	   (sizeof(shapes) / sizeof(shapes[0]))
#define SHAPE_TAIL 64 /* bytes at the end of a chunk that can hold an unfinished shape */

struct span {
	size_t start, end;
	int open; /* reaches the end of the text and may go on */
};

struct spans {
	struct span *v;
	size_t n, alloc;
};

void redact_init(struct redact *r)
{
	struct redact z = REDACT_INIT;

	*r = z;
}

void redact_release(struct redact *r)
{
	for (size_t i = 0; i < r->n; i++) {
		/* the values are credentials: do not leave them in freed memory */
		memset(r->v[i].value, 0, r->v[i].len);
		free(r->v[i].value);
	}
	free(r->v);
	r->v = NULL;
	r->n = r->alloc = r->maxlen = 0;
}

static int add_one(struct redact *r, const char *value, size_t len)
{
	if (!value || len < REDACT_MIN_LEN)
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].len == len && !memcmp(r->v[i].value, value, len))
			return 0;
	}
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 8;
		r->v = xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	r->v[r->n].value = xstrndup(value, len);
	r->v[r->n].len = len;
	r->n++;
	if (len > r->maxlen)
		r->maxlen = len;
	return 1;
}

int redact_add(struct redact *r, const char *value, size_t len)
{
	int added;
	const char *p, *end;

	if (!value)
		return 0;
	added = add_one(r, value, len);
	/* A multi-line value (a key file) is often printed one line at a time. */
	end = value + len;
	for (p = value; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t n = (size_t)(stop - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (nl || p != value)
			add_one(r, p, n);
		p = nl ? nl + 1 : end;
	}
	return added;
}

int redact_add_str(struct redact *r, const char *value)
{
	return value ? redact_add(r, value, strlen(value)) : 0;
}

int redact_add_sealed_env(struct redact *r, const char *secret_key, const char *purpose,
			  const char *env_json)
{
	struct json_object *env = env_json ? json_tokener_parse(env_json) : NULL;
	struct buf sealed = BUF_INIT, plain = BUF_INIT;
	int added = 0;

	if (!env || !json_object_is_type(env, json_type_object)) {
		json_object_put(env);
		return -1;
	}
	json_object_object_foreach(env, k, v)
	{
		const char *b64 = json_object_get_string(v);

		(void)k;
		buf_reset(&sealed);
		buf_reset(&plain);
		if (!b64 || crypto_unbase64(b64, strlen(b64), &sealed) < 0 ||
		    crypto_open(secret_key, purpose, sealed.buf, sealed.len, &plain) < 0)
			continue;
		added += redact_add(r, plain.buf, plain.len);
		memset(plain.buf, 0, plain.len);
	}
	buf_release(&sealed);
	buf_release(&plain);
	json_object_put(env);
	return added;
}

/* ---------------------------------------------------------------- matching */

static void spans_add(struct spans *s, size_t start, size_t end, int open)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 16;
		s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->v[s->n].open = open;
	s->n++;
}

static int token_char(unsigned char c, int underscore)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (underscore && c == '_');
}

/* A token shape at data[i]: its end in *end, whether it reaches the end of the text. */
static int shape_at(const char *data, size_t len, size_t i, size_t *end, int *open)
{
	for (size_t s = 0; s < NSHAPES; s++) {
		const struct shape *sh = &shapes[s];
		size_t j;

		if (len - i < sh->plen || memcmp(data + i, sh->prefix, sh->plen))
			continue;
		for (j = i + sh->plen;
		     j < len && token_char((unsigned char)data[j], sh->underscore); j++)
			;
		if (j - i - sh->plen >= SHAPE_MIN_RUN) {
			*end = j;
			*open = j == len;
			return 1;
		}
	}
	return 0;
}

/* 1 when data[p, len) could still become a secret or a token shape with more text. */
static int could_grow(const struct redact *r, const char *data, size_t len, size_t p)
{
	size_t n = len - p;

	for (size_t i = 0; i < r->n; i++) {
		if (n < r->v[i].len && !memcmp(data + p, r->v[i].value, n))
			return 1;
	}
	if (!r->shapes || n > SHAPE_TAIL)
		return 0;
	for (size_t s = 0; s < NSHAPES; s++) {
		const struct shape *sh = &shapes[s];
		size_t j;

		if (n <= sh->plen) {
			if (!memcmp(data + p, sh->prefix, n))
				return 1;
			continue;
		}
		if (memcmp(data + p, sh->prefix, sh->plen))
			continue;
		for (j = p + sh->plen;
		     j < len && token_char((unsigned char)data[j], sh->underscore); j++)
			;
		if (j == len)
			return 1; /* a run that has not reached its minimum yet */
	}
	return 0;
}

size_t redact_mask(const struct redact *r, char *data, size_t len, size_t ready, int final)
{
	struct spans s = {NULL, 0, 0};
	size_t safe = ready > len ? len : ready, from;
	unsigned char first[256];
	int moved;

	/* which bytes can start a match: most bytes of a log start none */
	memset(first, 0, sizeof(first));
	for (size_t k = 0; k < r->n; k++)
		first[(unsigned char)r->v[k].value[0]] = 1;
	if (r->shapes)
		first['g'] = 1;

	/* Find every occurrence in the original text first: masking as we go could hide
	 * a second secret that overlaps the first. */
	for (size_t i = 0; i < len; i++) {
		size_t end;
		int open;

		if (!first[(unsigned char)data[i]])
			continue;
		for (size_t k = 0; k < r->n; k++) {
			const struct redact_secret *sec = &r->v[k];

			if (sec->value[0] == data[i] && len - i >= sec->len &&
			    !memcmp(data + i, sec->value, sec->len))
				spans_add(&s, i, i + sec->len, 0);
		}
		if (r->shapes && (data[i] == 'g') && shape_at(data, len, i, &end, &open))
			spans_add(&s, i, end, open);
	}
	if (!final) {
		/* Hold back the earliest tail that may be the start of a secret (tested
		 * before masking: a masked secret may end with the start of another). */
		size_t win = r->maxlen;

		if (r->shapes && win < SHAPE_TAIL)
			win = SHAPE_TAIL;
		from = len > win ? len - win : 0;
		for (size_t p = from; p < len && p < safe; p++) {
			if (could_grow(r, data, len, p)) {
				safe = p;
				break;
			}
		}
	}
	/* Never cut a masked run in two, nor release the start of one that may go on:
	 * the next read starts where this one stops and must see the whole secret. */
	do {
		moved = 0;
		for (size_t k = 0; k < s.n; k++) {
			const struct span *sp = &s.v[k];

			if (sp->start < safe && (sp->end > safe || (sp->open && !final))) {
				safe = sp->start;
				moved = 1;
			}
		}
	} while (moved);
	for (size_t k = 0; k < s.n; k++)
		memset(data + s.v[k].start, REDACT_MASK, s.v[k].end - s.v[k].start);
	free(s.v);
	return safe;
}
