/* list.c: paging parameters and the list envelope */
#include "list.h"

#include "jsonutil.h"
#include "naming.h"

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int printable(const char *s)
{
	for (; *s; s++) {
		if (!isgraph((unsigned char)*s))
			return 0;
	}
	return 1;
}

static int digits(const char *s, const char *also, size_t min, size_t max)
{
	size_t n = strlen(s);
	struct buf set = BUF_INIT;
	int ok;

	buf_addf(&set, "0123456789%s", also);
	ok = strspn(s, set.buf) == n && n >= min && n <= max;
	buf_release(&set);
	return ok;
}

int list_cursor_ok(enum list_cursor kind, const char *c)
{
	switch (kind) {
	case LIST_CURSOR_UUID:
		return naming_is_uuid(c);
	case LIST_CURSOR_SEQ:
		return digits(c, "", 1, 9);
	case LIST_CURSOR_ID:
		return digits(c, "", 1, 18);
	case LIST_CURSOR_WS:
		return naming_is_dns_label(c) && strlen(c) <= NAMING_ID_MAX;
	case LIST_CURSOR_LOGIN:
		return strlen(c) <= 39;
	case LIST_CURSOR_TIME:
		return digits(c, ".", 1, SIZE_MAX);
	case LIST_CURSOR_PAGE:
		return digits(c, "", 1, 5) && atol(c) >= 1 && atol(c) <= 10000;
	}
	return 0;
}

int list_parse(struct req *r, struct list_page *p, enum list_cursor kind)
{
	struct buf v = BUF_INIT;
	int ret = -1, rc;

	p->limit = 50;
	p->cursor[0] = '\0';
	if ((rc = req_query_value(r, "limit", &v))) {
		char *end;

		p->limit = strtol(v.buf, &end, 10);
		if (rc < 0 || *end || p->limit < 1 || p->limit > 100) {
			req_fail(r, 400, "invalid_limit",
				 "limit must be a whole number from 1 to 100");
			goto out;
		}
	}
	if ((rc = req_query_value(r, "cursor", &v))) {
		if (rc < 0 || v.len >= sizeof(p->cursor) || !printable(v.buf) ||
		    !list_cursor_ok(kind, v.buf)) {
			req_fail(r, 400, "invalid_cursor",
				 "cursor is not one this endpoint gave out");
			goto out;
		}
		snprintf(p->cursor, sizeof(p->cursor), "%s", v.buf);
	}
	ret = 0;
out:
	buf_release(&v);
	return ret;
}

void list_answer(struct req *r, struct json_object *items, const char *next)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "items", items);
	ju_add_str(o, "next_cursor", next);
	req_json(r, 200, o);
	json_object_put(o);
}

void list_answer_rows(struct req *r, PGresult *res, const struct err *e, const struct list_page *p,
		      struct json_object *(*render)(struct req *r, const PGresult *res, int row),
		      int cursor_col)
{
	struct json_object *items;
	int n;

	if (!res) {
		req_error(r, e);
		return;
	}
	items = json_object_new_array();
	n = PQntuples(res);

	for (int i = 0; i < n && i < p->limit; i++)
		json_object_array_add(items, render(r, res, i));
	list_answer(r, items, n > p->limit ? PQgetvalue(res, (int)p->limit - 1, cursor_col) : NULL);
	PQclear(res);
}

void list_answer_one(struct req *r, PGresult *res, const struct err *e,
		     struct json_object *(*render)(struct req *r, const PGresult *res, int row),
		     int status, const char *missing)
{
	struct json_object *o;

	if (!res) {
		req_error(r, e);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		req_fail(r, 404, "not_found", "%s", missing);
		return;
	}
	o = render(r, res, 0);
	PQclear(res);
	req_json(r, status, o);
	json_object_put(o);
}

const char *list_fetch(const struct list_page *p, char *buf, size_t n)
{
	snprintf(buf, n, "%ld", p->limit + 1);
	return buf;
}
