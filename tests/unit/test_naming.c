/* test_naming.c: the name rules, from tests/data/naming.tsv and edge cases here */
#include "naming.h"
#include "tap.h"

#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

/* `pre` followed by `n` copies of `c`; the caller frees it. */
static char *repeat(const char *pre, char c, size_t n)
{
	size_t p = strlen(pre);
	char *s = xmalloc(p + n + 1);

	memcpy(s, pre, p);
	memset(s + p, c, n);
	s[p + n] = '\0';
	return s;
}

/* A message for a person: present, starts lowercase, one printable ASCII
 * line, not cut short by the size of err.msg, and no full stop at the end. */
static int msg_ok(const char *m)
{
	size_t n = strlen(m), i;

	if (n == 0 || n >= sizeof(((struct err *)0)->msg) - 1)
		return 0;
	if (!(m[0] >= 'a' && m[0] <= 'z'))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)m[i] < 0x20 || (unsigned char)m[i] >= 0x7f)
			return 0;
	return m[n - 1] != '.';
}

/* A refusal is a 422 with the right code and field, and a readable message
 * that names the field. */
static int refusal_ok(const struct err *e, const char *code, const char *field)
{
	return e->status == 422 && !strcmp(e->code, code) && !strcmp(e->field, field) &&
	       msg_ok(e->msg) && strstr(e->msg, field) != NULL;
}

static void is_refusal(const struct err *e, const char *code, const char *field, const char *what)
{
	if (!ok(refusal_ok(e, code, field), "%s: a 422 %s naming %s", what, code, field))
		printf("#   got: %d %s field '%s' msg '%s'\n", e->status, e->code, e->field,
		       e->msg);
}

/* ---- the data file ---------------------------------------------------- */

/* Decode one field: (null), (empty), \t \n \r \\ \xHH and \{TEXT*N}.
 * Returns 0 and a new string (or NULL for "(null)") in `*out`, -1 if malformed. */
static int decode(const char *s, char **out)
{
	struct buf b;

	*out = NULL;
	if (!strcmp(s, "(null)"))
		return 0;
	buf_init(&b, 0);
	if (!strcmp(s, "(empty)")) {
		*out = xstrdup("");
		return 0;
	}
	while (*s) {
		if (*s != '\\') {
			buf_addch(&b, *s++);
			continue;
		}
		s++;
		if (*s == 't' || *s == 'n' || *s == 'r' || *s == '\\') {
			buf_addch(&b, *s == 't'	  ? '\t'
				      : *s == 'n' ? '\n'
				      : *s == 'r' ? '\r'
						  : '\\');
			s++;
		} else if (*s == 'x') {
			char hex[3] = {0};
			char *end;
			long v;

			if (!s[1] || !s[2])
				goto bad;
			hex[0] = s[1];
			hex[1] = s[2];
			v = strtol(hex, &end, 16);
			if (*end || v == 0) /* strings end at NUL, so no \x00 */
				goto bad;
			buf_addch(&b, (char)v);
			s += 3;
		} else if (*s == '{') {
			const char *star = strchr(s, '*'), *close = star ? strchr(star, '}') : NULL;
			long times;
			char *end;

			if (!close || star == s + 1)
				goto bad;
			times = strtol(star + 1, &end, 10);
			if (end != close || times < 0)
				goto bad;
			while (times-- > 0)
				buf_add(&b, s + 1, (size_t)(star - s - 1));
			s = close + 1;
		} else {
			goto bad;
		}
	}
	*out = buf_detach(&b, NULL);
	return 0;
bad:
	buf_release(&b);
	return -1;
}

enum kind { PRED, CHECK, BUILD };

/* Builders behind one signature, so the table below can hold them all. */
static int b_app_name(struct buf *o, char **in, struct err *e)
{
	return naming_app_name(o, in[0], in[1], in[2], e);
}

static int b_release_name(struct buf *o, char **in, struct err *e)
{
	return naming_release_name(o, in[0], in[1], e);
}

static int b_release_cut(struct buf *o, char **in, struct err *e)
{
	return naming_release_cut(o, in[0], e);
}

static int b_namespace(struct buf *o, char **in, struct err *e)
{
	return naming_namespace(o, in[0], e);
}

static int b_host(struct buf *o, char **in, struct err *e)
{
	return naming_host(o, in[0], in[1], in[2], in[3], e);
}

static int b_preview_name(struct buf *o, char **in, struct err *e)
{
	char *end = NULL;
	long n = in[1] ? strtol(in[1], &end, 10) : 0;

	return naming_preview_name(o, in[0], end && !*end ? n : -1, e);
}

/* A preview's name is a project name that naming_check_new_project refuses. */
static int shape_preview(const char *s)
{
	return naming_check_project(NULL, s, NULL) == 0 && naming_is_preview_name(s) &&
	       naming_check_new_project(NULL, s, NULL) < 0;
}

static int b_app_path(struct buf *o, char **in, struct err *e)
{
	return naming_app_path(o, in[0], in[1], in[2], e);
}

/* What every output of a builder must be, whatever the inputs. */
static int shape_label(const char *s)
{
	return naming_is_dns_label(s);
}

static int shape_release(const char *s)
{
	return naming_is_dns_label(s) && strlen(s) <= NAMING_RELEASE_MAX;
}

static int shape_namespace(const char *s)
{
	return naming_is_dns_label(s) && !strncmp(s, "user-", 5);
}

static int shape_host(const char *s)
{
	return naming_is_dns_name(s) && strchr(s, '.') != NULL;
}

/* apps/ and then exactly three labels: nothing can climb out of apps/. */
static int shape_path(const char *s)
{
	char *copy, *part, *save = NULL;
	int n = 0, good = 1;

	if (strncmp(s, "apps/", 5))
		return 0;
	copy = xstrdup(s + 5);
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		n++;
		good = good && naming_is_dns_label(part);
	}
	free(copy);
	return good && n == 3 && !strstr(s, "//") && s[strlen(s) - 1] != '/';
}

struct fn {
	const char *name;
	enum kind kind;
	int nin;
	int (*pred)(const char *);
	int (*check)(const char *, const char *, struct err *);
	int (*build)(struct buf *, char **, struct err *);
	int (*shape)(const char *);
	const char *code;
};

static const struct fn fns[] = {
    {"is_dns_label", PRED, 1, naming_is_dns_label, NULL, NULL, NULL, NULL},
    {"is_dns_name", PRED, 1, naming_is_dns_name, NULL, NULL, NULL, NULL},
    {"check_id", CHECK, 1, NULL, naming_check_id, NULL, NULL, "invalid_name"},
    {"check_project", CHECK, 1, NULL, naming_check_project, NULL, NULL, "invalid_name"},
    {"check_new_project", CHECK, 1, NULL, naming_check_new_project, NULL, NULL, "invalid_name"},
    {"preview_name", BUILD, 2, NULL, NULL, b_preview_name, shape_preview, NULL},
    {"check_branch", CHECK, 1, NULL, naming_check_branch, NULL, NULL, "invalid_branch"},
    {"check_env_name", CHECK, 1, NULL, naming_check_env_name, NULL, NULL, "invalid_env_name"},
    {"check_domain", CHECK, 1, NULL, naming_check_domain, NULL, NULL, "invalid_domain"},
    {"check_custom_domain", CHECK, 1, NULL, naming_check_custom_domain, NULL, NULL,
     "invalid_domain"},
    {"app_name", BUILD, 3, NULL, NULL, b_app_name, shape_label, NULL},
    {"release_name", BUILD, 2, NULL, NULL, b_release_name, shape_release, NULL},
    {"release_cut", BUILD, 1, NULL, NULL, b_release_cut, shape_release, NULL},
    {"namespace", BUILD, 1, NULL, NULL, b_namespace, shape_namespace, NULL},
    {"host", BUILD, 4, NULL, NULL, b_host, shape_host, NULL},
    {"app_path", BUILD, 3, NULL, NULL, b_app_path, shape_path, NULL},
};

static const char *default_field(const char *fn)
{
	if (!strcmp(fn, "check_id"))
		return "id";
	if (!strcmp(fn, "check_project") || !strcmp(fn, "check_new_project"))
		return "name";
	if (!strcmp(fn, "check_branch"))
		return "branch";
	if (!strcmp(fn, "check_env_name"))
		return "env";
	if (!strcmp(fn, "check_domain"))
		return "domain";
	return "custom_domain";
}

/* "ERR" or "ERR:field": 1 and the field (or NULL) in `*field`; else 0. */
static int want_err(const char *want, const char **field)
{
	*field = NULL;
	if (!strcmp(want, "ERR"))
		return 1;
	if (!strncmp(want, "ERR:", 4)) {
		*field = want + 4;
		return 1;
	}
	return 0;
}

static void run_vector(const struct fn *f, int line, const char *label, char **in,
		       const char *want_raw)
{
	struct err e = ERR_INIT;
	const char *field;
	int is_err = want_err(want_raw, &field);

	if (f->kind == PRED) {
		is_int(f->pred(in[0]), !strcmp(want_raw, "1"), "line %d: %s", line, label);
		return;
	}
	if (f->kind == CHECK) {
		int rc = f->check(NULL, in[0], &e), rc_quiet = f->check(NULL, in[0], NULL);

		if (!ok(rc == (is_err ? -1 : 0) && rc_quiet == rc, "line %d: %s", line, label))
			printf("#   got %d (%d without err): %s\n", rc, rc_quiet, e.msg);
		if (is_err)
			is_refusal(&e, f->code, field ? field : default_field(f->name), label);
		return;
	}

	/* A builder appends: start from known content to see it kept. */
	struct buf b;
	char *want = NULL;
	int rc;

	buf_init(&b, 0);
	buf_addstr(&b, "pre:");
	rc = f->build(&b, in, &e);
	if (is_err) {
		const char *code = "invalid_name";

		if (field && strstr(field, "domain"))
			code = "invalid_domain";
		if (!ok(rc == -1 && !strcmp(b.buf, "pre:") && b.len == 4,
			"line %d: %s is refused, the buffer untouched", line, label))
			printf("#   got %d, buffer '%s'\n", rc, b.buf);
		if (field)
			is_refusal(&e, code, field, label);
		else
			ok(msg_ok(e.msg) && e.status == 422, "line %d: %s: a 422", line, label);
	} else if (decode(want_raw, &want) || !want) {
		ok(0, "line %d: a readable expected value", line);
	} else {
		if (!ok(rc == 0, "line %d: %s succeeds", line, label))
			printf("#   %s\n", e.msg);
		is_str(b.buf + (b.len >= 4 ? 4 : b.len), want, "line %d: %s gives the name", line,
		       label);
		ok(!strncmp(b.buf, "pre:", 4) && f->shape(b.buf + 4),
		   "line %d: %s: the result has the shape of its kind", line, label);
	}
	free(want);
	buf_release(&b);
}

/* Run every vector of the data file; each line is one or more assertions. */
static void run_data_file(void)
{
	const char *top = getenv("top_srcdir");
	struct buf path = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	int no = 0, vectors = 0;
	FILE *fp;

	buf_addf(&path, "%s/tests/data/naming.tsv", top && *top ? top : ".");
	fp = fopen(path.buf, "r");
	if (!ok(fp != NULL, "the data file %s opens (top_srcdir is set by make check)", path.buf)) {
		buf_release(&path);
		return;
	}
	while (getline(&line, &cap, fp) != -1) {
		char *fields[8], *in[6] = {0}, *p, *save = NULL;
		const struct fn *f = NULL;
		int nf = 0, i, good = 1;
		size_t k;

		no++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		/* strsep, not strtok: an empty field between two tabs stays a field. */
		for (p = line; p && nf < 8;)
			fields[nf++] = strsep(&p, "\t");
		for (k = 0; k < sizeof(fns) / sizeof(fns[0]); k++)
			if (!strcmp(fns[k].name, fields[0]))
				f = &fns[k];
		if (!f || nf != f->nin + 2) {
			ok(0, "line %d: a known function with %d fields", no, f ? f->nin + 2 : 0);
			continue;
		}
		for (i = 0; i < f->nin; i++)
			good = good && decode(fields[i + 1], &in[i]) == 0;
		if (!good) {
			ok(0, "line %d: inputs decode", no);
		} else {
			/* The label is the line as written: escaped, so TAP stays one line. */
			save = xstrdup(fields[1]);
			for (i = 2; i <= f->nin; i++) {
				char *joined = xmalloc(strlen(save) + strlen(fields[i]) + 2);

				snprintf(joined, strlen(save) + strlen(fields[i]) + 2, "%s,%s",
					 save, fields[i]);
				free(save);
				save = joined;
			}
			{
				struct buf lab = BUF_INIT;

				buf_addf(&lab, "%s(%s)", f->name, save);
				run_vector(f, no, lab.buf, in, fields[f->nin + 1]);
				buf_release(&lab);
			}
			free(save);
			vectors++;
		}
		for (i = 0; i < f->nin; i++)
			free(in[i]);
	}
	free(line);
	fclose(fp);
	ok(vectors >= 400, "the data file holds %d vectors", vectors);
	buf_release(&path);
}

/* ---- every byte, by class --------------------------------------------- */

static int c_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int c_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int c_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int c_dash(int c)
{
	return c == '-';
}

static int c_dot(int c)
{
	return c == '.';
}

static int c_underscore(int c)
{
	return c == '_';
}

static int c_slash(int c)
{
	return c == '/';
}

static int c_space(int c)
{
	return c == ' ';
}

static int c_punct(int c)
{
	return c > ' ' && c < 0x7f && !c_lower(c) && !c_upper(c) && !c_digit(c) && !c_dash(c) &&
	       !c_dot(c) && !c_underscore(c) && !c_slash(c);
}

static int c_control(int c)
{
	return c >= 1 && c < 0x20;
}

static int c_del(int c)
{
	return c == 0x7f;
}

static int c_high(int c)
{
	return c >= 0x80;
}

static const struct {
	const char *name;
	int (*in)(int);
} classes[] = {
    {"lowercase letters", c_lower},
    {"uppercase letters", c_upper},
    {"digits", c_digit},
    {"'-'", c_dash},
    {"'.'", c_dot},
    {"'_'", c_underscore},
    {"'/'", c_slash},
    {"other ASCII punctuation", c_punct},
    {"a space", c_space},
    {"control characters", c_control},
    {"DEL (0x7f)", c_del},
    {"bytes 0x80..0xff", c_high},
};

/* Put byte `c` into a template at its '#' and run `fn` on the result. */
static int with_byte(const char *tmpl, int c, int (*fn)(const char *))
{
	char s[16];
	size_t i;

	snprintf(s, sizeof(s), "%s", tmpl);
	for (i = 0; s[i]; i++)
		if (s[i] == '#')
			s[i] = (char)c;
	return fn(s);
}

/* For each class: every byte of it gives `accept(c)`. One assertion a class,
 * listing the bytes that disagree. */
static void sweep(const char *what, const char *tmpl, int (*fn)(const char *), int (*accept)(int))
{
	size_t k;

	for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		char bad[256 * 5] = "";
		size_t used = 0;
		int c, n = 0;

		for (c = 1; c < 256; c++) {
			if (!classes[k].in(c) || with_byte(tmpl, c, fn) == accept(c))
				continue;
			n++;
			used += (size_t)snprintf(bad + used, sizeof(bad) - used, " %02x", c);
		}
		if (!ok(n == 0, "%s: %s as %s", what, classes[k].name, tmpl))
			printf("#   wrong answer for bytes:%s\n", bad);
	}
}

static int ok_id(const char *s)
{
	return naming_check_id(NULL, s, NULL) == 0;
}

static int ok_project(const char *s)
{
	return naming_check_project(NULL, s, NULL) == 0;
}

static int ok_branch(const char *s)
{
	return naming_check_branch(NULL, s, NULL) == 0;
}

static int ok_env(const char *s)
{
	return naming_check_env_name(NULL, s, NULL) == 0;
}

static int ok_domain(const char *s)
{
	return naming_check_domain(NULL, s, NULL) == 0;
}

static int ok_cut(const char *s)
{
	struct buf b = BUF_INIT;
	int r = naming_release_cut(&b, s, NULL) == 0;

	buf_release(&b);
	return r;
}

static int a_label_mid(int c)
{
	return c_lower(c) || c_digit(c) || c_dash(c);
}

static int a_alnum(int c)
{
	return c_lower(c) || c_digit(c);
}

static int a_name_mid(int c)
{
	return a_label_mid(c) || c_dot(c);
}

static int a_env_first(int c)
{
	return c_lower(c) || c_upper(c) || c_underscore(c);
}

static int a_env_mid(int c)
{
	return a_env_first(c) || c_digit(c);
}

/* git's forbidden set, plus our rule that a lone byte >= 0x80 is not UTF-8. */
static int a_branch_mid(int c)
{
	return !(c < 0x20 || c >= 0x7f || strchr(" ~^:?*[\\", c));
}

static void test_bytes(void)
{
	sweep("is_dns_label", "a#a", naming_is_dns_label, a_label_mid);
	sweep("is_dns_label", "#", naming_is_dns_label, a_alnum);
	sweep("is_dns_name", "a#b.com", naming_is_dns_name, a_name_mid);
	sweep("check_id", "a#", ok_id, a_alnum);
	sweep("check_id", "#", ok_id, a_alnum);
	sweep("check_project", "#a", ok_project, c_lower);
	sweep("check_project", "a#a", ok_project, a_label_mid);
	sweep("check_env_name", "#", ok_env, a_env_first);
	sweep("check_env_name", "A#", ok_env, a_env_mid);
	sweep("check_branch", "a#b", ok_branch, a_branch_mid);
	sweep("check_domain", "a#b.com", ok_domain, a_name_mid);
	sweep("release_cut", "a#b", ok_cut, a_label_mid);
}

/* ---- lengths at and around each limit -------------------------------- */

static void at_limits(const char *what, int (*check)(const char *, const char *, struct err *),
		      const char *pre, char fill, size_t max, const char *field, const char *code)
{
	size_t lens[] = {1, 2, max - 1, max, max + 1, max + 2, 2 * max, 4096};
	char num[32];
	size_t i;

	snprintf(num, sizeof(num), "%zu", max);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i] < strlen(pre) ? strlen(pre) : lens[i];
		char *s = repeat(pre, fill, n - strlen(pre));
		struct err e = ERR_INIT;
		int rc = check(field, s, &e);

		if (n <= max) {
			is_int(rc, 0, "%s: %zu characters pass (limit %zu)", what, n, max);
		} else {
			is_int(rc, -1, "%s: %zu characters are refused (limit %zu)", what, n, max);
			is_refusal(&e, code, field, what);
			ok(strstr(e.msg, num) != NULL, "%s: the message gives the limit: %s", what,
			   e.msg);
		}
		free(s);
	}
}

static void test_limits(void)
{
	char *s;

	at_limits("workspace id", naming_check_id, "", 'a', NAMING_ID_MAX, "workspace_id",
		  "invalid_name");
	at_limits("user id", naming_check_id, "", '7', NAMING_ID_MAX, "user_id", "invalid_name");
	at_limits("project name", naming_check_project, "a", 'b', NAMING_PROJECT_MAX, "name",
		  "invalid_name");
	at_limits("branch", naming_check_branch, "", 'b', NAMING_BRANCH_MAX, "branch",
		  "invalid_branch");
	at_limits("env name", naming_check_env_name, "", 'E', NAMING_ENV_NAME_MAX, "env",
		  "invalid_env_name");
	/* 0: empty is refused everywhere, with a message that says so. */
	{
		struct err e = ERR_INIT;

		is_int(naming_check_project("name", "", &e), -1, "empty project name");
		ok(strstr(e.msg, "empty") != NULL, "the message says empty: %s", e.msg);
	}

	is_int(NAMING_ID_MAX, 12, "ids are at most 12");
	is_int(NAMING_PROJECT_MAX, 32, "project names are at most 32");
	is_int(NAMING_RELEASE_MAX, 53, "releases are at most 53");
	is_int(NAMING_DOMAIN_MAX, 207, "the platform domain leaves room for a host");
	ok(NAMING_ID_MAX * 2 + NAMING_PROJECT_MAX + 2 <= NAMING_LABEL_MAX,
	   "the longest application name is a label");
	ok(NAMING_ID_MAX + NAMING_PROJECT_MAX + 1 <= NAMING_RELEASE_MAX,
	   "the longest release name needs no cut today");

	/* A label: 63 is fine, 64 is not, alone or inside a name. */
	s = repeat("", 'a', 63);
	is_int(naming_is_dns_label(s), 1, "a label of 63");
	free(s);
	s = repeat("", 'a', 64);
	is_int(naming_is_dns_label(s), 0, "a label of 64");
	free(s);
	s = repeat("x.", 'a', 63);
	is_int(naming_is_dns_name(s), 1, "a name whose last label has 63");
	free(s);
	s = repeat("x.", 'a', 64);
	is_int(naming_is_dns_name(s), 0, "a name whose last label has 64");
	{
		struct err e = ERR_INIT;

		is_int(naming_check_custom_domain(NULL, s, &e), -1, "a custom domain label of 64");
		ok(strstr(e.msg, "63") != NULL, "the message gives the label limit: %s", e.msg);
	}
	free(s);

	/* Names: 253 in labels of at most 63; build every length around 253 and 207. */
	{
		size_t lens[] = {1, 63, 64, 206, 207, 208, 252, 253, 254, 300};
		size_t i;

		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t n = lens[i], j;
			char *d = repeat("", 'a', n);

			/* a dot every 60 characters, never first or last */
			for (j = 60; j < n - 1; j += 61)
				d[j] = '.';
			is_int(naming_is_dns_name(d), n <= 253, "a dotted name of %zu", n);
			is_int(ok_domain(d), n <= NAMING_DOMAIN_MAX, "a platform domain of %zu", n);
			is_int(naming_check_custom_domain(NULL, d, NULL) == 0,
			       n <= 253 && strchr(d, '.'), "a custom domain of %zu", n);
			free(d);
		}
	}
}

/* ---- builders --------------------------------------------------------- */

static void test_builders(void)
{
	struct buf b;
	struct err e = ERR_INIT;
	char *ws = repeat("", 'w', NAMING_ID_MAX), *user = repeat("", 'u', NAMING_ID_MAX);
	char *proj = repeat("p", 'q', NAMING_PROJECT_MAX - 1);
	char *dom, *s;
	size_t j;

	/* The longest inputs give the longest names, all within their limits. */
	buf_init(&b, 0);
	is_int(naming_app_name(&b, ws, user, proj, &e), 0, "the longest application name");
	is_int(b.len, 58, "is 58 characters");
	ok(naming_is_dns_label(b.buf), "and a label");
	buf_reset(&b);
	is_int(naming_release_name(&b, user, proj, &e), 0, "the longest release name");
	is_int(b.len, 45, "is 45 characters, under 53");
	buf_reset(&b);
	is_int(naming_app_path(&b, ws, user, proj, &e), 0, "the longest app folder");
	is_int(b.len, 63, "is 63 characters");
	buf_reset(&b);
	dom = repeat("", 'd', NAMING_DOMAIN_MAX);
	for (j = 60; j < NAMING_DOMAIN_MAX - 1; j += 61)
		dom[j] = '.';
	is_int(naming_host(&b, proj, user, dom, NULL, &e), 0, "the longest generated host");
	is_int(b.len, 253, "is exactly 253 characters");
	ok(naming_is_dns_name(b.buf), "and a DNS name");
	buf_reset(&b);

	/* The longest preview name is a project name: every limit above holds for it too. */
	is_int(naming_preview_name(&b, proj, NAMING_PR_MAX, &e), 0, "the longest preview name");
	is_int(b.len, NAMING_PROJECT_MAX, "is a project name's 32 characters");
	ok(naming_check_project(NULL, b.buf, NULL) == 0 && naming_is_preview_name(b.buf),
	   "a valid project name that ends in -pr-<n>: %s", b.buf);
	s = buf_detach(&b, NULL);
	proj[NAMING_PROJECT_MAX - 2] = 'z'; /* same prefix, another name */
	buf_init(&b, 0);
	is_int(naming_preview_name(&b, proj, NAMING_PR_MAX, &e), 0, "a second long name");
	ok(strcmp(s, b.buf) != 0, "two long names with one prefix get two previews: %s %s", s,
	   b.buf);
	free(s);
	buf_release(&b);

	/* Builders append to what is there. */
	buf_init(&b, 0);
	buf_addstr(&b, "ns=");
	naming_namespace(&b, "u1", &e);
	is_str(b.buf, "ns=user-u1", "a builder appends");
	buf_release(&b);

	/* A cap on the buffer: a 500, and the buffer as it was. */
	{
		struct {
			const char *what;
			size_t cap;
			int rc;
		} cases[5];
		struct err ce[5];
		struct buf cb[5];
		int i;

		for (i = 0; i < 5; i++) {
			buf_init(&cb[i], 10);
			buf_addstr(&cb[i], "pre:");
			err_clear(&ce[i]);
		}
		cases[0].what = "application name";
		cases[0].rc = naming_app_name(&cb[0], "w1", "u1", "my-app", &ce[0]);
		cases[1].what = "release name";
		cases[1].rc = naming_release_name(&cb[1], "u1", "my-app", &ce[1]);
		cases[2].what = "namespace";
		cases[2].rc = naming_namespace(&cb[2], "u1234567", &ce[2]);
		cases[3].what = "host";
		cases[3].rc =
		    naming_host(&cb[3], "a", "u1", "example.com", "www.example.org", &ce[3]);
		cases[4].what = "app folder";
		cases[4].rc = naming_app_path(&cb[4], "w1", "u1", "my-app", &ce[4]);
		for (i = 0; i < 5; i++) {
			is_int(cases[i].rc, -1, "%s over the buffer's cap is refused",
			       cases[i].what);
			ok(ce[i].status == 500 && !strcmp(ce[i].code, "internal_error") &&
			       msg_ok(ce[i].msg),
			   "%s over the cap: a 500 internal_error: %s", cases[i].what, ce[i].msg);
			is_str(cb[i].buf, "pre:", "%s over the cap: the buffer is unchanged",
			       cases[i].what);
			buf_release(&cb[i]);
		}
		buf_init(&b, 8);
		is_int(naming_namespace(&b, "u1", &e), 0, "a name that just fits the cap");
		is_str(b.buf, "user-u1", "is written");
		buf_release(&b);
	}

	/* No struct err: still refused, nothing written, nothing crashes. */
	buf_init(&b, 0);
	is_int(naming_app_name(&b, "..", "u1", "a", NULL), -1, "refused without an err");
	is_int(naming_host(&b, "a", "u1", "example.com", "x.example.com", NULL), -1,
	       "a custom domain under the platform domain, without an err");
	is_int(naming_release_cut(&b, "-", NULL), -1, "a bad cut without an err");
	is_int(b.len, 0, "and nothing was written");
	buf_release(&b);

	/* A pass leaves the err alone. */
	err_clear(&e);
	e.status = 7;
	buf_init(&b, 0);
	naming_host(&b, "a", "u1", "example.com", NULL, &e);
	naming_check_branch("branch", "main", &e);
	is_int(e.status, 7, "a success does not touch the err");
	buf_release(&b);

	/* The first bad input is the one named. */
	err_clear(&e);
	buf_init(&b, 0);
	naming_app_name(&b, "W", "U", "P", &e);
	is_str(e.field, "workspace_id", "with every input bad, the workspace id is named first");
	naming_host(&b, "P", "U", "D", "C", &e);
	is_str(e.field, "name", "host names the project name first");
	buf_release(&b);

	/* The general cut: long input, every tail of dashes. */
	for (j = 0; j <= 60; j += 3) {
		struct buf c = BUF_INIT;
		char *in = repeat("", 'a', 50);

		s = repeat(in, '-', j);
		free(in);
		in = repeat(s, 'z', 10);
		is_int(naming_release_cut(&c, in, &e), 0, "cut of 50 + %zu dashes + 10", j);
		ok(c.len <= 53 && c.buf[c.len - 1] != '-' && !strncmp(c.buf, in, c.len) &&
		       naming_is_dns_label(c.buf),
		   "is a prefix of at most 53, a label, no trailing '-' (%zu)", c.len);
		if (j == 0) {
			char *want = repeat("", 'a', 50);

			is_str(c.buf + 50, "zzz", "with no dashes, the first 53");
			ok(c.len == 53 && !strncmp(c.buf, want, 50), "of 50 a and 3 z");
			free(want);
		} else {
			is_int(c.len, 50, "with dashes across 53, the cut drops them all");
		}
		buf_release(&c);
		free(in);
		free(s);
	}

	free(dom);
	free(ws);
	free(user);
	free(proj);
}

/* Distinct inputs give distinct names: this is why ids have no '-'. */
static void test_unambiguous(void)
{
	const char *ids[] = {"a", "b", "ab", "ba", "a1", "1"};
	const char *projects[] = {"a", "b", "ab", "a-b", "b-a", "a-a", "a-1", "ab-a", "a-ab"};
	size_t ni = sizeof(ids) / sizeof(ids[0]), np = sizeof(projects) / sizeof(projects[0]);
	size_t total = ni * ni * np, n = 0, i, j, k, dup_app = 0, dup_host = 0, dup_rel = 0;
	char **app = xcalloc(total, sizeof(char *)), **host = xcalloc(total, sizeof(char *));
	char **rel = xcalloc(ni * np, sizeof(char *));
	struct err e = ERR_INIT;

	for (i = 0; i < ni; i++)
		for (j = 0; j < ni; j++)
			for (k = 0; k < np; k++, n++) {
				struct buf a = BUF_INIT, h = BUF_INIT;

				naming_app_name(&a, ids[i], ids[j], projects[k], &e);
				naming_host(&h, projects[k], ids[j], "example.com", NULL, &e);
				app[n] = buf_detach(&a, NULL);
				host[n] = buf_detach(&h, NULL);
			}
	for (n = 0, j = 0; j < ni; j++)
		for (k = 0; k < np; k++, n++) {
			struct buf r = BUF_INIT;

			naming_release_name(&r, ids[j], projects[k], &e);
			rel[n] = buf_detach(&r, NULL);
		}
	for (i = 0; i < total; i++)
		for (j = i + 1; j < total; j++) {
			dup_app += !strcmp(app[i], app[j]);
			/* hosts do not carry the workspace: same user and project, same host */
			dup_host += !strcmp(host[i], host[j]) && (i % (ni * np)) != (j % (ni * np));
		}
	for (i = 0; i < ni * np; i++)
		for (j = i + 1; j < ni * np; j++)
			dup_rel += !strcmp(rel[i], rel[j]);
	is_int(dup_app, 0, "%zu application names, no two alike", total);
	is_int(dup_host, 0, "hosts of different users or projects differ");
	is_int(dup_rel, 0, "%zu release names, no two alike", ni * np);
	for (i = 0; i < total; i++) {
		free(app[i]);
		free(host[i]);
	}
	for (i = 0; i < ni * np; i++)
		free(rel[i]);
	free(app);
	free(host);
	free(rel);
}

/* ---- messages --------------------------------------------------------- */

static void says(int rc, const struct err *e, const char *needle, const char *what)
{
	if (!ok(rc == -1 && strstr(e->msg, needle) != NULL, "%s: the message says \"%s\"", what,
		needle))
		printf("#   message: %s\n", e->msg);
	ok(msg_ok(e->msg), "%s: the message is one readable line", what);
}

static void test_messages(void)
{
	struct err e = ERR_INIT;
	int rc;

	rc = naming_check_id("user_id", "U7", &e);
	says(rc, &e, "lowercase", "upper case id");
	says(rc, &e, "'U' at position 1", "upper case id");
	rc = naming_check_id("user_id", "a-b", &e);
	says(rc, &e, "letters and digits", "id with '-'");
	rc = naming_check_project("name", "1app", &e);
	says(rc, &e, "start with a lowercase letter", "project starting with a digit");
	rc = naming_check_project("name", "-app", &e);
	says(rc, &e, "start with", "project starting with '-'");
	rc = naming_check_project("name", "app-", &e);
	says(rc, &e, "end with", "project ending with '-'");
	rc = naming_check_project("name", "my\tapp", &e);
	says(rc, &e, "a tab at position 3", "a tab is described, not echoed");
	rc = naming_check_project("name", "my\x7f", &e);
	says(rc, &e, "control character 0x7f", "DEL is described");
	rc = naming_check_project("name", "caf\xc3\xa9", &e);
	says(rc, &e, "non-ASCII byte 0xc3 at position 4", "UTF-8 is described by byte");
	rc = naming_check_project("name", "my app", &e);
	says(rc, &e, "a space", "a space is described");
	rc = naming_check_project("project.name", "x.y", &e);
	says(rc, &e, "project.name may contain only", "the given field name is used");
	is_str(e.field, "project.name", "and set as the field");
	rc = naming_check_custom_domain(NULL, "*.example.com", &e);
	says(rc, &e, "wildcard", "wildcard");
	rc = naming_check_custom_domain(NULL, "localhost", &e);
	says(rc, &e, "two labels", "one label");
	rc = naming_check_custom_domain(NULL,
					"b\xc3\xbc"
					"cher.de",
					&e);
	says(rc, &e, "xn--", "an international name gets the punycode hint");
	rc = naming_check_domain(NULL, "10.0.0.1", &e);
	says(rc, &e, "IP address", "an IP address");
	rc = naming_check_domain(NULL, "example.com.", &e);
	says(rc, &e, "end with '.'", "a trailing dot");
	rc = naming_check_domain(NULL, "a..b", &e);
	says(rc, &e, "empty label", "two dots");
	rc = naming_check_domain(NULL, "a.-b", &e);
	says(rc, &e, "position 3", "a dash at the start of a label");
	rc = naming_check_branch(NULL, "a..b", &e);
	says(rc, &e, "'..'", "branch with ..");
	rc = naming_check_branch(NULL, "a.lock", &e);
	says(rc, &e, ".lock", "branch ending in .lock");
	rc = naming_check_branch(NULL, "a@{1}", &e);
	says(rc, &e, "'@{'", "branch with @{");
	rc = naming_check_branch(NULL, "a b", &e);
	says(rc, &e, "a space", "branch with a space");
	rc = naming_check_branch(NULL, "a\xff", &e);
	says(rc, &e, "UTF-8", "branch with a broken byte");
	rc = naming_check_branch(NULL, "-x", &e);
	says(rc, &e, "start with '-'", "branch like an option");
	rc = naming_check_env_name(NULL, "1X", &e);
	says(rc, &e, "digit", "env starting with a digit");
	rc = naming_check_env_name(NULL, "A-B", &e);
	says(rc, &e, "letters, digits and '_'", "env with '-'");
	{
		struct buf b = BUF_INIT;

		rc = naming_host(&b, "a", "u1", "apps.example.com", "x.apps.example.com", &e);
		says(rc, &e, "apps.example.com", "custom domain under the platform domain");
		buf_release(&b);
	}
}

/* ---- against an independent oracle ------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* xorshift64: the same strings on every run, so a failure reproduces. */
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_string(char *s, size_t max, const char *alphabet)
{
	size_t n = next() % (max + 1), k = strlen(alphabet), i;

	for (i = 0; i < n; i++)
		s[i] = alphabet[next() % k];
	s[n] = '\0';
}

static void oracle(const char *what, const char *pattern, size_t maxlen, int (*fn)(const char *),
		   const char *alphabet, size_t maxgen)
{
	regex_t re;
	char s[512];
	int i, wrong = 0, valid = 0;

	if (!ok(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0, "%s: the regex compiles",
		what))
		return;
	for (i = 0; i < 20000; i++) {
		int want, got;

		random_string(s, maxgen, alphabet);
		want = regexec(&re, s, 0, NULL, 0) == 0 && strlen(s) <= maxlen;
		got = fn(s);
		valid += want;
		if (want != got && wrong++ < 5)
			printf("#   '%s': regex %d, naming %d\n", s, want, got);
	}
	regfree(&re);
	is_int(wrong, 0, "%s agrees with %s on 20000 random strings", what, pattern);
	ok(valid > 200 && valid < 19800, "%s: the sample holds both kinds (%d valid)", what, valid);
}

static void test_oracle(void)
{
	const char *label = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

	oracle("is_dns_label", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", 63, naming_is_dns_label, "ab09-",
	       70);
	oracle("is_dns_label", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", 63, naming_is_dns_label, "a-", 8);
	oracle("check_id", "^[a-z0-9]+$", NAMING_ID_MAX, ok_id, "az09-A.", 15);
	oracle("check_project", "^[a-z]([-a-z0-9]*[a-z0-9])?$", NAMING_PROJECT_MAX, ok_project,
	       "az09-", 36);
	oracle("check_env_name", "^[A-Za-z_][A-Za-z0-9_]*$", NAMING_ENV_NAME_MAX, ok_env, "aZ_09-",
	       12);
	oracle("check_env_name", "^[A-Za-z_][A-Za-z0-9_]*$", NAMING_ENV_NAME_MAX, ok_env, "aZ_09",
	       140);
	{
		char pattern[256];

		snprintf(pattern, sizeof(pattern), "^%s(\\.%s)*$", label, label);
		oracle("is_dns_name", pattern, 253, naming_is_dns_name, "a0-.", 12);
		oracle("is_dns_name", pattern, 253, naming_is_dns_name, "aaaaaaaaaaaaaaaaaaaa.",
		       300);
	}
	/* Labels of more than 63 inside names: the regex cannot bound them, so
	 * check them against the same regex plus a separate length rule. */
	{
		char s[400];
		int i, wrong = 0;

		for (i = 0; i < 2000; i++) {
			size_t n = 50 + next() % 200, j, run = 0, maxrun = 0;

			for (j = 0; j < n; j++)
				s[j] = (next() % 70) ? 'a' : '.';
			s[n] = '\0';
			for (j = 0; j <= n; j++) {
				if (s[j] == 'a') {
					run++;
					continue;
				}
				maxrun = run > maxrun ? run : maxrun;
				run = 0;
			}
			int want = s[0] != '.' && s[n - 1] != '.' && !strstr(s, "..") &&
				   maxrun <= 63 && n <= 253;
			if (naming_is_dns_name(s) != want && wrong++ < 5)
				printf("#   '%s': want %d\n", s, want);
		}
		is_int(wrong, 0, "is_dns_name and labels around 63 inside long names");
	}
}

int main(void)
{
	run_data_file();
	test_bytes();
	test_limits();
	test_builders();
	test_unambiguous();
	test_messages();
	test_oracle();
	return tap_done();
}
