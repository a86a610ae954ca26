/* naming.c: the platform's name rules, checked and applied in one place */
#include "naming.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The input was understood but breaks a rule: 422, as the API does elsewhere. */
#define STATUS_INVALID 422

/* Label flags. */
#define LETTER_FIRST 1 /* RFC 1035: the first character is a letter */
#define NO_DASH	     2 /* ids: joins stay unambiguous */

/* What is wrong with a label or a name, and where (0-based). */
enum fault {
	F_OK,
	F_EMPTY,
	F_LONG,
	F_UPPER,
	F_CHAR,
	F_FIRST,
	F_LAST,
	F_DOT_FIRST,
	F_DOT_LAST,
	F_DOT_DOT,
	F_LABEL_LONG,
	F_WILDCARD,
};

static int no_room(struct err *e, const char *what);

struct scan {
	enum fault fault;
	size_t pos;
	size_t len; /* F_LONG: the whole length; F_LABEL_LONG: the label's */
};

static int is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum_lower(unsigned char c)
{
	return is_lower(c) || is_digit(c);
}

static int invalid(struct err *e, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* err_field with a formatted message; err has no va_list variant to forward to. */
static int invalid(struct err *e, const char *code, const char *field, const char *fmt, ...)
{
	char msg[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_field(e, STATUS_INVALID, code, field, "%s", msg);
}

/* Name one byte so a person can find it; never echo control bytes raw. */
static const char *describe(char out[32], unsigned char c)
{
	if (c == ' ')
		snprintf(out, 32, "a space");
	else if (c == '\t')
		snprintf(out, 32, "a tab");
	else if (c < 0x20 || c == 0x7f)
		snprintf(out, 32, "control character 0x%02x", c);
	else if (c >= 0x80)
		snprintf(out, 32, "non-ASCII byte 0x%02x", c);
	else
		snprintf(out, 32, "'%c'", c);
	return out;
}

/* Check one label of `n` bytes. Length is checked before the characters so a
 * huge input is refused without a long scan of what follows. */
static struct scan scan_label(const char *s, size_t n, size_t max, int flags)
{
	struct scan r = {F_OK, 0, n};
	size_t i;

	if (n == 0) {
		r.fault = F_EMPTY;
		return r;
	}
	if (n > max) {
		r.fault = F_LONG;
		return r;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_alnum_lower(c) || (c == '-' && !(flags & NO_DASH)))
			continue;
		r.fault = is_upper(c) ? F_UPPER : F_CHAR;
		r.pos = i;
		return r;
	}
	if (s[0] == '-' || ((flags & LETTER_FIRST) && !is_lower((unsigned char)s[0]))) {
		r.fault = F_FIRST;
		return r;
	}
	if (s[n - 1] == '-') {
		r.fault = F_LAST;
		r.pos = n - 1;
	}
	return r;
}

/* Check a dotted name: labels of 1..63, at most `max` in all. */
static struct scan scan_name(const char *s, size_t max)
{
	struct scan r = {F_OK, 0, 0};
	size_t n = s ? strlen(s) : 0, i, start;

	r.len = n;
	if (n == 0) {
		r.fault = F_EMPTY;
		return r;
	}
	if (n > max) {
		r.fault = F_LONG;
		return r;
	}
	/* A wildcard gets its own message: it is a common wish, not a typo. */
	if (s[0] == '*') {
		r.fault = F_WILDCARD;
		return r;
	}
	if (s[0] == '.') {
		r.fault = F_DOT_FIRST;
		return r;
	}
	if (s[n - 1] == '.') {
		r.fault = F_DOT_LAST;
		r.pos = n - 1;
		return r;
	}
	for (start = 0; start < n; start = i + 1) {
		struct scan l;

		for (i = start; i < n && s[i] != '.'; i++)
			;
		if (i == start) {
			r.fault = F_DOT_DOT;
			r.pos = start - 1;
			return r;
		}
		l = scan_label(s + start, i - start, NAMING_LABEL_MAX, 0);
		if (l.fault == F_OK)
			continue;
		r.fault = l.fault == F_LONG ? F_LABEL_LONG : l.fault;
		r.pos = start + l.pos;
		r.len = l.len;
		return r;
	}
	return r;
}

int naming_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!s || strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int naming_is_dns_label(const char *s)
{
	return s && scan_label(s, strlen(s), NAMING_LABEL_MAX, 0).fault == F_OK;
}

int naming_is_dns_name(const char *s)
{
	return scan_name(s, NAMING_DNS_NAME_MAX).fault == F_OK;
}

/* Turn a label fault into a message about `field`. */
static int label_error(struct err *e, const char *field, struct scan r, const char *s, size_t max,
		       int flags)
{
	char ch[32];
	unsigned char c = s ? (unsigned char)s[r.pos] : 0;
	const char *allowed = (flags & NO_DASH) ? "lowercase letters and digits"
						: "lowercase letters, digits and '-'";

	switch (r.fault) {
	case F_EMPTY:
		return invalid(e, "invalid_name", field, "%s must not be empty", field);
	case F_LONG:
		return invalid(e, "invalid_name", field,
			       "%s must be at most %zu characters long (it has %zu)", field, max,
			       r.len);
	case F_UPPER:
		return invalid(e, "invalid_name", field,
			       "%s must be lowercase (found %s at position %zu)", field,
			       describe(ch, c), r.pos + 1);
	case F_FIRST:
		if (flags & LETTER_FIRST)
			return invalid(e, "invalid_name", field,
				       "%s must start with a lowercase letter", field);
		return invalid(e, "invalid_name", field,
			       "%s must start with a lowercase letter or digit", field);
	case F_LAST:
		return invalid(e, "invalid_name", field,
			       "%s must end with a lowercase letter or digit", field);
	default:
		return invalid(e, "invalid_name", field,
			       "%s may contain only %s (found %s at position %zu)", field, allowed,
			       describe(ch, c), r.pos + 1);
	}
}

static int check_label(const char *field, const char *s, size_t max, int flags, struct err *e)
{
	struct scan r = scan_label(s ? s : "", s ? strlen(s) : 0, max, flags);

	if (r.fault == F_OK)
		return 0;
	return label_error(e, field, r, s, max, flags);
}

int naming_check_id(const char *field, const char *s, struct err *e)
{
	return check_label(field ? field : "id", s, NAMING_ID_MAX, NO_DASH, e);
}

int naming_check_project(const char *field, const char *s, struct err *e)
{
	return check_label(field ? field : "name", s, NAMING_PROJECT_MAX, LETTER_FIRST, e);
}

int naming_is_preview_name(const char *s)
{
	size_t n = s ? strlen(s) : 0, i = n;

	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	return i < n && i >= 4 && !strncmp(s + i - 4, "-pr-", 4);
}

int naming_check_new_project(const char *field, const char *s, struct err *e)
{
	if (naming_check_project(field, s, e) < 0)
		return -1;
	if (naming_is_preview_name(s))
		return err_field(e, STATUS_INVALID, "invalid_name", field ? field : "name",
				 "a project name may not end in \"-pr-\" and a number: those names "
				 "are kept for pull-request previews");
	return 0;
}

/* FNV-1a: a stable spread of the whole name into the shortened preview name (not a secret,
 * only a tie-breaker between long names with one prefix). */
static unsigned long name_hash(const char *s)
{
	unsigned long h = 2166136261UL;

	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xffffffffUL;
	return h;
}

int naming_preview_name(struct buf *out, const char *project, long number, struct err *e)
{
	char suffix[24];
	size_t keep, sl;

	if (naming_check_project("name", project, e) < 0)
		return -1;
	if (number < 1 || number > NAMING_PR_MAX)
		return err_field(e, STATUS_INVALID, "invalid_name", "number",
				 "a pull request number is 1 to %ld", NAMING_PR_MAX);
	sl = (size_t)snprintf(suffix, sizeof(suffix), "-pr-%ld", number);
	if (strlen(project) + sl <= NAMING_PROJECT_MAX) {
		if (buf_addf(out, "%s%s", project, suffix))
			return no_room(e, "preview name");
		return 0;
	}
	/* room for the cut, "-", six hex digits and the suffix */
	keep = NAMING_PROJECT_MAX - sl - 7;
	while (keep > 1 && project[keep - 1] == '-')
		keep--;
	if (buf_addf(out, "%.*s-%06lx%s", (int)keep, project, name_hash(project) & 0xffffffUL,
		     suffix))
		return no_room(e, "preview name");
	return 0;
}

/* Length of the well-formed UTF-8 sequence at `s` (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0. The branch goes into JSON
 * and Jenkins parameters, where a broken sequence would not survive. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int naming_check_branch(const char *field, const char *s, struct err *e)
{
	const char *f = field ? field : "branch";
	const char *code = "invalid_branch";
	size_t n = s ? strlen(s) : 0, i, start = 0;
	char ch[32];

	if (n == 0)
		return invalid(e, code, f, "%s must not be empty", f);
	if (n > NAMING_BRANCH_MAX)
		return invalid(e, code, f, "%s must be at most %d bytes long (it has %zu)", f,
			       NAMING_BRANCH_MAX, n);
	/* git branch refuses these two, and a leading '-' would read as an option. */
	if (s[0] == '-')
		return invalid(e, code, f, "%s must not start with '-'", f);
	if (!strcmp(s, "HEAD"))
		return invalid(e, code, f, "%s must not be 'HEAD'", f);
	if (!strcmp(s, "@"))
		return invalid(e, code, f, "%s must not be '@'", f);
	if (s[0] == '/')
		return invalid(e, code, f, "%s must not start with '/'", f);
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* A part ends at '/' or at the end: check its last five bytes. */
		if (c == '/' || c == '\0') {
			if (i - start >= 5 && !memcmp(s + i - 5, ".lock", 5))
				return invalid(e, code, f, "no part of %s may end with '.lock'", f);
			if (c == '\0')
				break;
			if (s[i + 1] == '/')
				return invalid(e, code, f,
					       "%s must not contain '//' (at position %zu)", f,
					       i + 1);
			start = i + 1;
			continue;
		}
		if (c >= 0x80) {
			size_t len = utf8_len((const unsigned char *)s + i);

			if (!len)
				return invalid(e, code, f,
					       "%s must be valid UTF-8 (found %s at position %zu)",
					       f, describe(ch, c), i + 1);
			i += len - 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f || strchr(" ~^:?*[\\", c))
			return invalid(e, code, f,
				       "%s must not contain %s (at position %zu); control "
				       "characters, spaces and ~ ^ : ? * [ \\ are not allowed",
				       f, describe(ch, c), i + 1);
		if (c == '.' && i == start)
			return invalid(e, code, f,
				       "no part of %s may start with '.' (at position %zu)", f,
				       i + 1);
		if (c == '.' && s[i + 1] == '.')
			return invalid(e, code, f, "%s must not contain '..' (at position %zu)", f,
				       i + 1);
		if (c == '@' && s[i + 1] == '{')
			return invalid(e, code, f, "%s must not contain '@{' (at position %zu)", f,
				       i + 1);
	}
	if (s[n - 1] == '/')
		return invalid(e, code, f, "%s must not end with '/'", f);
	if (s[n - 1] == '.')
		return invalid(e, code, f, "%s must not end with '.'", f);
	return 0;
}

int naming_check_env_name(const char *field, const char *s, struct err *e)
{
	const char *f = field ? field : "env";
	const char *code = "invalid_env_name";
	size_t n = s ? strlen(s) : 0, i;
	char ch[32];

	if (n == 0)
		return invalid(e, code, f, "%s must not be empty", f);
	if (n > NAMING_ENV_NAME_MAX)
		return invalid(e, code, f, "%s must be at most %d characters long (it has %zu)", f,
			       NAMING_ENV_NAME_MAX, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_lower(c) || is_upper(c) || c == '_' || (i > 0 && is_digit(c)))
			continue;
		if (i == 0 && is_digit(c))
			return invalid(e, code, f, "%s must not start with a digit", f);
		return invalid(e, code, f,
			       "%s may contain only letters, digits and '_' (found %s at position "
			       "%zu)",
			       f, describe(ch, c), i + 1);
	}
	return 0;
}

/* Shared by the platform and custom domains: `min_labels` and `max` differ. */
static int check_domain(const char *f, const char *s, size_t max, int min_labels, struct err *e)
{
	const char *code = "invalid_domain";
	struct scan r = scan_name(s, max);
	const char *last;
	char ch[32];
	unsigned char c;
	size_t i;

	switch (r.fault) {
	case F_OK:
		break;
	case F_EMPTY:
		return invalid(e, code, f, "%s must not be empty", f);
	case F_LONG:
		return invalid(e, code, f, "%s must be at most %zu characters long (it has %zu)", f,
			       max, r.len);
	case F_WILDCARD:
		return invalid(e, code, f, "%s must not be a wildcard; name one host", f);
	case F_DOT_FIRST:
		return invalid(e, code, f, "%s must not start with '.'", f);
	case F_DOT_LAST:
		return invalid(e, code, f, "%s must not end with '.'", f);
	case F_DOT_DOT:
		return invalid(e, code, f,
			       "%s must not contain an empty label ('..' at position %zu)", f,
			       r.pos + 1);
	case F_LABEL_LONG:
		return invalid(e, code, f,
			       "each label of %s must be at most %d characters long (the one at "
			       "position %zu has %zu)",
			       f, NAMING_LABEL_MAX, r.pos + 1, r.len);
	case F_UPPER:
		return invalid(e, code, f, "%s must be lowercase (found %s at position %zu)", f,
			       describe(ch, (unsigned char)s[r.pos]), r.pos + 1);
	case F_FIRST:
	case F_LAST:
		return invalid(e, code, f,
			       "each label of %s must start and end with a lowercase letter or "
			       "digit (found '-' at position %zu)",
			       f, r.pos + 1);
	default:
		c = (unsigned char)s[r.pos];
		return invalid(e, code, f,
			       "%s may contain only lowercase letters, digits, '-' and '.' (found "
			       "%s at position %zu)%s",
			       f, describe(ch, c), r.pos + 1,
			       c >= 0x80 ? "; write an international name in its xn-- form" : "");
	}
	last = strrchr(s, '.');
	if (min_labels > 1 && !last)
		return invalid(e, code, f, "%s must have at least two labels, like example.com", f);
	last = last ? last + 1 : s;
	for (i = 0; is_digit((unsigned char)last[i]); i++)
		;
	if (last[i] == '\0')
		return invalid(e, code, f,
			       "%s must be a DNS name, not an IP address (its last label is all "
			       "digits)",
			       f);
	return 0;
}

int naming_check_domain(const char *field, const char *s, struct err *e)
{
	return check_domain(field ? field : "domain", s, NAMING_DOMAIN_MAX, 1, e);
}

int naming_check_custom_domain(const char *field, const char *s, struct err *e)
{
	return check_domain(field ? field : "custom_domain", s, NAMING_DNS_NAME_MAX, 2, e);
}

/* A cap on `out` is the caller's choice; hitting it is a programming error. */
static int no_room(struct err *e, const char *what)
{
	return err_set(e, 500, "internal_error", "the %s does not fit in the output buffer", what);
}

int naming_app_name(struct buf *out, const char *workspace_id, const char *user_id,
		    const char *project, struct err *e)
{
	if (naming_check_id("workspace_id", workspace_id, e) ||
	    naming_check_id("user_id", user_id, e) || naming_check_project("name", project, e))
		return -1;
	/* One append: a refused append leaves `out` as it was. */
	if (buf_addf(out, "%s-%s-%s", workspace_id, user_id, project))
		return no_room(e, "application name");
	return 0;
}

int naming_release_cut(struct buf *out, const char *name, struct err *e)
{
	const char *f = "release_name";
	size_t n = name ? strlen(name) : 0, i;
	char ch[32];

	if (n == 0)
		return invalid(e, "invalid_name", f, "%s must not be empty", f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (is_alnum_lower(c) || c == '-')
			continue;
		return invalid(e, "invalid_name", f,
			       "%s may contain only lowercase letters, digits and '-' (found %s at "
			       "position %zu)",
			       f, describe(ch, c), i + 1);
	}
	if (name[0] == '-')
		return invalid(e, "invalid_name", f,
			       "%s must start with a lowercase letter or digit", f);
	if (n > NAMING_RELEASE_MAX)
		n = NAMING_RELEASE_MAX;
	/* The first byte is not '-', so this stops with at least one left. */
	while (name[n - 1] == '-')
		n--;
	if (buf_add(out, name, n))
		return no_room(e, "release name");
	return 0;
}

int naming_release_name(struct buf *out, const char *user_id, const char *project, struct err *e)
{
	/* 12 + 1 + 32 + NUL; the checks below bound both parts. */
	char joined[NAMING_ID_MAX + 1 + NAMING_PROJECT_MAX + 1];

	if (naming_check_id("user_id", user_id, e) || naming_check_project("name", project, e))
		return -1;
	snprintf(joined, sizeof(joined), "%s-%s", user_id, project);
	return naming_release_cut(out, joined, e);
}

int naming_namespace(struct buf *out, const char *user_id, struct err *e)
{
	if (naming_check_id("user_id", user_id, e))
		return -1;
	if (buf_addf(out, "user-%s", user_id))
		return no_room(e, "namespace");
	return 0;
}

/* 1 if `name` is `domain` or ends in "." + `domain`. */
static int is_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (n < d || strcmp(name + n - d, domain))
		return 0;
	return n == d || name[n - d - 1] == '.';
}

int naming_host(struct buf *out, const char *project, const char *user_id, const char *domain,
		const char *custom_domain, struct err *e)
{
	int custom = custom_domain && *custom_domain;

	if (naming_check_project("name", project, e) || naming_check_id("user_id", user_id, e) ||
	    naming_check_domain("domain", domain, e))
		return -1;
	if (custom) {
		if (naming_check_custom_domain("custom_domain", custom_domain, e))
			return -1;
		if (is_under(custom_domain, domain))
			return invalid(e, "invalid_domain", "custom_domain",
				       "custom_domain must not be %s or under it: generated hosts "
				       "live there",
				       domain);
		if (buf_addstr(out, custom_domain))
			return no_room(e, "host");
		return 0;
	}
	/* NAMING_DOMAIN_MAX keeps this within 253 characters. */
	if (buf_addf(out, "%s-%s.%s", project, user_id, domain))
		return no_room(e, "host");
	return 0;
}

int naming_app_path(struct buf *out, const char *workspace_id, const char *user_id,
		    const char *project, struct err *e)
{
	if (naming_check_id("workspace_id", workspace_id, e) ||
	    naming_check_id("user_id", user_id, e) || naming_check_project("name", project, e))
		return -1;
	if (buf_addf(out, "apps/%s/%s/%s", workspace_id, user_id, project))
		return no_room(e, "app folder");
	return 0;
}
